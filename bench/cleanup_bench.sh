#!/usr/bin/env bash
# The retention cleanup at scale, on PostgreSQL (durable defaults) and Redis:
# EXPIRED sessions past the retention, each with its preferences row, a
# site and two versions (planted with generate_series), next to 1000 live
# sessions that clients read. Measures GET /api/sessions/{id} over the live
# sessions (wrk, 64 connections, cached) before the cleanup and while it
# runs, and the cleanup's duration (POST /admin/cleanup, cache invalidation
# included). Targets: p99 during <= 2 x p99 before; the cleanup <= 60 s.
#
# Usage: bench/cleanup_bench.sh [EXPIRED (1000000)] [BATCH_SIZE (500)]
#          [SECONDS_PER_RUN (10)] [BATCH_PAUSE_MS (10)] [REST_PERCENT (0)]
# Not part of the test suite: no timing is ever asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
expired=${1:-1000000}
batch=${2:-500}
duration=${3:-10}
pause=${4:-10}
rest=${5:-0}
live=1000
source bench/lib.sh
bench_start "$@"

psql -q -X "$MEMORYD_TEST_PG_URL" -c "CREATE DATABASE bench_cleanup" >/dev/null
pg_url="${MEMORYD_TEST_PG_URL%/postgres}/bench_cleanup"
sql() { psql -q -X -v ON_ERROR_STOP=1 "$pg_url" "$@"; }

# The answer to POST /admin/cleanup comes when the run is done; the nightly
# run is kept 12 hours away.
export REQUEST_TIMEOUT_MS=600000 CLEANUP_BATCH_SIZE=$batch CLEANUP_BATCH_PAUSE_MS=$pause \
  CLEANUP_BATCH_REST_PERCENT=$rest
export CLEANUP_AT=$(date -u -d '+12 hours' +%H:%M)
start_memoryd pg "$pg_url" "$MEMORYD_TEST_REDIS_URL"  # also migrates
base="http://127.0.0.1:$port_pg"

echo "planting $expired expired sessions (each with preferences, a site, two versions)..." >&2
planted=$(date +%s)
sql <<SQL
INSERT INTO sessions (session_id, tenant, user_id, state, revision, created_at, updated_at)
  SELECT gen_random_uuid(), '', 'expired', '{"step":"design","pages":["home","about"]}', 3,
         now() - interval '200 days', now() - interval '100 days' - g * interval '1 second'
  FROM generate_series(1, $expired) g;
INSERT INTO user_preferences (session_id, preferences, updated_at)
  SELECT session_id, '{"design_style":"flat"}', updated_at FROM sessions WHERE user_id = 'expired';
INSERT INTO sites (site_id, session_id, name, site_type, latest_version, created_at, updated_at, revision)
  SELECT gen_random_uuid(), session_id, 'portfolio', 'static', 2, updated_at, updated_at, 2
  FROM sessions WHERE user_id = 'expired';
-- Distinct hashes: a million equal keys in the hash index on code_sha256
-- make each insert walk one ever longer overflow chain: quadratic (a
-- million versions of one hash took over 15 minutes).
INSERT INTO site_versions (site_id, version, code, code_size, code_sha256, changes, created_at)
  SELECT s.site_id, v, '<html><body><h1>portfolio ' || v || '</h1></body></html>', 52,
         md5(s.site_id::text || v) || md5(v || s.site_id::text), 'bench', s.created_at
  FROM sites s CROSS JOIN generate_series(1, 2) v;
VACUUM ANALYZE;
SQL
echo "planted in $(( $(date +%s) - planted )) s" >&2

# Live sessions, read round robin and cached.
state='{"step":"design","answers":{"purpose":"portfolio","notes":"'$(head -c 700 /dev/zero | tr '\0' 'x')'"}}'
{
  echo 'local paths = {'
  for _ in $(seq "$live"); do
    id=$(curl -sf -X POST "$base/api/sessions" -H 'Content-Type: application/json' \
           -d "{\"user_id\":\"live\",\"state\":$state}" | sed -E 's/.*"session_id":"([^"]+)".*/\1/')
    echo "  \"/api/sessions/$id\","
  done
  echo '}'
  echo 'local i = 0'
  echo 'request = function() i = i + 1; return wrk.format("GET", paths[(i % #paths) + 1]) end'
} >"$work/get.lua"
run_wrk warm_up 64 "$base" "$work/get.lua"
: >"$work/results"

run_wrk before 64 "$base" "$work/get.lua"

started=$(date +%s.%N)
curl -sf -X POST "$base/admin/cleanup" >"$work/cleanup.json" &
cleanup_pid=$!
run_wrk during 64 "$base" "$work/get.lua"
window_inside=yes
kill -0 "$cleanup_pid" 2>/dev/null || window_inside=no
wait "$cleanup_pid"
elapsed=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
left=$(sql -At -c "SELECT count(*) FROM sessions WHERE user_id = 'expired'")

echo
echo "memoryd retention cleanup benchmark: $(nproc) cores, PostgreSQL + Redis, $expired expired sessions, batches of $batch, ${pause} ms + ${rest} % pause"
summarise before during
awk '$1 == "before" { b = $4 } $1 == "during" { d = $4 } END { printf "  p99 during / before = %.2f (target <= 2)\n", d / b }' "$work/results"
echo "  cleanup: $(cat "$work/cleanup.json")"
echo "  cleanup wall time $elapsed s (target <= 60), expired sessions left: $left"
[ "$window_inside" = yes ] || echo "  note: the cleanup ended inside the ${duration}s 'during' window; use fewer seconds per run"
echo
echo "command: bench/cleanup_bench.sh $expired $batch $duration $pause $rest"
