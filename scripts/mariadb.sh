#!/usr/bin/env bash
# A private MariaDB for tests and `make demo-full`: loopback only, throwaway data directory,
# generated credentials. Never touches a system MariaDB service.
#
#   scripts/mariadb.sh start [port]   start (or reuse a live one); prints mysql://kiln:…@127.0.0.1:<port>/kiln
#   scripts/mariadb.sh url            prints the URL of the live one, or exits 1
#   scripts/mariadb.sh stop           stops it and deletes its data
#
# State lives in $KILN_SERVICES_DIR/mariadb (default ${TMPDIR:-/tmp}/kiln-services-$UID/mariadb).
# The kiln user owns every database whose name starts with "kiln", so tests can create their own.
# Installs Debian's mariadb-server when no server binary is found (root or sudo needed).
set -euo pipefail
services="${KILN_SERVICES_DIR:-${TMPDIR:-/tmp}/kiln-services-$(id -u)}"
state="$services/mariadb"
data="$state/data"
# In the data directory, as asked of a self-contained instance; unix sockets allow ~107 bytes.
socket="$data/mariadb.sock"
readiness_seconds="${KILN_MARIADB_START_TIMEOUT:-60}"

die() { echo "mariadb.sh: $*" >&2; exit 1; }
find_tool() { # first of the names found on PATH or in sbin
  local name
  for name in "$@"; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    for dir in /usr/sbin /usr/local/sbin; do [ -x "$dir/$name" ] && { echo "$dir/$name"; return 0; }; done
  done
  return 1
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root to run: $*"; fi; }

install_server() {
  echo "mariadb.sh: installing mariadb-server (Debian package)" >&2
  # Debian's postinst would start the system service; a policy-rc.d that says no keeps it off.
  local policy=/usr/sbin/policy-rc.d added=""
  if [ ! -e "$policy" ]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod +x $policy"
    added=1
  fi
  local log="$services/mariadb-install.log" ok=1
  { as_root apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 mariadb-server; } >"$log" 2>&1 || ok=""
  if [ -n "$added" ]; then as_root rm -f "$policy"; fi
  [ -n "$ok" ] || die "installing mariadb-server failed: $(tail -n 5 "$log")"
}

server_bin() { find_tool mariadbd mysqld; }

is_live() { # the recorded server still runs and answers
  [ -f "$state/pid" ] && [ -f "$state/url" ] && [ -f "$state/root-password" ] || return 1
  kill -0 "$(cat "$state/pid")" 2>/dev/null || return 1
  MYSQL_PWD="$(cat "$state/root-password")" "$(find_tool mariadb-admin mysqladmin)" --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1
}

# Letters and digits only, so it needs no escaping in the URL or in SQL. Cut in bash, not with
# `head`, which would end the pipe early and fail the script under pipefail.
random_secret() {
  local secret
  secret="$(head -c 512 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')"
  echo "${secret:0:24}"
}

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

start() {
  local port="${1:-${KILN_MARIADB_PORT:-}}"
  mkdir -p "$services"
  # One starter at a time: a second `start` waits, then reuses what the first started.
  exec 8>"$services/mariadb.lock"
  flock 8
  if is_live; then cat "$state/url"; return 0; fi
  # A recorded server that no longer answers is replaced, data and all.
  if [ -f "$state/pid" ]; then kill "$(cat "$state/pid")" 2>/dev/null || true; fi
  rm -rf "$state"

  if ! server_bin >/dev/null; then
    # Several test runs may start at once on a fresh machine: one installs, the others wait.
    exec 7>"${TMPDIR:-/tmp}/kiln-mariadb-install.lock"
    flock 7
    server_bin >/dev/null || install_server
    flock -u 7
  fi
  local mariadbd install_db client
  mariadbd="$(server_bin)" || die "no mariadbd or mysqld after installing mariadb-server"
  install_db="$(find_tool mariadb-install-db mysql_install_db)" || die "mariadb-install-db not found"
  client="$(find_tool mariadb mysql)" || die "mariadb client not found"
  [ "${#socket}" -lt 100 ] || die "socket path too long ($socket); set KILN_SERVICES_DIR to a shorter directory"

  mkdir -p "$data"
  chmod 700 "$state"
  # mariadbd refuses to run as root unless told to, and then owns its files as root.
  local user_args=()
  [ "$(id -u)" = 0 ] && user_args=(--user=root)
  "$install_db" --no-defaults --auth-root-authentication-method=normal --datadir="$data" \
    --skip-test-db "${user_args[@]}" >"$state/install.log" 2>&1 ||
    die "mariadb-install-db failed: $(tail -n 5 "$state/install.log")"

  [ -n "$port" ] || port="$(free_port)"
  # Small buffers and lazy flushing: a throwaway test server, not a production one. The lock
  # descriptors are closed for it, or the server would hold the start lock for its whole life.
  setsid "$mariadbd" --no-defaults --datadir="$data" --socket="$socket" --pid-file="$state/mariadbd.pid" \
    --port="$port" --bind-address=127.0.0.1 --skip-name-resolve --log-error="$state/error.log" \
    --innodb-buffer-pool-size=64M --innodb-log-file-size=16M --innodb-flush-log-at-trx-commit=2 --innodb-fast-shutdown=2 \
    --skip-log-bin --max-connections=500 "${user_args[@]}" </dev/null >"$state/stdout.log" 2>&1 7>&- 8>&- &
  local pid=$!
  # setsid normally execs in place; the server's own pid file below settles it either way.
  echo "$pid" >"$state/pid"
  echo "$port" >"$state/port"

  local waited=0
  until "$client" --no-defaults --socket="$socket" -uroot -e 'select 1' >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || die "mariadbd exited: $(tail -n 5 "$state/error.log" 2>/dev/null)"
    [ "$waited" -lt $((readiness_seconds * 10)) ] || { kill "$pid"; die "mariadbd not ready after ${readiness_seconds}s"; }
    sleep 0.1
    waited=$((waited + 1))
  done
  [ -s "$state/mariadbd.pid" ] && cp "$state/mariadbd.pid" "$state/pid"

  local password root_password
  password="$(random_secret)"
  root_password="$(random_secret)"
  (umask 077 && echo "$root_password" >"$state/root-password")
  "$client" --no-defaults --socket="$socket" -uroot <<SQL || die "creating the kiln user failed"
CREATE DATABASE kiln;
CREATE USER 'kiln'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER 'kiln'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON \`kiln%\`.* TO 'kiln'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`kiln%\`.* TO 'kiln'@'localhost';
ALTER USER 'root'@'localhost' IDENTIFIED BY '$root_password';
SQL
  (umask 077 && echo "mysql://kiln:$password@127.0.0.1:$port/kiln" >"$state/url")
  cat "$state/url"
}

stop() {
  mkdir -p "$services"
  exec 8>"$services/mariadb.lock"
  flock 8
  [ -f "$state/pid" ] || { rm -rf "$state"; return 0; }
  local pid waited=0
  pid="$(cat "$state/pid")"
  if kill "$pid" 2>/dev/null; then
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -rf "$state"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop ;;
  url) is_live || die "no MariaDB running (state in $state)"; cat "$state/url" ;;
  *) die "usage: $0 start [port] | stop | url" ;;
esac
