#!/usr/bin/env bash
# HTTP benchmark of memoryd, in one run on this machine, alternating rounds so
# that drift hits every figure alike:
#   healthz     GET /healthz                      (the server's own ceiling)
#   get_cached  GET /api/sessions/{id}, cached    (64 connections)
#   nginx       the same bytes as a static file   (the machine's HTTP limit)
#   put         PUT /api/sessions/{id}            (16 connections)
# once on PostgreSQL + Redis, once on SQLite + the in-process cache.
# Prints req/s, p50 and p99 of each (median over rounds) and the ratios
# get_cached/healthz and get_cached/nginx.
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

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() { local p; while :; do p=$(( 20000 + RANDOM % 40000 )); port_taken "$p" || { echo "$p"; return; }; done; }

# start_memoryd NAME DATABASE_URL REDIS_URL -> sets port_NAME
start_memoryd() {
  local name=$1 log="$work/$1.log"
  DATABASE_URL=$2 REDIS_URL=$3 LISTEN_ADDRESS=127.0.0.1:0 LOG_LEVEL=warn \
    build/apps/memoryd >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do
    # the "listening" line is logged at info; with LOG_LEVEL=warn read it from /proc
    local port
    port=$(ss -ltnpH 2>/dev/null | awk -v pid="pid=$!," '$0 ~ pid {split($4,a,":"); print a[length(a)]; exit}')
    if [ -n "$port" ]; then eval "port_$name=$port"; return; fi
    sleep 0.1
  done
  echo "memoryd ($name) did not start:"; cat "$log"; exit 1
}

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
events { worker_connections 1024; }
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

# run_wrk NAME CONNECTIONS URL [SCRIPT] -> appends "name rps p50_ms p99_ms"
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }
run_wrk() {
  local name=$1 conns=$2 url=$3 script=${4:-} out
  out=$(wrk -t2 -c"$conns" -d"${duration}s" --latency ${script:+-s "$script"} "$url")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
  p99=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  if [ -n "$non2xx" ]; then
    echo "error: $name had $non2xx non-2xx answers: its figures mean nothing" >&2
    exit 1
  fi
  echo "$name $rps $p50 $p99" >>"$work/results"
}

echo "memoryd HTTP benchmark: $(nproc) cores, wrk -t2 -d${duration}s, $rounds rounds, LOG_LEVEL=warn"
for r in $(seq "$rounds"); do
  for backend in pg sqlite; do
    port_var=port_$backend; id_var=id_$backend
    port=${!port_var}; id=${!id_var}
    run_wrk "$backend.healthz" 64 "http://127.0.0.1:$port/healthz"
    run_wrk "$backend.get_cached" 64 "http://127.0.0.1:$port/api/sessions/$id"
    run_wrk "nginx" 64 "http://127.0.0.1:$nginx_port/session.json"
    run_wrk "$backend.put" 16 "http://127.0.0.1:$port/api/sessions/$id" "$work/put.lua"
  done
  echo "round $r done" >&2
done

# Medians over rounds, then ratios.
awk '
  { n[$1]++; rps[$1, n[$1]] = $2; p50[$1, n[$1]] = $3; p99[$1, n[$1]] = $4 }
  function median(arr, name, k,   i, j, t, v) {
    for (i = 1; i <= k; i++) v[i] = arr[name, i]
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return v[int((k + 1) / 2)]
  }
  END {
    printf "%-20s %12s %10s %10s\n", "run", "req/s", "p50 ms", "p99 ms"
    split("pg.healthz pg.get_cached pg.put sqlite.healthz sqlite.get_cached sqlite.put nginx", order, " ")
    for (o = 1; o <= 7; o++) {
      name = order[o]; k = n[name]
      m[name] = median(rps, name, k)
      printf "%-20s %12.0f %10.3f %10.3f\n", name, m[name], median(p50, name, k), median(p99, name, k)
    }
    printf "\nratios (median req/s):\n"
    for (b = 1; b <= 2; b++) {
      be = (b == 1 ? "pg" : "sqlite")
      printf "  %-7s get_cached/healthz = %.2f   get_cached/nginx = %.2f\n", be,
        m[be ".get_cached"] / m[be ".healthz"], m[be ".get_cached"] / m["nginx"]
    }
  }' "$work/results"
echo
echo "command: bench/http_bench.sh $duration $rounds"
