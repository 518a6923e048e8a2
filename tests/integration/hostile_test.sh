#!/usr/bin/env bash
# What a hostile local user and a hostile peer tried, against the real agent, each with the
# hostile input as data: a filesystem mounted at a path that is not UTF-8, triggers with bad
# arguments, labels that would be options or split a log line, API tokens that try to approve
# their own trigger, a huge "since", a rotated token file others can read, and 500 half-sent
# HTTP requests while a scraper scrapes. The agent must stay up and answer through all of it.
set -euo pipefail
# In a mount namespace of its own, so that the odd mount below goes with the test however it
# ends (a killed run once left it on the host, where it crashed another agent's disk collector).
if ((EUID == 0)) && [[ -z ${NOVACRON_OWN_MOUNTS:-} ]] && command -v unshare >/dev/null; then
  NOVACRON_OWN_MOUNTS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
AGENT=$1
CLI=$2
FLOOD=$3
RAW=$4
source "$(dirname "$0")/lib.sh"
((EUID == 0)) || { echo "skip: needs root (a tmpfs mount, a test user)"; exit 0; }

PORT=$(free_port) || fail "no free port"
URL="http://127.0.0.1:$PORT"
SOCK="$WORK/state/agent.sock"
nc() { "$CLI" --socket "$SOCK" "$@"; }
api() { curl -s -o "$WORK/api.out" -w '%{http_code}' "$@"; }

# A filesystem mounted at "donn\xe9es" (Latin-1), unmounted when the test ends (and gone with
# the namespace if it is killed).
MNT="$WORK/$(printf 'donn\xe9es')"
mkdir -p "$MNT"
mount -t tmpfs -o size=1m tmpfs "$MNT"
trap 'umount "$MNT" 2>/dev/null || true; cleanup' EXIT
id nct_victim >/dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin nct_victim
id nct_flood >/dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin nct_flood
printf 'ops-token\n' >"$WORK/ops.token"
printf 'coord-token\n' >"$WORK/coord.token"
secret "$WORK/ops.token" "$WORK/coord.token"
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http:
  listen: "127.0.0.1:$PORT"
  tokens: [{name: ops, file: $WORK/ops.token}, {name: coordinator, file: $WORK/coord.token}]
YAML
start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"
AGENT_PID=${PIDS[-1]}
alive() { kill -0 "$AGENT_PID" 2>/dev/null || fail "the agent died"; }
wait_for 10 bash -c "curl -s $URL/metrics | grep -q 'mount=\"$WORK/donn'" || fail "the mount is not sampled"

# A bad argument is refused before anything changes; nothing is left open by it.
out=$(printf '{"cmd":"trigger","args":{"playbook":"data_loss_response","dry_run":"yes"}}\n' | "$RAW" "$SOCK")
grep -q '"bad_request"' <<<"$out" || fail "dry_run \"yes\" accepted: $out"
out=$(printf '{"cmd":"logs","args":{"since":1e300}}\n' | "$RAW" "$SOCK")
grep -q '"bad_request"' <<<"$out" || fail "a huge since accepted: $out"
alive
pass "bad trigger and logs arguments get bad_request and change nothing"

# The manual data_loss_response with that mount on the host: the incident runs its actions,
# ends with its hand-over, and can be triggered again.
out=$(nc --json trigger data_loss_response) || fail "trigger: $out"
ID=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$out")
wait_for 30 bash -c "'$CLI' --socket '$SOCK' --json incident '$ID' | grep -q '\"state\":\"escalated\"'" ||
  fail "data_loss_response did not run to its hand-over: $(nc incident "$ID")"
out=$(nc --json incident "$ID")
for a in stop_writes preserve_evidence notify hand_over; do
  grep -q "\"action\":\"$a\"" <<<"$out" || fail "$a did not run: $out"
done
out=$(nc --json trigger data_loss_response) || fail "a second trigger after the hand-over: $out"
alive
pass "data_loss_response ran every action with a non-UTF-8 mount on the host, and again after"

# security_breach needs its labels, checked before the incident opens. The address is
# TEST-NET-3's: the step that would block it is never approved here.
capture nc trigger security_breach --label address=203.0.113.7
((rc == 1)) && grep -q 'needs --label user=VALUE' <<<"$out" || fail "no label: $rc $out"
capture nc trigger security_breach --label "user=$(printf 'a\nb')" --label address=203.0.113.7
((rc == 1)) && grep -q 'control character' <<<"$out" || fail "a line break in a label: $rc $out"
# A list in a user: pkill --uid=mallory,root would end every root process after one approval.
capture nc trigger security_breach --label user=nct_victim,root --label address=203.0.113.7
((rc == 1)) && grep -q "label user 'nct_victim,root' is not one user name" <<<"$out" || fail "a list in a user: $rc $out"
capture nc trigger security_breach --label user=root --label address=203.0.113.7
((rc == 1)) && grep -q "is not a user other than root" <<<"$out" || fail "root as the user: $rc $out"
capture nc trigger security_breach --label user=no_such_user_nc --label address=203.0.113.7
((rc == 1)) && grep -q "no user 'no_such_user_nc' on this host" <<<"$out" || fail "a user that does not exist: $rc $out"
capture nc trigger security_breach --label user=nct_victim --label address=198.51.0.0/16
((rc == 1)) && grep -q "at most /24" <<<"$out" || fail "a /16 for security_breach's address: $rc $out"
capture nc trigger security_breach --label user=nct_victim --label address=--flush
((rc == 1)) && grep -q 'block_addresses' <<<"$out" || fail "an option for an address: $rc $out"
capture nc trigger security_breach --label user=nct_victim --label address=203.0.113.7 \
  --reason "$(printf 'x\n<0>FORGED line')"
((rc == 0)) || fail "trigger with its label: $out"
SB=$(sed -n 's/^incident \([^ ]*\) opened.*/\1/p' <<<"$out")
grep -q '^<0>FORGED\|^FORGED' "$WORK/agent.log" && fail "a reason split a log line"
grep -q 'x\\n<0>FORGED line' "$WORK/agent.log" || fail "the reason is not in the log, escaped"
runuser -u nct_victim -- /bin/sleep 120 &
VICTIM=$!
PIDS+=("$VICTIM")
wait_for 20 bash -c "'$CLI' --socket '$SOCK' --json incident '$SB' | grep -q '\"state\":\"awaiting_approval\"'" ||
  fail "security_breach did not reach its approval: $(nc incident "$SB")"
# Its evidence, through the broker, with no paths of its own: the diagnostics report alone (the
# broker's protocol once refused such a request, so this built-in step never worked as root).
grep -Eq '"action":"preserve_evidence"[^}]*"state":"done"' <<<"$(nc --json incident "$SB")" ||
  fail "preserve_evidence did not end done under the broker: $(nc incident "$SB")"
ls "$WORK/state/evidence/$SB"-run*.tar.gz >/dev/null || fail "no bundle of $SB in $WORK/state/evidence"
[[ $(stat -c %U:%a "$WORK/state/evidence") == root:700 ]] || fail "evidence dir: $(stat -c %U:%a "$WORK/state/evidence")"
code=$(api -X POST -H "Authorization: Bearer ops-token" -d '{"by":"alice"}' \
  "$URL/v1/incidents/$SB/actions/end_user_sessions/approve")
[[ $code == 200 ]] || fail "approve through the API: $code $(cat "$WORK/api.out")"
wait_for 10 bash -c "! kill -0 $VICTIM 2>/dev/null" || fail "the user's process survived the approved step"
# Its next step would block the address: denied, so the incident ends before the API's trigger.
wait_for 20 bash -c "'$CLI' --socket '$SOCK' --json incident '$SB' | grep -q '\"action\":\"block_addresses\",\"distinct_approver\"'" ||
  fail "security_breach did not ask to block its address: $(nc incident "$SB")"
nc deny "$SB" block_addresses --reason "a TEST-NET address" >/dev/null || fail "deny block_addresses"
pass "security_breach refused a missing or broken label (a list in its user, root, no such user, a /16), took its labels, kept its evidence through the broker, and the approved step ended that user's processes"

# Through the API: triggered with one token, it cannot be approved with the same token.
code=$(api -X POST -H "Authorization: Bearer ops-token" -d '{"by":"alice","labels":{"user":"nct_victim","address":"203.0.113.7"}}' \
  "$URL/v1/playbooks/security_breach/trigger")
[[ $code == 200 ]] || fail "API trigger: $code $(cat "$WORK/api.out")"
SB2=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$WORK/api.out")
wait_for 20 bash -c "'$CLI' --socket '$SOCK' --json incident '$SB2' | grep -q '\"state\":\"awaiting_approval\"'" ||
  fail "the API-triggered incident did not reach its approval"
code=$(api -X POST -H "Authorization: Bearer ops-token" -d '{"by":"root (uid 0)"}' \
  "$URL/v1/incidents/$SB2/actions/end_user_sessions/approve")
[[ $code == 400 || $code == 403 ]] || fail "the trigger's own token approved: $code $(cat "$WORK/api.out")"
code=$(api -X POST -H "Authorization: Bearer coord-token" -d '{"by":"bob"}' \
  "$URL/v1/incidents/$SB2/actions/end_user_sessions/approve")
[[ $code == 200 ]] || fail "another token's approval: $code $(cat "$WORK/api.out")"
out=$(nc --json incident "$SB2")
grep -q '"triggered_by":"token ops"' <<<"$out" || fail "trigger identity: $out"
grep -q '"by":"bob","reason":"","verified_as":"token coordinator"' <<<"$out" || fail "approval identity: $out"
pass "API tokens are identities: token ops could not approve its own trigger, token coordinator could"

# 500 half-sent requests from a hostile local user, reopened as they close, while a scraper (of
# another user, as Prometheus is) scrapes every 100 ms.
setpriv --reuid=nct_flood --regid=nogroup --clear-groups "$FLOOD" "$PORT" 500 15 >"$WORK/flood.out" &
FLOOD_PID=$!
PIDS+=("$FLOOD_PID")
sleep 1
ok=0
for i in $(seq 1 20); do
  code=$(curl -s -m 5 -o "$WORK/scrape.out" -w '%{http_code}' "$URL/metrics" || true)
  [[ $code == 200 ]] && ((ok += 1))
  sleep 0.1
done
wait "$FLOOD_PID" || true
((ok == 20)) || fail "only $ok of 20 scrapes answered 200 under the flood ($(cat "$WORK/flood.out"))"
grep -q "mount=\"$WORK/donn" "$WORK/scrape.out" || fail "the non-UTF-8 mount is not in the scrape"
lint=$(promtool check metrics <"$WORK/scrape.out" 2>&1) || fail "promtool: $lint"
[[ -z $lint ]] || fail "promtool found problems: $lint"
alive
pass "20 of 20 scrapes answered, valid for promtool, during 500 hostile connections ($(cat "$WORK/flood.out"))"

# A token file rotated in with a mode others may read admits nobody with it.
printf 'ops-rotated\n' >"$WORK/ops.token.new"
chmod 0644 "$WORK/ops.token.new"
mv "$WORK/ops.token.new" "$WORK/ops.token"
[[ $(api -H "Authorization: Bearer ops-rotated" "$URL/v1/status") == 401 ]] || fail "a token others can read was accepted"
[[ $(api -H "Authorization: Bearer coord-token" "$URL/v1/status") == 200 ]] || fail "the other token"
out=$(nc status) || [[ $? == 1 ]] || fail "status: $out"
alive
pass "a rotated token file others can read is refused; the agent served everything above and lives"
