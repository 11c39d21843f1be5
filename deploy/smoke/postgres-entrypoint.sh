#!/bin/sh
# Entrypoint of keyhouse-base/postgres, the local PostgreSQL image deploy/smoke-image.sh makes (no registry here, so
# no official postgres image). On the first start it initialises a cluster as the postgres user with the password
# from POSTGRES_PASSWORD, then runs PostgreSQL in the foreground. It never prints the password.
#
#   POSTGRES_PASSWORD  required, the password of POSTGRES_USER (scram-sha-256)
#   POSTGRES_USER      superuser to create (default postgres)
#   POSTGRES_DB        database to create, owned by POSTGRES_USER (default: POSTGRES_USER)
#   POSTGRES_PORT      port to listen on (default 5432); with --network host pick a free one
#   POSTGRES_LISTEN    listen_addresses (default *)
#   PGDATA             data directory (default /var/lib/postgresql/data)
set -eu

bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
if [ -z "${POSTGRES_PASSWORD:-}" ]; then
  echo "POSTGRES_PASSWORD is required" >&2
  exit 78
fi
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
port=${POSTGRES_PORT:-5432}
PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  chown postgres "$pwfile"
  chmod 600 "$pwfile"
  as_postgres "$bin/initdb" --username="$user" --pwfile="$pwfile" --auth=scram-sha-256 --encoding=UTF8 \
    --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  if [ "$db" != postgres ]; then
    # single-user mode runs as the bootstrap superuser without a connection or a password
    printf 'CREATE DATABASE "%s" OWNER "%s";\n' "$db" "$user" \
      | as_postgres "$bin/postgres" --single -D "$PGDATA" postgres >/dev/null
  fi
  echo "initialised a PostgreSQL cluster in $PGDATA: user $user, database $db"
fi

unset POSTGRES_PASSWORD
exec setpriv --reuid=postgres --regid=postgres --init-groups \
  "$bin/postgres" -D "$PGDATA" -p "$port" -c listen_addresses="${POSTGRES_LISTEN:-*}" -k /tmp
