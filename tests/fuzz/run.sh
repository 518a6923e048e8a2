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
# By default every target built (the list is tests/fuzz/CMakeLists.txt's), each with a corpus.
if ((${#targets[@]} == 0)); then
  for f in "$bin"/*_fuzz; do [[ -x $f ]] && targets+=("$(basename "$f")"); done
fi
for t in "${targets[@]}"; do
  [[ -d $here/corpus/$t ]] || { echo "fuzz: $t has no corpus in tests/fuzz/corpus/$t"; exit 1; }
done
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
