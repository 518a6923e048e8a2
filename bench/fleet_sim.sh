#!/usr/bin/env bash
# The coordinator at fleet scale on this machine: a local PostgreSQL 15 (initdb'd here, fsync on),
# novacron-coordinator, and bench/fleet_sim's N simulated agents (one keep-alive connection each)
# through a steady phase, a storm and a throughput phase. Reports per phase the push latency
# (p50/p99), the events per second; then the coordinator's peak RSS with every connection open,
# its CPU per 1,000 events, PostgreSQL's bytes per million events, and whether every event sent
# is stored exactly once.
# With POLL=EVENTS, the AGENTS are pollable instead (fleet_sim --serve-feeds, EVENTS events on
# each timeline): the time until every one has been polled, the longest any waited between two
# polls over SECONDS (poll.interval 10s), and the events stored once each.
# Usage: bench/fleet_sim.sh BUILD_DIR AGENTS [SECONDS=120] [STORM_SHARE=0.3] [BULK=8] [BATCH=500]
set -euo pipefail
BUILD=$(cd "${1:?BUILD_DIR}" && pwd)
AGENTS=${2:?AGENTS}
SECONDS_=${3:-120}
STORM=${4:-0.3}
BULK=${5:-8}
BATCH=${6:-500}
((EUID == 0)) || { echo "fleet_sim.sh: run as root (initdb as postgres)" >&2; exit 1; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
W=$(mktemp -d)
chmod 0755 "$W"
# One descriptor per agent on each side: as many as this machine allows (its hard limit).
ulimit -n "$(ulimit -Hn)"
PGPORT=$((20000 + RANDOM % 20000))
PORT=$((40000 + RANDOM % 20000))
COORD_PID=
FEEDS_PID=
finish() {
  [[ -n $FEEDS_PID ]] && kill "$FEEDS_PID" 2>/dev/null
  [[ -n $COORD_PID ]] && kill "$COORD_PID" 2>/dev/null && wait "$COORD_PID" 2>/dev/null || true
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap finish EXIT
install -d -o postgres -g postgres "$W/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$W/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg" -l "$W/pg/server.log" -w -o \
  "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$W/pg -c max_connections=100 -c shared_buffers=256MB" \
  start >/dev/null
psql_() { psql -X -q -At -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
echo "host=127.0.0.1 port=$PGPORT dbname=postgres user=postgres" >"$W/dsn"
cat >"$W/c.yaml" <<YAML
listen: 127.0.0.1:$PORT
database: {dsn_file: $W/dsn, pool: 8, max_waiting: 20000, timeout: 10s}
ingest: {max_events: 5000, max_body_bytes: 16777216}
max_connections: $((AGENTS + 1000))
YAML
if [[ -n ${POLL:-} ]]; then
  FEEDS=$((20000 + RANDOM % 20000))
  "$BUILD/bin/fleet_sim" --serve-feeds "$FEEDS" "$AGENTS" "$POLL" &
  FEEDS_PID=$!
  echo secret >"$W/poll.token"
  chmod 0600 "$W/poll.token"
  {
    echo "poll: {interval: 10s, lease: 30s, concurrency: 64, timeout: 10s, nodes: ["
    for i in $(seq 0 $((AGENTS - 1))); do
      echo "  {node: poll-$i, url: \"http://127.0.0.1:$FEEDS/agent/$i\", token_file: $W/poll.token},"
    done
    echo "]}"
  } >>"$W/c.yaml"
fi
"$BUILD/bin/novacron-coordinator" --config "$W/c.yaml" migrate >/dev/null
"$BUILD/bin/fleet_sim" --tokens "$((AGENTS > BULK ? AGENTS : BULK))" >"$W/tokens.csv"
psql_ >/dev/null <<SQL
CREATE TEMP TABLE t (node text, hash text);
\\copy t FROM '$W/tokens.csv' WITH (FORMAT csv)
INSERT INTO nodes (id) SELECT node FROM t ON CONFLICT DO NOTHING;
INSERT INTO tokens (role, subject, hash) SELECT 'node', node, decode(hash, 'hex') FROM t;
SQL
"$BUILD/bin/novacron-coordinator" --config "$W/c.yaml" >"$W/coordinator.log" 2>&1 &
COORD_PID=$!
for _ in $(seq 1 100); do curl -fsS "127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
ticks() { awk '{ print $14 + $15 }' "/proc/$COORD_PID/stat"; }
cpu0=$(ticks)
# The coordinator's RSS, sampled each second while the simulation runs.
(while kill -0 "$COORD_PID" 2>/dev/null; do
   awk '/^VmRSS/ { print $2 }' "/proc/$COORD_PID/status" 2>/dev/null
   sleep 1
 done) >"$W/rss" &
SAMPLER=$!
if [[ -n ${POLL:-} ]]; then
  # Every second: how many were polled, the longest since a node's last poll.
  start=$(date +%s.%N)
  first_round=""
  worst=0
  while (( $(date +%s) - ${start%.*} < SECONDS_ )); do
    read -r polled age <<<"$(psql_ -F ' ' -c "SELECT count(last_polled), COALESCE(extract(epoch FROM max(now() - last_polled)), 0) FROM poll_targets")"
    if [[ -z $first_round && $polled == "$AGENTS" ]]; then
      first_round=$(python3 -c "import time; print(round(time.time() - $start, 1))")
    elif [[ -n $first_round ]]; then
      worst=$(python3 -c "print(max($worst, $age))")
    fi
    sleep 1
  done
  cpu1=$(ticks)
  kill "$SAMPLER" "$FEEDS_PID" 2>/dev/null || true
  rows=$(psql_ -c "SELECT count(*) FROM events")
  keys=$(psql_ -c "SELECT count(DISTINCT (node, store_id, seq)) FROM events")
  echo "{\"pollable_agents\": $AGENTS, \"all_polled_after_s\": ${first_round:-null}, \"longest_between_polls_s\": $(printf %.1f "$worst"), \"events_expected\": $((AGENTS * POLL)), \"rows\": $rows, \"distinct_keys\": $keys, \"coordinator_cpu_seconds\": $(python3 -c "print(round(($cpu1 - $cpu0) / $(getconf CLK_TCK), 1))"), \"coordinator_peak_rss_mb\": $(sort -n "$W/rss" | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }')}"
  exit 0
fi
"$BUILD/bin/fleet_sim" 127.0.0.1 "$PORT" "$AGENTS" "$SECONDS_" "$STORM" "$BULK" "$BATCH" | tee "$W/phases"
cpu1=$(ticks)
kill "$SAMPLER" 2>/dev/null || true
sent=$(python3 -c "import json,sys; print(sum(json.loads(l)['events'] for l in open('$W/phases')))")
errors=$(python3 -c "import json,sys; print(sum(json.loads(l)['errors'] for l in open('$W/phases')))")
rows=$(psql_ -c "SELECT count(*) FROM events")
keys=$(psql_ -c "SELECT count(DISTINCT (node, store_id, seq)) FROM events")
bytes=$(psql_ -c "SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid WHERE h.inhparent = 'events'::regclass")
hz=$(getconf CLK_TCK)
python3 - "$sent" "$errors" "$rows" "$keys" "$bytes" "$cpu0" "$cpu1" "$hz" "$W/rss" "$AGENTS" <<'PY'
import json, sys
sent, errors, rows, keys, size, cpu0, cpu1, hz = map(int, sys.argv[1:9])
rss = [int(x) for x in open(sys.argv[9]) if x.strip()]
cpu = (cpu1 - cpu0) / hz
print(json.dumps({
    "agents": int(sys.argv[10]), "events_sent": sent, "errors": errors, "rows": rows,
    "distinct_keys": keys, "lost": sent - keys, "duplicated": rows - keys,
    "coordinator_peak_rss_mb": round(max(rss) / 1024, 1) if rss else None,
    "coordinator_cpu_seconds": round(cpu, 1),
    "cpu_ms_per_1000_events": round(cpu * 1e6 / sent, 1) if sent else None,
    "pg_bytes_per_million_events": round(size * 1e6 / rows) if rows else None}))
PY
