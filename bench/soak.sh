#!/usr/bin/env bash
# soak.sh [SECONDS] (default 1800; not in CI): the agent with every feature busy at ten times a
# normal load, then: did RSS, descriptors, threads or the SQLite files grow after the first sixth
# of the run (five minutes of thirty), and did every event reach the coordinator? The store is
# bounded at 1 MiB so that its size bound runs (a real host's incidents come far more slowly).
#   - sampling every second; a scrape target whose gauge turns on and off every 5 s, so that a
#     playbook opens an incident, runs its two actions and resolves it every 10 s;
#   - /metrics fetched 10 times a second; 50 control requests a second over the socket;
#   - a coordinator that fails every other request; a PostgreSQL collector on a server of its own.
# Prints the slopes (per hour, least squares) and writes every reading to $OUT (soak.csv).
# Usage as root, from a build: bench/soak.sh [SECONDS]. Needs python3, the postgresql package.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
AGENT=${AGENT:-$here/build/bin/novacron-agent}
CLI=${CLI:-$here/build/bin/novacron}
COORD=${COORD:-$here/build/bin/test_coordinator}
METRICS_SERVER=${METRICS_SERVER:-$here/build/bin/metrics_server}
DURATION=${1:-1800}
OUT=${OUT:-$PWD/soak.csv}
source "$here/tests/integration/lib.sh"
PGBIN=/usr/lib/postgresql/15/bin

# --- the neighbours: coordinator, scrape target, PostgreSQL ----------------------------------
echo soak-token >"$WORK/coord.token"
secret "$WORK/coord.token"
"$COORD" soak-token >"$WORK/coord.ports" 2>"$WORK/coordinator.log" &
PIDS+=("$!")
wait_for 5 test -s "$WORK/coord.ports" || fail "the test coordinator did not start"
read -r EVENTS_PORT CONTROL_PORT <"$WORK/coord.ports"
coord() { curl -fsS "http://127.0.0.1:$CONTROL_PORT/$1"; }
coord mode/flaky >/dev/null

echo 'soak_trigger 0' >"$WORK/app.prom"
"$METRICS_SERVER" "$WORK/app.prom" >"$WORK/app.port" 2>"$WORK/app.log" &
PIDS+=("$!")
wait_for 5 test -s "$WORK/app.port" || fail "the metrics server did not start"
APP_PORT=$(cat "$WORK/app.port")

pg=""
if [[ -x $PGBIN/initdb ]] && id postgres >/dev/null 2>&1; then
  PGPORT=$(free_port)
  install -d -o postgres -g postgres "$WORK/pg"
  runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres --auth-local=trust \
    --auth-host=trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$WORK/pg" \
    start >/dev/null
  stop_pg() {
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
    cleanup
  }
  trap stop_pg EXIT
  echo "host=127.0.0.1 port=$PGPORT dbname=postgres user=postgres" >"$WORK/pg.dsn"
  secret "$WORK/pg.dsn"
  pg="  postgres:
    - {name: main, dsn_file: $WORK/pg.dsn, interval: 1s, timeout: 500ms}"
else
  echo "soak: no PostgreSQL here (postgresql package, root): run without it" >&2
fi

# --- the agent -------------------------------------------------------------------------------
PORT=$(free_port)
mkdir -p "$WORK/playbooks"
chmod 0755 "$WORK/playbooks"
cat >"$WORK/playbooks/soak.yaml" <<YAML
name: soak
severity: 3
category: application
description: the soak's trigger is on
when: max(soak_trigger) > 0
for: 0s
resolve_when: max(soak_trigger) == 0
verify: {window: 1s, mandatory: ["max(soak_trigger) == 0"]}
actions:
  - {id: look, type: exec, with: {argv: ["/bin/true"]}, automated: true}
  - {id: again, type: exec, with: {argv: ["/bin/echo", "soak"]}, automated: true}
limits: {cooldown: 0s, max_runs_per_hour: 3600}
YAML
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
coordinator:
  url: http://127.0.0.1:$EVENTS_PORT/v1/events
  token_file: $WORK/coord.token
  timeout: 1s
  backoff_max: 2s
playbooks_dir: $WORK/playbooks
# Ten times a normal load is the point: the guards against storms and flapping would stop it.
policy: {flapping: {window: 1m, threshold: 1000}}
actions: {max_per_hour: 100000, max_concurrent: 4}
# An incident every 10 s fills 1 MiB of pages in about ten minutes (the WAL beside it grows to
# about 4 MB once and is reused): from then on the size bound purges the incidents that ended
# first, and the files stay the size they are.
store: {max_size_mib: 1}
collectors:
  scrape:
    - {name: app, url: "http://127.0.0.1:$APP_PORT/metrics", interval: 1s}
$pg
YAML
"$AGENT" --check-config --config "$WORK/agent.yaml" >"$WORK/check.log" 2>&1 ||
  fail "the soak's configuration: $(cat "$WORK/check.log")"
SOCK="$WORK/state/agent.sock"
start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"
AGENT_PID=${PIDS[-1]}

# --- the load: trigger, scrapes, control requests ---------------------------------------------
python3 - "$WORK" "$PORT" "$SOCK" "$DURATION" <<'PY' &
import os, socket, sys, threading, time, urllib.request
work, port, sock, duration = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
end = time.monotonic() + duration
def every(period, fn):
    def run():
        nxt = time.monotonic()
        while time.monotonic() < end:
            try: fn()
            except Exception: pass
            nxt += period
            time.sleep(max(0, nxt - time.monotonic()))
    t = threading.Thread(target=run, daemon=True); t.start(); return t
def trigger():
    on = int(time.monotonic() // 5) % 2
    with open(f"{work}/app.tmp", "w") as f: f.write(f"soak_trigger {on}\n")
    os.rename(f"{work}/app.tmp", f"{work}/app.prom")
def scrape():
    urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
def control():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(5); s.connect(sock)
    s.sendall(b'{"cmd":"status","args":{}}\n')
    while not s.recv(65536).endswith(b"\n"): pass
    s.close()
threads = [every(0.5, trigger), every(0.1, scrape), every(0.02, control)]
for t in threads: t.join()
PY
LOAD_PID=$!
PIDS+=("$LOAD_PID")

# --- readings every 10 s ---------------------------------------------------------------------
tree() { echo "$AGENT_PID" $(pgrep -P "$AGENT_PID" -x novacron-broker || true); }
echo "t_s,rss_kb,pss_kb,fds,threads,db_bytes" >"$OUT"
start=$SECONDS
while kill -0 "$LOAD_PID" 2>/dev/null; do
  rss=0 pss=0 fds=0 threads=0
  for p in $(tree); do
    rss=$((rss + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status")))
    pss=$((pss + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")))
    fds=$((fds + $(ls "/proc/$p/fd" | wc -l)))
    threads=$((threads + $(awk '/^Threads/ {print $2}' "/proc/$p/status")))
  done
  db=$(cat "$WORK"/state/agent.db* 2>/dev/null | wc -c)
  echo "$((SECONDS - start)),$rss,$pss,$fds,$threads,$db" >>"$OUT"
  sleep 10
done

# --- nothing lost: let the coordinator accept everything, then compare ---------------------------
coord mode/ok >/dev/null
DB="$WORK/state/agent.db"
pending() { sqlite3 "$DB" 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL'; }
drained() { [[ $(pending) == 0 ]]; }
wait_for 120 drained || fail "$(pending) events still undelivered after 2 minutes"
# The bound purged incidents with their events: the sequence counts every event ever written.
written=$(sqlite3 "$DB" "SELECT seq FROM sqlite_sequence WHERE name = 'events'")
purged=$(sed -n 's/.*purged the \([0-9]*\) resolved incident.*/\1/p' "$WORK/agent.log" | awk '{ n += $1 } END { print n + 0 }')
stats=$(coord stats)
received=$(sed -n 's/.*"events":\([0-9]*\).*/\1/p' <<<"$stats")
incidents=$(sqlite3 "$DB" 'SELECT COUNT(*) FROM incidents')
runs=$(sqlite3 "$DB" "SELECT group_concat(state || ' ' || n, ', ') FROM (SELECT state, COUNT(*) AS n FROM action_runs GROUP BY state)")
kinds=$(sqlite3 "$DB" "SELECT group_concat(kind || ' ' || n, ', ') FROM (SELECT kind, COUNT(*) AS n FROM events GROUP BY kind)")

# After the first sixth of the run; and over its second half, once the 15-minute metric store is
# full and the first 10-minute release of memory has run.
slopes() {
awk -F, -v skip="$1" '
  NR > 1 && $1 >= skip { n++; for (i = 2; i <= 6; i++) { x[n] = $1; y[i, n] = $i } }
  END {
    split("rss_kb pss_kb fds threads db_bytes", name, " ")
    for (i = 2; i <= 6; i++) {
      sx = sy = sxx = sxy = 0
      for (k = 1; k <= n; k++) { sx += x[k]; sy += y[i, k]; sxx += x[k] * x[k]; sxy += x[k] * y[i, k] }
      d = n * sxx - sx * sx
      slope = d ? (n * sxy - sx * sy) / d * 3600 : 0
      printf "%-9s from %ds: first %s, last %s, slope %+.1f per hour\n", name[i - 1], skip, y[i, 1], y[i, n], slope
    }
  }' "$OUT"
}
slopes "$((DURATION / 6))"
slopes "$((DURATION / 2))"
echo "incidents kept: $incidents, purged by store.max_size_mib: $purged; action runs of those kept by state: $runs;" \
  "SQLite $(cat "$WORK"/state/agent.db* | wc -c) bytes"
echo "timeline events of those kept by kind: $kinds"
echo "events written $written, received $received (coordinator: $stats)"
((received >= written)) || fail "the coordinator received $received of $written events"
max_seq=$(sed -n 's/.*"max_seq":\([0-9]*\).*/\1/p' <<<"$stats")
((max_seq == written)) || fail "the coordinator's last event is $max_seq, the agent's $written"
echo "soak: nothing lost from the outbox"
