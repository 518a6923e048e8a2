#!/usr/bin/env bash
# `novacron-agent replay` on a fixture recording prints exactly the expected timeline; a recording
# made by the agent itself (collectors.record) replays; bad input is reported with its line.
set -euo pipefail
AGENT=$1
FIXTURES=$2
source "$(dirname "$0")/lib.sh"

"$AGENT" replay --playbooks "$FIXTURES/replay/playbooks" --metrics "$FIXTURES/replay/recording.jsonl" >"$WORK/out.txt" ||
  fail "replay exited non-zero"
diff -u "$FIXTURES/replay/recording.expected" "$WORK/out.txt" || fail "replay timeline differs from the expected one"
pass "replay prints the expected timeline"

# Errors: a malformed line, samples out of order, playbooks with errors.
printf '{"ts":1,"name":"novacron_load1","labels":{},"value":1}\n{"ts":2,"name":5}\n' >"$WORK/bad.jsonl"
capture "$AGENT" replay --playbooks "$FIXTURES/replay/playbooks" --metrics "$WORK/bad.jsonl"
[[ $rc == 1 ]] || fail "malformed recording exited $rc"
grep -q "bad.jsonl:2: \"name\" must be a string" <<<"$out" || fail "malformed line message: $out"
printf '{"ts":5,"name":"novacron_load1","labels":{},"value":1}\n{"ts":2,"name":"novacron_load1","labels":{},"value":1}\n' >"$WORK/back.jsonl"
capture "$AGENT" replay --playbooks "$FIXTURES/replay/playbooks" --metrics "$WORK/back.jsonl"
grep -q "back.jsonl:2: samples go back in time" <<<"$out" || fail "out of order message: $out"
capture "$AGENT" replay --playbooks "$FIXTURES/policy/playbooks_bad" --metrics "$WORK/back.jsonl"
[[ $rc == 1 ]] || fail "bad playbooks exited $rc"
grep -q "broken.yaml:4:9: playbook bad_one: when: unknown metric 'cpu_usge_ratio'" <<<"$out" || fail "playbook errors: $out"
pass "bad recordings and bad playbooks are reported with file and line"

# A recording the agent makes itself replays with the built-ins.
PORT=$(free_port)
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
http: {listen: "127.0.0.1:$PORT"}
collectors:
  host: {interval: 100ms}
  record: $WORK/state/rec.jsonl  # written by the agent's user: in its state dir
YAML
"$AGENT" --config "$WORK/agent.yaml" 2>"$WORK/agent.log" &
PIDS+=("$!")
wait_for 10 bash -c "[[ \$(wc -l <'$WORK/state/rec.jsonl' 2>/dev/null || echo 0) -gt 500 ]]" || fail "nothing recorded"
kill -TERM "${PIDS[-1]}"
wait "${PIDS[-1]}" || true
grep -q '"name":"novacron_cpu_usage_ratio"' "$WORK/state/rec.jsonl" || fail "recording lacks cpu samples"
out=$("$AGENT" replay --builtin --metrics "$WORK/state/rec.jsonl") || fail "replaying the agent's own recording"
grep -q '^summary: ' <<<"$out" || fail "no summary: $out"
pass "the agent's own recording replays: $(tail -n 1 <<<"$out")"
