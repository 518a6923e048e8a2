#!/usr/bin/env bash
# The README stays true: its metric table is what the binary serves, its example config is valid.
set -euo pipefail
AGENT=$1
README=$2
SHIPPED_CONFIG=$3
COORDINATOR=$4
source "$(dirname "$0")/lib.sh"

sed -n '/<!-- metrics:begin -->/,/<!-- metrics:end -->/p' "$README" | sed '1d;$d' >"$WORK/readme-metrics.md"
"$AGENT" --list-metrics >"$WORK/agent-metrics.md"
diff -u "$WORK/readme-metrics.md" "$WORK/agent-metrics.md" ||
  fail "README metric reference differs from novacron-agent --list-metrics (regenerate it)"
pass "README lists every metric ($(grep -c '^| `' "$WORK/agent-metrics.md"))"

sed -n '/<!-- coordinator-metrics:begin -->/,/<!-- coordinator-metrics:end -->/p' "$README" | sed '1d;$d' >"$WORK/readme-coordinator-metrics.md"
"$COORDINATOR" --list-metrics >"$WORK/coordinator-metrics.md"
diff -u "$WORK/readme-coordinator-metrics.md" "$WORK/coordinator-metrics.md" ||
  fail "README coordinator metrics differ from novacron-coordinator --list-metrics (regenerate them)"
sed -n '/<!-- coordinator-config:begin -->/,/<!-- coordinator-config:end -->/p' "$README" |
  sed '/^<!--/d;/^```/d' >"$WORK/coordinator.yaml"
[[ -s $WORK/coordinator.yaml ]] || fail "no coordinator configuration in the README"
out=$("$COORDINATOR" --config "$WORK/coordinator.yaml" --check-config 2>&1) ||
  fail "the README's coordinator configuration is invalid: $out"
sed -i 's/^tls:.*//' "$WORK/coordinator.yaml"
out=$("$COORDINATOR" --config "$WORK/coordinator.yaml" --check-config 2>&1) &&
  fail "plain HTTP on 0.0.0.0 passed --check-config"
grep -q 'in the clear' <<<"$out" || fail "plain HTTP refused without saying why: $out"
pass "README coordinator metrics and configuration are true"

sed -n '/<!-- actions:begin -->/,/<!-- actions:end -->/p' "$README" | sed '1d;$d' >"$WORK/readme-actions.md"
"$AGENT" --list-actions >"$WORK/agent-actions.md"
diff -u "$WORK/readme-actions.md" "$WORK/agent-actions.md" ||
  fail "README action reference differs from novacron-agent --list-actions (regenerate it)"
pass "README lists every action type ($(grep -c '^| `' "$WORK/agent-actions.md"))"

sed -n '/<!-- sources:begin -->/,/<!-- sources:end -->/p' "$README" | sed '1d;$d' >"$WORK/readme-sources.md"
"$AGENT" --list-sources >"$WORK/agent-sources.md"
diff -u "$WORK/readme-sources.md" "$WORK/agent-sources.md" ||
  fail "README source plugin reference differs from novacron-agent --list-sources (regenerate it)"
pass "README lists every source plugin option ($(grep -c '^| `' "$WORK/agent-sources.md"))"

sed -n '/<!-- example-config:begin -->/,/<!-- example-config:end -->/p' "$README" |
  sed '/^<!--/d;/^```/d' >"$WORK/example.yaml"
[[ -s $WORK/example.yaml ]] || fail "no example configuration in the README"
# The example configuration names a playbooks_dir: give it the README's example playbook.
mkdir -p "$WORK/playbooks"
sed -n '/<!-- example-playbook:begin -->/,/<!-- example-playbook:end -->/p' "$README" |
  sed '/^<!--/d;/^```/d' >"$WORK/playbooks/example.yaml"
[[ -s $WORK/playbooks/example.yaml ]] || fail "no example playbook in the README"
sed -i "s#^playbooks_dir: .*#playbooks_dir: $WORK/playbooks#; s#^state_dir: .*#state_dir: $WORK/state#" "$WORK/example.yaml"
out=$("$AGENT" --config "$WORK/example.yaml" --check-config) || fail "the README's example configuration or playbook is invalid"
grep -q 'OK, 11 of 11 playbooks enabled' <<<"$out" || fail "example playbook not loaded: $out"
pass "README example configuration and playbook are valid"

# The application-signals example: its scrape target and a playbook on what it serves.
mkdir -p "$WORK/scrape-playbooks"
sed -n '/<!-- scrape-playbook:begin -->/,/<!-- scrape-playbook:end -->/p' "$README" |
  sed '/^<!--/d;/^```/d' >"$WORK/scrape-playbooks/orders.yaml"
{
  echo "state_dir: $WORK/state"
  echo "playbooks_dir: $WORK/scrape-playbooks"
  sed -n '/<!-- scrape-config:begin -->/,/<!-- scrape-config:end -->/p' "$README" | sed '/^<!--/d;/^```/d'
} >"$WORK/scrape.yaml"
out=$("$AGENT" --config "$WORK/scrape.yaml" --check-config) || fail "the application-signals example is invalid: $out"
grep -q 'OK, 11 of 11 playbooks enabled' <<<"$out" || fail "the orders playbook was not loaded: $out"
# Without the target, the same playbook names metrics nothing provides.
sed -i '/^collectors:/,$d' "$WORK/scrape.yaml"
out=$("$AGENT" --config "$WORK/scrape.yaml" --check-config 2>&1) && fail "a playbook on unscraped metrics passed"
grep -q "unknown metric 'http_request_duration_seconds_bucket'" <<<"$out" || fail "no unknown metric: $out"
pass "README application-signals example is valid, and refused without its scrape target"

# The Redis and recovery-check examples, with the scrape target their criteria read.
block() { sed -n "/<!-- $1:begin -->/,/<!-- $1:end -->/p" "$README" | sed '/^<!--/d;/^```/d'; }
printf 'secret\n' >"$WORK/redis.password"
secret "$WORK/redis.password"
{
  echo "state_dir: $WORK/state"
  block scrape-config
  block redis-config | sed -n '/^  redis:/,$p' | sed "s#/etc/novacron/redis.password#$WORK/redis.password#"
  block validation-config
} >"$WORK/redis.yaml"
grep -q 'password_file' "$WORK/redis.yaml" || fail "no redis-config block in the README"
grep -q '^validation:' "$WORK/redis.yaml" || fail "no validation-config block in the README"
out=$("$AGENT" --config "$WORK/redis.yaml" --check-config 2>&1) || fail "the Redis and validation examples are invalid: $out"
pass "README Redis and validation examples are valid"

# The shipped configuration names what the package creates: the socket's groups (sysusers.d) and
# /etc/novacron/playbooks.d. Create the groups as the package would; point at an empty directory.
if ((EUID == 0)); then
  for g in novacron novacron-admin; do getent group "$g" >/dev/null || groupadd -r "$g"; done
fi
mkdir -p "$WORK/playbooks.d"
sed "s#^playbooks_dir: /etc/novacron/playbooks.d#playbooks_dir: $WORK/playbooks.d#" \
  "$SHIPPED_CONFIG" >"$WORK/shipped.yaml"
getent group novacron-admin >/dev/null || sed -i '/^  \(admin_\)\?group: novacron/d' "$WORK/shipped.yaml"
"$AGENT" --config "$WORK/shipped.yaml" --check-config || fail "systemd/agent.yaml is invalid"
pass "the shipped configuration is valid"
