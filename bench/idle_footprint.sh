#!/usr/bin/env bash
# CPU and memory of the idle agent sampling every second, read from /proc over a window
# (default 60 s) with nothing scraping it: started as root, the agent and its broker together.
# Usage: idle_footprint.sh AGENT_BINARY [SECONDS]
set -euo pipefail
AGENT=$1
SECS=${2:-60}
WORK=$(mktemp -d)
chmod 0755 "$WORK"
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK"' EXIT
PORT=$((20000 + RANDOM % 40000))
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
YAML
"$AGENT" --config "$WORK/agent.yaml" 2>"$WORK/agent.log" &
PID=$!
sleep 5  # start-up and first sweeps out of the window
HZ=$(getconf CLK_TCK)
PIDS="$PID $(pgrep -P "$PID" -x novacron-broker || true)"
ticks() { for p in $PIDS; do cat "/proc/$p/stat"; done | awk '{t += $14 + $15} END {print t}'; }
status_kb() { for p in $PIDS; do awk -v k="$1:" '$1 == k {print $2}' "/proc/$p/status"; done | awk '{s += $1} END {print s}'; }
t0=$(ticks)
s0=$(date +%s.%N)
sleep "$SECS"
t1=$(ticks)
s1=$(date +%s.%N)
rss_kb=$(status_kb VmRSS)
hwm_kb=$(status_kb VmHWM)
echo "processes: $PIDS"
awk -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v hz="$HZ" -v rss="$rss_kb" -v hwm="$hwm_kb" 'BEGIN {
  cpu = (t1 - t0) / hz / (s1 - s0) * 100
  printf "idle_seconds=%.1f cpu_percent_of_one_core=%.3f rss_mb=%.2f peak_rss_mb=%.2f\n", s1 - s0, cpu, rss / 1024, hwm / 1024
  printf "targets: cpu <= 0.2 %%: %s, rss <= 10 MB: %s\n", (cpu <= 0.2 ? "met" : "MISSED"), (hwm / 1024 <= 10 ? "met" : "MISSED")
}'
