#!/usr/bin/env bash
# firewall_block and firewall_unblock for real, across two network namespaces this test makes
# and a veth pair between them: the agent (started as root, so its broker does the work) lives
# in one, two peer addresses in the other. A blocked address can no longer connect to the
# agent's HTTP port, the other still can; an unblocked one can again; an element given a short
# timeout expires in the kernel; the built-in security_breach blocks its address once another
# person approves; `novacron firewall list` shows what the set holds.
set -euo pipefail
AGENT=$1
CLI=$2
source "$(dirname "$0")/lib.sh"
((EUID == 0)) || { echo "skip: network namespaces and nftables need root"; exit 0; }
id novacron >/dev/null 2>&1 || fail "no user novacron (scripts/install-deps.sh makes it)"
command -v ip >/dev/null || fail "no ip (iproute2)"

NSA=nct-fw-agent-$$
NSB=nct-fw-peer-$$
trap 'cleanup; ip netns del "$NSA" 2>/dev/null || true; ip netns del "$NSB" 2>/dev/null || true' EXIT
ip netns add "$NSA"
ip netns add "$NSB"
ip -n "$NSA" link add va type veth peer name vb netns "$NSB"
ip -n "$NSA" addr add 10.77.0.1/24 dev va
ip -n "$NSB" addr add 10.77.0.2/24 dev vb
ip -n "$NSB" addr add 10.77.0.3/24 dev vb
for ns in "$NSA" "$NSB"; do ip -n "$ns" link set lo up; done
ip -n "$NSA" link set va up
ip -n "$NSB" link set vb up

SOCK="$WORK/state/agent.sock"
nc() { "$CLI" --socket "$SOCK" "$@"; }
# connects FROM: an HTTP answer from the agent's port in the other namespace, from that source.
connects() {
  ip netns exec "$NSB" curl -s -o /dev/null --connect-timeout 3 --max-time 10 \
    --interface "$1" "http://10.77.0.1:9464/healthz"
}
incident_of() { sed -n 's/.*"id":"\([^"]*\)".*/\1/p'; }
listed() { nc --json firewall list | grep -q "\"address\":\"$1\""; }

mkdir -p "$WORK/playbooks"
chmod 0755 "$WORK/playbooks"
cp "$(dirname "$0")/../../policy/playbooks/security_breach.yaml" "$WORK/playbooks/"
# fw_hold and fw_brief block {labels.address} for 1h and 4s, fw_release unblocks it.
for p in "fw_hold firewall_block timeout: 1h" "fw_brief firewall_block timeout: 4s" "fw_release firewall_unblock"; do
  read -r name type extra <<<"$p"
  printf -- '- {name: %s, severity: 2, category: security, limits: {cooldown: 0s, max_runs_per_hour: 100},\n' "$name"
  printf -- '   actions: [{id: it, type: %s, automated: true, with: {addresses: ["{labels.address}"]%s}}]}\n' \
    "$type" "${extra:+, $extra}"
done >"$WORK/playbooks/fw.yaml"
chmod 0644 "$WORK/playbooks/"*.yaml
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "10.77.0.1:9464"}
playbooks_dir: $WORK/playbooks
YAML
ip netns exec "$NSA" "$AGENT" --config "$WORK/agent.yaml" 2>>"$WORK/agent.log" &
PIDS+=("$!")
wait_for 10 nc version >/dev/null || fail "the agent did not start: $(cat "$WORK/agent.log")"
pgrep -P "${PIDS[-1]}" -x novacron-broker >/dev/null || fail "no broker: the block would not be root's"
wait_for 20 connects 10.77.0.2 || fail "10.77.0.2 cannot reach the agent before any block"
connects 10.77.0.3 || fail "10.77.0.3 cannot reach the agent before any block"
out=$(nc firewall list) || fail "firewall list: $out"
[[ $out == "no address is blocked" ]] || fail "the set is not empty at first: $out"
pass "two peers reach the agent across the veth pair; the block set is empty"

# --- block one peer: it can no longer connect, the other still can --------------------------
id=$(nc --json trigger fw_hold --label address=10.77.0.2 | incident_of)
wait_for 20 listed 10.77.0.2 || fail "10.77.0.2 is not in the set: $(nc incident "$id")"
connects 10.77.0.2 && fail "a blocked address still connects"
connects 10.77.0.3 || fail "an address not blocked cannot connect"
out=$(nc firewall list)
grep -Eq '^10\.77\.0\.2 +(59m[0-9]+s|1h0m) +1h0m$' <<<"$out" || fail "firewall list: $out"
pass "blocked 10.77.0.2 for 1h: it cannot connect, 10.77.0.3 can; firewall list shows it"

# --- unblock it: it connects again ---------------------------------------------------------
nc trigger fw_release --label address=10.77.0.2 >/dev/null
wait_for 20 connects 10.77.0.2 || fail "an unblocked address cannot connect"
listed 10.77.0.2 && fail "an unblocked address is still listed"
pass "unblocked 10.77.0.2: it connects again"

# --- a short timeout: the kernel drops the element, agent or not -----------------------------
id=$(nc --json trigger fw_brief --label address=10.77.0.3 | incident_of)
wait_for 20 listed 10.77.0.3 || fail "10.77.0.3 is not in the set: $(nc incident "$id")"
connects 10.77.0.3 && fail "an address blocked for 4s still connects"
wait_for 60 bash -c "! '$CLI' --socket '$SOCK' --json firewall list | grep -q 10.77.0.3" ||
  fail "the element did not expire: $(nc firewall list)"
wait_for 20 connects 10.77.0.3 || fail "the address cannot connect after its block expired"
pass "a block of 4s expired and 10.77.0.3 connects again"

# --- the built-in security_breach: the block waits for another person's approval --------------
id=$(nc --json trigger security_breach --label user=nobody --label address=10.77.0.2/32 | incident_of)
[[ -n $id ]] || fail "security_breach did not open"
waiting() { nc --json incident "$id" | grep -q "\"state\":\"awaiting_approval\""; }
wait_for 30 waiting || fail "security_breach did not reach its first approval: $(nc incident "$id")"
nc deny "$id" end_user_sessions --reason "not this user" >/dev/null
wait_for 20 bash -c "'$CLI' --socket '$SOCK' --json incident '$id' | grep -q '\"action\":\"block_addresses\",\"distinct_approver\"'" ||
  fail "block_addresses was not asked for: $(nc incident "$id")"
connects 10.77.0.2 || fail "the address was blocked before the approval"
out=$(nc approve "$id" block_addresses 2>&1) && fail "the trigger's own user approved: $out"
runuser -u novacron -- "$CLI" --socket "$SOCK" approve "$id" block_addresses >/dev/null ||
  fail "another user's approval was refused"
wait_for 20 listed 10.77.0.2 || fail "the approved block is not in the set: $(nc incident "$id")"
connects 10.77.0.2 && fail "the address security_breach blocked still connects"
connects 10.77.0.3 || fail "security_breach blocked more than its address"
pass "security_breach blocked 10.77.0.2 after a second person's approval, and nothing else"

# --- never blocked: the host's own address, loopback; refused before anything opens ----------
for a in 10.77.0.1 127.0.0.1; do
  capture nc trigger fw_hold --label address=$a
  ((rc == 1)) && grep -q "not blocking $a" <<<"$out" || fail "a trigger to block $a: $rc $out"
  listed "$a" && fail "$a was blocked"
done
wait_for 20 bash -c "[[ \$(ip netns exec $NSA curl -s -o /dev/null -w '%{http_code}' http://10.77.0.1:9464/healthz) =~ ^[0-9]{3}$ ]]" ||
  fail "the agent's own address was cut off"
pass "the host's own address and loopback were refused"

echo "firewall: all checks passed"
