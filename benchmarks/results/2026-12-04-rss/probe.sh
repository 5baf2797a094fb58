#!/usr/bin/env bash
# probe.sh LABEL JAR "OPTS" -> LABEL + the PROBE json
label=$1 jar=$2 opts=$3
read -r -a o <<<"$opts"
line=$(java "${o[@]}" -cp "$jar" io.changeflux.bench.ScaleProbe fs-native "${TREE:-/tmp/rss-tree/t}" 2>/dev/null | grep '^PROBE')
echo "$label $line"
