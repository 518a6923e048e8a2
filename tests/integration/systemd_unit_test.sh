#!/usr/bin/env bash
# A unit stays locked down: `systemd-analyze security --offline=true` exposure at most BOUND and
# `systemd-analyze verify` clean (on a copy whose commands are the binary just built, since the
# installed one may not exist here; the package test verifies the installed unit as it is).
# Usage: systemd_unit_test.sh BINARY UNIT BOUND   (the agent's: 3.1; the coordinator's: 2.0)
set -euo pipefail
BINARY=$(realpath "$1")
UNIT=$2
BOUND=$3
source "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null || fail "systemd-analyze is not installed"
capture systemd-analyze security --offline=true --no-pager "$UNIT"
exposure=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
[[ -n $exposure ]] || fail "no exposure figure: $out"
awk -v e="$exposure" -v b="$BOUND" 'BEGIN { exit !(e <= b) }' ||
  fail "exposure $exposure is above $BOUND: $(grep '✗' <<<"$out")"
pass "systemd-analyze security: exposure $exposure (bound $BOUND)"

sed -E -e "s#^(ExecStart|ExecStartPre)=/usr/bin/novacron-[a-z]+#\\1=$BINARY#" -e '/^Documentation=/d' \
  "$UNIT" >"$WORK/$(basename "$UNIT")"
capture systemd-analyze verify "$WORK/$(basename "$UNIT")"
((rc == 0)) && [[ -z $out ]] || fail "systemd-analyze verify: $out"
pass "systemd-analyze verify is clean"
