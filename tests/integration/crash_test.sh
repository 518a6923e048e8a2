#!/usr/bin/env bash
# Crash safety: the agent is killed with -9 at random points while incidents open and actions
# run, 50 times, and restarted each time. Afterwards the store must hold every event in a
# gap-free order (each also queued for the coordinator), every incident must begin with
# "opened", no action may have run twice for an incident, every action that ran left its trace
# after its action_started event was durable, and no action process may outlive it all.
set -euo pipefail
AGENT=$1
CLI=$2
source "$(dirname "$0")/lib.sh"
ROUNDS=${NOVACRON_CRASH_ROUNDS:-50}

PORT=$(free_port) || fail "no free port"
mkdir -p "$WORK/playbooks" "$WORK/out"
chmod 0755 "$WORK/playbooks"
# mark leaves one file per run (mktemp never reuses a name), so a second run would show.
cat >"$WORK/playbooks/crashy.yaml" <<YAML
name: crashy
severity: 3
category: infrastructure
when: load_tasks > 0
verify: {window: 100ms, mandatory: ["load_tasks < 0"]}
actions:
  - {id: mark, type: exec, automated: true, with: {argv: ["/usr/bin/mktemp", "$WORK/out/{incident.id}.mark.XXXXXX"]}}
  - {id: hold, type: exec, automated: true, timeout: 1m, with: {argv: ["/bin/sleep", "29.75"]}}
  - {id: report, type: diagnostics_report, automated: true}
limits: {cooldown: 0s, max_runs_per_hour: 1000}
YAML
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
collectors: {host: {interval: 100ms}}
playbooks_dir: $WORK/playbooks
YAML
SOCK="$WORK/state/agent.sock"
DB="$WORK/state/agent.db"
q() { sqlite3 -batch -noheader "$DB" "$1"; }

for round in $(seq 1 "$ROUNDS"); do
  "$AGENT" --config "$WORK/agent.yaml" 2>>"$WORK/agent.log" &
  pid=$!
  # Odd rounds: anywhere in the start-up, while the store opens, the first incident is recorded
  # and its first action starts. Even rounds: once it serves, mostly while an action runs.
  if ((round % 2)); then
    sleep "0.$(printf '%03d' $((RANDOM % 300)))"
  else
    wait_for 10 "$CLI" --socket "$SOCK" version || fail "round $round: the agent did not come up"
    sleep "0.$(printf '%03d' $((RANDOM % 700)))"
  fi
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
done
# A last clean run: the restart cleans up after the final kill, then a clean stop.
"$AGENT" --config "$WORK/agent.yaml" 2>>"$WORK/agent.log" &
pid=$!
wait_for 10 "$CLI" --socket "$SOCK" version || fail "the last restart"
sleep 0.5
kill -TERM "$pid"
wait "$pid" || fail "the clean stop"
pass "$ROUNDS kill -9 rounds and a clean stop"

incidents=$(q "SELECT COUNT(*) FROM incidents")
events=$(q "SELECT COUNT(*) FROM events")
((incidents >= ROUNDS / 2)) || fail "only $incidents incidents in $ROUNDS rounds"
[[ $(q "SELECT MAX(seq) FROM events") == "$events" ]] || fail "the event sequence has gaps"
[[ $(q "SELECT COUNT(*) FROM events WHERE seq NOT IN (SELECT event_seq FROM outbox)") == 0 ]] ||
  fail "events missing from the outbox"
pass "$incidents incidents, $events events in one gap-free sequence, all in the outbox"

bad=$(q "SELECT id FROM incidents i WHERE (SELECT kind FROM events e WHERE e.incident_id = i.id
         ORDER BY seq LIMIT 1) IS NOT 'opened'")
[[ -z $bad ]] || fail "incidents whose timeline does not start with opened: $bad"
twice=$(q "SELECT incident_id, action FROM action_runs GROUP BY 1, 2 HAVING COUNT(*) > 1")
[[ -z $twice ]] || fail "actions run twice: $twice"
[[ $(q "SELECT COUNT(*) FROM action_runs WHERE state = 'running'") == 0 ]] ||
  fail "runs left running after a clean stop"
# Only the last run's incident may still be open: each restart hands the previous ones over.
(($(q "SELECT COUNT(*) FROM incidents WHERE resolved_at IS NULL") <= 1)) ||
  fail "incidents left open across restarts: $(q "SELECT id, state FROM incidents WHERE resolved_at IS NULL")"
pass "every timeline starts with opened, no action ran twice, nothing is left running or open"

# Every trace an action left matches a run whose start was recorded first; one trace at most.
for f in "$WORK"/out/*.mark.*; do
  [[ -e $f ]] || continue
  id=$(basename "$f" | sed 's/\.mark\..*//')
  [[ $(q "SELECT COUNT(*) FROM events WHERE incident_id = '$id' AND kind = 'action_started'
          AND data LIKE '%\"action\":\"mark\"%'") == 1 ]] || fail "$id: mark ran without a recorded start"
done
dups=$(ls "$WORK/out" | sed 's/\.mark\..*//' | sort | uniq -d)
[[ -z $dups ]] || fail "mark ran twice for: $dups"
done_runs=$(q "SELECT COUNT(*) FROM action_runs WHERE action = 'mark' AND state = 'done'")
traces=$(ls "$WORK/out" | wc -l)
((traces >= done_runs)) || fail "$done_runs mark runs are done but only $traces left a trace"
interrupted=$(q "SELECT COUNT(*) FROM action_runs WHERE state = 'interrupted'")
pass "$traces traces, each after its durable start; $interrupted runs interrupted, none re-run"

pgrep -f '^/bin/sleep 29.75$' >/dev/null && fail "an action process outlived the crashes"
ended=$(q "SELECT COUNT(*) FROM events WHERE kind = 'orphans_ended'")
pass "no action process left behind ($ended orphaned process groups ended at restarts)"
