#!/usr/bin/env bash
# The PostgreSQL collector against a real PostgreSQL 15 started here on 127.0.0.1 (initdb as the
# postgres user, as DEPENDENCIES.md shows): every figure checked against sessions in a known
# state — idle in transaction, a long pg_sleep, a lock wait — a custom SQL metric, and a server
# frozen with SIGSTOP: down within the timeout while host sampling goes on, back after SIGCONT.
set -euo pipefail
AGENT=$1
CLI=$2
source "$(dirname "$0")/lib.sh"

PGBIN=/usr/lib/postgresql/15/bin
if ((EUID != 0)) || [[ ! -x $PGBIN/initdb ]] || ! id postgres >/dev/null 2>&1; then
  echo "SKIP: needs root and the postgresql package" >&2
  exit 0
fi
PGPORT=$(free_port) || fail "no free port"
PORT=$(free_port) || fail "no free port"
while [[ $PORT == "$PGPORT" ]]; do PORT=$(free_port); done
install -d -o postgres -g postgres "$WORK/pg"
# TCP connections need a password, so that a wrong one can be tested.
echo 'n0vacron-test-pw' >"$WORK/pg/pw"
chown postgres "$WORK/pg/pw"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres --auth-local=trust \
  --auth-host=scram-sha-256 --pwfile="$WORK/pg/pw" -E UTF8 --locale=C.UTF-8 \
  >"$WORK/initdb.log" 2>&1 || fail "initdb: $(cat "$WORK/initdb.log")"
rm -f "$WORK/pg/pw"
export PGPASSWORD=n0vacron-test-pw
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$WORK/pg" start \
  >/dev/null || fail "pg_ctl start: $(cat "$WORK/pg/server.log")"
stop_pg() {
  pkill -CONT -u postgres 2>/dev/null || true
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  cleanup
}
trap stop_pg EXIT
PSQL=(psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
"${PSQL[@]}" -c "CREATE TABLE orders (id int); INSERT INTO orders SELECT generate_series(1, 42);"

DSN="host=127.0.0.1 port=$PGPORT dbname=postgres user=postgres password=n0vacron-test-pw"
echo "$DSN" >"$WORK/pg.dsn"
secret "$WORK/pg.dsn"
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
collectors:
  postgres:
    - name: main
      dsn_file: $WORK/pg.dsn
      interval: 1s
      timeout: 500ms
      long_query_threshold: 2s
      queries:
        - {name: orders, sql: "SELECT count(*) FROM orders", interval: 1s}
YAML
metric() { curl -fsS "http://127.0.0.1:$PORT/metrics" | grep "^novacron_pg_$1" || true; }
value() { metric "$1" | head -n 1 | awk '{ print $2 }'; }
at_least() { awk -v a="$(value "$1")" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 >= b + 0) }'; }

"$AGENT" --config "$WORK/agent.yaml" 2>"$WORK/agent.log" &
PIDS+=("$!")
wait_for 10 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_pg_up{instance=\"main\"} 1'" ||
  fail "pg_up is not 1: $(metric up)"
at_least 'server_version{' 150000 || fail "server version: $(metric server_version)"
[[ $(value 'max_connections{') == 100 ]] || fail "max_connections: $(metric max_connections)"
wait_for 5 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_pg_query_value{instance=\"main\",query=\"orders\"} 42'" ||
  fail "custom query: $(metric query_value)"
pass "up, version $(value 'server_version{'), max_connections 100, custom SQL metric 42"

# Known state: 3 idle in transaction, a 30 s pg_sleep, a lock held and a session waiting on it.
for _ in 1 2 3; do
  (echo "BEGIN; SELECT 1;"; sleep 25) | "${PSQL[@]}" >/dev/null 2>&1 &
done
"${PSQL[@]}" -c "SELECT pg_sleep(25)" >/dev/null 2>&1 &
(echo "BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;"; sleep 25) | "${PSQL[@]}" >/dev/null 2>&1 &
sleep 0.5
"${PSQL[@]}" -c "SELECT count(*) FROM orders" >/dev/null 2>&1 &
wait_for 10 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_pg_connections{instance=\"main\",state=\"idle_in_transaction\"} [4-9]'" ||
  fail "idle in transaction: $(metric 'connections{')"
wait_for 10 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_pg_long_queries{instance=\"main\"} [1-9]'" ||
  fail "long queries: $(metric long_queries)"
at_least 'longest_query_seconds{' 2 || fail "longest query: $(metric longest_query)"
at_least 'longest_transaction_seconds{' 2 || fail "longest transaction: $(metric longest_transaction)"
at_least 'lock_waits{' 1 || fail "lock waits: $(metric lock_waits)"
metric 'connections{instance="main",state="waiting"}' | grep -q ' [1-9]' || fail "waiting: $(metric 'connections{')"
at_least 'connections_used_ratio{' 0.06 || fail "used ratio: $(metric connections_used)"
metric 'cache_hit_ratio{instance="main",database="postgres"}' | grep -q . || fail "cache hit ratio"
metric 'commits_per_second{instance="main",database="postgres"}' | grep -q . || fail "commit rate"
at_least 'database_size_bytes{instance="main",database="postgres"' 1000000 || fail "size: $(metric database_size)"
at_least 'xid_age{instance="main",database="postgres"' 1 || fail "xid age: $(metric xid_age)"
[[ $(value 'replica{') == 0 ]] || fail "a primary is not a replica: $(metric replica)"
pass "idle in transaction, long query ($(value 'longest_query_seconds{') s), lock wait, rates, sizes, xid age"

out=$("$CLI" --socket "$WORK/state/agent.sock" db status --detailed) || fail "db status: $out"
grep -Eq '^main +yes ' <<<"$out" || fail "db status: $out"
grep -q 'connections{state=idle_in_transaction}' <<<"$out" || fail "db status --detailed: $out"
out=$("$CLI" --socket "$WORK/state/agent.sock" status)
grep -Eq "^main +postgres +(ok|degraded)" <<<"$out" || fail "status matrix: $out"
pass "novacron db status and the status matrix"

# Freeze the whole server: the agent says down within its 500 ms timeout and keeps sampling.
points() { curl -fsS "http://127.0.0.1:$PORT/metrics" | awk '/^novacron_store_points / { print $2 }'; }
pkill -STOP -u postgres
start=$SECONDS
wait_for 5 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_pg_up{instance=\"main\"} 0'" ||
  fail "a frozen server is not reported down: $(metric up)"
down_after=$((SECONDS - start))
before=$(points)
sleep 2
after=$(points)
((after > before)) || fail "host sampling stalled while the database hung: $before -> $after"
grep -q 'no answer within 500 ms\|no connection within 500 ms' <<<"$("$CLI" --socket "$WORK/state/agent.sock" db status)" ||
  fail "db status does not say why"
pkill -CONT -u postgres
wait_for 15 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_pg_up{instance=\"main\"} 1'" ||
  fail "no reconnection after SIGCONT: $(metric up)"
pass "SIGSTOP: down after ${down_after}s (interval 1 s + timeout 500 ms), sampling went on; reconnected after SIGCONT"
# Faults: a wrong password, a missing dsn file, a stopped server. Each is a clear error.
down_with() {
  wait_for 10 bash -c "'$CLI' --socket '$WORK/state/agent.sock' db status | grep -q \"$1\"" ||
    fail "db status does not say '$1': $("$CLI" --socket "$WORK/state/agent.sock" db status)"
  [[ $(value 'up{') == 0 ]] || fail "pg_up while '$1': $(metric up)"
}
drop_agent_session() {
  "${PSQL[@]}" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'novacron-agent'" >/dev/null
}
echo "${DSN/n0vacron-test-pw/wrong}" >"$WORK/pg.dsn"
drop_agent_session
down_with 'password authentication failed for user'
rm "$WORK/pg.dsn"
down_with "cannot read $WORK/pg.dsn"
echo "$DSN" >"$WORK/pg.dsn"
secret "$WORK/pg.dsn"
wait_for 70 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_pg_up{instance=\"main\"} 1'" ||
  fail "no reconnection with the right password: $(metric up)"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null
down_with 'Connection refused\|connection to server'
before=$(points)
sleep 2
(($(points) > before)) || fail "host sampling stalled with the server stopped"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$WORK/pg" start \
  >/dev/null || fail "pg_ctl restart"
wait_for 70 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_pg_up{instance=\"main\"} 1'" ||
  fail "no reconnection after the restart: $(metric up)"
pass "wrong password, missing dsn file, stopped server: each down with a clear reason, then back"
grep -q 'n0vacron-test-pw\|password=' "$WORK/agent.log" && fail "the connection string leaked into the log"
"$CLI" --socket "$WORK/state/agent.sock" --json db status | grep -q 'n0vacron-test-pw' &&
  fail "the password leaked into db status"
pass "the connection string is never logged nor shown"

# Actions, end to end: the database_slow playbook, its threshold lowered, cancels a real
# long-running query and the incident resolves after verification.
kill -TERM "${PIDS[-1]}"
wait "${PIDS[-1]}" || fail "clean stop"
mkdir -p "$WORK/playbooks"
chmod 0755 "$WORK/playbooks"
cat >"$WORK/playbooks/database_slow.yaml" <<YAML
name: database_slow
severity: 2
category: database
when: pg_longest_query_seconds > 3
for: 1s
verify: {window: 2s, mandatory: ["pg_longest_query_seconds < 3"]}
actions:
  - {id: kill_long_queries, type: pg_cancel_long_queries, automated: true, with: {older_than: 3s, terminate_after: 2s}}
limits: {cooldown: 0s, max_runs_per_hour: 10}
YAML
cat >"$WORK/playbooks/pg_ops.yaml" <<YAML
name: pg_ops
severity: 4
category: database
actions:
  - {id: end_idle, type: pg_terminate_idle_in_transaction, automated: true, with: {older_than: 1s}}
  - {id: vacuum, type: pg_vacuum_analyze, automated: true, with: {table: public.orders}}
  - {id: stop_writes, type: pg_readonly, automated: true, with: {enable: true}}
  - {id: allow_writes, type: pg_readonly, automated: true, with: {enable: false}}
limits: {cooldown: 0s, max_runs_per_hour: 10}
YAML
echo "playbooks_dir: $WORK/playbooks" >>"$WORK/agent.yaml"
# A clean slate: the sessions of the first part (their backends outlive their clients).
"${PSQL[@]}" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()" >/dev/null
"$AGENT" --config "$WORK/agent.yaml" 2>"$WORK/agent2.log" &
PIDS+=("$!")
wait_for 10 test -S "$WORK/state/agent.sock" || fail "restart"
"${PSQL[@]}" -c "SELECT pg_sleep(60)" >"$WORK/sleep.out" 2>&1 &
SLEEPER=$!
wait_for 20 bash -c "! kill -0 $SLEEPER 2>/dev/null" || fail "the long query was not cancelled: $(cat "$WORK/agent2.log")"
grep -q 'canceling statement due to user request' "$WORK/sleep.out" || fail "psql: $(cat "$WORK/sleep.out")"
nc() { "$CLI" --socket "$WORK/state/agent.sock" "$@"; }
wait_for 20 bash -c "'$CLI' --socket '$WORK/state/agent.sock' --json incidents | grep -q '\"playbook\":\"database_slow\"[^}]*\"state\":\"resolved\"'" ||
  fail "database_slow did not resolve: $(nc --json incidents)"
ID=$(nc --json incidents | grep -o '"id":"[^"]*","labels":{"instance":"main"}[^}]*"playbook":"database_slow"' | head -n 1 | cut -d'"' -f4)
out=$(nc --json incidents show "$ID")
grep -q '"cancelled":\[{"age_seconds":[0-9.]*,"cancelled":true,"database":"postgres","pid":[0-9]*,"query":"SELECT pg_sleep(60)","user":"postgres"}' <<<"$out" ||
  fail "the action result does not name the query: $out"
for kind in action_started action_result verification_started verification_held resolved; do
  grep -q "\"kind\":\"$kind\"" <<<"$out" || fail "timeline lacks $kind: $out"
done
pass "database_slow cancelled the real pg_sleep and resolved after verification"

(echo "BEGIN; SELECT 1;"; sleep 20) | "${PSQL[@]}" >/dev/null 2>&1 &
sleep 1.5
out=$(nc trigger pg_ops) || fail "trigger pg_ops: $out"
OPS=$(awk '{ print $2 }' <<<"$out")
wait_for 20 bash -c "'$CLI' --socket '$WORK/state/agent.sock' --json incidents show '$OPS' | grep -q '\"state\":\"escalated\"'" ||
  fail "pg_ops did not finish: $(nc --json incidents show "$OPS")"
out=$(nc --json incidents show "$OPS")
(($(grep -o '"kind":"action_result","seq"' <<<"$out" | wc -l) == 4)) ||
  (($(grep -o '"state":"done"' <<<"$out" | wc -l) >= 4)) || fail "pg_ops actions: $out"
grep -q '"terminated":\[{[^]]*"terminated":true' <<<"$out" || fail "idle session not terminated: $out"
grep -q '"vacuumed":"public.orders"' <<<"$out" || fail "vacuum: $out"
grep -q '"read_only":true,"reloaded":true' <<<"$out" || fail "read-only: $out"
[[ $("${PSQL[@]}" -tAc "SHOW default_transaction_read_only") == off ]] || fail "writes not allowed again"
pass "terminate idle in transaction, vacuum analyze, read-only on and off again"

# Replication: a streaming standby made with pg_basebackup; both sides report role and lag.
SBPORT=$(free_port) || fail "no free port"
while [[ $SBPORT == "$PORT" || $SBPORT == "$PGPORT" ]]; do SBPORT=$(free_port); done
runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p "$PGPORT" -U postgres -D "$WORK/pg/standby" -R -c fast \
  -X stream >"$WORK/basebackup.log" 2>&1 || fail "pg_basebackup: $(cat "$WORK/basebackup.log")"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/standby" -l "$WORK/pg/standby.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$SBPORT -c unix_socket_directories=$WORK/pg" start \
  >/dev/null || fail "standby start: $(cat "$WORK/pg/standby.log")"
stop_all() {
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/standby" -m immediate -w stop >/dev/null 2>&1 || true
  stop_pg
}
trap stop_all EXIT
echo "${DSN/port=$PGPORT/port=$SBPORT}" >"$WORK/standby.dsn"
secret "$WORK/standby.dsn"
kill -TERM "${PIDS[-1]}"
wait "${PIDS[-1]}" || fail "clean stop"
cat >"$WORK/agent3.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
collectors:
  postgres:
    - {name: main, dsn_file: $WORK/pg.dsn, interval: 1s, timeout: 1s}
    - {name: standby, dsn_file: $WORK/standby.dsn, interval: 1s, timeout: 1s}
YAML
"$AGENT" --config "$WORK/agent3.yaml" 2>"$WORK/agent3.log" &
PIDS+=("$!")
"${PSQL[@]}" -c "INSERT INTO orders SELECT generate_series(1, 1000)" >/dev/null
wait_for 15 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_pg_replica{instance=\"standby\"} 1'" ||
  fail "the standby is not seen as a replica: $(metric replica)"
# Each instance is collected on a timer of its own: main's first collection may come after the
# standby's, so it is waited for too, not read at once.
wait_for 15 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_pg_replica{instance=\"main\"} 0$'" ||
  fail "main as primary: $(metric replica)"
for inst in main standby; do
  wait_for 15 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_pg_replication_lag_bytes{instance=\"$inst\"}'" ||
    fail "lag bytes of $inst: $(metric replication_lag)"
  metric "replication_lag_seconds{instance=\"$inst\"}" | grep -q . || fail "lag seconds of $inst"
done
pass "replication: the standby reports replica 1, both sides report lag ($(metric 'replication_lag_bytes' | tr '\n' ' '))"
