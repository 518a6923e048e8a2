#!/usr/bin/env bash
# The real novacron-agent on a temporary state dir and port: /metrics passes promtool, /healthz,
# bad HTTP requests, the novacron command, --check-config, SIGHUP reload, one agent per state
# dir, clean SIGTERM.
set -euo pipefail
AGENT=$1
CLI=$2
source "$(dirname "$0")/lib.sh"

[[ $("$AGENT" --version) =~ ^novacron-agent\ [0-9] ]] || fail "--version"

# --- configuration errors are FILE:LINE:COLUMN: reason, all at once, exit 1 -----------------
cat >"$WORK/bad.yaml" <<'YAML'
collectors:
  host: {interval: fast}
  colour: blue
http: {listen: "127.0.0.1:99999"}
YAML
capture "$AGENT" --config "$WORK/bad.yaml" --check-config
[[ $rc == 1 ]] || fail "--check-config on a bad file exited $rc"
grep -q "^$WORK/bad.yaml:2:20: collectors.host.interval: bad duration 'fast'" <<<"$out" || fail "duration error: $out"
grep -q "^$WORK/bad.yaml:3:3: unknown key 'colour' in collectors" <<<"$out" || fail "unknown key error: $out"
grep -q "^$WORK/bad.yaml:4:16: http.listen" <<<"$out" || fail "listen error: $out"
pass "--check-config reports every problem with file:line:column"

PORT=$(free_port) || fail "no free port"
STATE="$WORK/state"
cat >"$WORK/agent.yaml" <<YAML
node: {id: itest-1, labels: {role: test}}
state_dir: $STATE
http: {listen: "127.0.0.1:$PORT"}
collectors:
  host: {interval: 200ms}
  processes: {interval: 1s, top: 3}
log: {level: debug}
YAML
out=$("$AGENT" --config "$WORK/agent.yaml" --check-config)
grep -q ': OK, 10 of 10 playbooks enabled$' <<<"$out" || fail "--check-config on a good file: $out"

"$AGENT" --config "$WORK/agent.yaml" 2>"$WORK/agent.log" &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
wait_for 10 curl -fsS "http://127.0.0.1:$PORT/healthz" || fail "agent did not come up"
grep -q '<6>.*sampling every 200ms' "$WORK/agent.log" || fail "startup line with a syslog priority prefix"
# Two sweeps at least, so rates exist.
sleep 0.6

curl -fsS -D "$WORK/headers" "http://127.0.0.1:$PORT/metrics" -o "$WORK/metrics.txt" || fail "GET /metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/headers" || fail "content type"
lint=$(promtool check metrics <"$WORK/metrics.txt" 2>&1) || fail "promtool check metrics: $lint"
[[ -z $lint ]] || fail "promtool found problems: $lint"
pass "/metrics passes promtool check metrics ($(grep -vc '^#' "$WORK/metrics.txt") series)"

# As Prometheus asks: gzip, the same families, and a body that says it varies by encoding.
curl -fsS -H 'Accept-Encoding: gzip' -D "$WORK/gz.headers" "http://127.0.0.1:$PORT/metrics" \
  -o "$WORK/metrics.gz" || fail "GET /metrics, gzip"
grep -qi '^content-encoding: gzip' "$WORK/gz.headers" || fail "no Content-Encoding: gzip"
grep -qi '^vary: accept-encoding' "$WORK/gz.headers" || fail "no Vary: Accept-Encoding"
gunzip -c "$WORK/metrics.gz" >"$WORK/metrics.unzipped" || fail "the gzip body does not inflate"
diff <(grep '^# TYPE' "$WORK/metrics.txt") <(grep '^# TYPE' "$WORK/metrics.unzipped") ||
  fail "gzip /metrics has other families"
(($(stat -c %s "$WORK/metrics.gz") * 4 < $(stat -c %s "$WORK/metrics.unzipped"))) ||
  fail "gzip /metrics is not compressed"
curl -fsS -D "$WORK/plain.headers" "http://127.0.0.1:$PORT/metrics" -o /dev/null
! grep -qi '^content-encoding' "$WORK/plain.headers" || fail "gzip sent to a client that did not ask"
pass "/metrics is gzipped for a scraper that asks, and only then"

for want in 'novacron_cpu_usage_ratio ' 'novacron_cpu_mode_ratio{mode="iowait"}' \
  'novacron_memory_used_ratio ' 'novacron_load1 ' 'mount="/"}' \
  'novacron_network_receive_bytes_per_second{interface="lo"}' \
  'novacron_collector_up{collector="cpu"} 1' 'novacron_collector_up{collector="processes"} 1' \
  'novacron_processes{state="running"}' 'novacron_top_process_resident_bytes{' \
  'novacron_file_descriptors_open ' 'novacron_build_info{version=' \
  'novacron_config_last_reload_successful 1'; do
  grep -qF "$want" "$WORK/metrics.txt" || fail "missing in /metrics: $want"
done
pass "/metrics has host, process and agent metrics"

health=$(curl -fsS "http://127.0.0.1:$PORT/healthz")
grep -q '"status":"ok"' <<<"$health" || fail "healthz: $health"

# --- bad HTTP requests get a 4xx and the agent serves on -----------------------------------
[[ $(http_raw "$PORT" 'GARBAGE\r\n\r\n') == "HTTP/1.1 400 Bad Request" ]] || fail "garbage request"
[[ $(http_raw "$PORT" 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n') == "HTTP/1.1 404 Not Found" ]] || fail "404"
[[ $(http_raw "$PORT" 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n') == "HTTP/1.1 405 Method Not Allowed" ]] || fail "405"
big=$(head -c 20000 /dev/zero | tr '\0' a)
[[ $(http_raw "$PORT" "GET / HTTP/1.1\r\nHost: x\r\nX-Big: $big\r\n\r\n") == "HTTP/1.1 431 Request Header Fields Too Large" ]] || fail "431"
curl -fsS "http://127.0.0.1:$PORT/metrics" -o /dev/null || fail "agent stopped serving after bad requests"
pass "bad requests get 400/404/405/431 and the agent serves on"

# --- the novacron command over the control socket ------------------------------------------
SOCK="$STATE/agent.sock"
[[ $(stat -c %a "$SOCK") == 660 ]] || fail "socket mode $(stat -c %a "$SOCK")"
status=$("$CLI" --socket "$SOCK" status) || fail "novacron status"
grep -q '^node itest-1 ' <<<"$status" || fail "status: $status"
grep -Eq '^disk_space +collector +ok' <<<"$status" || fail "status table: $status"
out=$("$CLI" --socket "$SOCK" --json status)
grep -q '^{"data":{.*"ok":true}$' <<<"$out" || fail "status --json"
out=$("$CLI" --socket "$SOCK" metrics cpu_usage)
grep -q '^novacron_cpu_usage_ratio ' <<<"$out" || fail "metrics PATTERN: $out"
out=$(NOVACRON_SOCKET="$SOCK" "$CLI" version)
grep -q '^agent ' <<<"$out" || fail "NOVACRON_SOCKET: $out"
capture "$CLI" --socket "$SOCK" frobnicate
[[ $rc == 64 ]] || fail "unknown command exit code $rc"
capture "$CLI" --socket "$WORK/none.sock" status
[[ $rc == 2 ]] || fail "no agent: exit $rc"
grep -q 'no agent is running at' <<<"$out" || fail "no agent message: $out"
pass "novacron status/metrics/version, --json, exit codes"

# --- one agent per state dir ---------------------------------------------------------------
capture timeout 10 "$AGENT" --config "$WORK/agent.yaml"
[[ $rc == 1 ]] || fail "second agent exited $rc"
grep -q 'another novacron-agent is running' <<<"$out" || fail "second agent message: $out"
pass "a second agent on the same state dir refuses to start"

# --- SIGHUP: a bad file keeps the running config, a good one applies -----------------------
cp "$WORK/agent.yaml" "$WORK/good.yaml"
echo "bogus: 1" >>"$WORK/agent.yaml"
kill -HUP "$AGENT_PID"
wait_for 5 grep -q 'reload failed; keeping the running configuration' "$WORK/agent.log" || fail "failed reload not logged"
grep -q "<3>.*agent.yaml:8:1: unknown key 'bogus'" "$WORK/agent.log" || fail "reload error position"
wait_for 5 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_config_last_reload_successful 0'" || fail "reload metric 0"
kill -0 "$AGENT_PID" || fail "agent died on a bad reload"
sed -i 's/top: 3/top: 2/' "$WORK/good.yaml"
cp "$WORK/good.yaml" "$WORK/agent.yaml"
kill -HUP "$AGENT_PID"
wait_for 5 bash -c "curl -fsS http://127.0.0.1:$PORT/metrics | grep -q '^novacron_config_last_reload_successful 1'" || fail "reload metric 1"
wait_for 5 bash -c "! curl -fsS http://127.0.0.1:$PORT/metrics | grep -q 'novacron_top_process_resident_bytes{.*rank=\"3\"'" || fail "processes.top not applied"
pass "SIGHUP: a bad file is refused and logged, a good one applied"

# --- SIGTERM stops cleanly and removes the socket -------------------------------------------
kill -TERM "$AGENT_PID"
for _ in $(seq 1 50); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$AGENT_PID" 2>/dev/null && fail "agent still running 5 s after SIGTERM"
set +e
wait "$AGENT_PID"
rc=$?
set -e
[[ $rc == 0 ]] || fail "agent exited $rc after SIGTERM"
[[ ! -e $SOCK ]] || fail "socket left behind"
grep -q '<6>.*stopped' "$WORK/agent.log" || fail "stop not logged"
pass "SIGTERM: exit 0, socket removed"

# --- a taken port is a clear startup error ---------------------------------------------------
"$AGENT" --config "$WORK/good.yaml" 2>"$WORK/port.log" &
PIDS+=("$!")
wait_for 10 curl -fsS "http://127.0.0.1:$PORT/healthz" || fail "agent for the port test"
sed "s#state_dir: .*#state_dir: $WORK/state2#" "$WORK/good.yaml" >"$WORK/other.yaml"
capture timeout 10 "$AGENT" --config "$WORK/other.yaml"
[[ $rc == 1 ]] || fail "agent on a taken port exited $rc"
grep -q "cannot listen on 127.0.0.1:$PORT" <<<"$out" || fail "taken port message: $out"
# It stops before it opens its store: the broker makes the actions' cgroups only once the store
# names them, so none can have been made; and its broker went with it (PR_SET_PDEATHSIG).
[[ ! -e $WORK/state2/agent.db ]] || fail "an agent that could not listen opened its store"
wait_for 10 bash -c '! pgrep -P 1 -x novacron-broker' || fail "a broker outlived its agent"
pass "a taken port is a one-line error and exit 1, opens nothing and leaves no broker"

echo "agent_metrics: all checks passed"
