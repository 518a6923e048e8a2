#!/usr/bin/env bash
# The Debian package as an operator meets it, on this (throwaway CI) machine, as root: build,
# `dpkg -i`, the groups and files it installs, `--check-config` on the installed configuration,
# the installed unit through `systemd-analyze`, the installed binary started by hand on a
# temporary state dir and queried with the installed `novacron`, a reinstall that keeps the
# operator's edited configuration and the state, then a purge that leaves only the state dir.
# Usage: package_test.sh BUILD_DIR
set -euo pipefail
BUILD=$(realpath "$1")
source "$(dirname "$0")/../integration/lib.sh"

((EUID == 0)) || fail "installs a package: run as root (CI does)"
# The version this build makes (an older .deb may lie beside it).
VERSION=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
DEB=$(ls "$BUILD"/novacron-agent_"$VERSION"_*.deb 2>/dev/null | head -n 1)
[[ -f $DEB ]] || fail "no package in $BUILD; run make package"
dpkg-deb -f "$DEB" Package Version Depends >"$WORK/control"
grep -q '^Package: novacron-agent$' "$WORK/control" || fail "package name: $(cat "$WORK/control")"
# libpq5, libssl3, libnftables1 and libbpf1 are loaded when a feature needs them (dpkg-shlibdeps
# cannot see that); libstdc++ is linked in, and libsystemd and libproc2 are no longer used at all.
for dep in libc6 libpq5 libssl3 libnftables1 libbpf1 libsqlite3-0 libyaml-0-2; do
  grep -q "$dep" "$WORK/control" || fail "Depends lacks $dep: $(cat "$WORK/control")"
done
for dep in libstdc++6 libsystemd0 libproc2-0 libprometheus-cpp; do
  ! grep -q "$dep" "$WORK/control" || fail "Depends has $dep: $(cat "$WORK/control")"
done
dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles >"$WORK/conffiles"
grep -qx /etc/novacron/agent.yaml "$WORK/conffiles" || fail "agent.yaml is not a conffile"
pass "$(basename "$DEB"): dependencies computed ($(sed -n 's/^Depends: //p' "$WORK/control" | tr -d '\n' | cut -c1-60)...), agent.yaml a conffile"

# Both packages are lintian-clean (errors and warnings; the one override is explained in it).
CDEB=$(ls "$BUILD"/novacron-coordinator_"$VERSION"_*.deb 2>/dev/null | head -n 1)
[[ -f $CDEB ]] || fail "no coordinator package in $BUILD; run make package"
command -v lintian >/dev/null || fail "lintian is not installed (scripts/install-deps.sh installs it)"
for deb in "$DEB" "$CDEB"; do
  capture lintian --tag-display-limit 0 "$deb"
  out=$(grep -v 'running with root privileges' <<<"$out" || true)
  [[ -z $out ]] || fail "lintian $(basename "$deb"): $out"
done
pass "lintian: $(basename "$DEB") and $(basename "$CDEB") are clean"

# make install's rules honour DESTDIR: nothing lands outside it.
DESTDIR="$WORK/root" cmake --install "$BUILD" --prefix /usr >"$WORK/install.log" 2>&1 || fail "cmake --install: $(cat "$WORK/install.log")"
for f in usr/bin/novacron-agent usr/lib/systemd/system/novacron-agent.service etc/novacron/agent.yaml \
  usr/share/man/man1/novacron.1.gz; do
  [[ -f $WORK/root/$f ]] || fail "DESTDIR install lacks $f"
done
pass "make install honours DESTDIR ($(find "$WORK/root" -type f | wc -l) files)"

# A state dir left by an earlier run of this test on a developer machine would hide a purge
# that removed it; start from none.
[[ -e /var/lib/novacron ]] && mv /var/lib/novacron "$WORK/var-lib-novacron.before"
restore() {
  dpkg --purge novacron-agent novacron-coordinator >/dev/null 2>&1 || true
  rm -rf /var/lib/novacron
  [[ -e $WORK/var-lib-novacron.before ]] && mv "$WORK/var-lib-novacron.before" /var/lib/novacron
  cleanup
}
trap restore EXIT

dpkg -i "$DEB" >"$WORK/dpkg.log" 2>&1 || fail "dpkg -i: $(cat "$WORK/dpkg.log")"
dpkg -L novacron-agent >"$WORK/files"
for f in /usr/bin/novacron-agent /usr/bin/novacron /usr/bin/novacron-fleet \
  /usr/lib/systemd/system/novacron-agent.service \
  /usr/lib/sysusers.d/novacron.conf /usr/lib/tmpfiles.d/novacron.conf /etc/novacron/agent.yaml \
  /usr/share/novacron/playbooks/disk_full.yaml /usr/share/bash-completion/completions/novacron \
  /usr/share/man/man8/novacron-agent.8.gz /usr/share/man/man1/novacron.1.gz; do
  [[ -e $f ]] || fail "not installed: $f"
done
getent group novacron >/dev/null || fail "no novacron group"
getent group novacron-admin >/dev/null || fail "no novacron-admin group"
# The state directory is the agent user's from the install on (tmpfiles.d/novacron.conf says
# why); its root-only evidence/ is made by the broker when a bundle needs it.
[[ -d /var/lib/novacron && $(stat -c %U:%G:%a /var/lib/novacron) == novacron:novacron:750 ]] ||
  fail "state dir: $(ls -ld /var/lib/novacron)"
[[ ! -e /var/lib/novacron/evidence ]] || fail "evidence/ made by the package: $(ls -ld /var/lib/novacron/evidence)"
[[ $(ls /usr/share/novacron/playbooks | wc -l) == 10 ]] || fail "built-in playbooks: $(ls /usr/share/novacron/playbooks)"
man -w novacron-agent >/dev/null && man -w 1 novacron >/dev/null || fail "man pages not found by man"
[[ $(/usr/bin/novacron-agent --version) == *"$(dpkg-deb -f "$DEB" Version)"* ]] || fail "version"
# Nothing enabled or started by surprise.
[[ ! -e /etc/systemd/system/multi-user.target.wants/novacron-agent.service ]] || fail "the unit was enabled"
pgrep -f "^/usr/bin/novacron-agent" >/dev/null && fail "an agent was started by the package"
pass "dpkg -i: binaries, unit, sysusers (novacron, novacron-admin), tmpfiles (the state dir novacron's), config, playbooks, completion, man pages; nothing enabled"

capture /usr/bin/novacron-agent --config /etc/novacron/agent.yaml --check-config
((rc == 0)) || fail "--check-config on the installed configuration: $out"
pass "installed configuration: $out"

UNIT=/usr/lib/systemd/system/novacron-agent.service
capture systemd-analyze verify "$UNIT"
((rc == 0)) && [[ -z $out ]] || fail "systemd-analyze verify $UNIT: $out"
capture systemd-analyze security --offline=true --no-pager "$UNIT"
exposure=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 3.1) }' || fail "exposure ${exposure:-?}: $out"
pass "installed unit: systemd-analyze verify clean, security exposure $exposure (<= 3.1)"

# The installed binary by hand, on a temporary state dir, queried with the installed command.
PORT=$(free_port) || fail "no free port"
sed -e "s#^state_dir: .*#state_dir: $WORK/state#" \
  -e "s#^  path: /run/novacron/agent.sock#  path: $WORK/agent.sock#" \
  -e "s#^  listen: 127.0.0.1:9810 #  listen: 127.0.0.1:$PORT #" \
  -e "s#^  evidence_dir: .*#  evidence_dir: $WORK/state/evidence#" \
  /etc/novacron/agent.yaml >"$WORK/agent.yaml"
grep -q "$PORT" "$WORK/agent.yaml" && grep -q "$WORK/agent.sock" "$WORK/agent.yaml" || fail "config not adapted"
/usr/bin/novacron-agent --config "$WORK/agent.yaml" 2>"$WORK/agent.log" &
PIDS+=("$!")
wait_for 10 test -S "$WORK/agent.sock" || fail "the installed agent did not start"
[[ $(stat -c %G "$WORK/agent.sock") == novacron ]] || fail "socket group: $(ls -l "$WORK/agent.sock")"
capture /usr/bin/novacron --socket "$WORK/agent.sock" status
((rc == 0)) || fail "novacron status: $out"
grep -Eq 'incident_store +store +ok' <<<"$out" || fail "status: $out"
capture /usr/bin/novacron --socket "$WORK/agent.sock" --json playbooks
grep -q '"name":"disk_full"' <<<"$out" || fail "playbooks: $out"
metrics=$(curl -fsS "http://127.0.0.1:$PORT/metrics")
grep -q '^novacron_agent_start_time_seconds [1-9]' <<<"$metrics" || fail "metrics: $(head -c 300 <<<"$metrics")"
kill -TERM "${PIDS[-1]}"
wait "${PIDS[-1]}" || fail "the agent did not stop cleanly"
pass "the installed agent ran on $WORK/state and answered the installed novacron"

# An upgrade (here: the same package again) keeps the operator's configuration and the state.
sed -i 's/^  retention: 15m/  retention: 20m  # edited by the operator/' /etc/novacron/agent.yaml
echo "incident history" >/var/lib/novacron/keep-me
dpkg -i --force-confold "$DEB" >"$WORK/dpkg2.log" 2>&1 || fail "reinstall: $(cat "$WORK/dpkg2.log")"
grep -q 'edited by the operator' /etc/novacron/agent.yaml || fail "the operator's edit was lost"
[[ -f /var/lib/novacron/keep-me ]] || fail "the state dir was touched"
pass "reinstalling keeps the edited configuration and the state"

dpkg --purge novacron-agent >"$WORK/dpkg3.log" 2>&1 || fail "purge: $(cat "$WORK/dpkg3.log")"
left=()
while read -r f; do
  [[ -f $f || -L $f ]] && left+=("$f")
  [[ -d $f && $f == *novacron* ]] && left+=("$f")
done <"$WORK/files"
[[ -e /etc/novacron ]] && left+=(/etc/novacron)
((${#left[@]} == 0)) || fail "left after purge: ${left[*]}"
[[ -f /var/lib/novacron/keep-me ]] || fail "the state dir went with the purge"
pass "purge removes everything but the state dir /var/lib/novacron"

# The coordinator's package: its own user, a unit with no privilege at all, its man page; the
# installed binary serves a real PostgreSQL; purge leaves no file of its own.
dpkg -i "$CDEB" >"$WORK/dpkg-c.log" 2>&1 || fail "dpkg -i coordinator: $(cat "$WORK/dpkg-c.log")"
dpkg -L novacron-coordinator >"$WORK/cfiles"
for f in /usr/bin/novacron-coordinator /usr/lib/systemd/system/novacron-coordinator.service \
  /usr/lib/sysusers.d/novacron-coordinator.conf /etc/novacron/coordinator.yaml \
  /usr/share/man/man8/novacron-coordinator.8.gz /usr/share/doc/novacron-coordinator/changelog.gz; do
  [[ -e $f ]] || fail "not installed: $f"
done
getent passwd novacron-coordinator >/dev/null || fail "no novacron-coordinator user"
[[ $(/usr/bin/novacron-coordinator --version) == *"$VERSION"* ]] || fail "coordinator version"
[[ ! -e /etc/systemd/system/multi-user.target.wants/novacron-coordinator.service ]] || fail "the coordinator was enabled"
UNIT=/usr/lib/systemd/system/novacron-coordinator.service
capture systemd-analyze verify "$UNIT"
((rc == 0)) && [[ -z $out ]] || fail "systemd-analyze verify $UNIT: $out"
capture systemd-analyze security --offline=true --no-pager "$UNIT"
cexposure=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
awk -v e="${cexposure:-99}" 'BEGIN { exit !(e <= 2.0) }' || fail "coordinator exposure ${cexposure:-?}: $out"
grep -q 'CapabilityBoundingSet=$' "$UNIT" || fail "the coordinator's unit keeps a capability"
capture /usr/bin/novacron-coordinator --config /etc/novacron/coordinator.yaml --check-config
((rc == 0)) || fail "--check-config on the installed coordinator configuration: $out"
pass "dpkg -i novacron-coordinator: its user, its unit (verify clean, exposure $cexposure <= 2.0, no capability), its configuration valid; nothing enabled"
dpkg --purge novacron-coordinator >"$WORK/dpkg-c2.log" 2>&1 || fail "purge: $(cat "$WORK/dpkg-c2.log")"
while read -r f; do
  [[ -f $f || -L $f ]] && fail "left after the coordinator's purge: $f"
done <"$WORK/cfiles"
pass "purging novacron-coordinator removes its files"
