#!/usr/bin/env bash
# Version writes of memoryd on PostgreSQL (durable defaults: fsync on,
# synchronous_commit on) next to pgbench running the same per-request
# transaction (bump the site's latest version, insert the version, commit)
# on the same server, at the same concurrency (16), in alternating rounds:
#   16 sites   round robin over 16 sites
#   one site   every writer on the same site (its row lock queues them; the
#              site actor folds what arrives together into one transaction)
#   GET        a cached site (64 connections)
# Code strings are 20 KB. Prints versions/s (transactions/s for pgbench),
# p50/p99 and the ratios memoryd/pgbench. Targets (issue 12): 16 sites
# >= 1.0, one site >= 2.5. pgbench runs its statements prepared (-M
# prepared: parsed and planned once per connection), as memoryd does those
# of its writes (storage/prepared_statement.hpp).
#
# Usage: bench/sites_bench.sh [SECONDS_PER_RUN (5)] [ROUNDS (3)]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-5}
rounds=${2:-3}
clients=16

source bench/lib.sh
bench_start "$@"

psql -q -X "$MEMORYD_TEST_PG_URL" -c "CREATE DATABASE bench_sites" >/dev/null
pg_url="${MEMORYD_TEST_PG_URL%/postgres}/bench_sites"
start_memoryd pg "$pg_url" "$MEMORYD_TEST_REDIS_URL"
base="http://127.0.0.1:$port_pg"
memoryd_pid=${pids[-1]}
pg_pid=$(postgres_pid)

code=$(head -c 20000 /dev/zero | tr '\0' 'x')
session=$(curl -sf -X POST "$base/api/sessions" -d '{}' | sed -E 's/.*"session_id":"([^"]+)".*/\1/')
new_site() {
  curl -sf -X POST "$base/api/sessions/$session/sites" \
    -d "{\"name\":\"bench $1\",\"code\":\"$code\"}" | sed -E 's/.*"site_id":"([^"]+)".*/\1/'
}
sites=()
for i in $(seq 16); do sites+=("$(new_site "$i")"); done
one_site=$(new_site one)

# wrk: POST a 20 KB version, round robin over the given sites.
write_lua() {  # write_lua FILE SITE...
  local file=$1; shift
  {
    echo 'local paths = {'
    for s in "$@"; do echo "  \"/api/sessions/sites/$s/versions\","; done
    echo '}'
    echo "local body = '{\"code\":\"$code\",\"changes\":\"bench\"}'"
    echo 'local i = 0'
    echo 'request = function()'
    echo '  i = i + 1'
    echo '  return wrk.format("POST", paths[(i % #paths) + 1], {["Content-Type"] = "application/json"}, body)'
    echo 'end'
  } >"$file"
}
write_lua "$work/sixteen.lua" "${sites[@]}"
write_lua "$work/one.lua" "$one_site"

# pgbench: the same transaction on the same tables; the site is looked up by
# index in a small side table so that one script serves both cases.
psql -q -X "$pg_url" <<SQL
CREATE TABLE bench_sites (i int PRIMARY KEY, site_id uuid NOT NULL);
$(for i in $(seq 16); do echo "INSERT INTO bench_sites VALUES ($i, '${sites[$((i-1))]}');"; done)
INSERT INTO bench_sites VALUES (0, '$one_site');
SQL
cat >"$work/version.sql" <<'SQL'
BEGIN;
UPDATE sites s SET latest_version = s.latest_version + 1, revision = s.revision + 1, updated_at = now()
  FROM bench_sites b WHERE b.i = :n AND s.site_id = b.site_id
  RETURNING s.site_id AS site, s.latest_version AS v \gset
INSERT INTO site_versions (site_id, version, code, code_size, code_sha256, created_at)
  VALUES (:site, :v, :code, 20000, 'bench', now());
COMMIT;
SQL
run_pgbench() {  # run_pgbench NAME SITE_EXPRESSION
  local name=$1 out tps p50
  out=$(pgbench -n -M prepared -c "$clients" -j 2 -T "$duration" \
          -D code="$code" -f <(echo "\\set n $2"; cat "$work/version.sql") \
          --log --log-prefix="$work/pgb" "$pg_url" 2>&1)
  tps=$(awk '/^tps = / {print $3; exit}' <<<"$out")
  # Latencies (us, column 3) of every transaction, from pgbench's log.
  read -r p50 p99 < <(cat "$work"/pgb.* | awk '{print $3}' | sort -n |
    awk '{v[NR]=$1} END {printf "%.3f %.3f\n", v[int(NR*0.5)]/1000, v[int(NR*0.99)]/1000}')
  rm -f "$work"/pgb.*
  echo "$name $tps $p50 $p99" >>"$work/results"
}

# folds: memoryd's fold transactions and the versions they added so far
# (/admin/stats "versions").
folds() {
  curl -sf "$base/admin/stats" | python3 -c \
    'import json, sys; v = json.load(sys.stdin)["versions"]; print(v["folds"], v["versions"])'
}

# measured NAME COMMAND...: runs a wrk or pgbench run and appends "name
# memoryd_ms postgres_ms writes" (the CPU each used meanwhile; memoryd's
# "-" for pgbench, which memoryd does not serve) to $work/cpu, and "name
# folds versions" (those of the run) to $work/folds.
measured() {
  local name=$1 m0 m1 p0 f0 f1 writes; shift
  m0=$(cpu_ms "$memoryd_pid"); p0=$(cpu_ms "$pg_pid"); f0=$(folds)
  "$@"
  m1=$(( $(cpu_ms "$memoryd_pid") - m0 ))
  [[ $name == pgbench.* ]] && m1=-
  writes=$(awk -v n="$name" -v d="$duration" '$1 == n { w = $2 * d } END { printf "%d", w }' "$work/results")
  echo "$name $m1 $(( $(cpu_ms "$pg_pid") - p0 )) $writes" >>"$work/cpu"
  f1=$(folds)
  echo "$name $(( ${f1% *} - ${f0% *} )) $(( ${f1#* } - ${f0#* } ))" >>"$work/folds"
}

echo "memoryd site-version benchmark: $(nproc) cores, $clients connections, 20 KB code, ${duration}s runs, $rounds rounds"
for r in $(seq "$rounds"); do
  measured memoryd.16_sites run_wrk memoryd.16_sites "$clients" "$base" "$work/sixteen.lua"
  measured pgbench.16_sites run_pgbench pgbench.16_sites "random(1, 16)"
  measured memoryd.one_site run_wrk memoryd.one_site "$clients" "$base" "$work/one.lua"
  measured pgbench.one_site run_pgbench pgbench.one_site "0"
  run_wrk memoryd.get_site 64 "$base/api/sessions/sites/${sites[0]}"
  echo "round $r done" >&2
done

summarise memoryd.16_sites pgbench.16_sites memoryd.one_site pgbench.one_site memoryd.get_site
echo
for case in 16_sites one_site; do
  awk -v c="$case" -v m="$(median_of memoryd.$case)" -v p="$(median_of pgbench.$case)" \
    'BEGIN { printf "  %-9s memoryd/pgbench = %.2f\n", c, m / p }'
done
# CPU per write: where PostgreSQL's own work differs from pgbench's, and
# what memoryd adds beside it.
echo
cpu_per_write memoryd.16_sites pgbench.16_sites memoryd.one_site pgbench.one_site
# What one commit carried: few versions per fold means that the writers
# seldom waited for each other (the transactions are not what limits).
echo
echo "  versions per fold transaction (all rounds; /admin/stats \"versions\")"
awk '$1 ~ /^memoryd/ { f[$1] += $2; v[$1] += $3 }
  END { for (x in f) if (f[x] > 0) printf "  %-18s %8.2f  (%d versions, %d folds)\n", x, v[x] / f[x], v[x], f[x] }' \
  "$work/folds" | sort
stats=$(curl -sf "$base/api/sessions/sites/$one_site" | sed -E 's/.*"version_count":([0-9]+).*/\1/')
echo "  one site now has $stats versions, numbered without gaps by the database"
echo
echo "command: bench/sites_bench.sh $duration $rounds"
