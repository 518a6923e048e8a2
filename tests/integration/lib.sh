# Helpers shared by the integration tests. Every wait is bounded; every server is on 127.0.0.1.

WORK=$(mktemp -d)
chmod 0755 "$WORK"
PIDS=()

# SIGTERM first, so that an agent removes what it made (its cgroups); SIGKILL what is left.
stop_pids() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    { kill -KILL "$pid" && wait "$pid"; } 2>/dev/null || true
  done
}

# With NOVACRON_CONTRACT_DIR set (the contract tests set it), the events of every agent store the
# test made are kept there as JSON lines, so that every event kind a real agent emitted in any
# test is checked against contract/ (tests/contract/events_test.sh).
keep_events() {
  [[ -n ${NOVACRON_CONTRACT_DIR:-} ]] || return 0
  local db n=0 name
  name=$(basename "$0" .sh)
  mkdir -p "$NOVACRON_CONTRACT_DIR"
  rm -f "$NOVACRON_CONTRACT_DIR/$name".*.jsonl  # an earlier run's
  while IFS= read -r db; do
    n=$((n + 1))
    sqlite3 -readonly "$db" "SELECT json_object('seq', seq, 'kind', kind, 'data', json(data)) FROM events" \
      >"$NOVACRON_CONTRACT_DIR/$name.$n.jsonl" 2>/dev/null || true
  done < <(find "$WORK" -name agent.db -type f 2>/dev/null)
}

cleanup() {
  stop_pids
  keep_events
  rm -rf "$WORK"
  release_ports
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for log in "$WORK"/*.log; do
    [[ -f $log ]] && { echo "--- $log" >&2; tail -n 40 "$log" >&2; }
  done
  exit 1
}

pass() { echo "ok: $*"; }

# crash PID: kill -9 an agent and its broker at once, as a crash of the whole unit would. The
# broker is stopped first, so that it cannot end the agent's runs when it sees the agent go
# (broker_test.sh checks that it does); what they leave is for the restart to find.
crash() {
  local broker
  broker=$(pgrep -P "$1" -x novacron-broker) || true
  [[ -n $broker ]] && kill -STOP "$broker"
  kill -KILL "$1"
  wait "$1" 2>/dev/null || true
  [[ -n $broker ]] && kill -KILL "$broker"
  return 0
}

# secret FILE...: the packaged layout of a secret: root's, readable by the agent's group (the
# main process runs as novacron when root starts it), nobody else.
secret() {
  if getent group novacron >/dev/null; then chgrp novacron "$@"; fi
  chmod 0640 "$@"
}

# capture COMMAND...: runs a command that may fail; its output (both streams) goes to $out and
# its exit status to $rc.
capture() {
  set +e
  out=$("$@" 2>&1)
  rc=$?
  set -e
}

# A TCP port on 127.0.0.1 that nothing listens on and no other test has claimed. Tests run in
# parallel (ctest -j, or two checkouts at once): a port that is merely free now can be taken by
# another test before the server binds it. So each port is claimed (an atomic mkdir, owned by this
# test's shell, released at its exit, reclaimed once its owner is gone), and chosen below the
# kernel's ephemeral range, where outgoing connections take their ports.
PORT_CLAIMS=/tmp/novacron-test-ports
free_port() {
  local p lo hi owner
  read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
  ((lo > 12000)) || { lo=61000; hi=65000; }  # an unusual range: pick above it instead
  mkdir -p "$PORT_CLAIMS"
  for _ in $(seq 1 500); do
    if ((lo == 61000)); then p=$((lo + RANDOM % (hi - lo))); else p=$((10000 + RANDOM % (lo - 10000))); fi
    if ! mkdir "$PORT_CLAIMS/$p" 2>/dev/null; then
      owner=$(cat "$PORT_CLAIMS/$p/owner" 2>/dev/null) || continue
      kill -0 "$owner" 2>/dev/null && continue
      rm -rf "$PORT_CLAIMS/$p"  # its test is gone
      mkdir "$PORT_CLAIMS/$p" 2>/dev/null || continue
    fi
    echo "$$" >"$PORT_CLAIMS/$p/owner"
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

release_ports() {
  local d
  for d in "$PORT_CLAIMS"/*/; do
    [[ $(cat "$d/owner" 2>/dev/null) == "$$" ]] && rm -rf "$d"
  done
  return 0
}

# wait_for SECONDS COMMAND...: retries COMMAND every 0.1 s until it succeeds or time runs out.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# start_agent CONFIG LOG SOCKET: starts "$AGENT" in the background (its pid last in PIDS), its
# stderr appended to LOG, and waits up to 10 s until it answers "$CLI" on SOCKET (a socket file
# left by a killed agent does not count).
start_agent() {
  "$AGENT" --config "$1" 2>>"$2" &
  PIDS+=("$!")
  wait_for 10 "$CLI" --socket "$3" version || fail "the agent did not start with $1"
}

# http_raw PORT REQUEST: sends REQUEST as is and prints the first line of the answer.
http_raw() {
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf '%b' "$2" >&3
  timeout 5 head -n 1 <&3 | tr -d '\r'
  exec 3<&-
}

# start_postgres: a throw-away PostgreSQL 15 cluster in $WORK/pg on 127.0.0.1:$PGPORT (initdb as
# the postgres user; trust for local connections, as only this test's processes reach it), its
# DSN in $WORK/pg.dsn, stopped when the test ends. Skips the test (exit 0) without root or the
# postgresql package.
PGBIN=/usr/lib/postgresql/15/bin
start_postgres() {
  if ((EUID != 0)) || [[ ! -x $PGBIN/initdb ]] || ! id postgres >/dev/null 2>&1; then
    echo "SKIP: needs root and the postgresql package" >&2
    exit 0
  fi
  PGPORT=$(free_port) || fail "no free port"
  install -d -o postgres -g postgres "$WORK/pg"
  runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 || fail "initdb: $(cat "$WORK/initdb.log")"
  pg_start
  echo "host=127.0.0.1 port=$PGPORT dbname=postgres user=postgres connect_timeout=5" >"$WORK/pg.dsn"
  secret "$WORK/pg.dsn"
  trap 'pg_stop; cleanup' EXIT
}
pg_start() {
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$WORK/pg -c max_connections=200" \
    start >/dev/null || fail "pg_ctl start: $(tail -5 "$WORK/pg/server.log")"
}
pg_stop() {
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m "${1:-immediate}" -w stop \
    >/dev/null 2>&1 || true
}
psql_() { psql -X -q -At -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

# validate SCHEMA FILE...: the files against contract/ (tests/contract/validate.py).
validate() {
  "$(dirname "${BASH_SOURCE[0]}")/../contract/validate.py" "$@" >"$WORK/validate.out" 2>&1 ||
    fail "against contract/$1: $(head -20 "$WORK/validate.out")"
}

# hold_playbooks DIR NAME...: playbooks that only wait for an approval of their one action (an
# exec of /bin/true), SEV-3 unless SEVERITY is set: incidents a test opens by hand and decides.
hold_playbooks() {
  local dir=$1 name
  shift
  mkdir -p "$dir"
  chmod 0755 "$dir"
  for name in "$@"; do
    cat >"$dir/$name.yaml" <<YAML
name: $name
severity: ${SEVERITY:-3}
category: application
description: waits for an approval
actions:
  - {id: fix, type: exec, with: {argv: ["/bin/true"]}}
YAML
  done
}

# The coordinator's newest schema version: the number of its migrations.
SCHEMA_VERSION=$(find "$(dirname "${BASH_SOURCE[0]}")/../../coordinator/migrations" -name '[0-9]*.sql' | wc -l)
