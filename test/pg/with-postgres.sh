#!/usr/bin/env bash
# Runs "$@" with TEST_PG_URL pointing at a throwaway PostgreSQL cluster (initdb + pg_ctl on a
# private port and socket directory), removed again on exit. Works as root (through the postgres
# OS user, since root may not run postgres) and as an ordinary user.
set -euo pipefail

PGBIN=""
if [ -d /usr/lib/postgresql ]; then
  PGVER=$(ls /usr/lib/postgresql | sort -V | tail -1)
  PGBIN=/usr/lib/postgresql/$PGVER/bin
fi
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "with-postgres: PostgreSQL is not installed (apt-get install postgresql); CI needs it" >&2
    exit 1
  fi
  echo "with-postgres: PostgreSQL not installed: the PostgreSQL half of the suite will not run" >&2
  exec "$@"
fi

PGPORT=${PGPORT_TEST:-55432}
while (echo >/dev/tcp/127.0.0.1/$PGPORT) 2>/dev/null; do PGPORT=$((PGPORT + 1)); done
PGROOT=$(mktemp -d /tmp/pos-pg.XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGROOT"

cleanup() {
  as_pg "$PGBIN/pg_ctl -D $PGROOT/data -m immediate -w stop" >/dev/null 2>&1 || true
  rm -rf "$PGROOT"
}
trap cleanup EXIT

as_pg "$PGBIN/initdb -D $PGROOT/data -A trust -U postgres --no-sync" >/dev/null
as_pg "$PGBIN/pg_ctl -D $PGROOT/data -o \"-p $PGPORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" -l $PGROOT/pg.log -w start" >/dev/null
psql_admin() { as_pg "psql -h 127.0.0.1 -p $PGPORT -U postgres -v ON_ERROR_STOP=1 -q $*"; }
# pg_signal_backend: DROP DATABASE … WITH (FORCE) must also end an autovacuum worker in it.
psql_admin "-c \"CREATE ROLE pos LOGIN PASSWORD 'pos' CREATEDB\" -c \"GRANT pg_signal_backend TO pos\" -c \"CREATE DATABASE pos_test OWNER pos\""

export TEST_PG_URL="postgres://pos:pos@127.0.0.1:$PGPORT/pos_test"
echo "with-postgres: PostgreSQL $($PGBIN/postgres --version | awk '{print $3}') on 127.0.0.1:$PGPORT" >&2
set +e
"$@"
status=$?
set -e
exit $status
