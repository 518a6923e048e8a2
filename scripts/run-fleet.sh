#!/usr/bin/env bash
# make run-fleet: the fleet on one machine, for trying it. A throw-away PostgreSQL cluster (initdb
# as an unprivileged user: postgres when run as root), the coordinator on it, and the local agent
# reporting to it in the foreground (Ctrl-C stops all three). Everything lives in FLEET_DIR
# (default ./var/fleet; /var/lib/novacron-fleet-run when run as root from a checkout the postgres
# user cannot reach) and is used again by the next run.
# Usage: scripts/run-fleet.sh BUILD_DIR   (env: FLEET_DIR, FLEET_PORT (9300), FLEET_AGENT_PORT (9810))
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
bin=$build/bin
dir=${FLEET_DIR:-$PWD/var/fleet}
port=${FLEET_PORT:-9300}
agent_port=${FLEET_AGENT_PORT:-9810}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x $pgbin/initdb ]] || { echo "run-fleet: PostgreSQL is not installed (make deps)" >&2; exit 1; }

pg_user=$(id -un)
as_pg=()
if ((EUID == 0)); then
  pg_user=postgres
  as_pg=(runuser -u postgres --)
  if [[ -z ${FLEET_DIR:-} ]] && ! runuser -u postgres -- test -x "$PWD" 2>/dev/null; then
    dir=/var/lib/novacron-fleet-run
    echo "run-fleet: postgres cannot reach $PWD: the fleet's state is in $dir"
  fi
fi
mkdir -p "$dir"
chmod 0755 "$dir"
install -d -m 0700 -o "$pg_user" "$dir/pg"
if [[ ! -s $dir/pg/data/PG_VERSION ]]; then
  "${as_pg[@]}" "$pgbin/initdb" -D "$dir/pg/data" --auth=trust -E UTF8 --locale=C.UTF-8 \
    -U novacron >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
fi
# Only a Unix socket in the fleet's directory: no port to collide with, nobody else's to reach.
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 60 \
  -o "-c listen_addresses= -c unix_socket_directories=$dir/pg" start >/dev/null ||
  { tail -n 20 "$dir/pg/server.log" >&2; exit 1; }
coordinator_pid= agent_pid=
stop() {
  local pid
  for pid in $agent_pid $coordinator_pid; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
}
trap stop EXIT
trap 'exit 130' INT TERM
chmod 0711 "$dir/pg"  # the socket's directory: the coordinator (and the agent's user) pass through

echo "host=$dir/pg dbname=postgres user=novacron" >"$dir/coordinator.dsn"
chmod 0600 "$dir/coordinator.dsn"
cat >"$dir/coordinator.yaml" <<YAML
id: run-fleet
listen: 127.0.0.1:$port
database: {dsn_file: $dir/coordinator.dsn}
fleet: {silent_after: 1m}
YAML
node=$(hostname -s 2>/dev/null || hostname)
[[ $node =~ ^[A-Za-z0-9._-]{1,63}$ ]] || node=localhost
coord=("$bin/novacron-coordinator" --config "$dir/coordinator.yaml")
"${coord[@]}" migrate >/dev/null
[[ -s $dir/node.token ]] || "${coord[@]}" token create "$node" >"$dir/node.token" 2>/dev/null
[[ -s $dir/reader.token ]] || "${coord[@]}" token create "$(id -un)" --reader >"$dir/reader.token" 2>/dev/null
chmod 0600 "$dir/reader.token"
chmod 0640 "$dir/node.token"
getent group novacron >/dev/null && chgrp novacron "$dir/node.token"
"${coord[@]}" >"$dir/coordinator.log" 2>&1 &
coordinator_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$coordinator_pid" 2>/dev/null || { cat "$dir/coordinator.log" >&2; exit 1; }
  sleep 0.1
done

cat >"$dir/agent.yaml" <<YAML
state_dir: $dir/agent
node: {id: $node, labels: {fleet: run-fleet}}
http: {listen: "127.0.0.1:$agent_port"}
coordinator:
  urls: [http://127.0.0.1:$port/v1/events]
  token_file: $dir/node.token
  heartbeat: 10s
YAML
cat <<TEXT
run-fleet: PostgreSQL in $dir/pg, the coordinator on http://127.0.0.1:$port (log: $dir/coordinator.log),
the agent (node $node) in the foreground. In another terminal:

  export NOVACRON_COORDINATOR=http://127.0.0.1:$port NOVACRON_FLEET_TOKEN_FILE=$dir/reader.token
  $bin/novacron fleet nodes
  $bin/novacron --socket $dir/agent/agent.sock trigger high_cpu --dry-run   # an incident, then
  $bin/novacron fleet incidents

TEXT
"$bin/novacron-agent" --config "$dir/agent.yaml" &
agent_pid=$!
wait "$agent_pid"
