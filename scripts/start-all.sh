#!/usr/bin/env bash
# Starts the whole system on this machine with demo data: Temporal dev server (Web UI on 8233),
# migrations, worker and API. Ctrl-C stops the worker and API; Temporal keeps running.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$(repo_root)"

prepare_machine

mkdir -p .data
if [ ! -f .data/secrets.env ]; then
  echo "JWT_SECRET=$(node -e "console.log(require('crypto').randomBytes(48).toString('base64url'))")" >.data/secrets.env
  chmod 600 .data/secrets.env
fi
set -a
# shellcheck disable=SC1091
source .data/secrets.env
export NODE_ENV="${NODE_ENV:-development}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/scrm}"
export TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
export API_PORT="${API_PORT:-8080}"
set +a

start_temporal_dev_server "${TEMPORAL_ADDRESS##*:}" "${TEMPORAL_UI_PORT:-8233}" "$PWD/.data/temporal.db" "$PWD/.data/temporal.log"
npx tsx src/main/migrate.ts
DEMO=$(npx tsx src/main/seed-demo.ts | tail -n1)

npx tsx src/main/worker.ts >>.data/worker.log 2>&1 &
WORKER_PID=$!
npx tsx src/main/api.ts >>.data/api.log 2>&1 &
API_PID=$!
trap 'kill $WORKER_PID $API_PID 2>/dev/null; wait 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$API_PORT/health" >/dev/null && break; sleep 1; done

node scripts/print-demo-banner.mjs "$DEMO" "$API_PORT" "${TEMPORAL_UI_PORT:-8233}"

wait $API_PID
