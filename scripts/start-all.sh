#!/usr/bin/env bash
# Starts the whole system on this machine with demo data: Temporal (Web UI on 8233), migrations,
# worker, API and, unless a real corp is configured (WECOM_CORP_ID etc.), the WeCom simulator with a
# generated demo corp. Ctrl-C stops the node processes; Temporal keeps running.
# TEMPORAL_BACKEND=dev (default): the Temporal CLI's dev server, persisting in .data/temporal.db (SQLite).
# TEMPORAL_BACKEND=postgres: the production engine, the Temporal server built with Go, persisting in
# the local PostgreSQL and started from docker/temporal/postgres.yaml as docker-compose starts it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

TEMPORAL_BACKEND="${TEMPORAL_BACKEND:-dev}"
case "$TEMPORAL_BACKEND" in
  dev | postgres) ;;
  *) log "TEMPORAL_BACKEND must be dev or postgres, not '$TEMPORAL_BACKEND'"; exit 1 ;;
esac

prepare_machine
if [ "$TEMPORAL_BACKEND" = postgres ]; then ensure_temporal_postgres_tools; fi

mkdir -p .data
if [ ! -f .data/secrets.env ]; then
  echo "JWT_SECRET=$(node -e "console.log(require('crypto').randomBytes(48).toString('base64url'))")" >.data/secrets.env
  chmod 600 .data/secrets.env
fi
if ! grep -q '^DEMO_WECOM_SECRET=' .data/secrets.env; then
  node -e "
    const c = require('crypto');
    const alnum = (n) => Array.from(c.randomBytes(n), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[b % 62]).join('');
    console.log('DEMO_WECOM_SECRET=' + alnum(43));
    console.log('DEMO_WECOM_CALLBACK_TOKEN=' + alnum(16));
    console.log('DEMO_WECOM_ENCODING_AES_KEY=' + alnum(43));
  " >>.data/secrets.env
fi
set -a
# shellcheck disable=SC1091
source .data/secrets.env
export NODE_ENV="${NODE_ENV:-development}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/scrm}"
export TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
export API_PORT="${API_PORT:-8080}"
SIMULATOR_PORT="${SIMULATOR_PORT:-8290}"
DEMO_CORP=0
if [ -z "${WECOM_CORP_ID:-}" ]; then
  # Demo mode: the WeCom simulator plays the corp; set WECOM_* to point the same code at WeCom.
  DEMO_CORP=1
  export WECOM_CORP_ID=wwdemo00000001 WECOM_AGENT_ID=1000002
  export WECOM_SECRET="$DEMO_WECOM_SECRET" WECOM_CALLBACK_TOKEN="$DEMO_WECOM_CALLBACK_TOKEN"
  export WECOM_ENCODING_AES_KEY="$DEMO_WECOM_ENCODING_AES_KEY"
  export WECOM_API_BASE_URL="http://127.0.0.1:$SIMULATOR_PORT/cgi-bin/"
  # The simulator generates the demo corp from these; seed-demo reads them too, to name its employees.
  export SIMULATOR_DEMO_CORP_ID="$WECOM_CORP_ID" SIMULATOR_DEMO_SEED="${SIMULATOR_DEMO_SEED:-2026}"
  export SIMULATOR_DEMO_CUSTOMERS="${SIMULATOR_DEMO_CUSTOMERS:-2000}"
fi
set +a

TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
require_temporal_backend "$TEMPORAL_ADDRESS" "$TEMPORAL_BACKEND"
if [ "$TEMPORAL_BACKEND" = postgres ]; then
  TEMPORAL_LOG_FILE=.data/temporal-postgres.log
  TEMPORAL_PORT="${TEMPORAL_ADDRESS##*:}" start_temporal_postgres_server "$TEMPORAL_LOG_FILE" .data/temporal-postgres.pid
  start_temporal_ui_server "$TEMPORAL_ADDRESS" "$TEMPORAL_UI_PORT" .data/temporal-ui.log .data/temporal-ui.pid
else
  TEMPORAL_LOG_FILE=.data/temporal.log
  start_temporal_dev_server "${TEMPORAL_ADDRESS##*:}" "$TEMPORAL_UI_PORT" "$PWD/.data/temporal.db" "$PWD/$TEMPORAL_LOG_FILE"
fi
npx tsx src/main/migrate.ts
DEMO=$(npx tsx src/main/seed-demo.ts | tail -n1)

PIDS=()
if [ "$DEMO_CORP" = 1 ]; then
  SIMULATOR_PORT="$SIMULATOR_PORT" SIMULATOR_DEMO_SECRET="$WECOM_SECRET" \
    SIMULATOR_DEMO_AGENT_ID="$WECOM_AGENT_ID" SIMULATOR_DEMO_CALLBACK_TOKEN="$WECOM_CALLBACK_TOKEN" \
    SIMULATOR_DEMO_ENCODING_AES_KEY="$WECOM_ENCODING_AES_KEY" \
    SIMULATOR_DEMO_CALLBACK_URL="http://127.0.0.1:$API_PORT/api-scrm/wecom/callback/$WECOM_CORP_ID" \
    npx tsx src/main/wecom-simulator.ts >>.data/wecom-simulator.log 2>&1 &
  PIDS+=($!)
fi
WORKER_METRICS_PORT="${WORKER_METRICS_PORT:-9464}" TEMPORAL_SDK_METRICS_PORT="${TEMPORAL_SDK_METRICS_PORT:-9465}" \
  npx tsx src/main/worker.ts >>.data/worker.log 2>&1 &
PIDS+=($!)
npx tsx src/main/api.ts >>.data/api.log 2>&1 &
API_PID=$!
PIDS+=($API_PID)
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$API_PORT/health" >/dev/null && break; sleep 1; done
SYNC_WORKFLOW=$(npx tsx src/main/sync-now.ts 2>>.data/api.log | tail -n1 || true)
if [ "$DEMO_CORP" = 1 ]; then
  # The sales team is bound to employees of the demo corp once the sync has mirrored them.
  DEMO=$(npx tsx src/main/seed-demo.ts --bind-wecom 2>>.data/api.log | tail -n1 || echo "$DEMO")
fi

TEMPORAL_LOG_FILE="$TEMPORAL_LOG_FILE" node scripts/print-demo-banner.mjs "$DEMO" "$API_PORT" "$TEMPORAL_UI_PORT" "$SYNC_WORKFLOW" \
  "$([ "$DEMO_CORP" = 1 ] && echo "http://127.0.0.1:$SIMULATOR_PORT")"

wait $API_PID
