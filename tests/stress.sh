#!/usr/bin/env bash
# Runs the whole ctest suite ROUNDS times under stress-ng (both cores busy, 1 GiB of memory
# churned) and ROUNDS times pinned to one core, and counts the failures of each test: a test that
# depends on the machine's speed fails here before it fails on someone else's machine.
# Usage: tests/stress.sh BUILD_DIR ROUNDS
set -uo pipefail
BUILD=$(realpath "$1")
ROUNDS=${2:-3}
LOG=$(mktemp -d)
trap 'kill "$STRESS" 2>/dev/null; rm -rf "$LOG"' EXIT
STRESS=""
failures=0
run() {  # run NAME PREFIX...: one round of the suite under PREFIX
  local name=$1
  shift
  (cd "$BUILD" && "$@" ctest --output-on-failure -j 2 >"$LOG/$name.log" 2>&1)
  local rc=$?
  local failed
  failed=$(grep -E '^\s+[0-9]+ - ' "$LOG/$name.log" | sed 's/^ *[0-9]* - //' | tr '\n' ' ')
  if ((rc == 0)); then
    echo "$name: all passed"
  else
    echo "$name: FAILED: $failed"
    failures=$((failures + 1))
    cp "$LOG/$name.log" "/tmp/novacron-stress-$name.log"
  fi
}
# Without stress-ng a "stressed" round is a plain one that passes for what it is not.
command -v stress-ng >/dev/null || {
  echo "stress.sh: stress-ng is missing (scripts/install-deps.sh stress, or make test-stress)" >&2
  exit 2
}
for i in $(seq 1 "$ROUNDS"); do
  stress-ng --cpu 2 --vm 1 --vm-bytes 1G --timeout 1h --quiet &
  STRESS=$!
  run "stress-$i"
  kill "$STRESS" 2>/dev/null
  wait "$STRESS" 2>/dev/null
  STRESS=""
done
for i in $(seq 1 "$ROUNDS"); do
  run "one-core-$i" taskset -c 0
done
echo "$failures of $((2 * ROUNDS)) rounds had failures (logs in /tmp/novacron-stress-*.log)"
((failures == 0))
