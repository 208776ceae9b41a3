#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests: `start` installs PostgreSQL from
# Debian if it is missing, creates a cluster in a temporary directory owned
# by an unprivileged user, starts it on a loopback port and prints the line
#   export BITWRK_TEST_POSTGRES=postgres://…
# for the caller to eval; `stop` stops it and removes the directory.
#
#   eval "$(.ci/postgres.sh start)"   # sets BITWRK_TEST_POSTGRES
#   ...tests...
#   .ci/postgres.sh stop
#
# State lives in $BITWRK_PG_DIR (default /tmp/bitwrk-pg); the port is
# $BITWRK_PG_PORT (default 54329).
set -euo pipefail

dir="${BITWRK_PG_DIR:-/tmp/bitwrk-pg}"
port="${BITWRK_PG_PORT:-54329}"
user="${BITWRK_PG_USER:-postgres}"

log() { printf '%s\n' "$*" >&2; }

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { printf '%s\n' "$d"; return 0; }
  done
  return 1
}

# Runs a command as the unprivileged cluster owner (initdb refuses root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
  start)
    if ! bindir >/dev/null; then
      log "installing PostgreSQL from Debian"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq postgresql >&2
    fi
    bin=$(bindir)
    if [ "$(id -u)" = 0 ] && ! id "$user" >/dev/null 2>&1; then
      useradd --system --no-create-home "$user"
    fi
    if [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      log "cluster in $dir already running"
    else
      rm -rf "$dir"
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown "$user" "$dir"
      as_owner "$bin/initdb" -D "$dir/data" -U bitwrk --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
      # Loopback only; a socket directory inside the cluster's own folder.
      as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=300" \
        start >&2 || { cat "$dir/server.log" >&2; exit 1; }
    fi
    printf 'export BITWRK_TEST_POSTGRES=postgres://bitwrk@127.0.0.1:%s/postgres\n' "$port"
    ;;
  stop)
    if bin=$(bindir) && [ -d "$dir/data" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    log "usage: $0 start|stop"
    exit 2
    ;;
esac
