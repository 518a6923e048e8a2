#!/usr/bin/env bash
# The daemon carries out its decisions: a playbook that holds opens an incident, its exec action
# runs with the incident id substituted, the timeline and post-mortem are served, the kill switch
# defers actions and survives a restart, and an agent killed with -9 in the middle of an action
# finds the run interrupted (never re-run) and the incident handed over.
set -euo pipefail
AGENT=$1
CLI=$2
source "$(dirname "$0")/lib.sh"

PORT=$(free_port) || fail "no free port"
mkdir -p "$WORK/playbooks" "$WORK/out"
chmod 0755 "$WORK/playbooks"
cat >"$WORK/playbooks/busy.yaml" <<YAML
name: busy
severity: 3
category: infrastructure
when: load_tasks > 0
for: 200ms
verify: {window: 1s, mandatory: ["load_tasks < 0"]}
actions:
  - {id: mark, type: exec, automated: true, with: {argv: ["/usr/bin/touch", "$WORK/out/ran-{incident.id}"]}}
  # A child that starts a grandchild: the child dies with the agent, the grandchild is an orphan.
  - {id: hold, type: exec, automated: true, timeout: 1m, with: {argv: ["/bin/sh", "-c", "/bin/sleep 19.5 & wait"]}}
limits: {cooldown: 0s, max_runs_per_hour: 100}
YAML
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
collectors: {host: {interval: 100ms}}
playbooks_dir: $WORK/playbooks
YAML
SOCK="$WORK/state/agent.sock"
nc() { "$CLI" --socket "$SOCK" "$@"; }

"$AGENT" --config "$WORK/agent.yaml" 2>"$WORK/agent.log" &
PIDS+=("$!")
wait_for 10 bash -c "ls '$WORK/out' | grep -q '^ran-'" || fail "the exec action did not run"
ID=$(ls "$WORK/out" | sed -n 's/^ran-//p' | head -n 1)
[[ $ID =~ ^[A-Za-z0-9._-]+-[0-9]{8}T[0-9]{6}Z-[0-9]+$ ]] || fail "incident id $ID"
out=$(nc incidents)
grep -q "^$ID +3 +busy" <<<"$out" || grep -q "$ID" <<<"$out" || fail "novacron incidents: $out"
pass "a holding playbook opened $ID and its exec action ran with the id substituted"

wait_for 10 bash -c "'$CLI' --socket '$SOCK' incident '$ID' | grep -Eq 'action_started +hold'" ||
  fail "the second action did not start after verification failed"
out=$(nc incident "$ID")
for kind in opened diagnostics action_started action_result verification_started verification_failed next_action; do
  grep -q " $kind " <<<"$out" || fail "timeline lacks $kind: $out"
done
pass "verification failed and the next action started, all on the timeline"

# kill -9 while 'hold' runs: the restart finds the run interrupted and hands the incident over.
pgrep -P "${PIDS[-1]}" -x novacron-broker >/dev/null || fail "no broker under the agent"
crash "${PIDS[-1]}"
start_agent "$WORK/agent.yaml" "$WORK/agent2.log" "$SOCK"
wait_for 10 grep -q 'interrupted by the last stop; they are not re-run' "$WORK/agent2.log" || fail "interrupted runs not reported"
out=$(nc --json incident "$ID")
grep -q '"state":"escalated"' <<<"$out" || fail "incident after restart: $out"
grep -q '"action":"hold",[^}]*"state":"interrupted"' <<<"$out" || fail "run not interrupted: $out"
grep -q '"kind":"action_interrupted"' <<<"$out" || fail "no action_interrupted event"
# The action's own process died with the agent killed with -9; the process it started outlived
# both (it is in the action's process group): the restart ends it, from the pid and start time
# recorded with the run.
grep -q '"kind":"orphans_ended"' <<<"$out" || fail "no orphans_ended event: $out"
wait_for 5 bash -c "! pgrep -f '^/bin/sleep 19.5$'" || fail "the orphaned action survived the restart"
pass "after kill -9 the run is interrupted, not re-run, its orphan ended, the incident escalated"

# The kill switch: persisted, and automated actions wait.
out=$(nc pause --reason "maintenance")
grep -q 'automated actions paused' <<<"$out" || fail "pause: $out"
kill -TERM "${PIDS[-1]}"
wait "${PIDS[-1]}" || fail "clean stop"
rm -f "$WORK/out"/ran-*
"$AGENT" --config "$WORK/agent.yaml" 2>"$WORK/agent3.log" &
PIDS+=("$!")
wait_for 10 grep -q 'the kill switch is on' "$WORK/agent3.log" || fail "the kill switch did not survive the restart"
wait_for 10 bash -c "'$CLI' --socket '$SOCK' incidents --open | grep -q busy" || fail "no new incident"
NEW=$(nc --json incidents --open | grep -o '"id":"[^"]*"' | head -n 1 | cut -d'"' -f4)
wait_for 10 bash -c "'$CLI' --socket '$SOCK' incident '$NEW' | grep -q action_deferred" || fail "action not deferred"
[[ -z $(ls "$WORK/out") ]] || fail "an action ran while paused"
nc resume >/dev/null
wait_for 10 bash -c "ls '$WORK/out' | grep -q '^ran-'" || fail "resume did not let the action run"
pass "pause defers automated actions, survives a restart, resume lets them run"

out=$(nc postmortem "$ID")
grep -q "^# Post-mortem: $ID" <<<"$out" || fail "postmortem: $out"
grep -q '| mark | exec | done |' <<<"$out" || fail "postmortem actions: $out"
pass "the post-mortem draft lists the timeline and the actions"

curl -fsS "http://127.0.0.1:$PORT/metrics" -o "$WORK/metrics.txt" || fail "GET /metrics"
grep -q '^novacron_incident_detection_seconds_count{playbook="busy",severity="3"} [1-9]' "$WORK/metrics.txt" ||
  fail "no detection histogram: $(grep incident_ "$WORK/metrics.txt")"
lint=$(promtool check metrics <"$WORK/metrics.txt" 2>&1) || fail "promtool: $lint"
[[ -z $lint ]] || fail "promtool found problems: $lint"
pass "incident histograms on /metrics pass promtool"

if ((EUID == 0)) && id nobody >/dev/null 2>&1; then
  chmod 0755 "$WORK" "$WORK/state"
  capture runuser -u nobody -- "$CLI" --socket "$SOCK" pause
  [[ $rc == 3 ]] || fail "nobody could use the socket: rc $rc $out"
  grep -q 'permission denied' <<<"$out" || fail "denial message: $out"
  pass "a user outside the agent's group cannot reach the socket"
fi

# Stopping the agent stops its running actions and records them as interrupted.
wait_for 15 bash -c "'$CLI' --socket '$SOCK' incident '$NEW' | grep -Eq 'action_started +hold'" ||
  fail "hold did not start in $NEW"
# The broker starts it a moment after the timeline says so.
wait_for 10 pgrep -f '^/bin/sleep 19.5$' || fail "hold's process is not running"
kill -TERM "${PIDS[-1]}"
wait "${PIDS[-1]}" || fail "clean stop with an action running"
pgrep -f '^/bin/sleep 19.5$' >/dev/null && fail "an action outlived the agent's stop"
grep -q '1 running action(s) stopped with the agent' "$WORK/agent3.log" || fail "stop not logged"
start_agent "$WORK/agent.yaml" "$WORK/agent4.log" "$SOCK"
out=$(nc --json incident "$NEW")
grep -q 'its process group was terminated' <<<"$out" || fail "interruption not recorded: $out"
pass "stopping the agent stops its running actions and records them interrupted"
