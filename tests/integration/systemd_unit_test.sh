#!/usr/bin/env bash
# The unit stays locked down: `systemd-analyze security --offline=true` exposure at most 3.1 and
# `systemd-analyze verify` clean (on a copy whose ExecStart is the binary just built, since the
# installed one may not exist here; the package test verifies the installed unit as it is).
set -euo pipefail
AGENT=$(realpath "$1")
UNIT=$2
source "$(dirname "$0")/lib.sh"
BOUND=3.1

command -v systemd-analyze >/dev/null || fail "systemd-analyze is not installed"
capture systemd-analyze security --offline=true --no-pager "$UNIT"
exposure=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
[[ -n $exposure ]] || fail "no exposure figure: $out"
awk -v e="$exposure" -v b="$BOUND" 'BEGIN { exit !(e <= b) }' ||
  fail "exposure $exposure is above $BOUND: $(grep '✗' <<<"$out")"
pass "systemd-analyze security: exposure $exposure (bound $BOUND)"

sed -e "s#^ExecStart=/usr/bin/novacron-agent#ExecStart=$AGENT#" -e '/^Documentation=/d' "$UNIT" \
  >"$WORK/novacron-agent.service"
capture systemd-analyze verify "$WORK/novacron-agent.service"
((rc == 0)) && [[ -z $out ]] || fail "systemd-analyze verify: $out"
pass "systemd-analyze verify is clean"
