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

# The shared first half of `start`: take the lock (fd 8; close it for the server), print and
# succeed if a live server is recorded, else clear stale state and make sure `binary` exists.
# Returns 1 when the live server was reused (the caller returns 0 then).
begin_start() { # binary
  local binary="$1" pid
  mkdir -p "$services"
  # One starter at a time: a second `start` waits, then reuses what the first started.
  exec 8>"$services/$name.lock"
  flock 8
  if is_live; then cat "$state/url"; return 1; fi
  if pid="$(server_pid)"; then kill "$pid" 2>/dev/null || true; fi
  rm -rf "$state"
  [ -x "$binary" ] || bash "$here/ensure-tools.sh" servers
  [ -x "$binary" ] || die "$(basename "$binary") not found at $binary after scripts/ensure-tools.sh servers"
  mkdir -p "$state/data"
  chmod 700 "$state"
}

# A random token of letters and digits (no URL or JSON escaping needed): random_token PREFIX LENGTH [CLASS]
random_token() {
  echo "$1$(head -c 256 /dev/urandom | tr -dc "${3:-a-z0-9}" | head -c "$2")"
}
