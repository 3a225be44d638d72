#!/usr/bin/env bash
# Where memoryd's CPU goes while it writes new versions: `perf record -g`
# of the daemon on PostgreSQL + Redis while wrk posts a new version (a text
# of its own each time) to 16 sites, then memoryd's CPU per write, its
# share per kind of thread and the top symbols. Threads, by the names CAF and the kernel give them:
#   caf.actor         detached actors: storage workers, Redis cache workers
#   caf.multiplexer   CAF's scheduler workers (front, session, site actors)
#   memoryd           the HTTP io threads (and main)
# Writes perf.data and the report into a kept work directory.
# MEMORYD_TEXTS=repeated posts the sites' first text again and again
# instead (the reuse path; see bench/lib.sh).
#
# Usage: [MEMORYD_TEXTS=new|repeated] bench/profile_writes.sh [SECONDS (8)] [CONNECTIONS (16)]
# Not part of the test suite: no timing is ever asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-8}
connections=${2:-16}
source bench/lib.sh
bench_start "$@"
out=$(mktemp -d /tmp/memoryd-profile.XXXXXX)

psql -q -X "$MEMORYD_TEST_PG_URL" -c "CREATE DATABASE bench_profile" >/dev/null
pg_url="${MEMORYD_TEST_PG_URL%/postgres}/bench_profile"
start_memoryd pg "$pg_url" "$MEMORYD_TEST_REDIS_URL"
base="http://127.0.0.1:$port_pg"
memoryd_pid=${pids[-1]}
new_versions_lua "$base" "$work/writes.lua"
wrk -t2 -c"$connections" -d2s -s "$work/writes.lua" "$base" >/dev/null  # warm

# writes: versions answered so far (/admin/stats "versions").
writes() {
  curl -sf "$base/admin/stats" | python3 -c \
    'import json, sys; print(json.load(sys.stdin)["versions"]["versions"])'
}
w0=$(writes); c0=$(cpu_ms "$memoryd_pid")
perf record -F 999 -g -p "$memoryd_pid" -o "$out/perf.data" -- sleep "$duration" \
  >/dev/null 2>&1 &
perf_pid=$!
wrk -t2 -c"$connections" -d"${duration}s" -s "$work/writes.lua" "$base" >"$out/wrk.txt"
wait "$perf_pid"
w1=$(writes); c1=$(cpu_ms "$memoryd_pid")

echo "memoryd new-version profile (${MEMORYD_TEXTS:-new} texts): $(nproc) cores, $connections connections, ${duration}s"
grep -E "Requests/sec|Latency" "$out/wrk.txt"
echo "memoryd CPU per write: $(( (c1 - c0) * 1000 / (w1 - w0) )) us ($(( w1 - w0 )) writes)"
echo
echo "share of memoryd's samples, per kind of thread:"
perf report -i "$out/perf.data" --no-children --sort comm --stdio 2>/dev/null |
  grep -E '^ +[0-9.]+%' | head -5
echo
echo "top symbols (self):"
perf report -i "$out/perf.data" --no-children --sort dso,sym -g none --stdio 2>/dev/null |
  grep -E '^ +[0-9.]+%' | head -20 | cut -c1-150
echo
echo "report: perf report -i $out/perf.data"
echo "command: MEMORYD_TEXTS=${MEMORYD_TEXTS:-new} bench/profile_writes.sh $duration $connections"
