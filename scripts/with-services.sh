#!/usr/bin/env bash
# Runs a command next to a throwaway PostgreSQL 15 and Redis 7, each on a free
# loopback port in a temporary directory, and stops and removes both when the
# command ends, whatever its outcome. The command sees
#   MEMORYD_TEST_PG_URL=postgresql://memoryd@127.0.0.1:<port>/postgres
#   MEMORYD_TEST_REDIS_URL=redis://127.0.0.1:<port>
# Usage: scripts/with-services.sh COMMAND [ARG...]
set -euo pipefail

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || { echo "with-services: PostgreSQL server binaries not found" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "with-services: redis-server not found" >&2; exit 1; }

work=$(mktemp -d /tmp/memoryd-services.XXXXXX)
chmod 755 "$work"
pg_user=$(id -un)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  # PostgreSQL refuses to run as root; the postgresql package made this user.
  pg_user=postgres
  as_pg=(runuser -u postgres --)
fi
pg_data="$work/pg"
mkdir -p "$pg_data" "$work/redis"
[ ${#as_pg[@]} -eq 0 ] || chown postgres "$pg_data" "$work"

stop_services() {
  local rc=$?
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
  [ -f "$pg_data/postmaster.pid" ] && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
  exit $rc
}
trap stop_services EXIT INT TERM

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 40000 ))
    port_taken "$p" || { echo "$p"; return; }
  done
}

"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -U memoryd --auth=trust -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 \
  || { cat "$work/initdb.log" >&2; exit 1; }
pg_port=""
for _ in 1 2 3 4 5 6 7 8; do
  p=$(pick_port)
  if "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -w -t 30 -l "$work/pg.log" \
       -o "-c listen_addresses=127.0.0.1 -p $p -k $work -c max_connections=300 -c fsync=on" start >/dev/null 2>&1; then
    pg_port=$p; break
  fi
done
[ -n "$pg_port" ] || { echo "with-services: PostgreSQL did not start" >&2; cat "$work/pg.log" >&2; exit 1; }

redis_port=""
for _ in 1 2 3 4 5 6 7 8; do
  p=$(pick_port)
  redis-server --bind 127.0.0.1 --port "$p" --save '' --appendonly no --daemonize yes \
    --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work/redis" >/dev/null 2>&1 || continue
  for _ in $(seq 50); do
    redis-cli -p "$p" ping >/dev/null 2>&1 && { redis_port=$p; break; }
    sleep 0.1
  done
  [ -n "$redis_port" ] && break
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
done
[ -n "$redis_port" ] || { echo "with-services: Redis did not start" >&2; cat "$work/redis.log" >&2 || true; exit 1; }

export MEMORYD_TEST_PG_URL="postgresql://memoryd@127.0.0.1:$pg_port/postgres"
export MEMORYD_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
echo "with-services: PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port" >&2
set +e
"$@"
