#!/bin/sh
# Builds the benchmarks jar and runs the report: every harness against its raw baseline, in one run,
# writing benchmarks/results/<date>/report.md (+ PNG charts, results.json, jmh.json).
#   benchmarks/run.sh                      quick profile (under 10 minutes on 2 cores)
#   benchmarks/run.sh --full               longer rounds, 1 GiB hashed, JMH default iterations
#   benchmarks/run.sh --only latency,git   some sections (jmh latency burst scale hashing redis nats git runwatch webhook)
#   benchmarks/run.sh --jmh [--quick|--paired-only] [regex]   only the JMH operator benchmarks (BenchmarkReport)
set -e
cd "$(dirname "$0")/.."
mvn -q -pl benchmarks -am package -DskipTests
if [ "$1" = "--jmh" ]; then
  shift
  if [ $# -eq 0 ]; then set -- --quick; fi
  exec java -cp benchmarks/target/benchmarks.jar io.changeflux.BenchmarkReport --out benchmarks/results "$@"
fi
exec java -jar benchmarks/target/benchmarks.jar "$@"
