#!/usr/bin/env bash
# hot_functions.sh: writes agent/hot_functions.txt, the functions of novacron-agent that run once
# it is up, which its link puts first and together (agent/CMakeLists.txt says why).
#
# The agent runs as root on its defaults under callgrind. Collection is on only inside the event
# loops (Asio's scheduler::run: the agent's and the broker's) and the two worker threads, so the
# start-up code before them is left out. Meanwhile it is scraped (plain and gzip) and asked for
# what operators ask most (status, health, incidents, metrics, db status). Every function of the
# binary that ran goes in the list, sorted by name so that a new list diffs well.
# Needs valgrind (scripts/install-deps.sh profile). Usage: bench/hot_functions.sh [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-90}
bin=${BIN:-$here/build/bin}
((EUID == 0)) || { echo "hot_functions: run as root, so that the broker runs too" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "hot_functions: valgrind is missing" >&2; exit 1; }
work=$(mktemp -d)
chmod 0755 "$work"
port=$((20000 + RANDOM % 40000))
cat >"$work/agent.yaml" <<YAML
state_dir: $work/state
control_socket: {path: $work/agent.sock}
http: {listen: "127.0.0.1:$port"}
YAML
valgrind --tool=callgrind --demangle=no --collect-atstart=no \
  --toggle-collect='_ZN5boost4asio6detail9scheduler3runERNS_6system10error_codeE*' \
  --toggle-collect='_ZN8novacron10collectors14ProcessScanner4loopEv' \
  --toggle-collect='_ZN8novacron10collectors12StatfsWorker6Shared4loopEv' \
  --callgrind-out-file="$work/callgrind.%p" \
  "$bin/novacron-agent" --config "$work/agent.yaml" >"$work/agent.log" 2>&1 &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true; rm -rf "$work"' EXIT
up=0
for ((i = 0; i < 600; i++)); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && { up=1; break; }
  sleep 0.2
done
((up)) || { cat "$work/agent.log" >&2; echo "hot_functions: the agent did not start" >&2; exit 1; }
# Callgrind opened its files as root; the main process writes its own after dropping to novacron.
chown novacron "$work"/callgrind.*
cli=("$bin/novacron" --socket "$work/agent.sock")
end=$((SECONDS + seconds))
for ((i = 1; SECONDS < end; i++)); do
  curl -s -o /dev/null "http://127.0.0.1:$port/metrics" || true
  curl -s --compressed -o /dev/null "http://127.0.0.1:$port/metrics" || true
  "${cli[@]}" status >/dev/null || true
  "${cli[@]}" health check >/dev/null || true
  if ((i % 5 == 0)); then
    "${cli[@]}" incidents >/dev/null || true
    "${cli[@]}" metrics cpu >/dev/null || true
    "${cli[@]}" db status >/dev/null || true
  fi
  sleep 1.5
done
kill -TERM $pid
wait $pid || true
# A callgrind file names each function once in full, "fn=(N) name", then as "fn=(N)"; cost lines
# follow the function they belong to. Only the binary's own functions ("ob=" it) are kept; "'2"
# marks a recursive call's cycle and is dropped.
awk -v binary="$bin/novacron-agent" '
  function named(s, table,   id, rest) {
    if (s !~ /^\([0-9]+\)/) return s
    id = substr(s, 2, index(s, ")") - 2)
    rest = substr(s, index(s, ")") + 2)
    if (rest != "") table[id] = rest
    return table[id]
  }
  /^ob=/ { ob = named(substr($0, 4), objects); next }
  /^cob=/ { named(substr($0, 5), objects); next }
  /^fn=/ { fn = named(substr($0, 4), functions); fn_ob = ob; next }
  /^cfn=/ { named(substr($0, 5), functions); next }
  /^calls=/ { call_line = 1; next }
  /^[0-9+*-]/ {
    if (call_line) { call_line = 0; next }
    if (fn_ob == binary && $2 > 0) { sub(/\047[0-9]+$/, "", fn); ran[fn] = 1 }
  }
  END { for (f in ran) print f }
' "$work"/callgrind.* | LC_ALL=C sort -u >"$here/agent/hot_functions.txt"
grep -E "process table|BPF" "$work/agent.log" || true
echo "hot_functions: $(wc -l <"$here/agent/hot_functions.txt") functions in agent/hot_functions.txt"
