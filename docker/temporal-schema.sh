#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas to the version this
# admin-tools image ships. Safe to re-run: an existing database keeps its data, and update-schema
# applies only the versions it lacks. Runs in temporalio/admin-tools (temporal-sql-tool).
set -eu

: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
DB_PORT="${DB_PORT:-5432}"
SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

# setup_database NAME SCHEMA_DIR
setup_database() {
  if out=$(sql_tool --db "$1" create 2>&1); then
    echo "created database $1"
    sql_tool --db "$1" setup-schema -v 0.0
  elif echo "$out" | grep -q 'already exists'; then
    # The tool reports only PostgreSQL's message (SQLSTATE 42P04), so its text is what there is to match.
    echo "database $1 exists"
  else
    echo "$out" >&2
    exit 1
  fi
  sql_tool --db "$1" update-schema -d "$2"
}

setup_database "${DBNAME:-temporal}" "$SCHEMA_ROOT/temporal/versioned"
setup_database "${VISIBILITY_DBNAME:-temporal_visibility}" "$SCHEMA_ROOT/visibility/versioned"
echo "Temporal schemas are up to date"
