#!/usr/bin/env bash
# A private MinIO for tests and `make demo-full`: loopback only, throwaway data directory,
# generated credentials. The binary is built from source at the MINIO_VERSION pinned in
# tool-versions.sh (scripts/ensure-tools.sh builds it once into the per-user tools cache).
#
#   scripts/minio.sh start   start (or reuse a live one); prints s3://ACCESS:SECRET@127.0.0.1:<port>/kiln?secure=false
#   scripts/minio.sh url     prints the URL of the live one, or exits 1
#   scripts/minio.sh stop    stops it and deletes its data
#
# State lives in $KILN_SERVICES_DIR/minio (default ${TMPDIR:-/tmp}/kiln-services-$UID/minio).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tool-versions.sh
. "$here/tool-versions.sh"
tools="${KILN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln/tools}"
minio="$tools/minio-$MINIO_VERSION/bin/minio"
services="${KILN_SERVICES_DIR:-${TMPDIR:-/tmp}/kiln-services-$(id -u)}"
state="$services/minio"
readiness_seconds="${KILN_MINIO_START_TIMEOUT:-60}"

name=minio
# shellcheck source=lib/service-common.sh
. "$here/lib/service-common.sh"

is_live() {
  [ -f "$state/pid" ] && [ -f "$state/url" ] && [ -f "$state/port" ] || return 1
  server_pid >/dev/null || return 1
  [ "$(http_status "http://127.0.0.1:$(cat "$state/port")/minio/health/live")" = 200 ]
}

# Two distinct free loopback ports (API and console), held open together so they differ.
free_ports() {
  node -e "
    const net = require('net'); const a = net.createServer().listen(0, '127.0.0.1', () => {
      const b = net.createServer().listen(0, '127.0.0.1', () => {
        console.log(a.address().port, b.address().port); a.close(); b.close(); }); });"
}

start() {
  begin_start "$minio" || return 0
  local user password port console
  # Letters and digits only, so neither needs escaping in the URL.
  user="$(random_token kiln 12)"
  password="$(random_token '' 32 'A-Za-z0-9')"
  read -r port console <<<"$(free_ports)"
  # Credentials go through the environment, never the command line (ps shows that to everyone).
  # fd 8 (the lock) is closed for the server, or it would hold the lock as long as it runs.
  MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$password" MINIO_BROWSER=off MINIO_UPDATE=off HOME="$state" \
    setsid "$minio" server --quiet --anonymous --address "127.0.0.1:$port" --console-address "127.0.0.1:$console" \
    --certs-dir "$state/certs" "$state/data" </dev/null >"$state/server.log" 2>&1 8>&- &
  pid=$!
  echo "$pid" >"$state/pid"
  echo "$port" >"$state/port"

  local waited=0
  until [ "$(http_status "http://127.0.0.1:$port/minio/health/live")" = 200 ]; do
    kill -0 "$pid" 2>/dev/null || die "minio exited: $(tail -n 5 "$state/server.log")"
    [ "$waited" -lt $((readiness_seconds * 5)) ] || { kill "$pid"; die "MinIO not ready after ${readiness_seconds}s: $(tail -n 3 "$state/server.log")"; }
    sleep 0.2
    waited=$((waited + 1))
  done
  (umask 077 && echo "s3://$user:$password@127.0.0.1:$port/kiln?secure=false&region=us-east-1" >"$state/url")
  cat "$state/url"
}

stop() {
  mkdir -p "$services"
  exec 8>"$services/minio.lock"
  flock 8
  local pid waited=0
  pid="$(server_pid)" || { rm -rf "$state"; return 0; }
  if kill "$pid" 2>/dev/null; then
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -rf "$state"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) is_live || die "no MinIO running (state in $state)"; cat "$state/url" ;;
  *) die "usage: $0 start | stop | url" ;;
esac
