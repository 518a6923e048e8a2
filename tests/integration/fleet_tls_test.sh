#!/usr/bin/env bash
# Fleet traffic across networks, with a test CA made here (OpenSSL): the coordinator serves https
# and requires client certificates; a real agent that verifies the coordinator against the CA
# and shows a certificate naming its node is stored; no certificate fails the handshake, another
# node's certificate gets 403, an agent that does not trust the CA delivers nothing (and retries);
# SIGHUP serves a renewed certificate without a restart.
set -euo pipefail
AGENT=$1
CLI=$2
COORD=$3
source "$(dirname "$0")/lib.sh"
start_postgres
PORT=$(free_port) || fail "no free port"
T=$WORK/tls
mkdir -p "$T"
ossl() { openssl "$@" >>"$WORK/openssl.log" 2>&1 || fail "openssl $*: $(tail -3 "$WORK/openssl.log")"; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
  -out "$T/ca.crt" -days 2 -subj "/CN=novacron test CA"
issue() {  # issue NAME CN [SAN]: a key and a certificate the CA signed
  ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$1.key" -out "$T/$1.csr" -subj "/CN=$2"
  if [[ -n ${3:-} ]]; then printf 'subjectAltName=%s\n' "$3" >"$T/$1.ext"; else : >"$T/$1.ext"; fi
  ossl x509 -req -in "$T/$1.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 1 \
    -extfile "$T/$1.ext" -out "$T/$1.crt"
}
issue server coordinator IP:127.0.0.1
issue node-t node-t
issue node-x node-x
secret "$T/node-t.key" "$T/node-t.crt" "$T/ca.crt"
cat >"$WORK/coordinator.yaml" <<YAML
listen: 127.0.0.1:$PORT
tls: {cert: $T/server.crt, key: $T/server.key, client_ca: $T/ca.crt}
database: {dsn_file: $WORK/pg.dsn}
YAML
C=("$COORD" --config "$WORK/coordinator.yaml")
"${C[@]}" token create node-t >"$WORK/node-t.token" 2>/dev/null
secret "$WORK/node-t.token"
"${C[@]}" >"$WORK/coordinator.log" 2>&1 &
PIDS+=("$!")
COORD_PID=$!
URL=https://127.0.0.1:$PORT
mtls=(--cacert "$T/ca.crt" --cert "$T/node-t.crt" --key "$T/node-t.key")
wait_for 10 curl -fsS "${mtls[@]}" "$URL/healthz" || fail "the coordinator does not serve https"
capture curl -sS --cacert "$T/ca.crt" "$URL/healthz"
((rc != 0)) || fail "a client without a certificate was served: $out"
capture curl -sS "${mtls[@]}" "http://127.0.0.1:$PORT/healthz"
[[ $out != *'"status":"ok"'* ]] || fail "plain http was served on the https port"
pass "https with client certificates: none, or plain http, is not served"

body='{"schema_version":"1.0","node":"node-t","store":"00000000000000aa","labels":{},"agent_version":"t","agent":{"outbox_depth":0,"policy_digest":"","paused":false,"playbooks":0},"events":[],"incidents":{}}'
code=$(curl -sS -o "$WORK/answer.json" -w '%{http_code}' --cacert "$T/ca.crt" --cert "$T/node-x.crt" \
  --key "$T/node-x.key" -H "Authorization: Bearer $(cat "$WORK/node-t.token")" \
  -H 'Content-Type: application/json' -d "$body" "$URL/v1/events")
[[ $code == 403 ]] && grep -q "certificate names node-x" "$WORK/answer.json" ||
  fail "node-t's token with node-x's certificate: HTTP $code $(cat "$WORK/answer.json")"
pass "a certificate of another node is refused (403) even with the right token"

hold_playbooks "$WORK/playbooks" hold
agent_config() {  # agent_config CA_LINE
  cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
node: {id: node-t}
http: {listen: "127.0.0.1:$(free_port)"}
coordinator:
  urls: [$URL/v1/events]
  token_file: $WORK/node-t.token
  cert_file: $T/node-t.crt
  key_file: $T/node-t.key
  backoff_max: 1s
$1
playbooks_dir: $WORK/playbooks
YAML
}
SOCK=$WORK/state/agent.sock
DB=$WORK/state/agent.db
# Not trusting the CA (the system's store): nothing is delivered, and it says why.
agent_config ""
start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"
AGENT_PID=${PIDS[-1]}
"$CLI" --socket "$SOCK" trigger hold >/dev/null
wait_for 20 grep -q 'certificate verify failed' "$WORK/agent.log" ||
  fail "an untrusted coordinator certificate was not refused: $(tail -3 "$WORK/agent.log")"
[[ $(psql_ -c "SELECT count(*) FROM events") == 0 ]] || fail "events reached an untrusted coordinator"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
agent_config "  ca_file: $T/ca.crt"
start_agent "$WORK/agent.yaml" "$WORK/agent.log" "$SOCK"
wait_for 30 bash -c "[[ \$(sqlite3 '$DB' 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL') == 0 ]]" ||
  fail "not delivered over mTLS: $(tail -3 "$WORK/agent.log")"
want=$(sqlite3 "$DB" 'SELECT COUNT(*) FROM events')
[[ $(psql_ -c "SELECT count(*) FROM events WHERE node = 'node-t'") == "$want" ]] ||
  fail "over mTLS: $want events, stored $(psql_ -c 'SELECT count(*) FROM events')"
pass "an agent trusting only the test CA, with its node's certificate, delivered its $want events"

serial() { openssl s_client -connect "127.0.0.1:$PORT" -cert "$T/node-t.crt" -key "$T/node-t.key" \
  -CAfile "$T/ca.crt" </dev/null 2>/dev/null | openssl x509 -noout -serial; }
before=$(serial)
issue server coordinator IP:127.0.0.1
kill -HUP "$COORD_PID"
wait_for 10 bash -c "[[ \$(openssl s_client -connect 127.0.0.1:$PORT -cert '$T/node-t.crt' -key '$T/node-t.key' -CAfile '$T/ca.crt' </dev/null 2>/dev/null | openssl x509 -noout -serial) != '$before' ]]" ||
  fail "SIGHUP did not serve the renewed certificate"
grep -q 'certificate and key read again' "$WORK/coordinator.log" || fail "SIGHUP not logged"
"$CLI" --socket "$SOCK" pause >/dev/null
wait_for 30 bash -c "[[ \$(sqlite3 '$DB' 'SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL') == 0 ]]" ||
  fail "not delivered after the renewal"
pass "SIGHUP serves a renewed certificate ($before -> $(serial)) and delivery goes on"
