#!/usr/bin/env bash
# Memory bounded by bytes: the real agent scraping, for a minute, a target that answers every
# scrape with 150 new series of 15 labels of 4 kB (as reported, 9 MB to 385 MB in 40 s, and
# MemoryMax then killed the agent over and over). The scraped series stay within the store's
# byte budget, the oldest are evicted and counted, and the main process's memory stays bounded.
set -euo pipefail
AGENT=$1
CLI=$2
SERVER=$3
source "$(dirname "$0")/lib.sh"

PORT=$(free_port) || fail "no free port"
SOCK="$WORK/state/agent.sock"
coproc SRV { exec "$SERVER" --churn 150 15 4000; }
PIDS+=("$SRV_PID")
read -r -t 10 APP_PORT <&"${SRV[0]}" || fail "the churning server did not start"
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
collectors:
  scrape:
    - {name: churn, url: "http://127.0.0.1:$APP_PORT/metrics", interval: 1s, timeout: 900ms}
YAML
start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"
AGENT_PID=${PIDS[-1]}
metric() { curl -s "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$AGENT_PID/status"; }

# A minute of churn, bounded in time; the peak RSS of the main process read as it goes.
peak=0
end=$((SECONDS + 60))
while ((SECONDS < end)); do
  kill -0 "$AGENT_PID" 2>/dev/null || fail "the agent died under the churn: $(tail -n 20 "$WORK/agent.log")"
  r=$(rss_kb)
  ((r > peak)) && peak=$r
  sleep 1
done
evicted=$(metric novacron_store_evicted_series_total)
bytes=$(metric novacron_store_scraped_bytes)
scrapes=$(curl -s "http://127.0.0.1:$PORT/metrics" | grep -c '^novacron_scrape_up{target="churn"} 1' || true)
[[ $scrapes == 1 ]] || fail "the target was not scraped: $(nc_status=$("$CLI" --socket "$SOCK" status -v || true); echo "$nc_status")"
awk -v e="$evicted" 'BEGIN {exit !(e >= 1000)}' || fail "only $evicted series evicted"
# The budget (16 MiB a target) holds; the whole process stays far under the unit's 384M.
awk -v b="$bytes" 'BEGIN {exit !(b <= 16 * 1048576)}' || fail "the scraped series hold $bytes bytes"
((peak < 160 * 1024)) || fail "the main process peaked at $((peak / 1024)) MB"
pass "a minute of 150 new series x 15 labels x 4 kB a scrape: $evicted series evicted, $((${bytes%.*} / 1048576)) MiB held (budget 16), RSS peak $((peak / 1024)) MB"
