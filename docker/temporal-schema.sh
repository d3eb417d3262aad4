#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas to the server's version.
# Safe to re-run: an existing database keeps its data, and update-schema applies only the versions
# it lacks. Runs in temporalio/admin-tools (docker-compose) and on this machine for
# `TEMPORAL_BACKEND=postgres npm run start:all` and the tests (scripts/lib.sh points
# TEMPORAL_SQL_TOOL and TEMPORAL_SCHEMA_DIR at the tool built with Go and the server module's schema).
# Reads the TEMPORAL_DB_* names docker/temporal/postgres.yaml reads, so both address the same databases.
set -eu

SQL_TOOL="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
SCHEMA_DIR="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

sql_tool() {
  SQL_PASSWORD="${TEMPORAL_DB_PASSWORD:-}" "$SQL_TOOL" --plugin postgres12 \
    --ep "${TEMPORAL_DB_HOST:-127.0.0.1}" -p "${TEMPORAL_DB_PORT:-5432}" -u "${TEMPORAL_DB_USER:-postgres}" "$@"
}

# setup_database NAME VERSIONED_SCHEMA_DIR — each step is a no-op where it was done: create ignores an
# existing database (the tool passes over SQLSTATE 42P04), setup-schema -v 0.0 creates the version tables
# if missing and records 0.0 only where no version is recorded (so a first setup interrupted after create
# completes), and update-schema applies the versions the database lacks.
setup_database() {
  sql_tool --db "$1" create
  sql_tool --db "$1" setup-schema -v 0.0
  sql_tool --db "$1" update-schema -d "$2"
  echo "database $1 is at the schema of $2"
}

setup_database "${TEMPORAL_DB_NAME:-temporal}" "$SCHEMA_DIR/temporal/versioned"
setup_database "${TEMPORAL_VISIBILITY_DB_NAME:-temporal_visibility}" "$SCHEMA_DIR/visibility/versioned"
echo "Temporal schemas are up to date"
