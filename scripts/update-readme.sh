#!/usr/bin/env bash
# Rewrites the README's generated references from the binary itself: the metric table
# (novacron-agent --list-metrics), the action type table (--list-actions) and the source plugins'
# options (--list-sources). The docs test fails
# when they differ.
# Usage: scripts/update-readme.sh [build/bin/novacron-agent]
set -euo pipefail
cd "$(dirname "$0")/.."
agent=${1:-build/bin/novacron-agent}
table=$(mktemp)
trap 'rm -f "$table" README.md.new' EXIT
replace() {  # replace MARKER FLAG: the lines between <!-- MARKER:begin/end --> become FLAG's output
  "$agent" "$2" >"$table"
  awk -v table="$table" -v begin="<!-- $1:begin -->" -v end="<!-- $1:end -->" '
    $0 == begin { print; while ((getline line < table) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }
  ' README.md >README.md.new
  mv README.md.new README.md
}
replace metrics --list-metrics
replace actions --list-actions
replace sources --list-sources
