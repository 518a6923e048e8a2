#!/usr/bin/env bash
# The coordinator with a real PostgreSQL and a real agent: the schema applied and checked, tokens
# made, listed and revoked; a real agent's events stored once each in order, its incidents and
# itself in the fleet view (API and novacron fleet), every answer valid against contract/; every
# kind of bad input refused precisely with nothing stored and counted; a retried batch stored
# once; PostgreSQL stopped mid-stream: 503 with Retry-After, nothing lost, and after its restart
# every event exactly once; the coordinator killed with -9 and started again: the same.
set -euo pipefail
AGENT=$1
CLI=$2
COORD=$3
source "$(dirname "$0")/lib.sh"
start_postgres

PORT=$(free_port) || fail "no free port"
API=$(free_port) || fail "no free port"
DEAD=$(free_port) || fail "no free port"
AM_PORT=$(free_port) || fail "no free port"
command -v prometheus-alertmanager >/dev/null || fail "prometheus-alertmanager is not installed"
mkdir -p "$WORK/am"
printf 'route: {receiver: "null", group_wait: 1s}\nreceivers: [{name: "null"}]\n' >"$WORK/am/alertmanager.yml"
prometheus-alertmanager --config.file="$WORK/am/alertmanager.yml" --storage.path="$WORK/am" \
  --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= >"$WORK/alertmanager.log" 2>&1 &
PIDS+=("$!")
cat >"$WORK/coordinator.yaml" <<YAML
id: coord-a
listen: 127.0.0.1:$PORT
database: {dsn_file: $WORK/pg.dsn, pool: 4, timeout: 2s}
ingest: {max_body_bytes: 200000, max_events: 500}
fleet: {silent_after: 10s}
alertmanager: {url: "http://127.0.0.1:$AM_PORT", resend_interval: 2s}
YAML
C=("$COORD" --config "$WORK/coordinator.yaml")
URL=http://127.0.0.1:$PORT

# --- the schema ------------------------------------------------------------------------------
capture "${C[@]}" migrate --check
[[ $rc == 1 && $out == *"pending: 1 (0001_initial)"* ]] || fail "migrate --check before: $rc $out"
capture "${C[@]}" migrate
[[ $rc == 0 && $out == "schema version $SCHEMA_VERSION" ]] || fail "migrate: $rc $out"
capture "${C[@]}" migrate --check
[[ $rc == 0 && $out == *"current"* ]] || fail "migrate --check after: $rc $out"
pass "the schema is applied once and checked"

# --- tokens ----------------------------------------------------------------------------------
"${C[@]}" token create node-a >"$WORK/node-a.token" 2>/dev/null
"${C[@]}" token create node-b >"$WORK/node-b.token" 2>/dev/null
"${C[@]}" token create ops --reader >"$WORK/reader.token" 2>/dev/null
chmod 0600 "$WORK/reader.token"
secret "$WORK/node-a.token"
grep -Eq '^ncn_[0-9a-f]{64}$' "$WORK/node-a.token" || fail "token: $(cat "$WORK/node-a.token")"
[[ $(psql_ -c "SELECT count(*) FROM tokens WHERE position(convert_to('$(cat "$WORK/node-a.token")', 'UTF8') IN hash) > 0") == 0 ]] ||
  fail "the token itself is in the database"
capture "${C[@]}" token create 'a/b'
[[ $rc == 1 && $out == *"is not a name"* ]] || fail "a bad name: $out"
capture "${C[@]}" token list
[[ $(grep -c ' node ' <<<"$out") == 2 && $out == *"reader  ops"* ]] || fail "token list: $out"
pass "tokens are made, listed and kept as hashes"

"${C[@]}" >"$WORK/coordinator.log" 2>&1 &
PIDS+=("$!")
COORD_PID=$!
wait_for 10 curl -fsS "$URL/healthz" || fail "the coordinator did not start"
curl -fsS "$URL/healthz" >"$WORK/health.json"
validate 'coordinator.schema.json#/$defs/health' "$WORK/health.json"

# --- a real agent, with a dead coordinator first in its list --------------------------------
echo api-secret >"$WORK/api.token"
secret "$WORK/api.token"
SEVERITY=2 hold_playbooks "$WORK/playbooks" hold deny
# A condition that always holds and worsens at once: severity_raised; a step whose only_if does not
# hold: action_skipped.
cat >"$WORK/playbooks/watch.yaml" <<YAML
name: watch
severity: 3
category: infrastructure
description: always holds
when: load1 >= 0
escalate_when: load1 >= 0
escalate_to: 1
verify: {window: 1s, mandatory: ["load1 < 0"]}
actions:
  - {id: never, type: exec, automated: true, only_if: "load1 < 0", with: {argv: ["/bin/true"]}}
  - {id: fix, type: exec, automated: true, with: {argv: ["/bin/true"]}}
YAML
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
node: {id: node-a, labels: {region: eu, role: db}}
http: {listen: "127.0.0.1:$API", token_file: $WORK/api.token}
coordinator:
  urls: [http://127.0.0.1:$DEAD/v1/events, $URL/v1/events]
  token_file: $WORK/node-a.token
  timeout: 2s
  backoff_max: 1s
  heartbeat: 2s
playbooks_dir: $WORK/playbooks
YAML
SOCK="$WORK/state/agent.sock"
DB="$WORK/state/agent.db"
nc() { "$CLI" --socket "$SOCK" "$@"; }
pending() { sqlite3 "$DB" 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND parked = 0'; }
start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"
AGENT_PID=${PIDS[-1]}
wait_for 20 bash -c "sqlite3 '$DB' \"SELECT state FROM incidents WHERE playbook = 'watch'\" | grep -Eq 'escalated|resolved'" ||
  fail "the watch incident did not end: $(sqlite3 "$DB" 'SELECT kind FROM events')"
sqlite3 "$DB" "SELECT kind FROM events" | grep -q action_skipped || fail "the watch playbook did not skip its first step"
HOLD=$(nc --json trigger hold | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
DENY=$(nc --json trigger deny | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
nc approve "$HOLD" fix >/dev/null
nc deny "$DENY" fix --reason "not now" >/dev/null
nc pause --reason drill >/dev/null
nc resume >/dev/null
wait_for 30 bash -c "[[ \$(sqlite3 '$DB' 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND parked = 0') == 0 ]]" ||
  fail "not delivered: $(pending) pending"
grep -q "coordinator: delivery failed" "$WORK/agent.log" || fail "the dead coordinator was not tried first"
# Every event once, in order; nothing parked.
check_exact() {
  local want got keys order
  want=$(sqlite3 "$DB" 'SELECT COUNT(*) FROM events')
  got=$(psql_ -c "SELECT count(*) FROM events WHERE node = 'node-a'")
  keys=$(psql_ -c "SELECT count(DISTINCT (store_id, seq)) FROM events WHERE node = 'node-a'")
  order=$(psql_ -c "SELECT count(*) FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM events WHERE node = 'node-a') s WHERE seq <> n")
  [[ $got == "$want" && $keys == "$want" && $order == 0 ]] ||
    fail "$1: the agent has $want events, PostgreSQL $got rows, $keys keys, $order out of place"
  [[ $(sqlite3 "$DB" 'SELECT COUNT(*) FROM outbox WHERE parked = 1') == 0 ]] || fail "$1: events parked"
  echo "$want"
}
n=$(check_exact "first delivery")
pass "a real agent's $n events are in PostgreSQL once each, in order, after failing over"

# --- the fleet view ------------------------------------------------------------------------
export NOVACRON_COORDINATOR=$URL NOVACRON_FLEET_TOKEN_FILE=$WORK/reader.token
fleet() { "$CLI" fleet "$@"; }
wait_for 10 bash -c "'$CLI' fleet nodes --json --selector region=eu | grep -q '\"outbox_depth\":0'" || fail "the heartbeat did not say the outbox is empty"
fleet nodes --json >"$WORK/nodes.json"
validate 'coordinator.schema.json#/$defs/nodes_answer' "$WORK/nodes.json"
out=$(fleet nodes --selector region=eu)
grep -Eq '^node-a +[0-9]+s ago +[0-9.]+ +0 +0 +[0-9a-f]{8} +ok$' <<<"$out" || fail "fleet nodes: $out"
grep -q 'node-b' <<<"$out" && fail "the selector let node-b through: $out"
wait_for 20 bash -c "'$CLI' fleet nodes | grep -Eq '^node-b .* SILENT$'" ||
  fail "node-b (registered, never heard from) is not listed silent: $(fleet nodes)"
digest=$(nc --json status | sed -n 's/.*"policy_digest":"sha256:\([0-9a-f]*\)".*/\1/p')
grep -q "${digest:0:8}" <<<"$out" || fail "the policy digest $digest is not the agent's: $out"
fleet incidents --json >"$WORK/incidents.json"
validate 'coordinator.schema.json#/$defs/incidents_answer' "$WORK/incidents.json"
out=$(fleet incidents --selector role=db --severity 2)
[[ $(grep -c 'node-a .* 2 .*escalated' <<<"$out") == 2 ]] || fail "fleet incidents: $out"
grep -Eq 'node-a +1 +escalated +watch' <<<"$(fleet incidents --playbook watch)" ||
  fail "the raised severity is not the fleet's: $(fleet incidents --playbook watch)"
[[ $(fleet incidents --selector role=web --json) == *'"incidents":[]'* ]] || fail "a selector matching nothing"
fleet show "$HOLD" --json >"$WORK/incident.json"
validate 'coordinator.schema.json#/$defs/incident_answer' "$WORK/incident.json"
out=$(fleet show "$DENY")
for kind in opened approval_requested approval_denied escalated; do
  grep -q " $kind " <<<"$out" || fail "fleet show lacks $kind: $out"
done
# The timeline as the agent recorded it: the same kinds in the same order.
fleet_kinds=$(python3 -c "import json,sys; print(' '.join(e['kind'] for e in json.load(open('$WORK/incident.json'))['events']))")
agent_hold=$(sqlite3 "$DB" "SELECT kind FROM events WHERE incident_id = '$HOLD' ORDER BY seq" | tr '\n' ' ')
[[ "$fleet_kinds " == "$agent_hold" ]] || fail "timeline: fleet '$fleet_kinds' agent '$agent_hold'"
capture fleet show nope
[[ $rc == 1 && $out == *"no incident"* ]] || fail "fleet show nope: $rc $out"
capture env NOVACRON_FLEET_TOKEN_FILE="$WORK/node-a.token" "$CLI" fleet nodes
[[ $rc == 3 ]] || fail "a node token read the fleet: $rc $out"
pass "the fleet view lists the node, its incidents and their timelines; a node token may not read it"

# Every /v1 answer of the agent against the contract.
A="Authorization: Bearer api-secret"
curl -fsS -H "$A" "http://127.0.0.1:$API/v1/status" >"$WORK/v1-status.json"
validate 'agent-v1.schema.json#/$defs/status' "$WORK/v1-status.json"
curl -fsS -H "$A" "http://127.0.0.1:$API/v1/incidents?after=0&limit=1000" >"$WORK/v1-feed.json"
validate 'agent-v1.schema.json#/$defs/feed' "$WORK/v1-feed.json"
curl -fsS -H "$A" "http://127.0.0.1:$API/v1/incidents/$HOLD" >"$WORK/v1-incident.json"
validate 'agent-v1.schema.json#/$defs/incident' "$WORK/v1-incident.json"
curl -fsS -H "$A" "http://127.0.0.1:$API/v1/validate" >"$WORK/v1-validate.json"
validate 'agent-v1.schema.json#/$defs/validation' "$WORK/v1-validate.json"
curl -sS -H "$A" "http://127.0.0.1:$API/v1/incidents/nope" >"$WORK/v1-error.json"
validate 'agent-v1.schema.json#/$defs/error' "$WORK/v1-error.json"
curl -fsS -XPOST -H "$A" -d '{"by":"alice"}' "http://127.0.0.1:$API/v1/pause" >"$WORK/v1-pause.json"
validate 'agent-v1.schema.json#/$defs/paused' "$WORK/v1-pause.json"
curl -fsS -XPOST -H "$A" -d '{"by":"alice"}' "http://127.0.0.1:$API/v1/resume" >/dev/null
curl -fsS -XPOST -H "$A" -d '{"by":"alice"}' "http://127.0.0.1:$API/v1/playbooks/hold/trigger" >"$WORK/v1-trigger.json"
validate 'agent-v1.schema.json#/$defs/decided' "$WORK/v1-trigger.json"
pass "every /v1 answer and every coordinator answer is valid against contract/"

# --- bad input: a precise 4xx, nothing stored, counted -------------------------------------
rows() { psql_ -c "SELECT (SELECT count(*) FROM events) || '/' || (SELECT count(*) FROM incidents)"; }
before=$(rows)
body() {  # body NODE STORE SEQ...: a valid push of `note` events
  local node=$1 store=$2 ev="" s
  shift 2
  for s in "$@"; do
    ev+="${ev:+,}{\"key\":\"$node:$store:$s\",\"seq\":$s,\"incident\":\"$node-i\",\"at\":\"2026-12-01T10:00:00.$(printf %03d $((s % 1000)))Z\",\"kind\":\"note\",\"data\":{\"n\":$s}}"
  done
  printf '{"schema_version":"1.%s","node":"%s","store":"%s","labels":{"role":"web"},"agent_version":"test","agent":{"outbox_depth":0,"policy_digest":"","paused":false,"playbooks":0},"events":[%s],"incidents":{}}' \
    "${MINOR:-0}" "$node" "$store" "$ev"
}
post() {  # post TOKEN_FILE BODY: prints the status, the answer in $WORK/answer.json
  curl -sS -o "$WORK/answer.json" -D "$WORK/answer.headers" -w '%{http_code}' -XPOST \
    ${1:+-H "Authorization: Bearer $(cat "$1" 2>/dev/null || echo "$1")"} \
    -H 'Content-Type: application/json' --data-binary "$2" "$URL/v1/events"
}
expect() {  # expect STATUS CODE WHAT: the last answer
  local got
  got=$(sed -n 's/.*"error":"\([a-z_]*\)".*/\1/p' "$WORK/answer.json")
  [[ $status == "$1" && $got == "$2" ]] || fail "$3: HTTP $status $(cat "$WORK/answer.json")"
  validate 'coordinator.schema.json#/$defs/error' "$WORK/answer.json"
}
B=$WORK/node-b.token
status=$(post "$B" '{"schema_version":"1.0",')
expect 400 malformed "truncated JSON"
status=$(post "$B" "$(printf '{"schema_version":"1.0","node":"node-b\xff"}')")
expect 400 malformed "invalid UTF-8"
status=$(post "$B" "$(MINOR=0 body node-b 00000000000000bb 1 | sed 's/"schema_version":"1.0"/"schema_version":"2.0"/')")
expect 400 schema_version "schema_version 2.0"
grep -q 'reads 1.x' "$WORK/answer.json" || fail "the schema_version refusal does not say what it reads"
status=$(post "$B" "$(body node-b 00000000000000bb 1 | sed 's/"node-b:00000000000000bb:1"/"node-a:00000000000000bb:1"/')")
expect 400 invalid "a key of another node"
grep -q '/events/0/key' "$WORK/answer.json" || fail "the refusal does not point at the key"
status=$(post "$B" "$(body node-b 00000000000000bb 2 1)")
expect 400 invalid "seqs out of order"
status=$(post "$B" "$(body node-b 00000000000000bb 1 | sed 's/"at":"[^"]*"/"at":"1970-01-01T00:00:00.000Z"/')")
expect 400 invalid "a time in 1970"
status=$(post "$B" "$(body 'node/../b' 00000000000000bb 1)")
expect 400 invalid "a node id with / and .."
status=$(post "$B" "$(body node-b 00000000000000bb 1 | sed 's/"labels":{"role":"web"}/"labels":{"a,b":"x"}/')")
expect 400 invalid "a label name with ,"
status=$(post "$B" "$(body node-b 00000000000000bb $(seq 1 501))")
[[ $status == 413 || ($status == 400 && $(cat "$WORK/answer.json") == *"at most 500"*) ]] ||
  fail "501 events or 200 kB: HTTP $status"
status=$(post "" "$(body node-b 00000000000000bb 1)")
expect 401 unauthorized "no token"
grep -qi '^WWW-Authenticate: Bearer' "$WORK/answer.headers" || fail "401 without WWW-Authenticate"
status=$(post "ncn_0000" "$(body node-b 00000000000000bb 1)")
expect 401 unauthorized "an unknown token"
status=$(post "$B" "$(body node-a 00000000000000bb 1)")
expect 403 forbidden "node-b's token pushing node-a's events"
[[ $(rows) == "$before" ]] || fail "refused bodies stored something: $before -> $(rows)"
metrics=$(curl -fsS "$URL/metrics")
for reason in malformed invalid schema_version unauthorized forbidden; do
  grep -Eq "^novacron_coordinator_refused_pushes_total\{reason=\"$reason\"\} [1-9]" <<<"$metrics" ||
    fail "refusals of $reason not counted: $(grep refused <<<"$metrics")"
done
if command -v promtool >/dev/null; then
  promtool check metrics <<<"$metrics" >"$WORK/promtool.out" 2>&1 || fail "promtool: $(cat "$WORK/promtool.out")"
fi
pass "bad bodies, tokens and nodes get precise 4xx answers, store nothing, and are counted"

# --- a retried batch; a revoked token ------------------------------------------------------
b=$(body node-b 00000000000000bb 1 2 3)
status=$(post "$B" "$b")
[[ $status == 200 && $(cat "$WORK/answer.json") == *'"inserted":3'* ]] || fail "first: $(cat "$WORK/answer.json")"
validate 'coordinator.schema.json#/$defs/push_answer' "$WORK/answer.json"
status=$(post "$B" "$b")
[[ $status == 200 && $(cat "$WORK/answer.json") == *'"inserted":0'*'"duplicates":3'* ||
  $(cat "$WORK/answer.json") == *'"duplicates":3'*'"inserted":0'* ]] || fail "again: $(cat "$WORK/answer.json")"
status=$(post "$B" "$(body node-b 00000000000000bb 2 3 7)")
[[ $status == 200 && $(cat "$WORK/answer.json") == *'"gaps":1'* ]] || fail "a gap: $(cat "$WORK/answer.json")"
[[ $(psql_ -c "SELECT first_seq || '-' || last_seq FROM gaps WHERE node = 'node-b'") == 4-6 ]] ||
  fail "the gap recorded: $(psql_ -c 'SELECT * FROM gaps')"
[[ $(psql_ -c "SELECT count(*) FROM events WHERE node = 'node-b'") == 4 ]] || fail "node-b's events"
capture "${C[@]}" token revoke node-b
[[ $rc == 0 && $out == "revoked 1 token(s) of node-b" ]] || fail "revoke: $out"
status=$(post "$B" "$(body node-b 00000000000000bb 8)")
expect 401 unauthorized "a revoked token"
pass "a retried batch is stored once, a gap is noticed, a revoked token is refused at once"

# --- PostgreSQL stopped mid-stream --------------------------------------------------------
churn() { for _ in $(seq 1 "$1"); do nc pause --reason load >/dev/null; nc resume >/dev/null; done; }
churn 20 &
CHURN=$!
pg_stop immediate
wait_for 20 bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' '$URL/healthz') == 503 ]]" ||
  fail "healthz with PostgreSQL down: $(curl -s "$URL/healthz")"
status=$(post "$WORK/node-a.token" "$(body node-a 00000000000000aa 1)")
[[ $status == 503 ]] || fail "a push with PostgreSQL down: HTTP $status $(cat "$WORK/answer.json")"
grep -qi '^Retry-After: ' "$WORK/answer.headers" || fail "503 without Retry-After"
wait "$CHURN"
churn 10
wait_for 20 bash -c "'$CLI' --socket '$SOCK' status | grep -Eq 'coordinator +delivery +degraded'" ||
  fail "the agent does not show the coordinator failing: $(nc status | grep coordinator)"
((  $(pending) > 0 )) || fail "nothing waits while PostgreSQL is down"
pg_start
wait_for 60 bash -c "[[ \$(sqlite3 '$DB' 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND parked = 0') == 0 ]]" ||
  fail "not delivered after PostgreSQL came back: $(pending) pending; $(tail -3 "$WORK/coordinator.log")"
n=$(check_exact "after PostgreSQL's restart")
pass "PostgreSQL stopped mid-stream: 503 with Retry-After, then all $n events exactly once"

# --- the coordinator killed with -9 mid-stream --------------------------------------------
churn 30 &
CHURN=$!
wait_for 10 bash -c "(( \$(psql -X -At -h 127.0.0.1 -p $PGPORT -U postgres -d postgres -c \"SELECT count(*) FROM events WHERE node = 'node-a'\") > $n ))"
kill -KILL "$COORD_PID"
wait "$COORD_PID" 2>/dev/null || true
wait "$CHURN"
"${C[@]}" >>"$WORK/coordinator.log" 2>&1 &
PIDS+=("$!")
wait_for 10 curl -fsS "$URL/healthz" || fail "the coordinator did not start again"
wait_for 60 bash -c "[[ \$(sqlite3 '$DB' 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND parked = 0') == 0 ]]" ||
  fail "not delivered after the coordinator's restart: $(pending) pending"
n=$(check_exact "after kill -9 of the coordinator")
pass "the coordinator killed with -9 mid-stream: all $n events exactly once after its restart"

# --- an agent whose outbox overflows while its coordinator is away: outbox_dropped ------------
cat >"$WORK/agent-c.yaml" <<YAML
state_dir: $WORK/state-c
node: {id: node-c}
http: {listen: "127.0.0.1:$(free_port)"}
coordinator: {urls: [http://127.0.0.1:$DEAD/v1/events], outbox_max_events: 100, backoff_max: 1s}
playbooks_dir: $WORK/playbooks
YAML
rm -f "$WORK/playbooks/watch.yaml"
start_agent "$WORK/agent-c.yaml" "$WORK/agent-c.log" "$WORK/state-c/agent.sock"
ncc() { "$CLI" --socket "$WORK/state-c/agent.sock" "$@"; }
ncc trigger hold >/dev/null
ncc trigger deny >/dev/null
for _ in $(seq 1 40); do ncc pause >/dev/null; ncc resume >/dev/null; done
wait_for 20 bash -c "sqlite3 '$WORK/state-c/agent.db' \"SELECT kind FROM events\" | grep -q outbox_dropped" ||
  fail "no outbox_dropped with 160 events over a bound of 100"
pass "an outbox over its bound drops its oldest and says so (outbox_dropped)"

# --- who watches the watcher: a node that falls silent is an alert until it is heard from -----
silent_alert() {  # silent_alert NODE: the node's NovacronAgentSilent alert is active
  curl -fsS "http://127.0.0.1:$AM_PORT/api/v2/alerts?active=true&filter=alertname%3D%22NovacronAgentSilent%22&filter=node%3D%22$1%22" |
    grep -q '"node":"'"$1"'"'
}
silent_alert node-a && fail "node-a is alerted as silent while it reports"
kill -STOP "$AGENT_PID"
wait_for 40 silent_alert node-a || fail "node-a fell silent and no alert came: $(tail -3 "$WORK/coordinator.log")"
kill -CONT "$AGENT_PID"
wait_for 40 bash -c "! curl -fsS 'http://127.0.0.1:$AM_PORT/api/v2/alerts?active=true&filter=alertname%3D%22NovacronAgentSilent%22&filter=node%3D%22node-a%22' | grep -q node-a" ||
  fail "node-a is heard from again and its alert did not end"
grep -Eq '^novacron_coordinator_alertmanager_pushes_total\{result="ok"\} [1-9]' <<<"$(curl -fsS "$URL/metrics")" ||
  fail "alert pushes not counted"
pass "a node that fell silent (agent stopped) was alerted to Alertmanager (NovacronAgentSilent) and its alert ended when it was heard from"
