#!/usr/bin/env bash
# CPU the scrape targets add: the agent idle with no target, then with TARGETS local endpoints of
# SERIES series each (counters and a histogram, as a service exposes them) scraped every 15 s;
# the agent's (and its broker's) CPU ticks over SECONDS each way, read from /proc.
# Usage: scrape_cpu.sh AGENT METRICS_SERVER [TARGETS] [SERIES] [SECONDS]
set -euo pipefail
AGENT=$1
SERVER=$2
TARGETS=${3:-10}
SERIES=${4:-2000}
SECS=${5:-60}
WORK=$(mktemp -d)
chmod 0755 "$WORK"
SERVERS=()
trap 'kill ${SERVERS[*]} $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
PID=""
# The exposition: SERIES series, 4 in 5 request counters by handler and code, the rest buckets.
{
  echo "# TYPE http_requests_total counter"
  for ((i = 0; i < SERIES * 4 / 5; i++)); do
    echo "http_requests_total{handler=\"/api/v1/r$((i / 5))\",code=\"$((200 + i % 5))\"} $((i * 37))"
  done
  echo "# TYPE http_request_duration_seconds histogram"
  for ((i = 0; i < SERIES / 5; i++)); do
    echo "http_request_duration_seconds_bucket{handler=\"/api/v1/r$((i / 10))\",le=\"0.$((i % 10))\"} $i"
  done
} >"$WORK/metrics.prom"
scrape_yaml=""
for ((t = 0; t < TARGETS; t++)); do
  "$SERVER" "$WORK/metrics.prom" >"$WORK/port.$t" &
  SERVERS+=("$!")
  for _ in $(seq 1 100); do [[ -s $WORK/port.$t ]] && break; sleep 0.1; done
  read -r port <"$WORK/port.$t"
  scrape_yaml+="    - {name: app$t, url: \"http://127.0.0.1:$port/metrics\", interval: 15s}"$'\n'
done
HZ=$(getconf CLK_TCK)
measure() {  # measure CONFIG: CPU % of one core over SECS
  "$AGENT" --config "$1" 2>"$WORK/agent.log" &
  PID=$!
  sleep 5
  local pids="$PID $(pgrep -P "$PID" -x novacron-broker || true)"
  ticks() { for p in $pids; do cat "/proc/$p/stat"; done | awk '{t += $14 + $15} END {print t}'; }
  local t0 s0 t1 s1
  t0=$(ticks)
  s0=$(date +%s.%N)
  sleep "$SECS"
  t1=$(ticks)
  s1=$(date +%s.%N)
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  awk -v a="$t0" -v b="$t1" -v s="$s0" -v e="$s1" -v hz="$HZ" 'BEGIN { printf "%.3f", (b - a) / hz / (e - s) * 100 }'
}
PORT=$((20000 + RANDOM % 40000))
printf 'state_dir: %s\nhttp: {listen: "127.0.0.1:%s"}\n' "$WORK/s0" "$PORT" >"$WORK/none.yaml"
printf 'state_dir: %s\nhttp: {listen: "127.0.0.1:%s"}\ncollectors:\n  scrape:\n%s' "$WORK/s1" "$PORT" \
  "$scrape_yaml" >"$WORK/scrape.yaml"
none=$(measure "$WORK/none.yaml")
with=$(measure "$WORK/scrape.yaml")
grep -q "scrape" "$WORK/agent.log" && grep -i "scrape.*fail\|error" "$WORK/agent.log" | head -3
echo "no target: ${none} %  ${TARGETS} x ${SERIES} series every 15 s: ${with} %  added: $(awk -v a="$none" -v b="$with" 'BEGIN { printf "%.3f", b - a }') % of one core"
