#!/usr/bin/env bash
# Every row of the performance targets (issue 12) in one command, each next
# to its reference measured in the same run: runs bench/http_bench.sh (GETs
# against nginx, 1000 connections), bench/sites_bench.sh (version writes
# against pgbench) and bench/cleanup_bench.sh (the retention cleanup), shows
# their own output, then one table: figure, reference, ratio, target, met.
# Medians of alternating rounds, except the cleanup (one run: planting a
# million sessions takes minutes).
#
# Usage: bench/performance_table.sh [SECONDS_PER_RUN (5)] [ROUNDS (3)]
#          [EXPIRED_SESSIONS (1000000)]
# Not part of the test suite: no timing is ever asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-5}
rounds=${2:-3}
expired=${3:-1000000}
source bench/lib.sh
bench_start "$@"

bench/http_bench.sh "$duration" "$rounds" | tee "$work/http"
echo
bench/sites_bench.sh "$duration" "$rounds" | tee "$work/sites"
echo
bench/cleanup_bench.sh "$expired" | tee "$work/cleanup"

# field FILE NAME COLUMN: column COLUMN of the summary row NAME in FILE.
field() { awk -v n="$2" -v c="$3" '$1 == n { print $c; exit }' "$work/$1"; }
# after FILE TEXT: the first number after TEXT in FILE.
after() { grep -o "$2 *[0-9.]*" "$work/$1" | head -1 | grep -o '[0-9.]*$'; }

echo
echo "performance targets: $(nproc) cores, ${duration}s runs, $rounds rounds, $expired expired sessions"
awk -v nginx="$(field http nginx 2)" \
    -v sq="$(field http sqlite.get_cached 2)" -v sq99="$(field http sqlite.get_cached 4)" \
    -v pg="$(field http pg.get_cached 2)" -v pg99="$(field http pg.get_cached 4)" \
    -v one="$(field sites memoryd.one_site 2)" -v pone="$(field sites pgbench.one_site 2)" \
    -v six="$(field sites memoryd.16_sites 2)" -v psix="$(field sites pgbench.16_sites 2)" \
    -v n99="$(field http nginx_1000c 4)" \
    -v s99="$(field http sqlite.get_1000c 4)" -v sto="$(field http sqlite.get_1000c 5)" \
    -v p99k="$(field http pg.get_1000c 4)" -v pto="$(field http pg.get_1000c 5)" \
    -v wall="$(after cleanup 'cleanup wall time')" \
    -v during="$(after cleanup 'p99 during / before =')" '
  function row(what, figure, reference, ratio, target, met) {
    printf "%-34s %-22s %-20s %-8s %-24s %s\n", what, figure, reference, ratio, target, met ? "yes" : "NO"
  }
  BEGIN {
    printf "%-34s %-22s %-20s %-8s %-24s %s\n", "workload", "memoryd", "reference", "ratio", "target", "met"
    row("GET cached, embedded, 64 conns", sprintf("%.0f/s p99 %.1f ms", sq, sq99),
        sprintf("nginx %.0f/s", nginx), sprintf("%.2f", sq / nginx), ">= 0.8x, p99 <= 5 ms",
        sq / nginx >= 0.8 && sq99 <= 5)
    row("GET cached, PostgreSQL + Redis", sprintf("%.0f/s p99 %.1f ms", pg, pg99),
        sprintf("nginx %.0f/s", nginx), sprintf("%.2f", pg / nginx), ">= 0.6x", pg / nginx >= 0.6)
    row("POST 20 KB version, one site", sprintf("%.0f/s", one), sprintf("pgbench %.0f/s", pone),
        sprintf("%.2f", one / pone), ">= 2.5x", one / pone >= 2.5)
    row("POST 20 KB version, 16 sites", sprintf("%.0f/s", six), sprintf("pgbench %.0f/s", psix),
        sprintf("%.2f", six / psix), ">= 1.0x", six / psix >= 1.0)
    row("1000 connections, embedded", sprintf("p99 %.0f ms, %d t/o", s99, sto),
        sprintf("nginx p99 %.0f ms", n99), sprintf("%.2f", s99 / n99), "no timeouts, p99 <= 2x",
        sto == 0 && s99 / n99 <= 2)
    row("1000 connections, PG + Redis", sprintf("p99 %.0f ms, %d t/o", p99k, pto),
        sprintf("nginx p99 %.0f ms", n99), sprintf("%.2f", p99k / n99), "no timeouts, p99 <= 2x",
        pto == 0 && p99k / n99 <= 2)
    row("cleanup of expired sessions", sprintf("%.1f s", wall), "-", "-", "<= 60 s", wall <= 60)
    row("GET p99 during the cleanup", sprintf("%.2fx before", during), "-", "-", "<= 2x", during <= 2)
  }'
echo
echo "command: bench/performance_table.sh $duration $rounds $expired"
