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
  condition_fuzz substitute_fuzz broker_protocol_fuzz address_fuzz exposition_fuzz redis_fuzz
  sample_json_fuzz task_records_fuzz systemctl_show_fuzz)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# One target per core at a time: each still gets SECONDS of a core of its own.
jobs=${FUZZ_JOBS:-$(nproc)}
run_one() {  # run_one TARGET: its summary line, or its log's tail and a failure
  local t=$1
  mkdir -p "$scratch/$t"
  # -rss_limit_mb: a parser must not need more than this for any input of at most -max_len.
  if ! "$bin/$t" -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=1024 -timeout=10 \
    -print_final_stats=1 "$scratch/$t" "$here/corpus/$t" 2>"$scratch/$t.log"; then
    tail -n 60 "$scratch/$t.log"
    echo "fuzz: $t FAILED"
    return 1
  fi
  grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$scratch/$t.log" |
    tr '\n' ' ' | sed "s/^/fuzz: $t: /"
  echo
}
failed=0
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  batch=("${targets[@]:i:jobs}")
  pids=()
  for t in "${batch[@]}"; do
    echo "fuzz: $t for ${seconds}s"
    run_one "$t" >"$scratch/$t.out" 2>&1 &
    pids+=($!)
  done
  for k in "${!pids[@]}"; do
    wait "${pids[$k]}" || failed=1
    cat "$scratch/${batch[$k]}.out"
  done
  ((failed == 0)) || { echo "fuzz: a target failed (its reproducer is in $PWD)" >&2; exit 1; }
done
