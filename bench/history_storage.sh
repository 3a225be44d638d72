#!/usr/bin/env bash
# Compact version storage (migration 0006) against plain storage, on both
# backends, in one run. The history (bench/history_pages.py): VERSIONS
# versions of a ~60 KB HTML/CSS/JS page, each a few lines changed, every
# 25th a restore (an older version's code posted again). Each binary writes
# it into a fresh database of each backend, one POST per version over one
# keep-alive connection, then GETs READS random versions (each checked byte
# for byte) (bench/history_driver.py):
#   baseline   $MEMORYD_BASELINE_BIN: plain storage (code as text per row)
#   current    this tree's build: code blobs, zstd keyframes and deltas
# Prints bytes on disk per version (PostgreSQL: pg_total_relation_size of
# site_versions and code_blobs, TOAST and indexes included; SQLite: the
# database file after the daemon stopped, which checkpoints the WAL),
# write and read p50/mean, and current against baseline: each figure the
# median of ROUNDS rounds (default 3), baseline and current alternating
# within each round, since this machine's speed drifts.
# Targets: >= 10x smaller, reads <= 2x the baseline's time, writes no slower.
#
# Usage: MEMORYD_BASELINE_BIN=/path/to/old/memoryd [ROUNDS=3] bench/history_storage.sh [VERSIONS (500)] [READS (2000)]
# Not part of the test suite: no figure is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
versions=${1:-500}
reads=${2:-2000}
rounds=${ROUNDS:-3}
: "${MEMORYD_BASELINE_BIN:?set MEMORYD_BASELINE_BIN to a memoryd with plain storage}"
source bench/lib.sh
bench_start "$@"

python3 bench/history_pages.py "$versions" >"$work/bodies.jsonl"
page_kb=$(head -1 "$work/bodies.jsonl" | wc -c | awk '{printf "%.0f", $1 / 1024}')

# stop_last: SIGTERM to the daemon started last, and wait for it.
stop_last() {
  local pid=${pids[-1]}
  kill "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

pg_bytes() {  # pg_bytes URL
  psql -qtAX "$1" -c "CHECKPOINT" -c "SELECT pg_total_relation_size('site_versions')
    + COALESCE(pg_total_relation_size(to_regclass('code_blobs')), 0)" | tail -1
}

run() {  # run NAME BINARY BACKEND ROUND
  local name=$1 bin=$2 backend=$3 db=$1_$4 url figures bytes port
  if [ "$backend" = postgresql ]; then
    psql -q -X "$MEMORYD_TEST_PG_URL" -c "CREATE DATABASE bench_history_$db" >/dev/null
    url="${MEMORYD_TEST_PG_URL%/postgres}/bench_history_$db"
  else
    url="sqlite://$work/$db.db"
  fi
  start_binary "$name" "$(realpath "$bin")" "$url"
  port=$(eval echo "\$port_$name")
  figures=$(python3 bench/history_driver.py "$port" "$work/bodies.jsonl" "$reads")
  if [ "$backend" = postgresql ]; then
    bytes=$(pg_bytes "$url")
    stop_last
  else
    stop_last
    bytes=$(stat -c %s "$work/$db.db")
  fi
  echo "$name bytes=$bytes $figures" >>"$work/figures"
}

echo "history: $versions versions of a ${page_kb} KB page, a few lines changed each, every 25th a restore; $reads random reads; medians of $rounds rounds"
for round in $(seq "$rounds"); do
  for backend in sqlite postgresql; do
    # Which goes first alternates too.
    if [ $((round % 2)) = 1 ]; then
      run "${backend}_baseline" "$MEMORYD_BASELINE_BIN" "$backend" "$round"
      run "${backend}_current" "${MEMORYD_BUILD_DIR:-build}/apps/memoryd" "$backend" "$round"
    else
      run "${backend}_current" "${MEMORYD_BUILD_DIR:-build}/apps/memoryd" "$backend" "$round"
      run "${backend}_baseline" "$MEMORYD_BASELINE_BIN" "$backend" "$round"
    fi
  done
done

echo
awk -v n="$versions" '
  function median(name, key,    n, i, j, t, v) {
    n = count[name]
    for (i = 1; i <= n; i++) v[i] = all[name, key, i]
    for (i = 2; i <= n; i++)
      for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  { name = $1; k = ++count[name]
    for (i = 2; i <= NF; i++) { split($i, kv, "="); all[name, kv[1], k] = kv[2]; keys[kv[1]] = 1 } }
  END {
    for (name in count) for (key in keys) f[name, key] = median(name, key)
    printf "%-21s %14s %12s %12s %12s %12s\n", "run", "bytes/version", "write p50", "write mean", "read p50", "read mean"
    split("sqlite postgresql", backends, " ")
    for (b = 1; b <= 2; b++) {
      for (k = 1; k <= 2; k++) {
        name = backends[b] "_" (k == 1 ? "baseline" : "current")
        printf "%-21s %14.0f %10.3fms %10.3fms %10.3fms %10.3fms\n", name, f[name, "bytes"] / n,
          f[name, "write_p50_ms"], f[name, "write_mean_ms"], f[name, "read_p50_ms"], f[name, "read_mean_ms"]
      }
      base = backends[b] "_baseline"; cur = backends[b] "_current"
      printf "  %s: %.1fx smaller; reads take %.2fx, writes %.2fx the baseline (p50)\n\n", backends[b],
        f[base, "bytes"] / f[cur, "bytes"], f[cur, "read_p50_ms"] / f[base, "read_p50_ms"],
        f[cur, "write_p50_ms"] / f[base, "write_p50_ms"]
    }
  }' "$work/figures"
echo "command: MEMORYD_BASELINE_BIN=$MEMORYD_BASELINE_BIN ROUNDS=$rounds bench/history_storage.sh $versions $reads"
