#!/usr/bin/env bash
# Fails on an include that goes the wrong way. Each top-level folder is one library with a rank;
# a file may include its own folder and folders of a lower rank only, so dependencies run one
# way: base -> io, metrics -> collectors, policy -> actions -> incidents, broker -> reporting ->
# agent.
# Folders of the same rank are peers and may not include each other. The novacron command (cli)
# links only base and the control protocol. Tests and benchmarks may include anything.
# Usage: scripts/check-layering.sh [ROOT]   (the first line of each violation: file:line: why)
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
declare -A rank=([base]=0 [io]=1 [metrics]=1 [collectors]=2 [policy]=2 [actions]=3
                 [incidents]=4 [broker]=4 [reporting]=5 [agent]=6)
allowed_for_cli=(base/ io/control_request.h cli/ novacron/version.h)
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
    for a in "${allowed_for_cli[@]}"; do [[ $inc == "$a"* ]] && ok=1; done
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
if ((bad)); then
  echo "layering: $bad include(s) go the wrong way"
  exit 1
fi
echo "layering: every include goes down"
