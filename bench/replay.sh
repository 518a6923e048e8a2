#!/usr/bin/env bash
# replay.sh [SAMPLES]: `novacron-agent replay` on one core over a recording of SAMPLES samples
# (default 1,000,000) shaped as collectors.record writes them: 215 series a second (host, disks,
# interfaces, top processes and 150 scraped series), all the built-in playbooks evaluated after
# each second. Prints samples per second and peak RSS for three runs, then the median.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
agent=${AGENT:-$here/build/bin/novacron-agent}
n=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$n" >"$work/recording.jsonl" <<'PY'
import json, random, sys
n = int(sys.argv[1]); random.seed(1)
series = [("novacron_cpu_usage_ratio", {}), ("novacron_memory_used_ratio", {}), ("novacron_load1", {})]
series += [("novacron_cpu_mode_ratio", {"mode": m}) for m in
           ["user", "system", "iowait", "idle", "steal", "irq", "softirq", "nice"]]
for i, mount in enumerate(["/", "/boot", "/var", "/srv/data", "/home"]):
    for m in ["used_ratio", "free_bytes", "size_bytes", "inodes_used_ratio", "up"]:
        series.append(("novacron_disk_" + m, {"device": "/dev/vda%d" % i, "fstype": "ext4", "mount": mount}))
for itf in ["lo", "eth0", "eth1"]:
    for m in ["receive_bytes", "transmit_bytes", "receive_errors"]:
        series.append(("novacron_network_%s_per_second" % m, {"interface": itf}))
for r in range(1, 11):
    series.append(("novacron_top_process_cpu_ratio", {"name": "proc%d" % r, "pid": str(1000 + r), "rank": str(r)}))
    series.append(("novacron_top_process_resident_bytes", {"name": "proc%d" % r, "pid": str(2000 + r), "rank": str(r)}))
series += [("app_requests_total", {"code": "200", "handler": "/api/v%d" % i}) for i in range(150)]
t, written, out = 1767225600.0, 0, sys.stdout
while written < n:
    for name, labels in series:
        if written == n: break
        out.write('{"ts":%.3f,"name":"%s","labels":%s,"value":%.17g}\n' % (
            t, name, json.dumps(labels, separators=(",", ":"), sort_keys=True), random.random()))
        written += 1
    t += 1.0
PY
echo "recording: $n samples, $(du -h "$work/recording.jsonl" | cut -f1)"
rates=()
for run in 1 2 3; do
  /usr/bin/time -f '%e %U %M' -o "$work/time" taskset -c 0 "$agent" replay --builtin \
    --metrics "$work/recording.jsonl" >/dev/null
  read -r wall user rss <"$work/time"
  rate=$(awk -v n="$n" -v s="$wall" 'BEGIN { printf "%d", n / s }')
  rates+=("$rate")
  echo "run $run: ${wall} s wall, ${user} s user, $rate samples/s, peak RSS $((rss / 1024)) MB"
done
median=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p)
echo "median: $median samples/s"
