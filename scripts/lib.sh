#!/usr/bin/env bash
# Shared setup steps of the start and test scripts. Each step is idempotent and cheap when done.

TEMPORAL_CLI_VERSION="v1.5.1" # newest tag whose go.mod has no replace directive (go install needs that)
COMPOSE_VERSION="v2.32.4"
# The PostgreSQL-backed server and its tools: the server version the CLI embeds and docker-compose runs,
# and the UI version both embed.
TEMPORAL_SERVER_VERSION="v1.29.1"
TEMPORAL_UI_VERSION="v2.42.1"

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

# ensure_go_binary NAME PACKAGE@VERSION — path of GOPATH/bin/NAME, built from the module proxy when
# missing. NAME carries the version, so a version bump builds anew and the build is done once per machine.
ensure_go_binary() {
  local name=$1 package=$2 bin tmp
  bin="$(go env GOPATH)/bin/$name"
  if [ ! -x "$bin" ]; then
    log "building $package with Go into $bin (first time on this machine only, about 90 s)"
    tmp=$(mktemp -d)
    # Main packages named server/sql collide with others in GOBIN; build into a scratch GOBIN and rename.
    # Every step checks itself: callers run this in $(...), where set -e does not reach.
    if ! CGO_ENABLED=0 GOBIN="$tmp" go install -ldflags "-s -w" "$package" >&2 ||
      ! mkdir -p "$(dirname "$bin")" || ! mv -f "$tmp"/* "$bin"; then
      rm -rf "$tmp"
      log "building $package failed"
      return 1
    fi
    rmdir "$tmp"
  fi
  echo "$bin"
}

# ensure_temporal_postgres_tools — builds what the PostgreSQL-backed Temporal needs when missing and
# exports TEMPORAL_SERVER_BIN, TEMPORAL_SQL_TOOL and TEMPORAL_SCHEMA_DIR (the server module's
# PostgreSQL schema, which the sql tool migrates to), plus TEMPORAL_BIN (the CLI, for the namespace step).
ensure_temporal_postgres_tools() {
  TEMPORAL_BIN=$(ensure_temporal_cli) || return 1
  TEMPORAL_SERVER_BIN=$(ensure_go_binary "temporal-server-${TEMPORAL_SERVER_VERSION}" \
    "go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}") || return 1
  TEMPORAL_SQL_TOOL=$(ensure_go_binary "temporal-sql-tool-${TEMPORAL_SERVER_VERSION}" \
    "go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}") || return 1
  local module_dir
  module_dir="$(go env GOMODCACHE)/go.temporal.io/server@${TEMPORAL_SERVER_VERSION}"
  # The build leaves the module in the cache; a cleaned cache gets it back without a rebuild.
  [ -d "$module_dir" ] || go mod download "go.temporal.io/server@${TEMPORAL_SERVER_VERSION}" >&2 || return 1
  TEMPORAL_SCHEMA_DIR="$module_dir/schema/postgresql/v12"
  export TEMPORAL_BIN TEMPORAL_SERVER_BIN TEMPORAL_SQL_TOOL TEMPORAL_SCHEMA_DIR
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

# require_temporal_backend ADDRESS dev|postgres — fails when a Temporal server of the other kind already
# serves at ADDRESS (an earlier start:all leaves its server running), rather than quietly using it.
require_temporal_backend() {
  local store
  temporal_serving "$1" || return 0
  store=$("$TEMPORAL_BIN" operator cluster describe --address "$1" -o json 2>/dev/null |
    sed -n 's/.*"persistenceStore": *"\([^"]*\)".*/\1/p')
  case "$2:$store" in
    dev:sqlite | postgres:postgres12) return 0 ;;
  esac
  log "Temporal on $1 persists in '${store:-unknown}', but TEMPORAL_BACKEND=$2 asks for the other server."
  if [ "$store" = sqlite ]; then
    log "stop the dev server first: kill \$(cat .data/temporal.db.pid)"
  else
    log "stop it first: bash scripts/temporal-postgres.sh stop"
  fi
  return 1
}

# start_temporal_dev_server PORT UI_PORT DB_FILE LOG_FILE — starts the dev server in the background unless one serves.
start_temporal_dev_server() {
  local port=$1 ui_port=$2 db_file=$3 log_file=$4
  if temporal_serving "127.0.0.1:$port"; then log "Temporal already serving on $port"; return; fi
  log "starting Temporal dev server on 127.0.0.1:$port (Web UI http://127.0.0.1:$ui_port)"
  mkdir -p "$(dirname "$db_file")"
  # In a session of its own, so Ctrl-C on start:all leaves it running (Go re-enables the SIGINT a
  # background job would ignore).
  setsid nohup "$TEMPORAL_BIN" server start-dev --ip 127.0.0.1 --port "$port" --ui-port "$ui_port" \
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

# The PostgreSQL-backed Temporal server reads docker/temporal/postgres.yaml, as docker-compose's does;
# TEMPORAL_DB_* name its databases (default temporal and temporal_visibility on 127.0.0.1:5432 as
# postgres) and TEMPORAL_PORT its frontend port (default 7233; the file derives the others from it).

# start_temporal_postgres_server LOG_FILE PID_FILE — sets up or migrates the schema, starts the server
# in the background unless one serves on TEMPORAL_PORT, and registers the namespace and search attributes.
start_temporal_postgres_server() {
  local log_file=$1 pid_file=$2 address="127.0.0.1:${TEMPORAL_PORT:-7233}"
  log "Temporal schema in PostgreSQL databases ${TEMPORAL_DB_NAME:-temporal} and ${TEMPORAL_VISIBILITY_DB_NAME:-temporal_visibility}"
  sh docker/temporal-schema.sh >>"$log_file" 2>&1 || { log "Temporal schema setup failed; see $log_file"; return 1; }
  if temporal_serving "$address"; then
    log "Temporal already serving on $address"
  else
    log "starting the PostgreSQL-backed Temporal server ${TEMPORAL_SERVER_VERSION} on $address"
    mkdir -p "$(dirname "$pid_file")"
    # In a session of its own, so Ctrl-C on start:all leaves it running, as it leaves the dev server.
    TEMPORAL_LOG_LEVEL="${TEMPORAL_LOG_LEVEL:-warn}" setsid nohup "$TEMPORAL_SERVER_BIN" --root / \
      --config "$PWD/docker/temporal" --env postgres --allow-no-auth start >>"$log_file" 2>&1 &
    echo $! >"$pid_file"
    local ok=0
    for _ in $(seq 1 120); do temporal_serving "$address" && { ok=1; break; }; sleep 0.5; done
    [ "$ok" = 1 ] || { log "Temporal did not become healthy; see $log_file"; return 1; }
  fi
  TEMPORAL_ADDRESS="$address" TEMPORAL_CLI="$TEMPORAL_BIN" sh docker/temporal-namespace.sh >>"$log_file" 2>&1 ||
    { log "registering the Temporal namespace failed; see $log_file"; return 1; }
}

# start_temporal_ui_server TEMPORAL_ADDRESS UI_PORT LOG_FILE PID_FILE — the Web UI for a server that has none
# built in, from docker/temporal/ui.yaml; a failed build only costs the UI (README says how to list workflows).
start_temporal_ui_server() {
  local address=$1 ui_port=$2 log_file=$3 pid_file=$4 ui_bin
  if curl -fs "http://127.0.0.1:$ui_port/" >/dev/null 2>&1; then log "a Web UI already answers on $ui_port"; return; fi
  if ! ui_bin=$(ensure_go_binary "temporal-ui-server-${TEMPORAL_UI_VERSION}" \
    "github.com/temporalio/ui-server/v2/cmd/server@${TEMPORAL_UI_VERSION}"); then
    log "could not build the Temporal Web UI; list workflows with: $TEMPORAL_BIN workflow list --address $address"
    return 0
  fi
  TEMPORAL_ADDRESS="$address" TEMPORAL_UI_PORT="$ui_port" \
    setsid nohup "$ui_bin" --root / --config "$PWD/docker/temporal" --env ui start >>"$log_file" 2>&1 &
  echo $! >"$pid_file"
}

# stop_pid_file FILE — stops the process whose id FILE holds (one this script started), if it still runs.
stop_pid_file() {
  local pid
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$1"
}
