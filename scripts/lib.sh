#!/usr/bin/env bash
# Shared setup steps of the start and test scripts. Each step is idempotent and cheap when done.

TEMPORAL_CLI_VERSION="v1.5.1" # newest tag whose go.mod has no replace directive (go install needs that)
COMPOSE_VERSION="v2.32.4"

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

log() { printf '\033[1;34m[scrm]\033[0m %s\n' "$*" >&2; }

# ensure_node_modules — installs the locked packages when node_modules is missing or older than
# package-lock.json. `npm ci` installs exactly the lock and never rewrites it; only
# when the lock no longer matches package.json (a dependency was just edited) does `npm install`
# update it. Install scripts follow package.json's allowScripts (npm 11; see README).
ensure_node_modules() {
  local stamp=node_modules/.package-lock.json
  if [ -d node_modules ] && [ "$stamp" -nt package-lock.json ]; then return; fi
  if [ -L node_modules ]; then
    # A link to another checkout's packages (a git worktree): reinstalling here would rewrite that one.
    log "node_modules links to $(readlink node_modules) and may be stale; not reinstalling through the link"
    return
  fi
  log "installing npm dependencies (npm ci)"
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    log "package-lock.json does not match package.json; updating it with npm install"
    npm install --no-audit --no-fund --loglevel=error
  fi
}

# Prints the path of the Temporal CLI, building it with Go from the module proxy when missing.
ensure_temporal_cli() {
  if [ -n "${TEMPORAL_BIN:-}" ] && [ -x "$TEMPORAL_BIN" ]; then echo "$TEMPORAL_BIN"; return; fi
  local gobin
  gobin="$(go env GOPATH)/bin"
  # A CLI built by go install reports version 0.0.0-DEV; its embedded server version identifies it.
  if [ ! -x "$gobin/temporal" ] || ! "$gobin/temporal" --version 2>/dev/null | grep -q "Server 1.29.1"; then
    log "building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go (first time only, a few minutes)"
    CGO_ENABLED=0 go install -ldflags "-s -w" "github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}" >&2
  fi
  echo "$gobin/temporal"
}

# ensure_compose_cli — path of a Docker Compose v2 binary, built with Go when missing. It runs
# standalone (no Docker engine needed) to check docker-compose.yml as `docker compose config` would.
ensure_compose_cli() {
  local bin tmp
  bin="$(go env GOPATH)/bin/docker-compose-${COMPOSE_VERSION}"
  if [ ! -x "$bin" ]; then
    log "building Docker Compose ${COMPOSE_VERSION} with Go, to check docker-compose.yml (first time only)"
    tmp=$(mktemp -d)
    # The module's main package is named cmd; go install cannot rename it, so it lands in a scratch GOBIN.
    CGO_ENABLED=0 GOBIN="$tmp" go install -ldflags "-s -w" "github.com/docker/compose/v2/cmd@${COMPOSE_VERSION}" >&2
    mv "$tmp/cmd" "$bin"
    rmdir "$tmp"
  fi
  echo "$bin"
}

ensure_postgres() {
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then return; fi
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && return; sleep 1; done
  log "PostgreSQL is not reachable on 127.0.0.1:5432"; return 1
}

# temporal_serving ADDRESS — true when a Temporal frontend answers there.
temporal_serving() {
  "$TEMPORAL_BIN" operator cluster health --address "$1" 2>/dev/null | grep -q SERVING
}

# start_temporal_dev_server PORT UI_PORT DB_FILE LOG_FILE — starts the dev server in the background unless one serves.
start_temporal_dev_server() {
  local port=$1 ui_port=$2 db_file=$3 log_file=$4
  if temporal_serving "127.0.0.1:$port"; then log "Temporal already serving on $port"; return; fi
  log "starting Temporal dev server on 127.0.0.1:$port (Web UI http://127.0.0.1:$ui_port)"
  mkdir -p "$(dirname "$db_file")"
  nohup "$TEMPORAL_BIN" server start-dev --ip 127.0.0.1 --port "$port" --ui-port "$ui_port" \
    --db-filename "$db_file" --log-level warn \
    --sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=NORMAL >"$log_file" 2>&1 &
  echo $! >"${db_file}.pid"
  for _ in $(seq 1 120); do temporal_serving "127.0.0.1:$port" && return; sleep 0.5; done
  log "Temporal did not become healthy; see $log_file"; return 1
}

# prepare_machine — everything both entry scripts need before they start: npm packages, the
# Temporal CLI (exported as TEMPORAL_BIN) and a running PostgreSQL.
prepare_machine() {
  ensure_node_modules
  TEMPORAL_BIN=$(ensure_temporal_cli)
  export TEMPORAL_BIN
  ensure_postgres
}
