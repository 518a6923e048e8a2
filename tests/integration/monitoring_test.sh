#!/usr/bin/env bash
# The agent with the fleet's own engines, both real and on loopback: an incident appears in a
# real Alertmanager (clustering off) with the labels routes need and disappears when it is
# resolved; a real Prometheus scrapes the agent and answers a query for one of its metrics.
set -euo pipefail
AGENT=$1
CLI=$2
source "$(dirname "$0")/lib.sh"

for bin in prometheus-alertmanager prometheus; do
  command -v "$bin" >/dev/null || fail "$bin is not installed (scripts/install-deps.sh installs it)"
done
ports=()
while ((${#ports[@]} < 3)); do
  p=$(free_port) || fail "no free port"
  [[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
done
PORT=${ports[0]} AM_PORT=${ports[1]} PROM_PORT=${ports[2]}

mkdir -p "$WORK/am" "$WORK/prom" "$WORK/playbooks"
chmod 0755 "$WORK/playbooks"
cat >"$WORK/am/alertmanager.yml" <<'YML'
route: {receiver: "null", group_wait: 1s}
receivers: [{name: "null"}]
YML
prometheus-alertmanager --config.file="$WORK/am/alertmanager.yml" --storage.path="$WORK/am" \
  --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= >"$WORK/alertmanager.log" 2>&1 &
PIDS+=("$!")
cat >"$WORK/prom/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: novacron
    static_configs: [{targets: ["127.0.0.1:$PORT"]}]
YML
prometheus --config.file="$WORK/prom/prometheus.yml" --storage.tsdb.path="$WORK/prom/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
PIDS+=("$!")

cat >"$WORK/playbooks/gate.yaml" <<YAML
name: gate
severity: 2
category: application
description: a change waits at the gate for a human
verify: {window: 1s, mandatory: ["load_tasks >= 0"]}
actions:
  - {id: open_gate, type: exec, with: {argv: ["/bin/true"]}}
YAML
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
node: {id: node-am, labels: {region: eu-test, role: db}}
http: {listen: "127.0.0.1:$PORT"}
alertmanager: {url: "http://127.0.0.1:$AM_PORT/", resend_interval: 2s, timeout: 2s}
playbooks_dir: $WORK/playbooks
YAML
SOCK="$WORK/state/agent.sock"
nc() { "$CLI" --socket "$SOCK" "$@"; }
start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"
wait_for 30 curl -fsS "http://127.0.0.1:$AM_PORT/-/ready" || fail "Alertmanager is not ready"
wait_for 30 curl -fsS "http://127.0.0.1:$PROM_PORT/-/ready" || fail "Prometheus is not ready"

# --- Alertmanager ---------------------------------------------------------------------------
nc trigger gate --reason "change window" >/dev/null
ID=$(sqlite3 "$WORK/state/agent.db" "SELECT id FROM incidents WHERE playbook='gate' LIMIT 1")
[[ -n $ID ]] || fail "no incident"
alerts() { curl -fsS "http://127.0.0.1:$AM_PORT/api/v2/alerts?filter=alertname%3D%22gate%22"; }
wait_for 15 bash -c "curl -fsS 'http://127.0.0.1:$AM_PORT/api/v2/alerts?filter=alertname%3D%22gate%22' | grep -q '$ID'" ||
  fail "the incident did not reach Alertmanager: $(alerts)"
out=$(alerts)
for label in '"alertname":"gate"' '"severity":"high"' '"category":"application"' '"instance":"node-am"' \
  '"region":"eu-test"' '"role":"db"' "\"incident_id\":\"$ID\"" \
  '"description":"a change waits at the gate for a human"' '"state":"active"'; do
  grep -q "$label" <<<"$out" || fail "alert lacks $label: $out"
done
pass "incident $ID is an active alert in Alertmanager with its labels and annotations"

# Re-sent while open: Alertmanager's updatedAt moves on.
first=$(grep -o '"updatedAt":"[^"]*"' <<<"$out")
wait_for 10 bash -c "curl -fsS 'http://127.0.0.1:$AM_PORT/api/v2/alerts?filter=alertname%3D%22gate%22' | grep -o '\"updatedAt\":\"[^\"]*\"' | grep -vq '${first#*:}'" ||
  fail "the alert was not re-sent: $(alerts)"
pass "the open incident's alert is re-sent"

nc approve "$ID" open_gate >/dev/null
wait_for 10 bash -c "[[ \$(sqlite3 '$WORK/state/agent.db' \"SELECT state FROM incidents WHERE id='$ID'\") == resolved ]]" ||
  fail "the incident did not resolve: $(nc incident "$ID")"
wait_for 15 bash -c "! curl -fsS 'http://127.0.0.1:$AM_PORT/api/v2/alerts?filter=alertname%3D%22gate%22' | grep -q '$ID'" ||
  fail "the alert is still active after the incident resolved: $(alerts)"
metrics=$(curl -fsS "http://127.0.0.1:$PORT/metrics")
grep -Eq '^novacron_alertmanager_pushes_total [2-9]' <<<"$metrics" || fail "pushes: $(grep alertmanager <<<"$metrics")"
grep -q '^novacron_alertmanager_failures_total 0$' <<<"$metrics" || fail "failures: $(grep alertmanager <<<"$metrics")"
pass "resolving the incident ended the alert"

# --- Prometheus -----------------------------------------------------------------------------
query() { curl -fsS "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1"; }
wait_for 30 bash -c "curl -fsS 'http://127.0.0.1:$PROM_PORT/api/v1/query' --data-urlencode 'query=novacron_alertmanager_pushes_total{job=\"novacron\"} > 0' | grep -q '\"instance\":\"127.0.0.1:$PORT\"'" ||
  fail "Prometheus has no novacron_alertmanager_pushes_total: $(query 'novacron_alertmanager_pushes_total')"
out=$(query 'up{job="novacron"}')
grep -q '"value":\[[0-9.]*,"1"\]' <<<"$out" || fail "up: $out"
out=$(query 'novacron_memory_available_bytes{job="novacron"}')
grep -q '"value":\[[0-9.]*,"[1-9][0-9]*"\]' <<<"$out" || fail "memory: $out"
pass "Prometheus scrapes the agent: up is 1 and its metrics answer queries"
