#!/usr/bin/env bash
# The live agent evaluates playbooks every sweep: a playbook that holds opens an incident
# decision, SIGHUP with a broken playbook keeps the last good policy, dry-run marks decisions,
# and as root a playbook file others can write is refused.
set -euo pipefail
AGENT=$1
CLI=$2
source "$(dirname "$0")/lib.sh"

PORT=$(free_port) || fail "no free port"
mkdir -p "$WORK/playbooks"
chmod 0755 "$WORK/playbooks"
cat >"$WORK/playbooks/always.yaml" <<'YAML'
- name: always_busy
  severity: 3
  category: infrastructure
  when: load_tasks > 0
  for: 300ms
  actions:
    - {id: report, type: diagnostics_report, automated: true}
- {name: high_cpu, enabled: false}
YAML
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
collectors: {host: {interval: 100ms}}
playbooks_dir: $WORK/playbooks
mode: dry-run
YAML
out=$("$AGENT" --config "$WORK/agent.yaml" --check-config)
grep -q 'OK, 10 of 11 playbooks enabled' <<<"$out" || fail "--check-config counts: $out"

"$AGENT" --config "$WORK/agent.yaml" 2>"$WORK/agent.log" &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
wait_for 10 grep -q 'decision open always_busy SEV-3: load_tasks > 0 held for 300ms' "$WORK/agent.log" ||
  fail "no open decision"
grep -q '<4>.*\[dry-run\] decision open always_busy' "$WORK/agent.log" || fail "dry-run marker and warning level"
# The incident manager takes the first step (the evaluator only sees the condition): planned, in
# dry-run.
INC=$("$CLI" --socket "$WORK/state/agent.sock" --json incidents |
  python3 -c 'import json, sys; print([i["id"] for i in json.load(sys.stdin)["data"] if i["playbook"] == "always_busy"][0])')
wait_for 10 bash -c "'$CLI' --socket '$WORK/state/agent.sock' --json incident '$INC' | grep -q '\"action\":\"report\",\"dry_run\":true'" ||
  fail "first step: $("$CLI" --socket "$WORK/state/agent.sock" --json incident "$INC")"
metrics=$(curl -fsS "http://127.0.0.1:$PORT/metrics")
grep -q '^novacron_policy_firing{playbook="always_busy"} 1' <<<"$metrics" || fail "firing metric"
grep -q '^novacron_policy_playbooks{state="disabled"} 1' <<<"$metrics" || fail "disabled count"
grep -q '^novacron_policy_dry_run 1' <<<"$metrics" || fail "dry-run metric"
out=$("$CLI" --socket "$WORK/state/agent.sock" playbooks)
grep -Eq '^always_busy +3 +infrastructure +on +1' <<<"$out" || fail "novacron playbooks: $out"
out=$("$CLI" --socket "$WORK/state/agent.sock" status)
grep -q '^open: SEV-3 always_busy' <<<"$out" || fail "status lists the open incident: $out"
pass "a playbook that holds opens one incident, in dry-run, visible in logs, metrics and the CLI"

# A broken playbook: the reload fails as a whole and the running policy stays.
cp "$WORK/playbooks/always.yaml" "$WORK/good.yaml"
printf -- '- name: broken\n  severity: 9\n  category: infrastructure\n  when: nonsense_metric > 1\n' >"$WORK/playbooks/zz.yaml"
kill -HUP "$AGENT_PID"
wait_for 5 grep -q 'reload failed: the playbooks have errors' "$WORK/agent.log" || fail "failed reload not logged"
grep -q "zz.yaml:2:13: playbook broken: severity must be between 1 and 4, not 9" "$WORK/agent.log" || fail "position of severity"
grep -q "zz.yaml:4:9: playbook broken: when: unknown metric 'nonsense_metric'" "$WORK/agent.log" || fail "position of metric"
wait_for 5 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_config_last_reload_successful 0'" ||
  fail "reload metric 0"
metrics=$(curl -fsS "http://127.0.0.1:$PORT/metrics")
grep -q '^novacron_policy_firing{playbook="always_busy"} 1' <<<"$metrics" || fail "the last good policy was dropped"
rm "$WORK/playbooks/zz.yaml"
sed -i 's/load_tasks > 0/load_tasks < 0/' "$WORK/playbooks/always.yaml"
kill -HUP "$AGENT_PID"
wait_for 5 grep -q 'decision resolve always_busy' "$WORK/agent.log" || fail "new policy not applied"
pass "SIGHUP with a broken playbook keeps the last good policy; a fixed one applies"

kill -TERM "$AGENT_PID"
wait "$AGENT_PID" || fail "agent exit status"

if ((EUID == 0)); then
  chmod 0666 "$WORK/playbooks/always.yaml"
  capture "$AGENT" --config "$WORK/agent.yaml" --check-config
  [[ $rc == 1 ]] || fail "a world-writable playbook was accepted"
  grep -q "always.yaml:1:1: refusing to load: file .* is writable by group or others; chmod go-w it" <<<"$out" ||
    fail "refusal message: $out"
  pass "as root, a playbook others can write is refused"
fi
