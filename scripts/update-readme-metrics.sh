#!/usr/bin/env bash
# Rewrites the README's metric reference from the binary itself: novacron-agent --list-metrics.
# Usage: scripts/update-readme-metrics.sh [build/bin/novacron-agent]
set -euo pipefail
cd "$(dirname "$0")/.."
agent=${1:-build/bin/novacron-agent}
table=$(mktemp)
trap 'rm -f "$table"' EXIT
"$agent" --list-metrics >"$table"
awk -v table="$table" '
  /<!-- metrics:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /<!-- metrics:end -->/ { skip = 0 }
  !skip { print }
' README.md >README.md.new
mv README.md.new README.md
