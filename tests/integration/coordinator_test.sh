#!/usr/bin/env bash
# The agent and its coordinator: over 1,000 events written while the coordinator answers 500,
# hangs and drops connections are all delivered afterwards, in order, none twice at the receiver;
# an agent killed with -9 while a batch is being accepted loses nothing after its restart; the
# /v1 API refuses requests without the right token, records who approved an action, follows a
# rotated or removed token file and is disabled when no token file is configured; and it serves
# https with a configured certificate.
set -euo pipefail
AGENT=$1
CLI=$2
COORD=$3
source "$(dirname "$0")/lib.sh"

PORT=$(free_port) || fail "no free port"
TOKEN=coordinator-secret-1
API_TOKEN=api-secret-1
printf '%s\n' "$TOKEN" >"$WORK/coord.token"
printf '%s\n' "$API_TOKEN" >"$WORK/api.token"
secret "$WORK/coord.token" "$WORK/api.token"

"$COORD" "$TOKEN" "$WORK/bodies.jsonl" >"$WORK/coord.ports" 2>"$WORK/coordinator.log" &
PIDS+=("$!")
wait_for 5 test -s "$WORK/coord.ports" || fail "the test coordinator did not start"
read -r EVENTS_PORT CONTROL_PORT <"$WORK/coord.ports"
coord() { curl -fsS "http://127.0.0.1:$CONTROL_PORT/$1"; }
stat_of() { coord stats | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }

mkdir -p "$WORK/playbooks"
chmod 0755 "$WORK/playbooks"
for i in $(seq 0 9); do
  cat >"$WORK/playbooks/hold$i.yaml" <<YAML
name: hold$i
severity: 3
category: application
description: waits for an approval
actions:
  - {id: fix, type: exec, with: {argv: ["/bin/true"]}}
YAML
done
write_config() {
  cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
node: {id: node-7, labels: {region: test}}
http: {listen: "127.0.0.1:$PORT", token_file: $WORK/api.token}
coordinator:
  url: http://127.0.0.1:$EVENTS_PORT/v1/events
  token_file: $WORK/coord.token
  timeout: 1s
  batch_size: 100
  backoff_max: 1s
playbooks_dir: $WORK/playbooks
YAML
}
write_config
SOCK="$WORK/state/agent.sock"
DB="$WORK/state/agent.db"
nc() { "$CLI" --socket "$SOCK" "$@"; }
events_in_db() { sqlite3 "$DB" 'SELECT COUNT(*) FROM events'; }
pending() { sqlite3 "$DB" 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND parked = 0'; }
# 10 incidents waiting for approval, then ROUNDS pause/resume pairs: 20 events a round.
churn() {
  for _ in $(seq 1 "$1"); do
    nc pause --reason load >/dev/null
    nc resume >/dev/null
  done
}

# --- down for a while: 500s, hangs, dropped connections --------------------------------------
coord mode/500 >/dev/null
start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"
for i in $(seq 0 9); do nc trigger "hold$i" >/dev/null; done
churn 50
total=$(events_in_db)
((total >= 1000)) || fail "only $total events written"
wait_for 10 bash -c "'$CLI' --socket '$SOCK' status | grep -Eq 'coordinator +delivery +degraded'" ||
  fail "status does not show delivery degraded: $(nc status)"
metrics=$(curl -fsS "http://127.0.0.1:$PORT/metrics")
depth=$(sed -n 's/^novacron_outbox_depth \([0-9]*\)$/\1/p' <<<"$metrics")
((depth >= 1000)) || fail "outbox depth $depth: $(grep outbox <<<"$metrics")"
grep -Eq '^novacron_coordinator_failures_total [1-9]' <<<"$metrics" || fail "no failures counted"
coord mode/hang >/dev/null
sleep 2.5
coord mode/drop >/dev/null
sleep 2
[[ $(stat_of events) == 0 ]] || fail "events accepted while failing: $(coord stats)"
grep -q 'coordinator: delivery failed' "$WORK/agent.log" || fail "failures not logged"
pass "$total events queued while the coordinator answered 500, hung and dropped connections"

coord mode/ok >/dev/null
wait_for 30 bash -c "[[ \$(sqlite3 '$DB' 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND parked = 0') == 0 ]]" ||
  fail "not delivered: $(pending) pending, $(coord stats)"
total=$(events_in_db)
stats=$(coord stats)
[[ $(stat_of events) == "$total" && $(stat_of duplicates) == 0 && $(stat_of out_of_order) == 0 &&
  $(stat_of min_seq) == 1 && $(stat_of max_seq) == "$total" ]] ||
  fail "after recovery: $stats with $total events in the store"
grep -q 'coordinator: delivering again' "$WORK/agent.log" || fail "recovery not logged"
metrics=$(curl -fsS "http://127.0.0.1:$PORT/metrics")
grep -q '^novacron_outbox_depth 0$' <<<"$metrics" || fail "depth after delivery: $(grep outbox <<<"$metrics")"
grep -Eq '^novacron_coordinator_last_success_timestamp_seconds [1-9]' <<<"$metrics" || fail "no last success"
out=$(nc status)
grep -Eq 'coordinator +delivery +ok' <<<"$out" || fail "status after recovery: $out"
pass "all $total delivered after recovery, in order, none twice ($stats)"

# --- kill -9 while a batch is being accepted ------------------------------------------------
coord mode/slow >/dev/null
before=$(stat_of batches)
churn 15
wait_for 10 bash -c "(( \$(curl -fsS http://127.0.0.1:$CONTROL_PORT/stats | sed -n 's/.*\"batches\":\([0-9]*\).*/\1/p') > $before ))" ||
  fail "no batch reached the coordinator"
kill -KILL "${PIDS[-1]}"
wait "${PIDS[-1]}" 2>/dev/null || true
coord mode/ok >/dev/null
start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"
wait_for 30 bash -c "[[ \$(sqlite3 '$DB' 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND parked = 0') == 0 ]]" ||
  fail "not delivered after the restart: $(pending) pending"
total=$(events_in_db)
stats=$(coord stats)
[[ $(stat_of events) == "$total" && $(stat_of out_of_order) == 0 && $(stat_of max_seq) == "$total" ]] ||
  fail "after kill -9: $stats with $total events in the store"
pass "kill -9 during delivery lost nothing: $total events, $(stat_of duplicates) re-sent batch events deduplicated by key"

# --- the /v1 API ------------------------------------------------------------------------------
api() { curl -sS -o "$WORK/api.out" -w '%{http_code}' "$@"; }
URL="http://127.0.0.1:$PORT"
[[ $(api "$URL/v1/status") == 401 ]] || fail "no token: $(cat "$WORK/api.out")"
[[ $(api -H "Authorization: Bearer wrong" "$URL/v1/status") == 401 ]] || fail "wrong token"
[[ $(api -H "Authorization: Bearer $API_TOKEN" "$URL/v1/status") == 200 ]] || fail "right token: $(cat "$WORK/api.out")"
grep -q '"node_id":"node-7"' "$WORK/api.out" || fail "status: $(cat "$WORK/api.out")"
grep -q '"outbox":{' "$WORK/api.out" || fail "status lacks the outbox: $(cat "$WORK/api.out")"
[[ $(api -H "Authorization: Bearer $API_TOKEN" "$URL/v1/incidents?after=0&limit=5") == 200 ]] || fail "incidents"
grep -q '"next":5' "$WORK/api.out" || fail "cursor: $(cat "$WORK/api.out")"
# The same command on the control socket: one table serves both, so the page is the same.
events() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(json.dumps(d.get("data", d)["events"]))'; }
[[ $(nc --json incidents feed --after 0 --limit 5 | events) == "$(events <"$WORK/api.out")" ]] ||
  fail "incidents feed differs from /v1/incidents: $(diff <(nc --json incidents feed --after 0 --limit 5 | events | tr , '\n') <(events <"$WORK/api.out" | tr , '\n'))"
nc incidents feed --after 2 --limit 1 | grep -q '^next: 3$' || fail "incidents feed: $(nc incidents feed --after 2 --limit 1)"
set +e
nc incidents feed --limit x >/dev/null 2>&1
[[ $? == 64 ]] || fail "--limit x is a usage error"
set -e
pass "/v1 refuses a missing or wrong token and serves status and the event cursor, as the socket does"

# The restart handed the held incidents over; a new one waits for its approval.
nc trigger hold0 >/dev/null
ID=$(sqlite3 "$DB" "SELECT id FROM incidents WHERE playbook='hold0' AND resolved_at IS NULL LIMIT 1")
[[ -n $ID ]] || fail "no open hold0 incident: $(nc incidents)"
code=$(api -X POST -H "Authorization: Bearer $API_TOKEN" -d '{"by":"bob"}' "$URL/v1/incidents/$ID/ack")
[[ $code == 200 ]] || fail "ack: $code $(cat "$WORK/api.out")"
code=$(api -X POST -H "Authorization: Bearer wrong" -d '{"approver":"alice"}' "$URL/v1/incidents/$ID/actions/fix/approve")
[[ $code == 401 ]] || fail "approve with a wrong token: $code"
code=$(api -X POST -H "Authorization: Bearer $API_TOKEN" -d '{"approver":"alice","reason":"looks right"}' "$URL/v1/incidents/$ID/actions/fix/approve")
[[ $code == 200 ]] || fail "approve: $code $(cat "$WORK/api.out")"
out=$(nc --json incident "$ID")
grep -q '"kind":"approval_granted"' <<<"$out" || fail "no approval on the timeline: $out"
grep -q '"by":"alice","reason":"looks right"' <<<"$out" || fail "approver not recorded: $out"
grep -q '"acknowledged_at":[0-9]' <<<"$out" || fail "not acknowledged: $out"
pass "acknowledging and approving through the API record bob, alice and her reason on $ID"

printf 'api-secret-2\n' >"$WORK/api.token"
[[ $(api -H "Authorization: Bearer $API_TOKEN" "$URL/v1/status") == 401 ]] || fail "old token after rotation"
[[ $(api -H "Authorization: Bearer api-secret-2" "$URL/v1/status") == 200 ]] || fail "rotated token"
rm "$WORK/api.token"
[[ $(api -H "Authorization: Bearer api-secret-2" "$URL/v1/status") == 401 ]] || fail "token file missing"
sed -i 's|, token_file: [^}]*}|}|' "$WORK/agent.yaml"
kill -HUP "${PIDS[-1]}"
wait_for 10 bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' $URL/v1/status) == 404 ]]" ||
  fail "/v1 still enabled without a token file"
pass "a rotated token works at once, a missing token file admits nobody, no token file disables /v1"

# --- https ---------------------------------------------------------------------------------
TLS_PORT=$(free_port) || fail "no free port"
while [[ $TLS_PORT == "$PORT" ]]; do TLS_PORT=$(free_port) || fail "no free port"; done
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
chmod 0600 "$WORK/tls.key"
printf '%s\n' "$API_TOKEN" >"$WORK/api.token"
secret "$WORK/api.token"
mkdir -p "$WORK/tls-state"
cat >"$WORK/tls.yaml" <<YAML
state_dir: $WORK/tls-state
http:
  listen: "127.0.0.1:$TLS_PORT"
  token_file: $WORK/api.token
  tls: {cert: $WORK/tls.crt, key: $WORK/tls.key}
YAML
"$AGENT" --config "$WORK/tls.yaml" 2>"$WORK/tls-agent.log" &
PIDS+=("$!")
wait_for 10 curl -fsS --cacert "$WORK/tls.crt" "https://127.0.0.1:$TLS_PORT/healthz" || fail "no https"
code=$(curl -sS -o "$WORK/api.out" -w '%{http_code}' --cacert "$WORK/tls.crt" -H "Authorization: Bearer $API_TOKEN" "https://127.0.0.1:$TLS_PORT/v1/status")
[[ $code == 200 ]] || fail "https /v1/status: $code"
capture curl -sS --max-time 3 "http://127.0.0.1:$TLS_PORT/healthz"
((rc != 0)) || fail "plain http answered on the https port: $out"
pass "https with the configured certificate; plain http is not served there"

# Every body the agent sent in this test (over 1,000 events, retried batches) against the contract.
validate --lines push.schema.json "$WORK/bodies.jsonl"
pass "every push body ($(wc -l <"$WORK/bodies.jsonl") batches) is valid against contract/push.schema.json"
