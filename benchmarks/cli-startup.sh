#!/usr/bin/env bash
# Time from starting bin/changeflux to its 'watching' line, with the launcher's class-data sharing
# archive and without it (CHANGEFLUX_NO_CDS=1), interleaved in the same run; prints both medians
# and their ratio. The JVM exits right after printing 'watching' (-Dchangeflux.exitWhenReady=true),
# so the time includes the launcher's source hash and the JVM's start and exit.
#   benchmarks/cli-startup.sh [RUNS]     (default 11; the first, which may build, is not counted)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
runs=${1:-11}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export CHANGEFLUX_JAVA_OPTS=-Dchangeflux.exitWhenReady=true
"$root/bin/changeflux" watch "fs:$dir" >/dev/null 2>&1
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
cds=(); plain=()
for _ in $(seq 1 "$runs"); do
  cds+=("$(ms "$root/bin/changeflux" watch "fs:$dir")")
  plain+=("$(ms env CHANGEFLUX_NO_CDS=1 "$root/bin/changeflux" watch "fs:$dir")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
c=$(median "${cds[@]}"); p=$(median "${plain[@]}")
echo "time to watching, median of $runs: with CDS ${c} ms, without ${p} ms, ratio $(awk -v c="$c" -v p="$p" 'BEGIN {printf "%.2f", c / p}')"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
