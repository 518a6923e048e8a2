#!/usr/bin/env bash
# Fails on an include that goes the wrong way, or a namespace that is not its folder (below).
# Each top-level folder is one library with a rank;
# a file may include its own folder and folders of a lower rank only, so dependencies run one
# way: base -> io, metrics -> collectors, policy -> actions -> incidents, broker -> reporting ->
# agent. The coordinator, a second program, uses base, io and metrics only (rank 2, a peer of
# collectors and policy, which it may not include); nothing includes it.
# Folders of the same rank are peers and may not include each other. The novacron command (cli)
# links only base and the control protocol (its request and its command table); its fleet client
# (cli/fleet/, a program of its own) also the HTTP client. Tests and
# benchmarks may include anything.
# Usage: scripts/check-layering.sh [ROOT]   (the first line of each violation: file:line: why)
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
declare -A rank=([base]=0 [io]=1 [metrics]=1 [collectors]=2 [policy]=2 [actions]=3
                 [incidents]=4 [broker]=4 [reporting]=5 [agent]=6 [coordinator]=2)
allowed_for_cli=(base/ io/control_request.h io/control_commands.h cli/ novacron/version.h)
allowed_for_fleet_cli=("${allowed_for_cli[@]}" io/http_client.h io/url.h)
bad=0
while IFS=: read -r file line text; do
  inc=${text#*\"}
  inc=${inc%%\"*}
  from=${file%%/*}
  to=${inc%%/*}
  [[ $inc == */* ]] || continue  # a system header or one beside the file
  why=""
  if [[ $from == cli ]]; then
    ok=0
    allowed=("${allowed_for_cli[@]}")
    [[ $file == cli/fleet/* ]] && allowed=("${allowed_for_fleet_cli[@]}")
    for a in "${allowed[@]}"; do [[ $inc == "$a"* ]] && ok=1; done
    ((ok)) || why="the novacron command links only base and the control protocol"
  elif [[ -n ${rank[$from]:-} && $to != "$from" && $to != novacron ]]; then
    if [[ -z ${rank[$to]:-} ]]; then
      why="$to/ is not a library $from/ may use"
    elif ((rank[$to] >= rank[$from])); then
      why="$from/ (rank ${rank[$from]}) may not include $to/ (rank ${rank[$to]})"
    fi
  fi
  if [[ -n $why ]]; then
    echo "$file:$line: includes \"$inc\": $why"
    bad=$((bad + 1))
  fi
done < <(git ls-files -co --exclude-standard -- '*.h' '*.cpp' |
  grep -Ev '^(tests|bench)/' | xargs grep -Hn '^#include "' || true)
# A namespace is its folder: a file in X/ declares in novacron::X (base/, the vocabulary every
# room shares, in novacron), or in a namespace named for its subfolder below that (base/yaml/ in
# novacron::yaml). A block that only forward-declares another room's types is allowed.
misplaced=0
while IFS= read -r file; do
  top=${file%%/*}
  want=novacron::$top
  [[ $top == base ]] && want=novacron
  sub=${file#*/}
  sub=${sub%/*}
  [[ $sub == "${file#*/}" ]] && sub=""
  while IFS=: read -r line ns; do
    [[ $ns == "$want" || (-n $sub && $ns == "$want::$sub") ]] && continue
    if awk -v from="$line" 'NR > from && /^}/ {exit ok ? 0 : 1}
        NR > from {ok = 1; if ($0 !~ /^(class|struct) [A-Za-z_]+;( *\/\/.*)?$/) exit 1}' "$file"; then
      continue  # forward declarations only
    fi
    echo "$file:$line: namespace $ns: a file in $top/ declares in $want"
    misplaced=$((misplaced + 1))
  done < <(grep -nE '^namespace novacron[a-z_:]* \{' "$file" | sed -E 's/^([0-9]+):namespace ([a-z_:]+) .*/\1:\2/')
done < <(git ls-files -co --exclude-standard -- '*.h' '*.cpp' | grep -Ev '^(tests|bench)/')
if ((bad)); then
  echo "layering: $bad include(s) go the wrong way"
fi
if ((misplaced)); then
  echo "layering: $misplaced namespace(s) do not match their folder"
fi
((bad || misplaced)) && exit 1
echo "layering: every include goes down; every namespace is its folder"
