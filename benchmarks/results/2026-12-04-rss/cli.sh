#!/usr/bin/env bash
# cli.sh LABEL JAR JSA "JVM OPTS" [train]  -> prints: LABEL readyS rssAfterGcMB rssAtReadyMB
set -u
label=$1 jar=$2 jsa=$3 opts=$4 mode=${5:-run}
tree=${TREE:-/tmp/rss-tree/t}
read -r -a o <<<"$opts"
if [ "$mode" = train ]; then
  rm -f "$jsa"; td=$(mktemp -d)
  java "${o[@]}" -XX:ArchiveClassesAtExit="$jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -Dchangeflux.exitWhenReady=true -jar "$jar" watch "fs:$td" >/dev/null 2>&1
  rm -rf "$td"; ls -la "$jsa"; exit 0
fi
cds=(); [ -n "$jsa" ] && [ -f "$jsa" ] && cds=(-XX:SharedArchiveFile="$jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)
out=$(mktemp)
t0=$(date +%s.%N)
java "${o[@]}" "${cds[@]}" ${EXTRA:-} -jar "$jar" watch "fs:$tree" >"$out" 2>&1 &
pid=$!
while ! grep -q '^watching' "$out"; do
  kill -0 $pid 2>/dev/null || { echo "$label DIED"; cat "$out"; exit 1; }
  sleep 0.02
done
t1=$(date +%s.%N)
sleep 0.5
r0=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
jcmd $pid GC.run >/dev/null
sleep 1
r1=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
rt=$r1
if [ -n "${TRIM:-}" ]; then jcmd $pid System.trim_native_heap >/dev/null; sleep 0.3; rt=$(awk '/VmRSS/{print $2}' /proc/$pid/status); fi
if [ -n "${NMT:-}" ]; then jcmd $pid VM.native_memory summary > "$NMT"; fi
if [ -n "${HISTO:-}" ]; then jcmd $pid GC.class_histogram > "$HISTO"; fi
if [ -n "${SMAPS:-}" ]; then cat /proc/$pid/smaps > "$SMAPS"; fi
kill $pid; wait $pid 2>/dev/null
printf '%s ready=%.2f rssGc=%.1f rssReady=%.1f trimmed=%.1f\n' "$label" "$(echo "$t1 - $t0" | bc)" "$(echo "$r1/1024" | bc -l)" "$(echo "$r0/1024" | bc -l)" "$(echo "$rt/1024" | bc -l)"
rm -f "$out"
