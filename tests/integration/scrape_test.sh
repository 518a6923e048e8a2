#!/usr/bin/env bash
# The real agent scraping an application's /metrics (a test server serving a file the test
# rewrites): the series reach the store with target=orders and stay off the agent's /metrics, a
# playbook on the error rate opens an incident when 5xx answers climb and resolves it when they
# stop, and a target that goes away is reported down.
set -euo pipefail
AGENT=$1
CLI=$2
SERVER=$3
source "$(dirname "$0")/lib.sh"

PORT=$(free_port) || fail "no free port"
SOCK="$WORK/state/agent.sock"
nc() { "$CLI" --socket "$SOCK" "$@"; }
EXPO="$WORK/metrics.prom"

# exposition OK ERRORS: the service's counters now, written whole (rename), as a scrape may come
# at any moment.
exposition() {
  cat >"$EXPO.tmp" <<PROM
# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{code="200",method="GET"} $1
http_requests_total{code="503",method="GET"} $2
# TYPE jobs_queue_depth gauge
jobs_queue_depth{queue="email"} 12
PROM
  mv "$EXPO.tmp" "$EXPO"
}
exposition 1000 0
coproc SRV { exec "$SERVER" "$EXPO"; }
PIDS+=("$SRV_PID")
read -r -t 10 APP_PORT <&"${SRV[0]}" || fail "the metrics server did not start"

# A squatter on another port, admitting every name (the default), serving the host's own metrics
# under their short names at alarming values: what a local user who runs or squats a target's
# port could serve to open forged incidents or hide the real figures.
cat >"$WORK/squat.prom" <<'PROM'
disk_used_ratio{mount="/"} 0.999
cpu_usage_ratio 1
memory_available_bytes 1
app_ok 1
suspicious_client{address="198.51.100.7"} 1
PROM
coproc SQUAT { exec "$SERVER" "$WORK/squat.prom"; }
PIDS+=("$SQUAT_PID")
read -r -t 10 SQUAT_PORT <&"${SQUAT[0]}" || fail "the squatter's server did not start"

mkdir -p "$WORK/playbooks"
cat >"$WORK/playbooks/orders.yaml" <<'YAML'
name: orders_errors
severity: 2
category: application
description: more than 5 % of the orders service's answers are 5xx
when: sum(rate(http_requests_total{code=~"5.."}, 10s)) / sum(rate(http_requests_total, 10s)) > 5%
# Recovered: under 1 % over the last 3 s, for 20 s (within the 40 s verification allows).
verify:
  window: 20s
  mandatory: ['sum(rate(http_requests_total{code=~"5.."}, 3s)) / sum(rate(http_requests_total, 3s)) < 1%']
actions:
  - {id: tell, type: notify, automated: true, with: {template: initial_alert}}
YAML
# An application's labels and root: by default a scraped label never reaches an action that needs
# root (here a harmless echo, so that a failure of the check changes nothing on the host); a
# label declared from_scrape may.
cat >"$WORK/playbooks/app_labels.yaml" <<'YAML'
- name: app_label_kept_out
  severity: 3
  category: security
  when: suspicious_client > 0
  label_types: {address: address}
  actions:
    - {id: echo, type: exec, automated: true, with: {argv: ["/bin/echo", "{labels.address}"]}}
- name: app_label_let_in
  severity: 3
  category: security
  when: suspicious_client > 0
  label_types: {address: {type: address, from_scrape: true}}
  actions:
    - {id: echo, type: exec, automated: true, with: {argv: ["/bin/echo", "{labels.address}"]}}
YAML
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
playbooks_dir: $WORK/playbooks
collectors:
  scrape:
    - {name: orders, url: "http://127.0.0.1:$APP_PORT/metrics", interval: 1s, metrics: ["http_.*", "jobs_.*"]}
    - {name: squatter, url: "http://127.0.0.1:$SQUAT_PORT/metrics", interval: 1s}
YAML
start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"

# --- the series arrive, labelled with the target, and only in the store -------------------
wait_for 20 bash -c "'$CLI' --socket '$SOCK' status | grep -Eq '^orders +scrape +ok'" ||
  fail "no ok scrape row: $(nc status)"
out=$(nc metrics http_requests_total)
grep -q 'code="503".*target="orders"\|target="orders".*code="503"' <<<"$out" ||
  fail "the scraped series are not in the store: $out"
metrics=$(curl -s "http://127.0.0.1:$PORT/metrics")
grep -q '^novacron_scrape_up{target="orders"} 1' <<<"$metrics" || fail "no novacron_scrape_up 1"
grep -q '^http_requests_total' <<<"$metrics" && fail "the application's series are served back"
pass "scraped series are in the store with target=orders, not on the agent's /metrics"

# --- the squatter's copies of the host's metrics go nowhere ----------------------------------
wait_for 20 bash -c "curl -s http://127.0.0.1:$PORT/metrics | grep -q '^novacron_scrape_dropped_series{target=\"squatter\"} 3'" ||
  fail "the squatter's host names were not refused: $(curl -s "http://127.0.0.1:$PORT/metrics" | grep squatter)"
nc metrics app_ok | grep -q 'target="squatter"' || fail "the squatter's own metric is not in the store"
for m in disk_used_ratio cpu_usage_ratio memory_available_bytes; do
  out=$(nc metrics "$m" || true)
  grep -q squatter <<<"$out" && fail "$m holds the squatter's series: $out"
done
grep -Eq "^squatter +scrape +degraded .*3 series named as this host's metrics \\(disk_used_ratio\\) left out" <<<"$(nc status -v || true)" || fail "the refusal is not in the status: $(nc status -v)"
nc --json incidents | grep -q squatter && fail "an incident on the squatter's figures: $(nc incidents)"
pass "a target serving disk_used_ratio, cpu_usage_ratio and memory_available_bytes: all 3 refused and counted, none in the store, no incident"

wait_for 30 bash -c "'$CLI' --socket '$SOCK' --json incidents | grep -q app_label_kept_out" || fail "no app_label_kept_out incident: $(nc incidents)"
kept=$(nc incidents | awk '$3 == "app_label_kept_out" {print $1; exit}')
let=$(nc incidents | awk '$3 == "app_label_let_in" {print $1; exit}')
[[ -n $kept && -n $let ]] || fail "incidents: $(nc incidents)"
wait_for 20 bash -c "'$CLI' --socket '$SOCK' --json incident '$kept' | grep -q '\"action\":\"echo\"[^}]*\"state\":\"failed\"'" ||
  fail "the application's label reached a root action: $(nc incident "$kept")"
nc --json incident "$kept" | grep -q "label address comes from an application's series, and echo needs root" ||
  fail "no reason for the refusal: $(nc incident "$kept")"
wait_for 20 bash -c "'$CLI' --socket '$SOCK' --json incident '$let' | grep -q '\"action\":\"echo\"[^}]*\"state\":\"done\"'" ||
  fail "a label declared from_scrape did not run: $(nc incident "$let")"
pass "an application's label kept from a root action unless declared from_scrape (refused with its reason; the declared one ran)"

# --- 5xx climb: the playbook opens; they stop: it resolves --------------------------------
ok=1000 errors=0
climb() {  # a second of traffic: 100 requests, `1` of them 5xx for every 10
  ok=$((ok + 100 - $1 * 10))
  errors=$((errors + $1 * 10))
  exposition "$ok" "$errors"
}
opened=""
for _ in $(seq 1 60); do
  climb 3
  opened=$(nc incidents | awk '$3 == "orders_errors" { print $1 }')
  [[ -n $opened ]] && break
  sleep 0.5
done
[[ -n $opened ]] || fail "30% errors did not open orders_errors: $(nc status; tail -n 20 "$WORK/agent.log")"
id=$opened
resolved=""
for _ in $(seq 1 240); do
  climb 0
  if nc --json incident "$id" | grep -q '"state":"resolved"'; then
    resolved=1
    break
  fi
  sleep 0.5
done
[[ -n $resolved ]] || fail "the incident did not resolve once the errors stopped: $(nc incident "$id")"
pass "a 30 % error rate opened orders_errors ($id); it resolved once the 5xx stopped"

# --- the application goes away: the target is down, the agent carries on -------------------
kill -TERM "$SRV_PID"
wait "$SRV_PID" 2>/dev/null || true
wait_for 20 bash -c "'$CLI' --socket '$SOCK' status | grep -Eq '^orders +scrape +down'" ||
  fail "a vanished target is not down: $(nc status)"
curl -s "http://127.0.0.1:$PORT/metrics" | grep -q '^novacron_scrape_up{target="orders"} 0' ||
  fail "novacron_scrape_up is not 0"
pass "a vanished target is reported down"

echo "scrape: all checks passed"
