#!/usr/bin/env bash
# All benchmarks of the foundation. Usage: bench/run.sh BUILD_DIR [IDLE_SECONDS]
set -euo pipefail
BUILD=${1:-build}
IDLE=${2:-60}
BIN="$BUILD/bin"
HERE=$(dirname "$0")

echo "== host sweep, store, /metrics rendering (Google Benchmark)"
"$BIN/collectors_bench" --benchmark_min_time=2

echo "== policy engine: 500 playbooks over 5,000 series; parsing 500 playbooks"
"$BIN/policy_bench" --benchmark_min_time=2

echo "== durable timeline event writes (WAL, synchronous=FULL)"
"$BIN/store_bench" --benchmark_min_time=2

echo "== condition true -> first automated action started (for: 0s)"
"$BIN/incident_latency" 200
if ((EUID == 0)); then
  "$BIN/incident_latency" --cgroup 200
  echo "== the same through the broker, as when root starts the agent"
  "$BIN/incident_latency" --broker 200
fi

echo "== /metrics latency: 1000 sequential scrapes, new connection each"
WORK=$(mktemp -d)
chmod 0755 "$WORK"  # started as root, the agent runs as novacron, which must reach its state
PORT=$((20000 + RANDOM % 40000))
printf 'bench-token\n' >"$WORK/api.token"
chmod 0640 "$WORK/api.token"
getent group novacron >/dev/null && chgrp novacron "$WORK/api.token"
printf 'state_dir: %s\nhttp: {listen: "127.0.0.1:%s", token_file: %s}\n' "$WORK/state" "$PORT" \
  "$WORK/api.token" >"$WORK/agent.yaml"
"$BIN/novacron-agent" --config "$WORK/agent.yaml" 2>"$WORK/agent.log" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
sleep 2
"$BIN/scrape_bench" "$PORT" 1000 /metrics

echo "== GET /v1/status with the bearer token: 1000 sequential requests, new connection each"
"$BIN/scrape_bench" "$PORT" 1000 /v1/status bench-token

echo "== reporter: 100,000 queued events replayed to a local test coordinator"
"$BIN/reporter_bench" 100000

echo "== control socket: 1000 sequential requests, 200 status round trips"
"$BIN/control_bench" "$WORK/state/agent.sock" 1000
echo "== the whole 'novacron status' command, process start included, 200 times"
for _ in $(seq 1 200); do
  s=$(date +%s%N)
  "$BIN/novacron" --socket "$WORK/state/agent.sock" status >/dev/null
  echo $((($(date +%s%N) - s) / 1000))
done | sort -n | awk '{ v[NR] = $1 } END { printf "novacron status x%d: p50 %.2f ms, p99 %.2f ms (target p99 <= 10 ms)\n", NR, v[int(NR * 0.5)] / 1000, v[int(NR * 0.99)] / 1000 }'
kill $PID
wait $PID || true

if ((EUID == 0)) && [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
  echo "== PostgreSQL collection cycle, 100 connections"
  "$HERE/pg_bench.sh" "$BUILD"
fi

echo "== idle daemon over ${IDLE}s"
"$HERE/idle_footprint.sh" "$BIN/novacron-agent" "$IDLE"
