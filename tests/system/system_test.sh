#!/usr/bin/env bash
# The package under a real systemd: Debian 12 booted in a systemd-nspawn container with systemd
# as PID 1, the .deb installed with apt, and the hardened unit checked as it runs on a fleet
# host — readiness, reload, the socket for root and the novacron group, actions inside the
# sandbox, containment in a cgroup per run (setsid, double fork, SIGTERM ignored, OOM), kill -9,
# the watchdog, a stop during an action, firewall_block under the unit's restrictions; then what
# every host goes through: a reboot, apt-get install --reinstall, and the upgrade from the
# previous release (built from this repository's history by previous_package.sh).
# Usage: system_test.sh BUILD_DIR. Root; the root file system is kept in $NOVACRON_MACHINE_DIR
# (default /var/lib/machines/novacron-test) and reused by later runs.
set -euo pipefail
BUILD=$(realpath "$1")
source "$(dirname "$0")/../integration/lib.sh"

((EUID == 0)) || fail "boots a container: run as root (CI does)"
# The version this build makes (an older .deb may lie beside it).
VERSION=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
DEB=$(ls "$BUILD"/novacron-agent_"$VERSION"_*.deb 2>/dev/null | head -n 1)
[[ -f $DEB ]] || fail "no package in $BUILD; run make package"
R=${NOVACRON_MACHINE_DIR:-/var/lib/machines/novacron-test}
MACHINE=novacron-test-$$

# The root file system, made once (about a minute) and kept: bookworm with systemd, and perl for
# an action that allocates memory.
STAMP="bookworm systemd systemd-sysv dbus procps perl-base util-linux v1"
if [[ ! -x $R/usr/lib/systemd/systemd || $(cat "$R/.novacron-stamp" 2>/dev/null) != "$STAMP" ]]; then
  rm -rf "$R"
  mkdir -p "$(dirname "$R")"
  mmdebstrap --variant=minbase --include=systemd,systemd-sysv,dbus,procps \
    bookworm "$R" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" \
    >"$WORK/mmdebstrap.log" 2>&1 || fail "mmdebstrap: $(tail -n 20 "$WORK/mmdebstrap.log")"
  echo "$STAMP" >"$R/.novacron-stamp"
  pass "made the root file system in $R"
fi

# nspawn removes its propagation directory with a check that refuses a non-tmpfs /run.
if ! mountpoint -q /run/systemd/nspawn; then
  mkdir -p /run/systemd/nspawn
  mount -t tmpfs tmpfs /run/systemd/nspawn
fi
cp "$DEB" "$R/root/novacron-agent.deb"
# The previous release's package, for the upgrade at the end (built once from the history).
PREVIOUS_DEB=$("$(dirname "$0")/previous_package.sh" "$(dirname "$0")/../.." \
  "${NOVACRON_PREVIOUS_DEB_DIR:-/var/cache/novacron-test}") || fail "no previous package"
cp "$PREVIOUS_DEB" "$R/root/novacron-agent-previous.deb"
P=""
NS=""
in_ct() { nsenter -t "$P" -a /bin/bash -c "$1"; }
# Boots the container: systemd as PID 1, until it says running (or degraded).
# No systemd on the host: no machined registration, no scope of our own.
# CAP_NET_ADMIN for firewall_block, which the check below runs in a network namespace of the
# agent's own: the container shares the host's network.
boot_container() {
  systemd-nspawn -q -D "$R" --boot --register=no --keep-unit --machine="$MACHINE" \
    --capability=CAP_NET_ADMIN \
    >>"$WORK/nspawn.log" 2>&1 &
  NS=$!
  PIDS+=("$NS")
  wait_for 30 bash -c "pgrep -P $NS -x systemd >/dev/null" || fail "the container did not start: $(cat "$WORK/nspawn.log")"
  P=$(pgrep -P "$NS" -x systemd)
  wait_for 60 in_ct 'systemctl is-system-running 2>/dev/null | grep -Eq "running|degraded"' ||
    fail "systemd did not come up: $(in_ct 'systemctl is-system-running' 2>&1)"
}
# A reboot as a host has one: systemd stops every unit and the container ends (nspawn exits
# once it asked for the reboot); then it boots again from the same root file system, with a new
# /run, systemd-tmpfiles and systemd-sysusers at boot and the enabled units started.
reboot_container() {
  in_ct 'systemctl reboot' >/dev/null 2>&1 || true
  wait_for 60 bash -c "! kill -0 $NS 2>/dev/null" || fail "the container did not shut down for its reboot"
  wait "$NS" 2>/dev/null || true
  boot_container
}
stop_container() {
  # The kept root file system goes back to having the dependencies but not the package.
  [[ -n $P ]] && in_ct 'systemctl stop novacron-agent; systemctl disable novacron-agent; dpkg --purge novacron-agent; rm -rf /var/lib/novacron /root/novacron-agent*.deb /etc/systemd/system/novacron-agent.service.d' >/dev/null 2>&1 || true
  [[ -n $P ]] && in_ct 'systemctl poweroff' >/dev/null 2>&1 || true
  for _ in $(seq 1 300); do kill -0 "$NS" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$NS" 2>/dev/null || true
  wait "$NS" 2>/dev/null || true
}
trap 'stop_container; cleanup' EXIT
boot_container
pass "Debian 12 booted with systemd $(in_ct 'systemctl --version | head -n 1 | cut -d" " -f2') as PID 1"

# Install with apt, which pulls the Depends (the lists are fetched once and kept in the root).
in_ct '[ -n "$(ls /var/lib/apt/lists/*_Packages 2>/dev/null)" ] || apt-get update -q' >"$WORK/apt.log" 2>&1 ||
  fail "apt-get update: $(tail "$WORK/apt.log")"
# --reinstall: the root file system is kept between runs, and a build keeps its version number.
in_ct 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall /root/novacron-agent.deb' >>"$WORK/apt.log" 2>&1 ||
  { in_ct 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall /root/novacron-agent.deb' \
      >>"$WORK/apt.log" 2>&1 || fail "apt-get install: $(tail "$WORK/apt.log")"; }
in_ct 'rm -rf /var/lib/novacron/* /etc/novacron/playbooks.d/*'
pass "installed $(basename "$DEB") with apt"

# The playbooks the checks trigger by hand, and a unit for systemd_restart to restart.
in_ct 'cat >/etc/novacron/playbooks.d/system.yaml' <<'YAML'
- name: sys_exec
  severity: 4
  category: infrastructure
  actions:
    - {id: write, type: exec, automated: true, with: {argv: ["/bin/sh", "-c", "echo ran > /var/lib/novacron/exec-ran"]}}
- name: sys_restart
  severity: 4
  category: application
  actions:
    - {id: restart, type: systemd_restart, automated: true, with: {unit: nc-dummy.service}, timeout: 30s}
- name: sys_evidence
  severity: 4
  category: security
  actions:
    - {id: bundle, type: evidence_bundle, automated: true, with: {paths: [/etc/novacron]}}
- name: sys_escape
  severity: 4
  category: infrastructure
  actions:
    - {id: detach, type: exec, automated: true, timeout: 3s, with: {argv: ["/usr/bin/setsid", "-f", "/bin/sleep", "301"]}}
    - {id: double_fork, type: exec, automated: true, timeout: 3s, with: {argv: ["/bin/sh", "-c", "(/bin/sleep 302 &); exec /bin/sleep 303"]}}
    - {id: stubborn, type: exec, automated: true, timeout: 2s, with: {argv: ["/bin/sh", "-c", "trap '' TERM; /usr/bin/setsid /bin/sh -c \"trap '' TERM; /bin/sleep 304\" & /bin/sleep 305"]}}
- name: sys_oom
  severity: 4
  category: infrastructure
  actions:
    - {id: hog, type: exec, automated: true, timeout: 30s, resources: {memory_max: 32MiB}, with: {argv: ["/usr/bin/perl", "-e", "my $x = 'a' x (200 * 1024 * 1024); sleep 10"]}}
- name: sys_block
  severity: 4
  category: security
  actions:
    - {id: block, type: firewall_block, automated: true, with: {addresses: [198.51.100.7, "2001:db8::/64"], timeout: 10m}}
- name: sys_long
  severity: 4
  category: infrastructure
  actions:
    - {id: wait, type: exec, automated: true, timeout: 10m, with: {argv: ["/bin/sleep", "600"]}}
YAML
in_ct 'chmod 0644 /etc/novacron/playbooks.d/system.yaml'
in_ct 'cat >/etc/systemd/system/nc-dummy.service' <<'UNIT'
[Service]
ExecStart=/bin/sleep infinity
UNIT
in_ct 'systemctl daemon-reload && systemctl start nc-dummy'
# A unit that fails, and the systemd units collector on, every second.
in_ct 'cat >/etc/systemd/system/nc-fail.service' <<'UNIT'
[Service]
ExecStart=/bin/false
UNIT
in_ct 'systemctl daemon-reload; systemctl start nc-fail || true'
in_ct "sed -i 's/^collectors:$/collectors:\n  systemd_units: {interval: 1s}/' /etc/novacron/agent.yaml"

# Type=notify: start returns once the agent said READY=1.
in_ct 'systemctl start novacron-agent' || fail "start: $(in_ct 'journalctl -u novacron-agent --no-pager | tail -n 30')"
[[ $(in_ct 'systemctl is-active novacron-agent') == active ]] || fail "not active after start"
status=$(in_ct 'systemctl show -p StatusText --value novacron-agent')
[[ $status == sampling* ]] || fail "status text: $status"
MAIN=$(in_ct 'systemctl show -p MainPID --value novacron-agent')
in_ct "grep -q '^0::/system.slice/novacron-agent.service/agent$' /proc/$MAIN/cgroup" ||
  fail "the agent did not move into its leaf: $(in_ct "cat /proc/$MAIN/cgroup")"
pass "Type=notify readiness ('$status'), the agent in novacron-agent.service/agent"

# Privilege separation under the real unit: the main process (systemd's MainPID) is novacron
# with no capability; its child the broker is the only root process of the agent.
uids=$(in_ct "awk '/^Uid:/ {print \$2, \$3, \$4, \$5}' /proc/$MAIN/status")
[[ $uids == "$(in_ct 'id -u novacron') $(in_ct 'id -u novacron') $(in_ct 'id -u novacron') $(in_ct 'id -u novacron')" ]] ||
  fail "the main process's uids are $uids"
[[ $(in_ct "awk '/^CapEff:/ {print \$2}' /proc/$MAIN/status") == 0000000000000000 ]] ||
  fail "the main process has capabilities: $(in_ct "grep ^Cap /proc/$MAIN/status")"
BROKER=$(in_ct "pgrep -P $MAIN -x novacron-broker") || fail "no broker under the main process"
[[ $(in_ct "awk '/^Uid:/ {print \$2}' /proc/$BROKER/status") == 0 ]] || fail "the broker is not root"
pass "main process uid $(cut -d' ' -f1 <<<"$uids"), CapEff 0; the broker (pid $BROKER) root"

# The process table in a container: the broker's BPF task iterator would carry the host's pids,
# not the container's, so the broker says why not and the agent reads /proc instead.
wait_for 30 in_ct "journalctl -u novacron-agent --no-pager | grep -q 'the process table is read from /proc: BPF task iterator: not in the host'" ||
  fail "the process table's source: $(in_ct "journalctl -u novacron-agent --no-pager | grep -a 'process table' | tail -n 3")"
pass "the process table read from /proc in a pid namespace of its own (no BPF iterator)"

# The systemd units collector against the real manager, as the agent's user.
wait_for 30 bash -c "nsenter -t $P -a novacron metrics novacron_systemd_unit_failed | grep -Eq 'unit=\"nc-fail.service\"\\} +1\$'" ||
  fail "no failed nc-fail.service: $(in_ct 'novacron metrics novacron_systemd' || true)"
in_ct 'novacron metrics novacron_systemd_unit_active' | grep -Eq 'unit="nc-dummy.service"\} +1$' ||
  fail "nc-dummy.service not active: $(in_ct 'novacron metrics novacron_systemd' || true)"
pass "systemd units from the real manager: nc-dummy active, nc-fail failed"

out=$(in_ct 'novacron status') || [[ $? == 1 ]] || fail "novacron status as root: $out"
grep -q 'containment systemd' <<<"$out" || fail "containment not shown: $out"
in_ct 'id ncuser >/dev/null 2>&1 || useradd -M -G novacron ncuser'
out=$(in_ct 'runuser -u ncuser -- novacron status') || [[ $? == 1 ]] || fail "as a novacron group member: $out"
capture in_ct 'runuser -u nobody -- novacron status'
((rc == 3)) || fail "an outsider got in: $rc $out"
pass "novacron status on the default socket as root and as a member of novacron; others refused"
echo "   $(grep '^containment' <<<"$(in_ct 'novacron status -v' || true)")"

# SIGHUP through systemctl reload keeps the policy.
before=$(in_ct 'novacron --json playbooks | grep -o "\"name\"" | wc -l')
in_ct 'systemctl reload novacron-agent'
wait_for 10 in_ct "journalctl -u novacron-agent --no-pager | grep -q 'configuration reloaded'" || fail "reload not logged"
after=$(in_ct 'novacron --json playbooks | grep -o "\"name\"" | wc -l')
((before == after && after == 17)) || fail "playbooks before $before, after $after"
pass "systemctl reload kept the $after playbooks"

trigger() { in_ct "novacron --json trigger $1" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p'; }
# Not grep -q: it would stop reading early, and the writer's SIGPIPE fail the pipe (pipefail).
ended() { in_ct "novacron --json incident $1" | grep '"resolved_at":[0-9]' >/dev/null; }

id=$(trigger sys_exec)
wait_for 20 in_ct 'test -f /var/lib/novacron/exec-ran' || fail "the exec action did not write its file: $(in_ct "novacron incident $id")"
old=$(in_ct 'systemctl show -p MainPID --value nc-dummy')
id=$(trigger sys_restart)
wait_for 40 bash -c "[[ \$(nsenter -t $P -a systemctl show -p MainPID --value nc-dummy) != $old ]]" ||
  fail "systemd_restart did not restart nc-dummy: $(in_ct "novacron incident $id")"
id=$(trigger sys_evidence)
wait_for 20 in_ct 'ls /var/lib/novacron/evidence/*.tar.gz' || fail "no evidence bundle: $(in_ct "novacron incident $id")"
pass "exec wrote in the state dir, systemd_restart restarted a unit, evidence_bundle wrote its tar — inside the sandbox"

id=$(trigger sys_escape)
wait_for 40 ended "$id" || fail "sys_escape did not end: $(in_ct "novacron incident $id")"
left=$(in_ct 'pgrep -c -f "/bin/sleep 30[1-5]" || true')
[[ $left == 0 ]] || fail "$left escaped process(es) alive: $(in_ct 'ps -eo pid,cgroup,args | grep "sleep 30"')"
actions=$(in_ct 'novacron --json status' | sed -n 's/.*"description":"[^"]* in \([^;"]*\);.*/\1/p')
[[ -d $R/../$(basename "$R") && -n $actions ]] || fail "no actions directory in the status"
left=$(in_ct "ls '$actions' | grep -c '^run-' || true")
[[ $left == 0 ]] || fail "$left run cgroup(s) left in $actions"
pass "setsid, a double fork and a child ignoring SIGTERM: nothing alive after the timeout, no cgroup left"

# A memory limit needs the memory controller where the unit can use it: cgroup v2 with the
# controller delegated (a Debian 12 host's default). On a host that keeps its controllers in
# cgroup v1, as these machines do, nspawn mounts them read-only in the container and the unit
# gets none; containment_test.sh then checks the OOM kill by hand, with the v1 controller.
if in_ct 'novacron --json status' | grep '"description":"[^"]*limits: [^"]*memory' >/dev/null; then
  id=$(trigger sys_oom)
  wait_for 40 ended "$id" || fail "sys_oom did not end: $(in_ct "novacron incident $id")"
  out=$(in_ct "novacron --json incident $id")
  grep -q '"state":"oom_killed"' <<<"$out" || fail "not recorded as OOM-killed: $out"
  pass "an action over its memory_max (32 MiB) was OOM-killed and recorded so"
else
  echo "skip: no memory controller for the unit in this container (the host keeps its controllers in cgroup v1)"
fi

# kill -9: systemd restarts the agent; the record is intact.
count=$(in_ct 'novacron --json incidents --since 1h' | grep -o '"id":' | wc -l)
in_ct "kill -KILL $MAIN"
wait_for 30 bash -c "m=\$(nsenter -t $P -a systemctl show -p MainPID --value novacron-agent); [[ \$m != 0 && \$m != $MAIN ]]" ||
  fail "not restarted after kill -9"
wait_for 20 in_ct 'novacron version' || fail "the restarted agent does not answer"
count2=$(in_ct 'novacron --json incidents --since 1h' | grep -o '"id":' | wc -l)
((count2 >= count && count > 0)) || fail "incidents before $count, after $count2"
MAIN=$(in_ct 'systemctl show -p MainPID --value novacron-agent')
pass "kill -9: systemd restarted the agent; all $count incidents are still on record"

# SIGSTOP: the watchdog (WatchdogSec=30s) has systemd kill and restart it.
in_ct "kill -STOP $MAIN"
wait_for 75 bash -c "m=\$(nsenter -t $P -a systemctl show -p MainPID --value novacron-agent); [[ \$m != 0 && \$m != $MAIN ]]" ||
  fail "the watchdog did not restart a stopped agent"
wait_for 20 in_ct 'novacron version' || fail "the agent did not come back after the watchdog"
in_ct "journalctl -u novacron-agent --no-pager | grep -qi watchdog" || fail "no watchdog in the journal"
pass "SIGSTOP: the watchdog restarted the agent"

# A stop while an action runs: quick, and nothing of the action left.
id=$(trigger sys_long)
wait_for 20 in_ct 'pgrep -f "/bin/sleep 600"' || fail "sys_long did not start its action"
start=$(date +%s%N)
in_ct 'systemctl stop novacron-agent'
took=$((($(date +%s%N) - start) / 1000000))
((took < 10000)) || fail "stop took $took ms"
in_ct 'pgrep -f "/bin/sleep 600"' && fail "the action outlived the agent"
pass "systemctl stop during an action: ${took} ms, no action process left"

# firewall_block through the broker under the unit's bounding set (CAP_NET_ADMIN), address
# families (AF_NETLINK) and system call filter. A drop-in gives the agent a network namespace of
# its own for it, so that the host's firewall is not touched; nothing else of the unit changes.
in_ct 'mkdir -p /etc/systemd/system/novacron-agent.service.d &&
  printf "[Service]\nPrivateNetwork=yes\n" >/etc/systemd/system/novacron-agent.service.d/netns.conf &&
  systemctl daemon-reload && systemctl start novacron-agent' ||
  fail "start in a network namespace: $(in_ct 'journalctl -u novacron-agent --no-pager | tail -n 20')"
id=$(trigger sys_block)
wait_for 20 ended "$id" || fail "sys_block did not end: $(in_ct "novacron incident $id")"
out=$(in_ct 'novacron firewall list') || fail "firewall list: $out"
grep -Eq '^198\.51\.100\.7 +(9m[0-9]+s|10m0s) +10m0s$' <<<"$out" &&
  grep -Eq '^2001:db8::/64 ' <<<"$out" || fail "the block set under the unit: $out ($(in_ct "novacron incident $id"))"
in_ct 'systemctl stop novacron-agent; rm -rf /etc/systemd/system/novacron-agent.service.d; systemctl daemon-reload'
pass "firewall_block under the unit: both addresses in the set, 10m each"

# --- What every host goes through: a reboot, a reinstall, an upgrade from the previous release.
# The agent is active again each time, by itself, with its record: an incident opened before is
# there after, and the state directory is still the agent user's (an older tmpfiles line gave it
# back to root at every boot, and the root start-up, without CAP_DAC_OVERRIDE, could then not
# open its own lock: every agent of a fleet down after a reboot or an apt upgrade).
journal() { in_ct 'journalctl -u novacron-agent --no-pager -b | tail -n 15'; }
came_back() {  # INCIDENT WHEN [OLD_MAIN_PID]
  wait_for 60 bash -c "m=\$(nsenter -t $P -a systemctl show -p MainPID --value novacron-agent); [[ \$m != 0 && \$m != ${3:-0} ]] && nsenter -t $P -a systemctl is-active --quiet novacron-agent" ||
    fail "$2: the agent is $(in_ct 'systemctl is-active novacron-agent'): $(journal)"
  wait_for 30 in_ct "novacron --json incident $1 >/dev/null 2>&1" || fail "$2: incident $1 is not on record: $(journal)"
  [[ $(in_ct 'stat -c %U:%G:%a /var/lib/novacron') == novacron:novacron:750 ]] ||
    fail "$2: the state directory is $(in_ct 'stat -c %U:%G:%a /var/lib/novacron')"
}
in_ct 'systemctl enable --now novacron-agent' >/dev/null 2>&1 || fail "enable --now: $(journal)"
wait_for 20 in_ct 'novacron version' || fail "the enabled agent does not answer: $(journal)"
id=$(trigger sys_exec)
wait_for 30 ended "$id" || fail "sys_exec did not end: $(in_ct "novacron incident $id")"
reboot_container
came_back "$id" "after a reboot"
# evidence/ deleted by hand: made again at the next bundle, root's alone.
in_ct 'rm -rf /var/lib/novacron/evidence'
ev=$(trigger sys_evidence)
wait_for 30 in_ct 'ls /var/lib/novacron/evidence/*.tar.gz' >/dev/null 2>&1 ||
  fail "no bundle after evidence/ was deleted: $(in_ct "novacron incident $ev")"
[[ $(in_ct 'stat -c %U:%a /var/lib/novacron/evidence') == root:700 ]] ||
  fail "evidence/ made again as $(in_ct 'stat -c %U:%a /var/lib/novacron/evidence')"
pass "reboot: the enabled agent active with incident $id on record, /var/lib/novacron novacron's; evidence/ deleted by hand made again, root's"

MAIN=$(in_ct 'systemctl show -p MainPID --value novacron-agent')
in_ct 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall /root/novacron-agent.deb' >>"$WORK/apt.log" 2>&1 ||
  fail "apt-get install --reinstall: $(tail "$WORK/apt.log")"
came_back "$id" "after apt-get install --reinstall" "$MAIN"
pass "apt-get install --reinstall: the agent restarted (pid $MAIN -> $(in_ct 'systemctl show -p MainPID --value novacron-agent')), incident $id on record"

# The previous release on a clean host, as a fleet runs it now; then its own reboot, and the
# upgrade to this one.
in_ct 'systemctl disable --now novacron-agent; dpkg --purge novacron-agent; rm -rf /var/lib/novacron' >/dev/null 2>&1
in_ct 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q /root/novacron-agent-previous.deb' >>"$WORK/apt.log" 2>&1 ||
  fail "installing the previous release: $(tail "$WORK/apt.log")"
previous=$(in_ct "dpkg-query -W -f='\${Version}' novacron-agent")
in_ct 'systemctl enable --now novacron-agent' >/dev/null 2>&1 || fail "the previous release does not start: $(journal)"
wait_for 20 in_ct 'novacron version' || fail "the previous release does not answer: $(journal)"
id=$(trigger sys_exec)
wait_for 30 ended "$id" || fail "sys_exec on the previous release did not end: $(in_ct "novacron incident $id")"
reboot_container
wait_for 30 bash -c "s=\$(nsenter -t $P -a systemctl is-active novacron-agent); [[ \$s == active || \$s == failed ]]" || true
echo "   the previous release ($previous) after a reboot: $(in_ct 'systemctl is-active novacron-agent' || true)$(in_ct "journalctl -u novacron-agent --no-pager -b | grep -m1 -o 'cannot open [^ ]*: Permission denied'" | sed 's/^/: /' || true)"
in_ct 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q /root/novacron-agent.deb' >>"$WORK/apt.log" 2>&1 ||
  fail "the upgrade from $previous: $(tail "$WORK/apt.log")"
[[ $(in_ct "dpkg-query -W -f='\${Version}' novacron-agent") == "$VERSION" ]] || fail "not upgraded to $VERSION"
came_back "$id" "after the upgrade from $previous"
reboot_container
came_back "$id" "after the upgrade from $previous and a reboot"
pass "upgrade $previous -> $VERSION: the agent active with the previous release's incident $id on record, and again after a reboot"
