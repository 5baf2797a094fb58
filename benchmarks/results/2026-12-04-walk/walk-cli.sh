#!/bin/bash
# runs the CLI as bin/changeflux execs it, timing start -> exit at 'watching'
d=$1
s=$(date +%s.%N)
java -XX:+UseSerialGC -Xms8m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:TieredStopAtLevel=1 -XX:SharedArchiveFile=$d/cli.jsa -Xlog:cds=off -Xlog:cds+dynamic=off -Dchangeflux.exitWhenReady=true -jar $d/cli.jar watch fs:/tmp/walk-tree > /tmp/walk-cli-out.txt 2>&1
rc=$?
e=$(date +%s.%N)
echo "$(echo "$e - $s" | bc) rc=$rc"
