#!/usr/bin/env bash
# Runs every check and test against real services: installs dependencies, builds the Temporal
# CLI and the PostgreSQL-backed Temporal server with its schema tool when missing (once per machine),
# makes sure PostgreSQL runs, recreates the test database, then checks docker-compose.yml with Docker
# Compose (built with Go when missing), typecheck, lint and Jest (whose global setup starts a Temporal
# dev server and the API + worker processes; test/e2e/temporal-postgres.test.ts starts the other server).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

prepare_machine
# Exports TEMPORAL_SERVER_BIN, TEMPORAL_SQL_TOOL and TEMPORAL_SCHEMA_DIR for the PostgreSQL-backed suite.
ensure_temporal_postgres_tools

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/scrm_test}"
log "recreating the test database"
psql "${TEST_DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS ${TEST_DATABASE_URL##*/} WITH (FORCE)"

log "docker-compose.yml"
# Any 32-character value satisfies the file's required JWT_SECRET (and any value INITIAL_ADMIN_PASSWORD);
# only the file's validity is checked.
JWT_SECRET=compose-config-check-0123456789abcdef INITIAL_ADMIN_PASSWORD=compose-check-1 \
  "$(ensure_compose_cli)" -f docker-compose.yml config -q
log "typecheck"; npx tsc --noEmit -p tsconfig.json
log "lint"; npx eslint .
log "format"; npx prettier --check . >/dev/null
log "tests"; npx jest --runInBand "$@"
