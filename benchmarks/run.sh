#!/bin/sh
# Builds the benchmarks jar and runs the short profile (JMH --quick, then the paired rounds),
# writing benchmarks/results/jmh.json and benchmarks/results/summary.json.
# Usage: benchmarks/run.sh [--quick|--paired-only] [JMH include regex]
set -e
cd "$(dirname "$0")/.."
mvn -q -pl benchmarks -am package -DskipTests
if [ $# -eq 0 ]; then set -- --quick; fi
exec java -jar benchmarks/target/benchmarks.jar --out benchmarks/results "$@"
