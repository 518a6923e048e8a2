#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each under ASan and UBSan, starting from its corpus in the
# repository (read only; what the run finds goes to a scratch directory). Stops at the first
# crash, leak or undefined behaviour and leaves the reproducer in the current directory.
# Usage: tests/fuzz/run.sh BIN_DIR SECONDS [TARGET...]
set -euo pipefail
bin=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
((${#targets[@]})) || targets=(control_request_fuzz http_request_fuzz config_fuzz playbook_fuzz
  condition_fuzz substitute_fuzz)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  echo "fuzz: $t for ${seconds}s"
  # -rss_limit_mb: a parser must not need more than this for any input of at most -max_len.
  "$bin/$t" -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=1024 -timeout=10 \
    -print_final_stats=1 "$scratch/$t" "$here/corpus/$t" 2>"$scratch/$t.log" ||
    { tail -n 60 "$scratch/$t.log"; echo "fuzz: $t FAILED" >&2; exit 1; }
  grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$scratch/$t.log" |
    tr '\n' ' ' | sed "s/^/fuzz: $t: /"
  echo
done
