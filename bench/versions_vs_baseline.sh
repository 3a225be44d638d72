#!/usr/bin/env bash
# New versions of two memoryd builds side by side in one run, alternating
# rounds: what a change of the write path costs (or saves). POST a 20 KB
# version, round robin over 16 sites, each request's code different (a
# page of random text with the request's number at its end, so every
# version stores a new blob, as an agent's edits do; bench/sites_bench.sh
# posts one text again and again), on PostgreSQL + Redis (each build its
# own database, one Redis), at each of the given connection counts:
#   baseline   $MEMORYD_BASELINE_BIN (a build of the commit before it)
#   current    this tree's build
# Prints versions/s, p50 and p99 of each (median over rounds), the CPU per
# version of memoryd and of PostgreSQL (each run alone on the server, so
# its CPU meanwhile is that run's), and current/baseline.
# MEMORYD_TEXTS=repeated posts the sites' first text again and again
# instead (the reuse path; see bench/lib.sh).
#
# Usage: [MEMORYD_TEXTS=new|repeated] MEMORYD_BASELINE_BIN=/path/to/old/memoryd
#          bench/versions_vs_baseline.sh [SECONDS (5)] [ROUNDS (3)] [CONNECTIONS ("2 16")]
# To build a baseline: see bench/cached_get_vs_baseline.sh.
# Not part of the test suite: no timing is ever asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-5}
rounds=${2:-3}
connections=${3:-2 16}
: "${MEMORYD_BASELINE_BIN:?set MEMORYD_BASELINE_BIN to the memoryd to compare with}"
source bench/lib.sh
bench_start "$@"

start_baseline_and_current pg

new_versions_lua "http://127.0.0.1:$port_baseline" "$work/baseline.lua"
new_versions_lua "http://127.0.0.1:$port_current" "$work/current.lua"

pg_pid=$(postgres_pid)
versions() {  # versions PORT: the versions memoryd answered so far
  curl -sf "http://127.0.0.1:$1/admin/stats" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["versions"]["versions"])'
}
post() {  # post BUILD CONNECTIONS; appends the run's CPU to $work/cpu
  local port pid m0 p0 v0
  port=$(eval echo "\$port_$1"); pid=$(eval echo "\$pid_$1")
  m0=$(cpu_ms "$pid"); p0=$(cpu_ms "$pg_pid"); v0=$(versions "$port")
  run_wrk "$1.c$2" "$2" "http://127.0.0.1:$port" "$work/$1.lua"
  echo "$1.c$2 $(( $(cpu_ms "$pid") - m0 )) $(( $(cpu_ms "$pg_pid") - p0 ))" \
    "$(( $(versions "$port") - v0 ))" >>"$work/cpu"
}
for round in $(seq "$rounds"); do
  for c in $connections; do
    # Alternate which goes first, so that drift hits both alike.
    if (( round % 2 )); then post baseline "$c"; post current "$c"
    else post current "$c"; post baseline "$c"; fi
  done
done

echo "command: MEMORYD_TEXTS=${MEMORYD_TEXTS:-new} MEMORYD_BASELINE_BIN=$MEMORYD_BASELINE_BIN bench/versions_vs_baseline.sh $duration $rounds \"$connections\""
names=()
for c in $connections; do names+=("baseline.c$c" "current.c$c"); done
summarise "${names[@]}"
cpu_per_write "${names[@]}"
for c in $connections; do
  awk -v c="$c" -v b="$(median_of "baseline.c$c")" -v n="$(median_of "current.c$c")" \
    'BEGIN { printf "current/baseline throughput, %s connections: %.3f\n", c, n / b }'
done
