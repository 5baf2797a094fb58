#!/bin/bash
out=/work/quiet/chain; mkdir -p $out
for r in 1 2 3; do
  for n in before after; do
    for b in chain mapBufferTimeout; do
      java -cp /work/jars/$n.jar org.openjdk.jmh.Main "ChainBenchmark.$b\$" -f 1 -wi 5 -i 5 -rf json -rff $out/$n-$b-$r.json > $out/$n-$b-$r.txt 2>&1
    done
  done
done
