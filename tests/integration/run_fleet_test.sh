#!/usr/bin/env bash
# make run-fleet as a new user runs it: PostgreSQL, the coordinator and the local agent start
# from nothing, `novacron fleet nodes` lists this host and an incident triggered on it shows in
# `novacron fleet incidents`; a second run uses the same cluster; stopping it leaves no process.
set -euo pipefail
BUILD=$1
CLI=$BUILD/bin/novacron
source "$(dirname "$0")/lib.sh"
if ((EUID != 0)) || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "SKIP: needs root and the postgresql package" >&2
  exit 0
fi
SCRIPT=$(cd "$(dirname "$0")/../.." && pwd)/scripts/run-fleet.sh
export FLEET_DIR=$WORK/fleet FLEET_PORT=$(free_port) FLEET_AGENT_PORT=$(free_port)
run() {
  "$SCRIPT" "$BUILD" >"$WORK/run-fleet.log" 2>&1 &
  RUN=$!
  PIDS+=("$RUN")
}
run
export NOVACRON_COORDINATOR=http://127.0.0.1:$FLEET_PORT NOVACRON_FLEET_TOKEN_FILE=$FLEET_DIR/reader.token
node=$(hostname -s 2>/dev/null || hostname)
[[ $node =~ ^[A-Za-z0-9._-]{1,63}$ ]] || node=localhost
wait_for 60 bash -c "'$CLI' fleet nodes | grep -Eq '^$node +[0-9]+s ago .* ok$'" ||
  fail "novacron fleet nodes does not list $node: $("$CLI" fleet nodes 2>&1); $(tail -5 "$WORK/run-fleet.log")"
grep -q "novacron fleet nodes" "$WORK/run-fleet.log" || fail "run-fleet does not say what to run"
"$CLI" --socket "$FLEET_DIR/agent/agent.sock" trigger high_cpu --dry-run >/dev/null
wait_for 30 bash -c "'$CLI' fleet incidents | grep -q 'high_cpu'" ||
  fail "the incident is not in the fleet view: $("$CLI" fleet incidents)"
pass "make run-fleet: this host ($node) and its incident are in the fleet view"
kill -TERM "$RUN"
wait "$RUN" 2>/dev/null || true
# [n]: the pattern must not match the command line of the shell that runs pgrep.
for what in "[n]ovacron-coordinator --config $FLEET_DIR" "[n]ovacron-agent --config $FLEET_DIR" "[p]ostgres -D $FLEET_DIR"; do
  wait_for 20 bash -c "! pgrep -f -- '$what' >/dev/null" || fail "left running: $what"
done
run
wait_for 60 bash -c "'$CLI' fleet incidents | grep -q 'high_cpu'" ||
  fail "a second run lost the fleet's data: $(tail -5 "$WORK/run-fleet.log")"
kill -TERM "$RUN"
wait "$RUN" 2>/dev/null || true
pass "stopped, it leaves no process; started again, it keeps the fleet's data"
