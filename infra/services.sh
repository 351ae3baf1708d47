#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer at the configured addresses. Uses the local
# servers when they answer; otherwise starts private ones from the installed binaries
# under var/ (they keep running until `infra/services.sh stop`).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${COINET_DATA_DIR:-$PWD/var}"
PG_PORT="${COINET_PG_PORT:-5432}"
REDIS_PORT="${COINET_REDIS_PORT:-6379}"
mkdir -p "$DATA"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start_postgres() {
  pg_up && return 0
  # A machine-managed cluster that is merely stopped is restarted as it was.
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] && [ "$PG_PORT" = 5432 ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start 2>/dev/null || true
    for _ in $(seq 1 30); do pg_up && return 0; sleep 0.5; done
  fi
  local bin; bin="$(pg_bin)"
  local dir="$DATA/postgres"
  echo "services: starting a private PostgreSQL on port $PG_PORT under $dir"
  local run_as=()
  if [ "$(id -u)" -eq 0 ]; then
    id coinetpg >/dev/null 2>&1 || useradd --system --no-create-home coinetpg
    mkdir -p "$dir"; chown coinetpg "$dir"
    run_as=(runuser -u coinetpg --)
  fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    "${run_as[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
  fi
  "${run_as[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
    -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
  for _ in $(seq 1 30); do pg_up && return 0; sleep 0.5; done
  echo "services: PostgreSQL did not start; see $dir/server.log" >&2; return 1
}

start_redis() {
  redis_up && return 0
  echo "services: starting a private Redis on port $REDIS_PORT"
  mkdir -p "$DATA/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir "$DATA/redis" --logfile "$DATA/redis/redis.log"
  for _ in $(seq 1 30); do redis_up && return 0; sleep 0.2; done
  echo "services: Redis did not start; see $DATA/redis/redis.log" >&2; return 1
}

stop_private() {
  [ -f "$DATA/postgres/postmaster.pid" ] && runuser -u coinetpg -- "$(pg_bin)/pg_ctl" -D "$DATA/postgres" stop -m fast || true
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave 2>/dev/null || true
}

case "${1:-up}" in
  up) start_postgres; start_redis ;;
  stop) stop_private ;;
  *) echo "usage: $0 [up|stop]" >&2; exit 2 ;;
esac
