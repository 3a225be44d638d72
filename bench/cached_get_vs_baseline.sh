#!/usr/bin/env bash
# Cached GETs of two memoryd builds side by side in one run, alternating
# rounds: what a change costs (or saves) on the hottest read. GET a cached
# session, 64 connections, on
#   sqlite   the embedded default: SQLite + in-process cache (default)
#   pg       PostgreSQL + Redis (each build its own database, one Redis)
# served by
#   baseline   $MEMORYD_BASELINE_BIN (a build of the commit before it)
#   current    this tree's build
# Prints req/s, p50 and p99 of each (median over rounds) and current/baseline.
#
# Usage: MEMORYD_BASELINE_BIN=/path/to/old/memoryd bench/cached_get_vs_baseline.sh
#          [SECONDS (5)] [ROUNDS (5)] [BACKEND (sqlite|pg)]
# To build a baseline: git worktree add /tmp/base <commit> && cmake -S /tmp/base
#   -B /tmp/base/build -G Ninja && cmake --build /tmp/base/build --target memoryd
# Not part of the test suite: no timing is ever asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-5}
rounds=${2:-5}
backend=${3:-sqlite}
: "${MEMORYD_BASELINE_BIN:?set MEMORYD_BASELINE_BIN to the memoryd to compare with}"
source bench/lib.sh
bench_start "$@"

start_baseline_and_current "$backend"

session_of() {
  curl -sf -XPOST "http://127.0.0.1:$1/api/sessions" \
    -H 'Content-Type: application/json' -d '{"user_id":"bench","state":{"step":3}}' \
    | sed 's/.*"session_id":"\([^"]*\)".*/\1/'
}
id_baseline=$(session_of "$port_baseline")
id_current=$(session_of "$port_current")
curl -sf "http://127.0.0.1:$port_baseline/api/sessions/$id_baseline" >/dev/null
curl -sf "http://127.0.0.1:$port_current/api/sessions/$id_current" >/dev/null

for round in $(seq "$rounds"); do
  # Alternate which goes first, so that drift hits both alike.
  if (( round % 2 )); then
    run_wrk baseline 64 "http://127.0.0.1:$port_baseline/api/sessions/$id_baseline"
    run_wrk current 64 "http://127.0.0.1:$port_current/api/sessions/$id_current"
  else
    run_wrk current 64 "http://127.0.0.1:$port_current/api/sessions/$id_current"
    run_wrk baseline 64 "http://127.0.0.1:$port_baseline/api/sessions/$id_baseline"
  fi
done

echo "command: MEMORYD_BASELINE_BIN=$MEMORYD_BASELINE_BIN bench/cached_get_vs_baseline.sh $duration $rounds $backend"
summarise baseline current
awk -v b="$(median_of baseline)" -v c="$(median_of current)" \
  'BEGIN { printf "current/baseline throughput: %.3f\n", c / b }'
