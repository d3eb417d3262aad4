#!/bin/sh
# Registers the namespace the application uses and its custom search attributes, once the
# Temporal frontend serves. Safe to re-run: what exists is left alone. Runs in temporalio/admin-tools
# (docker-compose) and on this machine (scripts/lib.sh) with the Temporal CLI (TEMPORAL_CLI, else
# `temporal` on PATH); TEMPORAL_ADDRESS names the frontend.
set -eu

TEMPORAL_CLI="${TEMPORAL_CLI:-temporal}"
cli() { "$TEMPORAL_CLI" "$@"; }

NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-7d}"
# The keys of SEARCH_ATTRIBUTES in src/temporal/names.ts, all of type Keyword (a unit test keeps them in step).
SEARCH_ATTRIBUTES="ClueId BusinessId ClueStatus OwnerUserid CorpId EventType ExternalUserid SyncKind"

# retry WHAT COMMAND... — runs COMMAND until it succeeds, for up to two minutes.
retry() {
  what=$1
  shift
  tries=0
  until "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then echo "gave up waiting for $what" >&2; exit 1; fi
    sleep 2
  done
}

serving() { cli operator cluster health | grep -q SERVING; }
retry "Temporal at $TEMPORAL_ADDRESS to serve" serving

if cli operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  cli operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION"
fi

# A new namespace reaches the frontend's cache a few seconds after it is created.
retry "namespace $NAMESPACE" cli operator search-attribute list --namespace "$NAMESPACE"
existing=$(cli operator search-attribute list --namespace "$NAMESPACE")
for name in $SEARCH_ATTRIBUTES; do
  if echo "$existing" | grep -qw "$name"; then continue; fi
  cli operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type Keyword
done
echo "namespace $NAMESPACE and its search attributes are registered"
