#!/usr/bin/env bash
# The published contract (contract/) checked: every schema against JSON Schema 2020-12's
# metaschema, both OpenAPI documents against OpenAPI 3.1 (swagger-parser), the agent's document
# against the command table that routes /v1 (io/control_commands.h: no route missing or extra),
# the README's JSON examples against the schemas they name, and every event a real agent wrote in
# any integration test (kept in EVENTS_DIR by tests/integration/lib.sh) against
# event.schema.json. Push bodies and API answers are checked where the tests make them
# (integration.coordinator, integration.fleet).
# Usage: contract_test.sh EVENTS_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
EVENTS_DIR=${1:-}
V=tests/contract/validate.py
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Every schema is loaded, and checked against the metaschema, by any validation.
echo '{"error":"x","message":"y"}' >"$WORK/error.json"
$V 'agent-v1.schema.json#/$defs/error' "$WORK/error.json" 2>/dev/null || fail "the schemas do not load"
pass "$(ls contract/*.schema.json | wc -l) schemas are valid JSON Schema 2020-12"

[[ -d tests/contract/node_modules/@apidevtools/swagger-parser ]] ||
  fail "swagger-parser is missing: make deps (scripts/install-deps.sh) installs it"
node tests/contract/openapi_check.js contract/agent.openapi.json >"$WORK/agent.routes" ||
  fail "contract/agent.openapi.json is not valid OpenAPI 3.1"
node tests/contract/openapi_check.js contract/coordinator.openapi.json >"$WORK/coordinator.routes" ||
  fail "contract/coordinator.openapi.json is not valid OpenAPI 3.1"
pass "both OpenAPI documents are valid OpenAPI 3.1 ($(cat "$WORK"/*.routes | wc -l) operations)"

grep -oE '"(GET|POST) /v1/[^"?]*' io/control_commands.h | tr -d '"' | sort -u >"$WORK/table.routes"
sort -u "$WORK/agent.routes" >"$WORK/documented.routes"
diff "$WORK/table.routes" "$WORK/documented.routes" >"$WORK/routes.diff" ||
  fail "contract/agent.openapi.json and the command table differ (< table, > document): $(cat "$WORK/routes.diff")"
pass "the agent's OpenAPI document has exactly the command table's $(wc -l <"$WORK/table.routes") routes"

# README examples: a line `<!-- contract: SCHEMA -->` names the schema of the ```json block below.
python3 - "$WORK" <<'PY'
import pathlib, re, sys
work = pathlib.Path(sys.argv[1])
text = pathlib.Path("README.md").read_text()
n = 0
for m in re.finditer(r"<!-- contract: (\S+) -->\s*```json\n(.*?)```", text, re.S):
    n += 1
    (work / f"example{n}.json").write_text(m.group(2))
    (work / f"example{n}.schema").write_text(m.group(1))
print(n)
PY
examples=0
for f in "$WORK"/example*.json; do
  [[ -e $f ]] || continue
  $V "$(cat "${f%.json}.schema")" "$f" >"$WORK/out" 2>&1 || fail "README example: $(cat "$WORK/out")"
  examples=$((examples + 1))
done
((examples >= 2)) || fail "the README has $examples checked JSON examples; its push body and fleet answer must be"
pass "the README's $examples JSON examples are valid against the schemas they name"

if [[ -n $EVENTS_DIR ]]; then
  shopt -s nullglob
  files=("$EVENTS_DIR"/*.jsonl)
  ((${#files[@]} > 0)) || fail "no events were kept in $EVENTS_DIR (run the integration tests first)"
  : >"$WORK/kinds"
  $V --lines --kinds-seen "$WORK/kinds" event.schema.json "${files[@]}" >"$WORK/out" 2>&1 ||
    fail "events the integration tests' agents wrote: $(head -20 "$WORK/out")"
  all=$(python3 -c "import json; print('\n'.join(sorted(json.load(open('contract/event.schema.json'))['properties']['kind']['enum'])))")
  seen=$(sort -u "$WORK/kinds")
  unseen=$(comm -23 <(echo "$all") <(echo "$seen") | tr '\n' ' ')
  pass "$(wc -l <"$WORK/kinds") events of $(echo "$seen" | wc -l) kinds from ${#files[@]} agent stores are valid; kinds no integration test made: ${unseen:-none}"
fi
