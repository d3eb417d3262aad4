#!/usr/bin/env bash
# The PostgreSQL-backed Temporal server of `TEMPORAL_BACKEND=postgres npm run start:all`, on its own:
#   start  builds what is missing, sets up or migrates the schema, starts the server and its Web UI,
#          registers the namespace and search attributes (what start:all does before the app)
#   stop   stops the server and the Web UI that start (or start:all) started
#   reset  stops them and drops Temporal's two databases: every workflow and schedule is gone, and
#          the next start sets the schema up from scratch (the application's database is untouched)
# TEMPORAL_ADDRESS (127.0.0.1:7233), TEMPORAL_UI_PORT (8233) and TEMPORAL_DB_* (see
# docker/temporal/postgres.yaml) choose where, as for start:all.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
export TEMPORAL_PORT="${TEMPORAL_ADDRESS##*:}"

stop() {
  stop_pid_file .data/temporal-ui.pid
  stop_pid_file .data/temporal-postgres.pid
}

case "${1:-}" in
  start)
    ensure_temporal_postgres_tools
    ensure_postgres
    require_temporal_backend "$TEMPORAL_ADDRESS" postgres
    start_temporal_postgres_server .data/temporal-postgres.log .data/temporal-postgres.pid
    start_temporal_ui_server "$TEMPORAL_ADDRESS" "$TEMPORAL_UI_PORT" .data/temporal-ui.log .data/temporal-ui.pid
    log "Temporal on $TEMPORAL_ADDRESS, Web UI http://127.0.0.1:$TEMPORAL_UI_PORT"
    ;;
  stop) stop ;;
  reset)
    stop
    for name in "${TEMPORAL_DB_NAME:-temporal}" "${TEMPORAL_VISIBILITY_DB_NAME:-temporal_visibility}"; do
      log "dropping database $name"
      PGPASSWORD="${TEMPORAL_DB_PASSWORD:-}" psql -h "${TEMPORAL_DB_HOST:-127.0.0.1}" -p "${TEMPORAL_DB_PORT:-5432}" \
        -U "${TEMPORAL_DB_USER:-postgres}" -d postgres -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)"
    done
    ;;
  *)
    echo "usage: $0 start|stop|reset" >&2
    exit 2
    ;;
esac
