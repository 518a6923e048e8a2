#!/usr/bin/env bash
# The PostgreSQL collector's cost: a throwaway PostgreSQL 15 on 127.0.0.1 with 100 client
# connections (95 idle sessions, as root), then 200 collection cycles.
# Usage: bench/pg_bench.sh BUILD_DIR
set -euo pipefail
BIN=${1:-build}/bin
PGBIN=/usr/lib/postgresql/15/bin
WORK=$(mktemp -d)
chmod 0755 "$WORK"
PGPORT=$((20000 + RANDOM % 40000))
install -d -o postgres -g postgres "$WORK/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w -o \
  "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$WORK/pg -c max_connections=110" start >/dev/null
trap 'pkill -P $$ 2>/dev/null; runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m immediate stop >/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 95); do
  (sleep 60 | psql -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres >/dev/null 2>&1) &
done
sleep 3
echo "host=127.0.0.1 port=$PGPORT dbname=postgres user=postgres" >"$WORK/dsn"
chmod 0600 "$WORK/dsn"
echo "sessions: $(psql -X -tA -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")"
"$BIN/pg_collect_bench" "$WORK/dsn" 200
