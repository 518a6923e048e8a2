#!/usr/bin/env bash
# Privilege separation with the real agent started as root: the main process runs as novacron
# with no capability, the broker stays root; actions that need root run through the broker; a
# run the broker's own policy does not hold is refused and the reason is on the timeline; the
# broker ends the runs when the agent dies; the agent exits when the broker dies.
set -euo pipefail
AGENT=$1
CLI=$2
source "$(dirname "$0")/lib.sh"
((EUID == 0)) || { echo "skip: privilege separation needs root"; exit 0; }
id novacron >/dev/null 2>&1 || fail "no user novacron (scripts/install-deps.sh makes it)"

PORT=$(free_port) || fail "no free port"
SOCK="$WORK/state/agent.sock"
nc() { "$CLI" --socket "$SOCK" "$@"; }
mkdir -p "$WORK/playbooks" "$WORK/out"
chmod 0755 "$WORK/playbooks"
playbook() {
  cat >"$WORK/playbooks/p.yaml" <<YAML
- name: touch
  severity: 4
  category: infrastructure
  limits: {cooldown: 0s, max_runs_per_hour: 100}
  actions:
    - {id: mark, type: exec, automated: true, timeout: 10s, with: {argv: ["/usr/bin/touch", "$WORK/out/$1"]}}
- name: mark_file
  severity: 4
  category: infrastructure
  limits: {cooldown: 0s, max_runs_per_hour: 100}
  label_types: {file: path_component}
  actions:
    - {id: mark, type: exec, automated: true, timeout: 10s, with: {argv: ["/usr/bin/touch", "$WORK/out/{labels.file}"]}}
- name: mark_untyped
  severity: 4
  category: infrastructure
  limits: {cooldown: 0s, max_runs_per_hour: 100}
  actions:
    - {id: mark, type: exec, automated: true, timeout: 10s, with: {argv: ["/usr/bin/touch", "$WORK/out/{labels.file}"]}}
- name: long
  severity: 4
  category: infrastructure
  limits: {cooldown: 0s, max_runs_per_hour: 100}
  actions:
    - {id: wait, type: exec, automated: true, timeout: 10m, with: {argv: ["/bin/sleep", "337"]}}
YAML
}
playbook old
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
playbooks_dir: $WORK/playbooks
YAML
start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"
MAIN=${PIDS[-1]}
BROKER=$(pgrep -P "$MAIN" -x novacron-broker) || fail "no broker under the agent"

# --- who holds what ----------------------------------------------------------------------------
status_of() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
[[ $(status_of "$MAIN" Uid) =~ ^([1-9][0-9]*[[:space:]]+){3}[1-9][0-9]*$ ]] ||
  fail "the main process has a uid 0: $(status_of "$MAIN" Uid)"
[[ $(status_of "$MAIN" Uid | awk '{print $1}') == "$(id -u novacron)" ]] || fail "main uid is not novacron's"
[[ $(status_of "$MAIN" CapEff) == 0000000000000000 ]] || fail "main CapEff $(status_of "$MAIN" CapEff)"
[[ $(status_of "$MAIN" CapPrm) == 0000000000000000 ]] || fail "main CapPrm $(status_of "$MAIN" CapPrm)"
[[ $(status_of "$MAIN" NoNewPrivs) == 1 ]] || fail "main NoNewPrivs is not set"
[[ $(status_of "$BROKER" Uid | awk '{print $1}') == 0 ]] || fail "the broker is not root"
[[ $(stat -c %U "$WORK/state" "$WORK/state/agent.db" "$SOCK" | sort -u) == novacron ]] ||
  fail "state dir, store and socket are not novacron's: $(ls -la "$WORK/state")"
[[ $(stat -c %G "$SOCK") == novacron ]] || fail "the socket's group is $(stat -c %G "$SOCK")"
out=$(nc status) || [[ $? == 1 ]] || fail "status: $out"
grep -Eq '^broker +broker +ok +.*pid '"$BROKER" <<<"$out" || fail "no broker row in status: $out"
# The agent's group reads through the socket as before: as root the agent's own group did.
out=$(runuser -u nobody -g novacron -- "$CLI" --socket "$SOCK" status) || [[ $? == 1 ]] ||
  fail "a member of the agent's group cannot read: $out"
pass "main process: uid $(id -u novacron), CapEff 0, no_new_privs; broker root; state is novacron's"

# --- an exec action runs through the broker ------------------------------------------------
id=$(nc --json trigger touch | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
wait_for 20 test -e "$WORK/out/old" || fail "the exec action did not run: $(nc incident "$id")"
[[ $(stat -c %U "$WORK/out/old") == root ]] || fail "the action did not run as root"
wait_for 10 bash -c "'$CLI' --socket '$SOCK' --json incident '$id' | grep -q '\"state\":\"done\"'" ||
  fail "no result: $(nc incident "$id")"
pass "an exec action ran as root through the broker and its result is on the timeline"

# --- a label cannot steer root out of its directory ------------------------------------------
# As reported: touch out/{labels.file} with file=../pwned_by_label wrote outside out/ as root.
for p in mark_file mark_untyped; do
  capture nc trigger "$p" --label file=../pwned_by_label
  ((rc == 1)) && grep -q "label file '../pwned_by_label' is not" <<<"$out" || fail "$p took ../pwned_by_label: $rc $out"
done
[[ -e $WORK/pwned_by_label ]] && fail "root wrote $WORK/pwned_by_label"
id=$(nc --json trigger mark_file --label file=report.txt | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
wait_for 20 test -e "$WORK/out/report.txt" || fail "a fitting label did not run: $(nc incident "$id")"
pass "file=../pwned_by_label refused for a path_component and for an undeclared label (a plain value); file=report.txt ran"

# --- the broker refuses what its own policy does not hold --------------------------------
# A new version of the playbook that root can read and the agent's user cannot: the agent keeps
# its old policy, the broker takes the new one, and the old argv is refused.
playbook new
chmod 0600 "$WORK/playbooks/p.yaml"
kill -HUP "$MAIN"
wait_for 10 grep -q 'broker: policy reloaded' "$WORK/agent.log" || fail "the broker did not reload"
wait_for 10 grep -q 'reload failed' "$WORK/agent.log" || fail "the agent's reload did not fail"
id=$(nc --json trigger touch | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
wait_for 20 bash -c "'$CLI' --socket '$SOCK' --json incident '$id' | grep -q 'the broker refused the run: argv'" ||
  fail "no refusal on the timeline: $(nc --json incident "$id")"
out=$(nc --json incident "$id")
grep -q "argv \[\\\\\"/usr/bin/touch\\\\\", \\\\\"$WORK/out/old\\\\\"\] differs from the policy's" <<<"$out" ||
  fail "the refusal does not say which argv: $out"
[[ ! -e $WORK/out/new ]] || fail "the refused run ran"
out=$(nc status) || [[ $? == 1 ]] || fail "status: $out"
grep -Eq "^broker +broker +degraded" <<<"$out" || fail "status does not show the policies apart: $out"
pass "a run whose argv differs from the broker's policy is refused, with the reason on the timeline"
chmod 0644 "$WORK/playbooks/p.yaml"
kill -HUP "$MAIN"
wait_for 10 bash -c "[[ \$(grep -c 'broker: policy reloaded' '$WORK/agent.log') -ge 2 ]]" || fail "second reload"

# --- a broker alive but stuck: the status says so, and clears when it answers again ----------
kill -STOP "$BROKER"
stuck() { "$CLI" --socket "$SOCK" status -v | grep -Eq '^broker +broker +degraded .*no answer for'; }
wait_for 60 stuck || { kill -CONT "$BROKER"; fail "a stopped broker is not reported: $(nc status)"; }
kill -CONT "$BROKER"
wait_for 30 bash -c "'$CLI' --socket '$SOCK' status | grep -Eq '^broker +broker +ok'" ||
  fail "the broker row did not clear: $(nc status)"
pass "a stopped broker shows as degraded with no answer, and ok again once it answers"

# --- the agent dies: the broker ends its runs and exits ------------------------------------
nc trigger long >/dev/null
wait_for 20 pgrep -f '^/bin/sleep 337$' || fail "the long action did not start"
kill -KILL "$MAIN"
wait "$MAIN" 2>/dev/null || true
wait_for 10 bash -c "! pgrep -f '^/bin/sleep 337$'" || fail "an action outlived the agent's death"
wait_for 10 bash -c "! kill -0 $BROKER 2>/dev/null" || fail "the broker outlived the agent"
pass "kill -9 of the agent: the broker ended its run and exited"

# --- the broker dies: the agent runs nothing and exits for systemd ---------------------------
rm -f "$SOCK"
start_agent "$WORK/agent.yaml" "$WORK/agent2.log" "$SOCK"
MAIN=${PIDS[-1]}
BROKER=$(pgrep -P "$MAIN" -x novacron-broker) || fail "no broker under the second agent"
kill -KILL "$BROKER"
wait_for 10 bash -c "! kill -0 $MAIN 2>/dev/null" || fail "the agent outlived its broker"
set +e
wait "$MAIN"
rc=$?
set -e
[[ $rc == 1 ]] || fail "the agent exited $rc without its broker"
grep -q 'broker down' "$WORK/agent2.log" || fail "broker down not logged"
pass "kill -9 of the broker: the agent logs broker down and exits 1"

# --- and starts again, as systemd would start it: the new broker takes over what the killed one
# made (its store names the same cgroups), and a clean stop leaves no cgroup behind.
rm -f "$SOCK"
start_agent "$WORK/agent.yaml" "$WORK/agent3.log" "$SOCK"
store_id=$(sqlite3 "$WORK/state/agent.db" "SELECT value FROM agent_state WHERE key = 'store_id'")
kill -TERM "${PIDS[-1]}"
wait "${PIDS[-1]}" || fail "the restarted agent did not stop cleanly"
left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$store_id" 2>/dev/null)
[[ -z $left ]] || fail "cgroups left after the restart's stop: $left"
pass "after a broker crash the agent starts again and its stop leaves no cgroup"

echo "broker: all checks passed"
