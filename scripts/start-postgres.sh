#!/usr/bin/env bash
# Starts a PostgreSQL server for the catalogue tests and prints its URL
# (idempotent: installs PostgreSQL if missing, initialises the cluster once,
# starts it unless running, creates the database unless it exists).
#   RAIIAF_PG_DIR   cluster and socket folder (default /tmp/raiiaf-postgres)
#   RAIIAF_PG_PORT  port number of the socket (default 55432; no TCP listener)
# The server refuses to run as root, so as root it runs as the postgres user.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >&2

dir=${RAIIAF_PG_DIR:-/tmp/raiiaf-postgres}
port=${RAIIAF_PG_PORT:-55432}
database=raiiaf_test
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/pg_ctl" ] || { echo "start-postgres: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }

as_server=()
if [ "$(id -u)" -eq 0 ]; then
  as_server=(runuser -u postgres --)
  user=postgres
else
  user=$(id -un)
fi
mkdir -p "$dir"
[ "$(id -u)" -ne 0 ] || chown postgres "$dir"

if [ ! -f "$dir/data/PG_VERSION" ]; then
  "${as_server[@]}" "$bin/initdb" -D "$dir/data" -U "$user" -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
fi
if ! "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses= -c fsync=off" start >&2 ||
    { tail -n 20 "$dir/server.log" >&2; exit 1; }
fi
if ! "$bin/psql" -h "$dir" -p "$port" -U "$user" -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
  "$bin/createdb" -h "$dir" -p "$port" -U "$user" "$database"
fi
echo "postgresql://$user@/$database?host=$dir&port=$port"
