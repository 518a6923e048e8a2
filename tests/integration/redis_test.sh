#!/usr/bin/env bash
# The real agent beside a real redis-server (the Debian package) on loopback, with a password:
# its metrics and `novacron cache status`; a frozen (SIGSTOP) server reported down within the
# timeout while the agent goes on answering; the built-in high_cpu playbook's cache clear, which
# runs FLUSHALL ASYNC only after a human approves it; and `novacron validate` (with and without an
# incident) and GET /v1/validate.
set -euo pipefail
AGENT=$1
CLI=$2
source "$(dirname "$0")/lib.sh"

command -v redis-server >/dev/null || fail "redis-server is missing: scripts/install-deps.sh installs it"
PORT=$(free_port) || fail "no free port"
REDIS_PORT=$(free_port) || fail "no free port"
SOCK="$WORK/state/agent.sock"
nc() { "$CLI" --socket "$SOCK" "$@"; }
rcli() { redis-cli -p "$REDIS_PORT" -a 'pw with spaces' --no-auth-warning "$@"; }

cat >"$WORK/redis.conf" <<CONF
port $REDIS_PORT
bind 127.0.0.1
save ""
appendonly no
dir $WORK
requirepass "pw with spaces"
CONF
redis-server "$WORK/redis.conf" >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
wait_for 20 rcli ping || fail "redis-server did not start: $(cat "$WORK/redis.log")"
for i in $(seq 1 50); do rcli set "key$i" "$i" >/dev/null; done

printf 'pw with spaces\n' >"$WORK/redis.pw"
printf 'api-token-1\n' >"$WORK/api.token"
secret "$WORK/redis.pw" "$WORK/api.token"
# high_cpu as built in, with a verification that fails in 2 s instead of 10 min, so that the
# incident reaches its cache clear within the test.
mkdir -p "$WORK/playbooks"
sed -e 's/^  window: 5m/  window: 1s/' -e 's/mandatory: \[.*\]/mandatory: ["cpu_usage_ratio > 200%"]/' \
  "$(dirname "$0")/../../policy/playbooks/high_cpu.yaml" >"$WORK/playbooks/high_cpu.yaml"
grep -q 'only_if: max(redis_up) == 1' "$WORK/playbooks/high_cpu.yaml" || fail "high_cpu has no cache clear"
cat >"$WORK/agent.yaml" <<YAML
playbooks_dir: $WORK/playbooks
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT", token_file: $WORK/api.token}
collectors:
  redis:
    - {name: cache, address: "127.0.0.1:$REDIS_PORT", password_file: $WORK/redis.pw, interval: 1s, timeout: 500ms}
YAML
start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"

# --- metrics, cache status, the status matrix ---------------------------------------------
wait_for 20 bash -c "'$CLI' --socket '$SOCK' status | grep -Eq '^cache +redis +ok'" ||
  fail "no ok redis row: $(nc status)"
out=$(nc cache status)
grep -Eq '^cache +yes +primary .* 50$' <<<"$out" || fail "cache status: $out"
detailed=$(nc cache status --detailed)
grep -q 'redis_version' <<<"$detailed" || fail "--detailed shows no INFO: $detailed"
grep -q 'pw with spaces' <<<"$detailed$(nc --json cache status)" && fail "the password is shown"
metrics=$(curl -fsS "http://127.0.0.1:$PORT/metrics")
grep -q '^novacron_redis_up{instance="cache"} 1' <<<"$metrics" || fail "no novacron_redis_up 1"
grep -q '^novacron_redis_keys{db="db0",instance="cache"} 50' <<<"$metrics" || fail "no key count"
pass "a password-protected Redis is collected: metrics, cache status, status row"

# --- frozen: down within the timeout, the agent still answers ------------------------------
kill -STOP "$REDIS_PID"
wait_for 20 bash -c "'$CLI' --socket '$SOCK' status | grep -Eq '^cache +redis +down'" ||
  { kill -CONT "$REDIS_PID"; fail "a frozen Redis is not reported down: $(nc status)"; }
start=$(date +%s%N)
nc status >/dev/null
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
kill -CONT "$REDIS_PID"
((elapsed_ms < 3000)) || fail "the agent took ${elapsed_ms} ms to answer while Redis was frozen"
wait_for 20 bash -c "'$CLI' --socket '$SOCK' status | grep -Eq '^cache +redis +ok'" ||
  fail "Redis is not back: $(nc status)"
pass "a frozen Redis is down within its timeout and the agent answers meanwhile"

# --- high_cpu's cache clear: approval-gated ------------------------------------------------
id=$(nc --json trigger high_cpu --reason "redis test" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
[[ -n $id ]] || fail "high_cpu could not be triggered"
wait_for 20 bash -c "'$CLI' --socket '$SOCK' --json incident '$id' | grep -q '\"action\":\"clear_cache\"'" ||
  fail "no approval asked for clear_cache: $(nc incident "$id")"
[[ $(rcli dbsize) == 50 ]] || fail "the cache was emptied before anyone approved"
nc approve "$id" clear_cache >/dev/null
wait_for 20 bash -c "[[ \$(redis-cli -p $REDIS_PORT -a 'pw with spaces' --no-auth-warning dbsize) == 0 ]]" ||
  fail "FLUSHALL ASYNC did not run after the approval: $(nc incident "$id")"
wait_for 20 bash -c "'$CLI' --socket '$SOCK' --json incident '$id' | grep -q 'FLUSHALL ASYNC'" ||
  fail "the run's result is not on the timeline"
pass "high_cpu clears the cache only after approval (FLUSHALL ASYNC)"

# --- validate ------------------------------------------------------------------------------
capture nc validate "$id"
grep -q "incident $id (high_cpu" <<<"$out" || fail "validate INCIDENT: $out"
grep -q 'cpu_usage_ratio > 200%' <<<"$out" || fail "validate shows no criterion: $out"
((rc == 1)) || fail "validate INCIDENT: a failing mandatory criterion exits 1, not $rc"
capture nc validate
[[ $out == *"no open incident"* ]] || fail "host validate: $out"
capture nc validate --json
json_rc=$rc
grep -q "\"exit_code\":$json_rc" <<<"$out" || fail "the exit code ($json_rc) is not the document's: $out"
api=$(curl -fsS -H 'Authorization: Bearer api-token-1' "http://127.0.0.1:$PORT/v1/validate?incident=$id")
grep -q '"playbook":"high_cpu"' <<<"$api" || fail "GET /v1/validate: $api"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/validate")
[[ $code == 401 ]] || fail "GET /v1/validate without a token answered $code"
pass "validate with and without an incident, over the socket and GET /v1/validate"

# --- vanished ------------------------------------------------------------------------------
kill -KILL "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true
wait_for 20 bash -c "'$CLI' --socket '$SOCK' cache status | grep -q 'connecting:'" ||
  fail "a vanished Redis is not reported: $(nc cache status)"
pass "a vanished Redis is reported down with why"
