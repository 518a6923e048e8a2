#!/usr/bin/env bash
# The novacron command against the real agent over the real socket, as root, as a member of the
# socket's group, as a member of the admin group and as a user in neither (runuser): every
# command, human and --json output, exit codes, roles, 200 idle connections from one user, and
# the bash completion.
set -euo pipefail
AGENT=$1
CLI=$2
HOLD=$3
RAW=$4
COMPLETION=$5
source "$(dirname "$0")/lib.sh"

if ((EUID != 0)); then
  echo "SKIP: needs root to create the test users and groups" >&2
  exit 0
fi
RO_GROUP=nctest_ro ADMIN_GROUP=nctest_admin
USERS=(nct_out nct_ro nct_admin)
groupadd -f "$RO_GROUP"
groupadd -f "$ADMIN_GROUP"
for u in "${USERS[@]}"; do
  id "$u" >/dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin "$u"
done
# Memberships are set every time: a user left by an earlier run may lack them.
usermod -G "" nct_out
usermod -G "$RO_GROUP" nct_ro
usermod -G "$RO_GROUP,$ADMIN_GROUP" nct_admin
cleanup_users() {
  cleanup
  for u in "${USERS[@]}"; do
    pkill -KILL -u "$u" 2>/dev/null || true
    userdel "$u" 2>/dev/null || true
  done
  groupdel "$RO_GROUP" 2>/dev/null || true
  groupdel "$ADMIN_GROUP" 2>/dev/null || true
}
trap cleanup_users EXIT

PORT=$(free_port) || fail "no free port"
CLOSED=$(free_port) || fail "no free port"
while [[ $CLOSED == "$PORT" ]]; do CLOSED=$(free_port) || fail "no free port"; done
mkdir -p "$WORK/playbooks" "$WORK/run"
chmod 0755 "$WORK/playbooks" "$WORK/run"
cat >"$WORK/playbooks/hand.yaml" <<YAML
name: hand
severity: 3
category: application
description: started by hand in a test
actions:
  - id: check
    type: exec
    with: {argv: ["/bin/true"]}
    approval: {distinct_approver: true}
  - {id: report, type: diagnostics_report, automated: true}
YAML
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
control_socket: {path: $WORK/run/agent.sock, group: $RO_GROUP, admin_group: $ADMIN_GROUP}
playbooks_dir: $WORK/playbooks
collectors:
  probes:
    - {name: own_http, type: http, url: "http://127.0.0.1:$PORT/healthz", interval: 1s}
    - {name: nothing_here, type: tcp, address: "127.0.0.1:$CLOSED", interval: 1s}
YAML
SOCK="$WORK/run/agent.sock"
as() { local u=$1; shift; runuser -u "$u" -- "$CLI" --socket "$SOCK" "$@"; }
nc() { "$CLI" --socket "$SOCK" "$@"; }

capture nc status
[[ $rc == 2 ]] || fail "no agent: rc $rc"
grep -q "^novacron: no agent is running at $SOCK" <<<"$out" || fail "no-agent message: $out"
(($(wc -l <<<"$out") == 1)) || fail "more than one line: $out"
pass "no agent: one line, exit 2"

start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"
[[ $(stat -c '%a %G' "$SOCK") == "660 $RO_GROUP" ]] || fail "socket mode: $(stat -c '%a %G' "$SOCK")"
pass "the socket is 0660, group $RO_GROUP"

wait_for 10 bash -c "'$CLI' --socket '$SOCK' status | grep -Eq '^own_http +http probe +ok'" ||
  fail "probe not up: $(nc status)"
out=$(nc status)
for row in '^CHECK +KIND +STATUS +LATENCY +ERR% +DETAIL$' '^cpu +collector +ok' \
  '^nothing_here +tcp probe +down .*connecting: Connectio~$' '^incident_store +store +ok' \
  '^mode enforce  kill switch off  0 open incident'; do
  grep -Eq "$row" <<<"$out" || fail "status lacks /$row/: $out"
done
awk 'length > 80 { exit 1 }' <<<"$out" || fail "status is wider than 80 columns: $out"
out=$(nc --json status)
grep -q '^{"data":{.*"matrix":\[' <<<"$out" || fail "status --json: $out"
capture nc health check
[[ $rc == 2 ]] || fail "health with a probe down: rc $rc"
grep -q '^down$' <<<"$out" || fail "health verdict: $out"
capture nc --json health check
[[ $rc == 2 ]] || fail "health --json rc $rc"
pass "status matrix within 80 columns, health check exit 2 with a probe down"

capture as nct_out status
[[ $rc == 3 ]] || fail "outsider: rc $rc $out"
grep -q '^novacron: permission denied on' <<<"$out" || fail "outsider message: $out"
capture as nct_ro status
[[ $rc == 0 ]] || fail "reader status: rc $rc $out"
for cmd in "pause" "trigger hand" "ack x"; do
  capture as nct_ro $cmd
  [[ $rc == 3 ]] || fail "reader $cmd: rc $rc $out"
  grep -q 'needs root or the admin group' <<<"$out" || fail "reader $cmd: $out"
done
pass "outside the group: denied (3); in the group: read-only, changes denied (3)"

out=$(as nct_admin trigger hand --reason "test run") || fail "admin trigger: $out"
ID=$(sed -n 's/^incident \([^ ]*\) opened by nct_admin (uid [0-9]*)$/\1/p' <<<"$out")
[[ -n $ID ]] || fail "trigger output: $out"
capture as nct_admin approve "$ID" check
[[ $rc == 3 ]] || fail "the triggering admin approved its own incident: rc $rc $out"
grep -q 'needs an approver other than nct_admin' <<<"$out" || fail "distinct approver: $out"
out=$(nc approve "$ID" check) || fail "root approve: $out"
grep -q "^approve recorded for $ID by root (uid 0)" <<<"$out" || fail "approve: $out"
wait_for 10 bash -c "'$CLI' --socket '$SOCK' --json incidents show '$ID' | grep -q '\"action\":\"report\"'" ||
  fail "the approved action did not run"
out=$(nc --json incidents show "$ID")
grep -q '"kind":"opened","seq":[0-9]*},\|"by":"nct_admin (uid' <<<"$out" || fail "trigger not attributed: $out"
grep -q '"by":"root (uid 0)"' <<<"$out" || fail "approval not attributed: $out"
pass "admin triggers, cannot approve its own incident, root approves; both named on the timeline"

out=$(as nct_ro incidents) || fail "incidents: $out"
grep -Eq "^$ID +3 +hand" <<<"$out" || fail "incidents list: $out"
out=$(as nct_ro incidents list --since 1h) || fail "incidents --since"
grep -q "$ID" <<<"$out" || fail "incidents --since: $out"
out=$(as nct_ro incidents show "$ID")
grep -q "approval_granted" <<<"$out" || fail "incidents show: $out"
out=$(as nct_ro incidents postmortem "$ID")
grep -q "^# Post-mortem: $ID" <<<"$out" || fail "postmortem: $out"
out=$(as nct_ro diagnostics)
grep -q '"recommendations"' <<<"$out" || fail "diagnostics: $out"
out=$(as nct_ro db status)
grep -q 'no PostgreSQL instance is configured' <<<"$out" || fail "db status: $out"
out=$(as nct_ro logs --errors --since 1h)
grep -Eq "warning +incident $ID triggered by nct_admin" <<<"$out" || fail "logs: $out"
out=$(as nct_ro --json logs)
grep -q '^{"data":\[' <<<"$out" || fail "logs --json: $out"
out=$(as nct_admin pause --reason drill) || fail "admin pause: $out"
out=$(as nct_admin resume) || fail "admin resume: $out"
grep -q 'kill switch on by nct_admin (uid [0-9]*): drill' "$WORK/agent.log" || fail "pause not logged with the user"
capture nc incidents show
[[ $rc == 64 ]] || fail "usage error: rc $rc"
pass "incidents list/show/postmortem, diagnostics, db status, logs, pause/resume: human and --json"

# One user's 200 idle connections: refused beyond its share, everyone else still served.
"$HOLD" "$SOCK" 1 0 >/dev/null
runuser -u nct_ro -- "$HOLD" "$SOCK" 200 5 >"$WORK/hold.out" &
HOLDER=$!
wait_for 5 test -s "$WORK/hold.out" || fail "the holder did not report"
grep -q '^held 16 refused 184$' "$WORK/hold.out" || fail "idle connections: $(cat "$WORK/hold.out")"
capture as nct_ro status
[[ $rc == 1 ]] || fail "the flooding user itself: rc $rc $out"
grep -q 'already has 16 control connections open' <<<"$out" || fail "per-user refusal: $out"
as nct_admin status >/dev/null || fail "another user was locked out"
nc status >/dev/null || fail "root was locked out"
wait "$HOLDER"
pass "200 idle connections from one user: 184 refused with a reason, other users served"

# Bad input on the real socket: each gets a clear error, and the agent serves on.
raw() { printf '%s' "$1" | runuser -u nct_ro -- "$RAW" "$SOCK"; }
out=$(raw $'{"cmd": status}\n')
grep -q '"code":"bad_request","message":"expected one JSON object per line' <<<"$out" || fail "malformed: $out"
out=$(raw $'["status"]\n{"args":{}}\n{"cmd":"status","args":[1]}\n{"cmd":"reboot"}\n')
(($(grep -c '"ok":false' <<<"$out") == 4)) || fail "bad requests: $out"
grep -q 'missing \\"cmd\\"' <<<"$out" || fail "missing cmd: $out"
grep -q '"code":"unknown_command"' <<<"$out" || fail "unknown command: $out"
out=$(head -c 70000 /dev/zero | tr '\0' 'x' | runuser -u nct_ro -- "$RAW" "$SOCK")
grep -q '"code":"request_too_large"' <<<"$out" || fail "oversized: $out"
out=$(raw $'{"cmd":"version"}\n')
grep -q '"ok":true' <<<"$out" || fail "the agent stopped serving after bad input: $out"
pass "malformed JSON, wrong shapes, unknown commands, a 70 KB line: clear errors, still serving"

# Bash completion.
complete_words() {
  bash -c "source '$COMPLETION'; COMP_WORDS=($1); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); _novacron; echo \"\${COMPREPLY[*]}\""
}
[[ $(complete_words "novacron inc") == "incidents" ]] || fail "completion: $(complete_words "novacron inc")"
[[ $(complete_words "novacron incidents s") == "show" ]] || fail "completion incidents"
[[ $(complete_words "novacron health ''") == "check" ]] || fail "completion health"
[[ $(complete_words "novacron logs --e") == "--errors" ]] || fail "completion options"
pass "bash completion"

# The probe that is down opens the built-in service_down incident after its 30 s.
wait_for 45 bash -c "'$CLI' --socket '$SOCK' incidents --open | grep -q service_down" ||
  fail "service_down did not open: $(nc incidents)"
out=$(nc --json incidents --open)
grep -q '"playbook":"service_down"[^}]*' <<<"$out" || fail "service_down: $out"
grep -q '"labels":{"probe":"nothing_here","type":"tcp"}' <<<"$out" || fail "service_down labels: $out"
pass "a probe down for 30 s opens service_down for that probe"
