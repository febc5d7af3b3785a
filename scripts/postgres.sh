#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster with pgvector on loopback, for development and benchmarks
# (tests use test/pg-cluster.ts, which does the same from TypeScript).
#   scripts/postgres.sh start <dir> [port]   initdb + start (default port 55432); prints P8FS_PG_URL=...
#   scripts/postgres.sh stop <dir>           stop it and remove <dir>
# As root the cluster runs as the postgres user (initdb refuses root), so <dir> must be reachable by that
# user (a new directory under /tmp is). Needs scripts/install-postgres.sh.
set -euo pipefail
cmd=${1:-}; dir=${2:-}; port=${3:-55432}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start <dir> [port] | stop <dir>" >&2; exit 2; }
B=/usr/lib/postgresql/15/bin
[ -x "$B/initdb" ] || { echo "PostgreSQL 15 is missing: sudo bash scripts/setup-system.sh" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
  start)
    mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    [ -f "$dir/data/PG_VERSION" ] || as_pg "$B/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
    as_pg "$B/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
      -o "-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
      || { tail -20 "$dir/log" >&2; exit 1; }
    as_pg "$B/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = 'p8fs'" | grep -q 1 \
      || as_pg "$B/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE p8fs"
    echo "P8FS_PG_URL=postgresql://postgres@127.0.0.1:${port}/p8fs" ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] && as_pg "$B/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir" ;;
  *) echo "usage: $0 start <dir> [port] | stop <dir>" >&2; exit 2 ;;
esac
