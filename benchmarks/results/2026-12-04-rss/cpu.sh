#!/usr/bin/env bash
# cpu.sh LABEL JAR JSA "OPTS": CLI on an empty dir, 20,000 creates in a burst, CPU seconds of the JVM for them
label=$1 jar=$2 jsa=$3 opts=$4
read -r -a o <<<"$opts"
d=$(mktemp -d); out=$(mktemp)
java "${o[@]}" -XX:SharedArchiveFile="$jsa" -Xlog:cds=off -jar "$jar" watch "fs:$d" >"$out" 2>&1 &
pid=$!
until grep -q '^watching' "$out"; do sleep 0.05; done
sleep 1
tick=$(getconf CLK_TCK)
c0=$(awk '{print $14+$15}' /proc/$pid/stat)
python3 -c "
import os
for i in range(20000):
    open('$d/f%d.txt' % i, 'w').write('x')
"
n=0; while [ "$(grep -c CREATED "$out")" -lt 20000 ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done
c1=$(awk '{print $14+$15}' /proc/$pid/stat)
ev=$(grep -c CREATED "$out")
kill $pid; wait $pid 2>/dev/null
echo "$label events=$ev cpu=$(echo "scale=2; ($c1-$c0)/$tick" | bc)s"
rm -rf "$d" "$out"
