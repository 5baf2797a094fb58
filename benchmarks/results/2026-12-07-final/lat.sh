#!/bin/bash
out=/work/quiet/lat; mkdir -p $out
for r in 1 2 3; do
  for n in before after; do
    java -cp /work/jars/$n.jar io.changeflux.bench.EngineBench $out/$n-$r.json --only latency --chunks 6 > $out/$n-$r.txt 2>&1
  done
done
