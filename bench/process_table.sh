#!/usr/bin/env bash
# The process table read with N extra processes on the host, from /proc and from the BPF task
# iterator (root only): CPU time of one read, median of 3 repetitions, and its share of one core
# at the default 5 s process interval.
#   bench/process_table.sh [BUILD_DIR] [N...]      (default: build 3000 30000)
set -euo pipefail
build=${1:-build}
shift || true
counts=("$@")
((${#counts[@]})) || counts=(3000 30000)
bin=$build/bin
for n in "${counts[@]}"; do
  coproc CROWD { "$bin/crowd" "$n"; }
  crowd_pid=$CROWD_PID
  read -r ready made <&"${CROWD[0]}"
  [[ $ready == ready ]] || { echo "process_table: crowd did not start" >&2; exit 1; }
  total=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)
  echo "== $made extra processes, $total in /proc"
  "$bin/collectors_bench" --benchmark_filter='BM_ProcessTable' --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true --benchmark_min_time=2 2>/dev/null |
    awk '/_median/ { ms = $4 / 1000; printf "%-28s %9.2f ms a read, %.3f %% of a core at 5 s\n", $1, ms, ms / 50 }'
  exec {CROWD[1]}>&-  # its stdin closes: it kills its children
  wait "$crowd_pid" || true
done
