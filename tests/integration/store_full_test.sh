#!/usr/bin/env bash
# A full disk under the state dir: the agent says so loudly (log, /healthz) and keeps sampling;
# an incident that could not be recorded runs nothing and is recorded once space is back.
# The state dir is a 4 MiB tmpfs, so this needs root (CI runs as root).
set -euo pipefail
AGENT=$1
source "$(dirname "$0")/lib.sh"

if ((EUID != 0)); then
  echo "SKIP: needs root to mount a small tmpfs" >&2
  exit 0
fi
mkdir -p "$WORK/state" "$WORK/playbooks"
mount -t tmpfs -o size=4m,mode=0750 novacron-test "$WORK/state" || fail "cannot mount a tmpfs"
trap 'cleanup_mount' EXIT
cleanup_mount() {
  stop_pids
  umount "$WORK/state" 2>/dev/null || umount -l "$WORK/state" 2>/dev/null || true
  rm -rf "$WORK"
  release_ports
}

PORT=$(free_port) || fail "no free port"
chmod 0755 "$WORK/playbooks"
cat >"$WORK/playbooks/late.yaml" <<YAML
name: late
severity: 3
category: infrastructure
when: load_tasks > 0
for: 3s
actions:
  - {id: report, type: diagnostics_report, automated: true}
YAML
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
collectors: {host: {interval: 200ms}}
playbooks_dir: $WORK/playbooks
YAML
"$AGENT" --config "$WORK/agent.yaml" 2>"$WORK/agent.log" &
PIDS+=("$!")
wait_for 10 curl -fsS "http://127.0.0.1:$PORT/healthz" || fail "the agent did not come up"

# Fill the file system before the incident opens (its `for` is 3 s).
dd if=/dev/zero of="$WORK/state/filler" bs=64k 2>/dev/null || true
wait_for 10 grep -q 'cannot record an incident for late' "$WORK/agent.log" ||
  fail "no error logged for the full store"
health=$(curl -sS "http://127.0.0.1:$PORT/healthz")
grep -q '"incident_store":"failing: ' <<<"$health" || fail "healthz does not say it: $health"
grep -q '"status":"degraded"' <<<"$health" || fail "healthz status: $health"
pass "a full disk is logged and shown in /healthz: $(grep -o 'failing: [^"]*' <<<"$health")"

before=$(curl -fsS "http://127.0.0.1:$PORT/metrics" | grep '^novacron_store_points ' || true)
sleep 1
after=$(curl -fsS "http://127.0.0.1:$PORT/metrics" | grep '^novacron_store_points ' || true)
[[ -n $after && $before != "$after" ]] || fail "sampling stopped with the disk full: $before / $after"
pass "sampling goes on ($after)"

rm -f "$WORK/state/filler"
wait_for 15 grep -q 'the incident store accepts writes again' "$WORK/agent.log" ||
  fail "the store did not recover"
wait_for 10 grep -q 'incident .* opened: late' "$WORK/agent.log" || fail "the incident was never recorded"
wait_for 5 bash -c "curl -fsS 'http://127.0.0.1:$PORT/healthz' | grep -q '\"status\":\"ok\"'" ||
  fail "healthz did not recover: $(curl -sS "http://127.0.0.1:$PORT/healthz")"
pass "space back: the incident is recorded and /healthz is ok again"
