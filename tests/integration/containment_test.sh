#!/usr/bin/env bash
# Every action in a cgroup of its own, with the real agent started by hand as root: children
# that call setsid, double-fork or ignore SIGTERM are gone within the timeout and its grace; an
# action over its memory_max is OOM-killed and recorded so; after kill -9 the restart ends what
# the killed agent's runs left; a stop ends everything and removes the agent's cgroups.
set -euo pipefail
[[ -n ${DEBUG_TEST:-} ]] && set -x
AGENT=$1
CLI=$2
source "$(dirname "$0")/lib.sh"
((EUID == 0)) || { echo "skip: cgroups need root"; exit 0; }

PORT=$(free_port) || fail "no free port"
SOCK="$WORK/state/agent.sock"
nc() { "$CLI" --socket "$SOCK" "$@"; }
mkdir -p "$WORK/playbooks"
chmod 0755 "$WORK/playbooks"
cat >"$WORK/playbooks/contain.yaml" <<'YAML'
- name: escape
  severity: 4
  category: infrastructure
  actions:
    - {id: detach, type: exec, automated: true, timeout: 3s, with: {argv: ["/usr/bin/setsid", "-f", "/bin/sleep", "321"]}}
    - {id: double_fork, type: exec, automated: true, timeout: 3s, with: {argv: ["/bin/sh", "-c", "(/bin/sleep 322 &); exec /bin/sleep 323"]}}
    - {id: stubborn, type: exec, automated: true, timeout: 2s, with: {argv: ["/bin/sh", "-c", "trap '' TERM; /usr/bin/setsid /bin/sh -c \"trap '' TERM; exec /bin/sleep 324\" & exec /bin/sleep 325"]}}
- name: hog
  severity: 4
  category: infrastructure
  actions:
    - {id: hog, type: exec, automated: true, timeout: 30s, resources: {memory_max: 32MiB}, with: {argv: ["/usr/bin/perl", "-e", "my $x = 'a' x (200 * 1024 * 1024); sleep 10"]}}
- name: long
  severity: 4
  category: infrastructure
  actions:
    - {id: wait, type: exec, automated: true, timeout: 10m, with: {argv: ["/bin/sh", "-c", "/usr/bin/setsid /bin/sleep 326 & exec /bin/sleep 327"]}}
YAML
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
playbooks_dir: $WORK/playbooks
YAML
start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"
out=$(nc status) || [[ $? == 1 ]] || fail "status: $out"
grep -q '^containment cgroup: ' <<<"$out" || { echo "skip: $(grep containment <<<"$out")"; exit 0; }
curl -s "http://127.0.0.1:$PORT/metrics" | grep '^novacron_action_containment{mode="cgroup"} 1' >/dev/null ||
  fail "containment not on /metrics"
alive() { pgrep -f "^/bin/sleep 32$1\$" >/dev/null; }
# grep -q would stop reading early, and the writer's SIGPIPE fail the pipe (pipefail).
has() { nc --json incident "$1" | grep -- "$2" >/dev/null; }
ended() { has "$1" '"resolved_at":[0-9]'; }

id=$(nc --json trigger escape | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
wait_for 30 ended "$id" ||
  fail "escape did not run through: $(nc incident "$id")"
for n in 1 2 3 4 5; do alive "$n" && fail "sleep 32$n outlived its action"; done
pass "setsid, a double fork and SIGTERM ignored in a new session: nothing alive after the runs"

if nc --json status | grep '"description":"[^"]*limits: [^"]*memory' >/dev/null; then
  id=$(nc --json trigger hog | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
  wait_for 30 has "$id" '"state":"oom_killed"' ||
    fail "hog not OOM-killed: $(nc --json incident "$id")"
  pass "an action over its memory_max (32 MiB) was OOM-killed and recorded so"
fi

# kill -9 in the middle of a run whose child left its session: the restart ends it.
id=$(nc --json trigger long | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
wait_for 10 alive 6 || fail "the long action did not start"
crash "${PIDS[-1]}"
alive 6 || fail "the setsid'ed child should still be running before the restart"
start_agent "$WORK/agent.yaml" "$WORK/agent2.log" "$SOCK"
wait_for 10 bash -c "! pgrep -f '^/bin/sleep 32[67]$'" || fail "the killed agent's run was not ended at restart"
has "$id" '"kind":"orphans_ended"' || fail "no orphans_ended: $(nc incident "$id")"
grep -q 'process(es) left by run' "$WORK/agent2.log" || fail "not logged: $(cat "$WORK/agent2.log")"
pass "kill -9 during a run: the restart ended the run's cgroup, the setsid'ed child included"

# A stop while an action runs: nothing of it left, the agent's cgroups gone.
dir=$(nc --json status | sed -n 's/.*"description":"[^"]* in \([^;"]*\);.*/\1/p')
id=$(nc --json trigger long | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
wait_for 10 alive 6 || fail "the long action did not start again"
kill -TERM "${PIDS[-1]}"
wait_for 10 bash -c "! kill -0 ${PIDS[-1]} 2>/dev/null" || fail "the agent did not stop"
pgrep -f '^/bin/sleep 32[67]$' && fail "an action process outlived the stop"
[[ -n $dir && ! -e $dir ]] || fail "the agent's cgroups were not removed: $dir"
pass "a stop during a run left no process and removed $dir"
