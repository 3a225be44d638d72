#!/usr/bin/env bash
# HTTP benchmark of memoryd, in one run on this machine, alternating rounds so
# that drift hits every figure alike:
#   healthz     GET /healthz                      (the server's own ceiling)
#   get_cached  GET /api/sessions/{id}, cached    (64 connections)
#   nginx       the same bytes as a static file   (the machine's HTTP limit)
#   put         PUT /api/sessions/{id}            (16 connections)
#   get_1000c, nginx_1000c: get_cached and nginx at 1000 keep-alive
#               connections (connecting at once)
# once on PostgreSQL + Redis, once on SQLite + the in-process cache.
# Prints req/s, p50 and p99 of each (median over rounds), the requests wrk
# gave up on after 2 s (worst round), and the ratios get_cached/healthz,
# get_cached/nginx and, at 1000 connections, the p99 against nginx's.
#
# Usage: bench/http_bench.sh [SECONDS_PER_RUN (5)] [ROUNDS (3)]
# Not part of the test suite: no timing is ever asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-5}
rounds=${2:-3}

if [ -z "${MEMORYD_TEST_PG_URL:-}" ]; then
  MEMORYD_BENCH_DEPS=1 scripts/install-deps.sh
  scripts/build.sh >/dev/null
  exec scripts/with-services.sh "$0" "$@"
fi

work=$(mktemp -d /tmp/memoryd-bench.XXXXXX)
chmod 755 "$work"  # nginx workers run unprivileged and must read the file
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

source bench/lib.sh

psql_admin() { psql -q -X "$MEMORYD_TEST_PG_URL" "$@"; }
psql_admin -c "CREATE DATABASE bench" >/dev/null
pg_url="${MEMORYD_TEST_PG_URL%/postgres}/bench"
start_memoryd pg "$pg_url" "$MEMORYD_TEST_REDIS_URL"
start_memoryd sqlite "sqlite://$work/bench.db" ""

# One session per backend with a ~1 KB state, as the agents keep.
state='{"step":"design","answers":{"purpose":"portfolio","pages":["home","work","about","contact"],"notes":"'$(head -c 700 /dev/zero | tr '\0' 'x')'"}}'
create_session() {
  curl -sf -X POST "http://127.0.0.1:$1/api/sessions" -H 'Content-Type: application/json' \
    -d "{\"user_id\":\"bench\",\"state\":$state,\"preferences\":{\"design_style\":\"flat\"}}" |
    sed -E 's/.*"session_id":"([^"]+)".*/\1/'
}
id_pg=$(create_session "$port_pg")
id_sqlite=$(create_session "$port_sqlite")
curl -sf "http://127.0.0.1:$port_pg/api/sessions/$id_pg" >"$work/session.json"

# nginx serving the same bytes, with as many workers as memoryd has threads.
nginx_port=$(pick_port)
mkdir -p "$work/www"
cp "$work/session.json" "$work/www/session.json"
cat >"$work/nginx.conf" <<NGINX
worker_processes $(nproc);
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    default_type application/json;
  }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work"

cat >"$work/put.lua" <<LUA
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"state":$state}'
LUA

echo "memoryd HTTP benchmark: $(nproc) cores, wrk -t2 -d${duration}s, $rounds rounds, LOG_LEVEL=warn"
for r in $(seq "$rounds"); do
  for backend in pg sqlite; do
    port_var=port_$backend; id_var=id_$backend
    port=${!port_var}; id=${!id_var}
    run_wrk "$backend.healthz" 64 "http://127.0.0.1:$port/healthz"
    run_wrk "$backend.get_cached" 64 "http://127.0.0.1:$port/api/sessions/$id"
    run_wrk "nginx" 64 "http://127.0.0.1:$nginx_port/session.json"
    run_wrk "$backend.put" 16 "http://127.0.0.1:$port/api/sessions/$id" "$work/put.lua"
    run_wrk "$backend.get_1000c" 1000 "http://127.0.0.1:$port/api/sessions/$id"
    run_wrk "nginx_1000c" 1000 "http://127.0.0.1:$nginx_port/session.json"
  done
  echo "round $r done" >&2
done

summarise pg.healthz pg.get_cached pg.put pg.get_1000c sqlite.healthz \
  sqlite.get_cached sqlite.put sqlite.get_1000c nginx nginx_1000c
echo
echo "ratios (median req/s):"
for be in pg sqlite; do
  awk -v be="$be" -v c="$(median_of $be.get_cached)" -v h="$(median_of $be.healthz)" \
      -v n="$(median_of nginx)" \
      'BEGIN { printf "  %-7s get_cached/healthz = %.2f   get_cached/nginx = %.2f\n", be, c / h, c / n }'
done
echo "p99 at 1000 connections against nginx's (median of rounds):"
for be in pg sqlite; do
  awk -v be="$be" '$1 == be".get_1000c" { m = $3 } $1 == "nginx_1000c" { n = $3 }
    END { printf "  %-7s get_1000c/nginx_1000c = %.2f\n", be, m / n }' "$work/medians"
done
echo
echo "command: bench/http_bench.sh $duration $rounds"
