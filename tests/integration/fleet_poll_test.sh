#!/usr/bin/env bash
# Polling, and an upgrade of the schema. A database at the previous schema version (0001, with
# data) is upgraded by the coordinators at start. Two coordinators poll three real agents' /v1
# feeds (one of which also pushes): every event is stored once, however it came; a gap a push
# left (an outbox over its bound) is filled by polling; each node is polled under a lease, and
# when the coordinator holding leases is killed with -9 the other takes its nodes over within
# one lease period.
set -euo pipefail
AGENT=$1
CLI=$2
COORD=$3
source "$(dirname "$0")/lib.sh"
start_postgres
MIGRATIONS=$(cd "$(dirname "$0")/../../coordinator/migrations" && pwd)

# --- the previous schema, with data, upgraded ------------------------------------------------
psql_ -f "$MIGRATIONS/0001_initial.sql" >/dev/null
psql_ -c "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
  sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
  INSERT INTO schema_migrations (version, name, sha256)
    VALUES (1, '0001_initial', '$(sha256sum <"$MIGRATIONS/0001_initial.sql" | cut -d' ' -f1)');
  INSERT INTO nodes (id, labels) VALUES ('old-node', '{\"era\": \"0001\"}');
  SELECT novacron_events_partition(now()::date);
  INSERT INTO events (node, store_id, seq, incident, at, kind, data, via)
    VALUES ('old-node', '00000000000000aa', 1, 'old-node-i', now(), 'opened', '{}', 'push');" >/dev/null
P1=$(free_port) || fail "no free port"
P2=$(free_port) || fail "no free port"
NODES=(node-p1 node-p2 node-p3)
declare -A API
for node in "${NODES[@]}"; do
  API[$node]=$(free_port) || fail "no free port"
  echo "poll-$node-secret" >"$WORK/$node.api.token"
  secret "$WORK/$node.api.token"
done
for i in 1 2; do
  port=P$i
  {
    echo "id: coord-$i"
    echo "listen: 127.0.0.1:${!port}"
    echo "database: {dsn_file: $WORK/pg.dsn, pool: 4, timeout: 2s}"
    echo "poll:"
    echo "  interval: 1s"
    echo "  lease: 4s"
    echo "  timeout: 2s"
    echo "  nodes:"
    for node in "${NODES[@]}"; do
      echo "    - {node: $node, url: \"http://127.0.0.1:${API[$node]}\", token_file: $WORK/$node.api.token}"
    done
  } >"$WORK/c$i.yaml"
done
capture "$COORD" --config "$WORK/c1.yaml" migrate --check
[[ $rc == 1 && $out == *"schema version 1; pending: 2 (0002_polling)"* ]] || fail "migrate --check: $out"
"$COORD" --config "$WORK/c1.yaml" >"$WORK/c1.log" 2>&1 &
PIDS+=("$!")
C1=$!
wait_for 20 curl -fsS "http://127.0.0.1:$P1/healthz" || fail "coordinator 1 did not start"
[[ $(psql_ -c "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations") == 1,2 ]] ||
  fail "after the upgrade: $(psql_ -c 'SELECT * FROM schema_migrations')"
[[ $(psql_ -c "SELECT labels->>'era' FROM nodes WHERE id = 'old-node'") == 0001 &&
  $(psql_ -c "SELECT count(*) FROM events WHERE node = 'old-node'") == 1 ]] || fail "the upgrade lost data"
pass "a database at schema version 1 with data is upgraded to 2 at start, its data kept"
"$COORD" --config "$WORK/c2.yaml" >"$WORK/c2.log" 2>&1 &
PIDS+=("$!")
wait_for 20 curl -fsS "http://127.0.0.1:$P2/healthz" || fail "coordinator 2 did not start"

# --- three agents: two only polled, one pushing too (with a small outbox: it will drop) --------
hold_playbooks "$WORK/playbooks" hold
"$COORD" --config "$WORK/c1.yaml" token create node-p3 >"$WORK/node-p3.push.token" 2>/dev/null
secret "$WORK/node-p3.push.token"
DEAD=$(free_port)
for node in "${NODES[@]}"; do
  {
    echo "state_dir: $WORK/$node"
    echo "node: {id: $node}"
    echo "http: {listen: \"127.0.0.1:${API[$node]}\", token_file: $WORK/$node.api.token}"
    echo "playbooks_dir: $WORK/playbooks"
    if [[ $node == node-p3 ]]; then
      # Pushes to coordinator 1 only after a while: first to a dead one, so that its outbox overflows.
      echo "coordinator: {urls: [\"http://127.0.0.1:$DEAD/v1/events\"], token_file: $WORK/node-p3.push.token, outbox_max_events: 100, backoff_max: 1s}"
    fi
  } >"$WORK/$node.yaml"
  start_agent "$WORK/$node.yaml" "$WORK/$node.log" "$WORK/$node/agent.sock"
  "$CLI" --socket "$WORK/$node/agent.sock" trigger hold >/dev/null
done
AGENT_P3=${PIDS[-1]}
nc3() { "$CLI" --socket "$WORK/node-p3/agent.sock" "$@"; }
for _ in $(seq 1 60); do nc3 pause >/dev/null; nc3 resume >/dev/null; done
wait_for 20 bash -c "sqlite3 '$WORK/node-p3/agent.db' 'SELECT kind FROM events' | grep -q outbox_dropped" ||
  fail "node-p3's outbox did not overflow"
# Now it pushes for real (what is left of its outbox): the dropped events are a gap only polling fills.
sed -i "s#http://127.0.0.1:$DEAD/v1/events#http://127.0.0.1:$P1/v1/events#" "$WORK/node-p3.yaml"
kill -HUP "$AGENT_P3"
exact() {  # exact NODE: PostgreSQL has every event of the agent's store, once each
  local db=$WORK/$1/agent.db
  [[ $(sqlite3 "$db" 'SELECT COUNT(*) FROM events') == $(psql -X -At -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -c "SELECT count(DISTINCT seq) FROM events WHERE node = '$1'") &&
    $(psql -X -At -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -c "SELECT count(*) - count(DISTINCT (store_id, seq)) FROM events WHERE node = '$1'") == 0 ]]
}
export -f exact
export WORK PGPORT
for node in "${NODES[@]}"; do
  wait_for 60 bash -c "exact $node" ||
    fail "$node: agent $(sqlite3 "$WORK/$node/agent.db" 'SELECT COUNT(*) FROM events'), stored $(psql_ -c "SELECT count(*) FROM events WHERE node = '$node'")"
done
[[ $(psql_ -c "SELECT count(*) FROM gaps WHERE node = 'node-p3'") -ge 1 ]] || fail "the push left no gap to fill"
wait_for 20 bash -c "[[ \$(psql -X -At -h 127.0.0.1 -p $PGPORT -U postgres -d postgres -c \"SELECT count(*) FROM gaps WHERE node = 'node-p3' AND filled_at IS NULL\") == 0 ]]" ||
  fail "the gap was not marked filled: $(psql_ -c "SELECT * FROM gaps")"
via=$(psql_ -c "SELECT string_agg(via || '=' || n, ' ' ORDER BY via) FROM (SELECT via, count(*) AS n FROM events WHERE node = 'node-p3' GROUP BY via) s")
[[ $via == *poll=* && $via == *push=* ]] || fail "node-p3's events did not come both ways: $via"
pass "three agents' feeds polled by two coordinators: every event once (node-p3 pushed and polled: $via); the push's gap filled by polling"
for c in 1 2; do
  port=P$c
  wait_for 20 bash -c "curl -fsS http://127.0.0.1:${!port}/metrics | grep -Eq '^novacron_coordinator_polls_total.result=.ok.. [1-9]'" ||
    fail "coordinator $c polled nothing: $(tail -3 "$WORK/c$c.log")"
done
pass "both coordinators poll (the nodes due go to whichever claims them first)"

# --- a coordinator dies holding a lease: the other waits it out, then takes the node ----------
# Coordinator 2 paused and node-p1's API frozen: coordinator 1's poll of node-p1 hangs holding
# its lease; then coordinator 1 is killed with -9 and coordinator 2 resumed.
AGENT_P1=$(pgrep -f -- "[n]ovacron-agent --config $WORK/node-p1.yaml" | head -n 1)
kill -STOP "$(pgrep -f -- "[n]ovacron-coordinator --config $WORK/c2.yaml")"
kill -STOP "$AGENT_P1"
lease() { psql_ -c "SELECT COALESCE(lease_owner, '') || ' ' || COALESCE(extract(epoch FROM lease_until)::text, '') FROM poll_targets WHERE node = 'node-p1'"; }
wait_for 20 bash -c "psql -X -At -h 127.0.0.1 -p $PGPORT -U postgres -d postgres -c \"SELECT lease_owner FROM poll_targets WHERE node = 'node-p1'\" | grep -q coord-1" ||
  fail "coordinator 1 did not claim node-p1: $(lease)"
read -r owner until <<<"$(lease)"
kill -KILL "$C1"
killed=$(date +%s.%N)
wait "$C1" 2>/dev/null || true
kill -CONT "$(pgrep -f -- "[n]ovacron-coordinator --config $WORK/c2.yaml")"
kill -CONT "$AGENT_P1"
wait_for 30 bash -c "[[ \$(psql -X -At -h 127.0.0.1 -p $PGPORT -U postgres -d postgres -c \"SELECT polled_by FROM poll_targets WHERE node = 'node-p1' AND last_polled > to_timestamp($killed)\") == coord-2 ]]" ||
  fail "node-p1 was not polled by coordinator 2 after coordinator 1 died: $(lease)"
polled=$(psql_ -c "SELECT extract(epoch FROM last_polled) FROM poll_targets WHERE node = 'node-p1'")
took=$(python3 -c "print(round($polled - $killed, 1))")
python3 -c "import sys; sys.exit(0 if $polled >= $until - 0.05 else 1)" ||
  fail "coordinator 2 polled node-p1 at $polled, before coordinator 1's lease ran out at $until"
python3 -c "import sys; sys.exit(0 if $took <= 4 + 1 + 3 else 1)" ||
  fail "the handover took ${took}s: more than one lease (4s), one interval (1s) and slack"
for node in "${NODES[@]}"; do
  "$CLI" --socket "$WORK/$node/agent.sock" pause >/dev/null
done
for node in "${NODES[@]}"; do
  wait_for 30 bash -c "exact $node" || fail "$node after the handover"
done
pass "coordinator 1 killed with -9 holding node-p1's lease: coordinator 2 waited it out and polled node-p1 ${took}s after the kill (lease 4s), every event once"
