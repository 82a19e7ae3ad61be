#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and the benchmark.
#
#   bash scripts/postgres.sh start   # prints postgresql+psycopg://postgres@127.0.0.1:PORT/mathagent_test
#   bash scripts/postgres.sh stop    # stops it and deletes its data folder
#   bash scripts/postgres.sh status
#
# The cluster lives in $MATHAGENT_PG_DIR (default: /tmp/mathagent-pg-$PORT), listens on 127.0.0.1 only
# (port $MATHAGENT_PG_PORT, default 54329) with trust authentication: it is for tests, never for data.
# Needs Debian's `postgresql` package (initdb/pg_ctl under /usr/lib/postgresql/*/bin); as root, the server
# runs as the `postgres` user (initdb refuses root).  Only the URL goes to stdout; progress goes to stderr.
set -euo pipefail

PORT="${MATHAGENT_PG_PORT:-54329}"
DIR="${MATHAGENT_PG_DIR:-${TMPDIR:-/tmp}/mathagent-pg-$PORT}"
DB="mathagent_test"
URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB"

find_bin() {
  local b
  for b in /usr/lib/postgresql/*/bin; do
    if [ -x "$b/pg_ctl" ]; then echo "$b"; return 0; fi
  done
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return 0; fi
  echo "error: PostgreSQL server binaries not found; install them: apt-get install -y postgresql" >&2
  return 1
}

as_owner() {  # run a server binary as the cluster owner
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

BIN="$(find_bin)"
PG_CTL=(as_owner "$BIN/pg_ctl" -D "$DIR/data")

case "${1:-}" in
  start)
    if [ -f "$DIR/data/postmaster.pid" ] && "${PG_CTL[@]}" status >/dev/null 2>&1; then
      echo "$URL"; exit 0
    fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    if [ "$(id -u)" = "0" ]; then chown postgres: "$DIR"; fi
    as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; exit 1; }
    "${PG_CTL[@]}" -l "$DIR/server.log" -w -t 60 \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >&2 \
      || { cat "$DIR/server.log" >&2; exit 1; }
    as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
    echo "$URL"
    ;;
  stop)
    if [ -d "$DIR/data" ]; then
      "${PG_CTL[@]}" -m fast -w -t 60 stop >&2 || true
    fi
    rm -rf "$DIR"
    ;;
  status)
    "${PG_CTL[@]}" status >&2 && echo "$URL"
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
