# Shared by the local service scripts (minio.sh, seaweedfs.sh): where state lives, and how a
# recorded server is recognised. The sourcing script sets `name` and `state` first.
# shellcheck shell=bash

# The recorded server's pid, only if that process is still ours (its command line names our
# data directory), so a pid reused by an unrelated process is never signalled.
server_pid() {
  local pid
  pid="$(cat "$state/pid" 2>/dev/null)" || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$state/data" || return 1
  echo "$pid"
}

die() { echo "$name.sh: $*" >&2; exit 1; }

# HTTP status of a GET (000 when nothing answers); node is always there, curl may not be.
http_status() {
  node -e "require('http').get(process.argv[1],(r)=>{console.log(r.statusCode);r.resume()}).on('error',()=>console.log('000'))" "$1"
}
