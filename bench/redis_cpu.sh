#!/usr/bin/env bash
# The CPU one Redis collection costs the agent: the agent idle without Redis, then with INSTANCES
# instances (all on one local redis-server, each its own connection) collected every second; the
# CPU the agent's threads and its broker's ran (/proc/*/task/*/schedstat, nanoseconds) over
# SECONDS each way. The difference over the collections made is the cost of one cycle: INFO sent,
# its reply read and parsed, the samples made and stored.
# Usage: redis_cpu.sh AGENT [INSTANCES] [SECONDS]
set -euo pipefail
AGENT=$1
INSTANCES=${2:-20}
SECS=${3:-60}
WORK=$(mktemp -d)
chmod 0755 "$WORK"
PID=""
REDIS=""
trap 'kill $REDIS $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
RPORT=$((20000 + RANDOM % 20000))
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
  >"$WORK/redis.log" 2>&1 &
REDIS=$!
for _ in $(seq 1 100); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
for i in $(seq 1 1000); do echo "SET key$i $i"; done | redis-cli -p "$RPORT" >/dev/null
for d in 1 2 3; do redis-cli -p "$RPORT" -n "$d" set k v >/dev/null; done

cpu_ns() {  # the agent's and its broker's CPU so far, nanoseconds
  local p
  for p in $PID $(pgrep -P "$PID" -x novacron-broker || true); do cat /proc/"$p"/task/*/schedstat; done |
    awk '{t += $1} END {printf "%.0f", t}'
}
measure() {  # measure CONFIG: CPU nanoseconds over SECS
  "$AGENT" --config "$1" 2>"$WORK/agent.log" &
  PID=$!
  sleep 5
  local a b
  a=$(cpu_ns)
  sleep "$SECS"
  b=$(cpu_ns)
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  echo $((b - a))
}
PORT=$((40000 + RANDOM % 20000))
printf 'state_dir: %s\nhttp: {listen: "127.0.0.1:%s"}\n' "$WORK/s0" "$PORT" >"$WORK/none.yaml"
{
  printf 'state_dir: %s\nhttp: {listen: "127.0.0.1:%s"}\ncollectors:\n  redis:\n' "$WORK/s1" "$PORT"
  for ((i = 0; i < INSTANCES; i++)); do
    printf '    - {name: r%d, address: "127.0.0.1:%s", interval: 1s}\n' "$i" "$RPORT"
  done
} >"$WORK/redis.yaml"
none=$(measure "$WORK/none.yaml")
with=$(measure "$WORK/redis.yaml")
awk -v a="$none" -v b="$with" -v n="$INSTANCES" -v s="$SECS" 'BEGIN {
  printf "idle: %.3f %% of one core  with %d instances every 1 s: %.3f %%  one Redis cycle: %.3f ms of CPU\n",
    a / s / 1e7, n, b / s / 1e7, (b - a) / (n * s) / 1e6 }'
