#!/usr/bin/env bash
# startup_cli.sh: start -> READY=1 of the agent on its defaults (a notification socket of our
# own, as systemd gives one), 15 starts; then `novacron status`, the whole command with process
# start, 500 times against that agent, beside /bin/true run the same way (what the harness
# itself costs). Prints p50/p99 in milliseconds.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$here/build/bin}
work=$(mktemp -d)
trap 'pkill -f -- "--config $work/agent.yaml" 2>/dev/null || true; rm -rf "$work"' EXIT
chmod 0755 "$work"
cat >"$work/agent.yaml" <<YAML
state_dir: $work/state
control_socket: {path: $work/agent.sock}
http: {listen: "127.0.0.1:0"}
YAML
python3 - "$bin" "$work" <<'PY'
import os, socket, subprocess, sys, time, shutil
bin, work = sys.argv[1], sys.argv[2]
agent = [f"{bin}/novacron-agent", "--config", f"{work}/agent.yaml"]
def pct(xs, q): xs = sorted(xs); return xs[min(len(xs) - 1, int(q * len(xs)))]
ready = []
for i in range(15):
    path = f"{work}/notify.sock"
    if os.path.exists(path): os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(path); os.chmod(path, 0o777)
    s.settimeout(30)
    t0 = time.monotonic()
    p = subprocess.Popen(agent, env=dict(os.environ, NOTIFY_SOCKET=path),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while b"READY=1" not in s.recv(4096): pass
    ready.append((time.monotonic() - t0) * 1000)
    p.terminate(); p.wait(); s.close()
print("start -> READY: p50 %.1f ms, p99 %.1f ms (15 starts)" % (pct(ready, .5), pct(ready, .99)))
p = subprocess.Popen(agent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.monotonic() + 30
while subprocess.run([f"{bin}/novacron", "--socket", f"{work}/agent.sock", "status"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
    if time.monotonic() > deadline: sys.exit("the agent did not answer")
    time.sleep(0.05)
def runs(cmd, n=500):
    out = []
    for _ in range(n):
        t0 = time.monotonic()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        out.append((time.monotonic() - t0) * 1000)
    return out
base = runs(["/bin/true"])
st = runs([f"{bin}/novacron", "--socket", f"{work}/agent.sock", "status"])
print("/bin/true (the harness): p50 %.2f ms, p99 %.2f ms" % (pct(base, .5), pct(base, .99)))
print("novacron status: p50 %.2f ms, p99 %.2f ms (500 runs)" % (pct(st, .5), pct(st, .99)))
p.terminate(); p.wait()
PY
