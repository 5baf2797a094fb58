#!/bin/bash
# usage: jmhpairs.sh OUTDIR ROUNDS name=jar ...  ; runs chain and mapBufferTimeout, one fork each, interleaved
out=$1; rounds=$2; shift 2
mkdir -p $out
for r in $(seq 1 $rounds); do
  for nj in "$@"; do
    n=${nj%%=*}; j=${nj#*=}
    for b in chain mapBufferTimeout; do
      java -cp $j org.openjdk.jmh.Main "ChainBenchmark.$b\$" -f 1 -wi 5 -i 5 -rf json -rff $out/$n-$b-$r.json > $out/$n-$b-$r.txt 2>&1
    done
  done
done
