#!/usr/bin/env bash
# High availability with real processes: two coordinators started together on one empty
# PostgreSQL apply the schema once; three real agents push to them (each preferring one, the
# other next in its coordinator.urls) while they churn out events; one coordinator is killed with
# -9 mid-stream, then PostgreSQL is stopped (-m immediate) and started again mid-stream. After:
# every event each agent recorded is in PostgreSQL exactly once (rows = distinct keys = the
# agent's events), in order per node, and every outbox is empty.
set -euo pipefail
AGENT=$1
CLI=$2
COORD=$3
source "$(dirname "$0")/lib.sh"
start_postgres

P1=$(free_port) || fail "no free port"
P2=$(free_port) || fail "no free port"
for i in 1 2; do
  port=P$i
  cat >"$WORK/c$i.yaml" <<YAML
id: coord-$i
listen: 127.0.0.1:${!port}
database: {dsn_file: $WORK/pg.dsn, pool: 4, timeout: 2s}
YAML
done
# Started together on an empty database: each migration is applied once, under the lock.
"$COORD" --config "$WORK/c1.yaml" >"$WORK/c1.log" 2>&1 &
PIDS+=("$!")
C1=$!
"$COORD" --config "$WORK/c2.yaml" >"$WORK/c2.log" 2>&1 &
PIDS+=("$!")
wait_for 20 curl -fsS "http://127.0.0.1:$P1/healthz" || fail "coordinator 1 did not start"
wait_for 20 curl -fsS "http://127.0.0.1:$P2/healthz" || fail "coordinator 2 did not start"
[[ $(psql_ -c "SELECT count(*) FROM schema_migrations") == "$SCHEMA_VERSION" ]] ||
  fail "migrations applied: $(psql_ -c 'SELECT * FROM schema_migrations')"
grep -q "schema at version $SCHEMA_VERSION" "$WORK/c1.log" && grep -q "schema at version $SCHEMA_VERSION" "$WORK/c2.log" ||
  fail "both coordinators do not report the schema"
pass "two coordinators started together applied the schema once"

hold_playbooks "$WORK/playbooks" hold
NODES=(node-1 node-2 node-3)
for i in 0 1 2; do
  node=${NODES[$i]}
  "$COORD" --config "$WORK/c1.yaml" token create "$node" >"$WORK/$node.token" 2>/dev/null
  secret "$WORK/$node.token"
  first=$P1 second=$P2
  ((i == 1)) && { first=$P2; second=$P1; }
  cat >"$WORK/$node.yaml" <<YAML
state_dir: $WORK/$node
node: {id: $node}
http: {listen: "127.0.0.1:$(free_port)"}
coordinator:
  urls: [http://127.0.0.1:$first/v1/events, http://127.0.0.1:$second/v1/events]
  token_file: $WORK/$node.token
  timeout: 2s
  batch_size: 50
  backoff_max: 1s
playbooks_dir: $WORK/playbooks
YAML
  start_agent "$WORK/$node.yaml" "$WORK/$node.log" "$WORK/$node/agent.sock"
  "$CLI" --socket "$WORK/$node/agent.sock" trigger hold >/dev/null
done
# Each agent: pause/resume pairs in the background (2 events each) until $WORK/stop exists, so
# that both faults below happen while events are being written and pushed.
churn() {
  local sock=$WORK/$1/agent.sock
  while [[ ! -e $WORK/stop ]]; do
    "$CLI" --socket "$sock" pause --reason churn >/dev/null
    "$CLI" --socket "$sock" resume >/dev/null
  done
}
stored() { psql -X -At -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -c "SELECT count(*) FROM events" 2>/dev/null || echo 0; }
churners=()
for node in "${NODES[@]}"; do
  churn "$node" &
  churners+=("$!")
done
wait_for 30 bash -c "(( \$(psql -X -At -h 127.0.0.1 -p $PGPORT -U postgres -d postgres -c 'SELECT count(*) FROM events') > 100 ))" ||
  fail "nothing stored while the agents churn"
kill -KILL "$C1"
wait "$C1" 2>/dev/null || true
killed_at=$(stored)
wait_for 30 bash -c "(( \$(psql -X -At -h 127.0.0.1 -p $PGPORT -U postgres -d postgres -c 'SELECT count(*) FROM events') > $killed_at + 100 ))" ||
  fail "no progress through coordinator 2 after coordinator 1 was killed"
pg_stop immediate
wait_for 20 bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$P2/healthz) == 503 ]]" ||
  fail "coordinator 2 does not see PostgreSQL down"
wait_for 20 bash -c "curl -fsS http://127.0.0.1:$P2/metrics | grep -Eq '^novacron_coordinator_refused_pushes_total.reason=.unavailable.. [1-9]'" ||
  fail "no push was answered 503 while PostgreSQL was down"
pg_start
restarted_at=$(stored)
wait_for 60 bash -c "(( \$(psql -X -At -h 127.0.0.1 -p $PGPORT -U postgres -d postgres -c 'SELECT count(*) FROM events') > $restarted_at + 100 ))" ||
  fail "no progress after PostgreSQL came back"
touch "$WORK/stop"
for pid in "${churners[@]}"; do wait "$pid"; done
grep -q 'coordinator: delivery failed' "$WORK/node-1.log" || fail "node-1 never saw coordinator 1 fail"
for node in "${NODES[@]}"; do
  db=$WORK/$node/agent.db
  wait_for 90 bash -c "[[ \$(sqlite3 '$db' 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL') == 0 ]]" ||
    fail "$node: $(sqlite3 "$db" 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL') events not delivered"
done
total=0
summary=""
for node in "${NODES[@]}"; do
  db=$WORK/$node/agent.db
  want=$(sqlite3 "$db" 'SELECT COUNT(*) FROM events')
  got=$(psql_ -c "SELECT count(*) FROM events WHERE node = '$node'")
  keys=$(psql_ -c "SELECT count(DISTINCT (store_id, seq)) FROM events WHERE node = '$node'")
  order=$(psql_ -c "SELECT count(*) FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM events WHERE node = '$node') s WHERE seq <> n")
  [[ $got == "$want" && $keys == "$want" && $order == 0 ]] ||
    fail "$node: the agent has $want events, PostgreSQL $got rows, $keys keys, $order out of place"
  [[ $(sqlite3 "$db" 'SELECT COUNT(*) FROM outbox WHERE parked = 1') == 0 ]] || fail "$node: events parked"
  total=$((total + want))
  summary+="$node $want, "
done
dup=$(curl -fsS "http://127.0.0.1:$P2/metrics" | sed -n 's/^novacron_coordinator_duplicate_events_total \([0-9]*\)$/\1/p')
pass "3 agents, 2 coordinators, kill -9 of one and a PostgreSQL restart mid-stream: ${summary}$total events, each exactly once, in order per node; outboxes empty ($dup duplicates absorbed by coordinator 2)"
