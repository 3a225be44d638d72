# Shared by the bench/ scripts (sourced, not run). Expects $work (a scratch
# directory) and the pids array, which bench_start makes; provides starting
# memoryd, running wrk and summarising rounds.

# bench_start "$@": first thing in a bench script. Outside
# scripts/with-services.sh it installs what benchmarks need, builds, and runs
# the script again under it; inside, it makes $work and, when the script
# exits, stops what it started (pids) and removes $work.
bench_start() {
  if [ -z "${MEMORYD_TEST_PG_URL:-}" ]; then
    MEMORYD_BENCH_DEPS=1 scripts/install-deps.sh
    scripts/build.sh >/dev/null
    exec scripts/with-services.sh "$0" "$@"
  fi
  bench_workdir
}

# bench_workdir: makes $work and an empty pids array; when the script exits,
# stops what it started (pids) and removes $work.
bench_workdir() {
  work=$(mktemp -d "/tmp/memoryd-$(basename "$0" .sh).XXXXXX")
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() { local p; while :; do p=$(( 20000 + RANDOM % 40000 )); port_taken "$p" || { echo "$p"; return; }; done; }

# start_memoryd NAME DATABASE_URL REDIS_URL: sets port_NAME and pid_NAME. LOG_LEVEL=warn:
# the access log is not what is measured; the port is read from the socket.
start_memoryd() {
  local name=$1 log="$work/$1.log" pid port
  DATABASE_URL=$2 REDIS_URL=$3 LISTEN_ADDRESS=127.0.0.1:0 LOG_LEVEL=warn \
    "${MEMORYD_BUILD_DIR:-build}"/apps/memoryd >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  eval "pid_$name=$pid"
  for _ in $(seq 300); do
    port=$(ss -ltnpH 2>/dev/null | awk -v pid="pid=$pid," '$0 ~ pid {split($4,a,":"); print a[length(a)]; exit}')
    if [ -n "$port" ]; then eval "port_$name=$port"; return; fi
    sleep 0.1
  done
  echo "memoryd ($name) did not start:"; cat "$log"; exit 1
}

# start_binary NAME BINARY DATABASE_URL [REDIS_URL]: start_memoryd with
# another binary (e.g. a baseline build); no Redis unless given.
start_binary() {
  local dir
  dir=$(mktemp -d "$work/bin.XXXXXX")
  mkdir -p "$dir/apps"
  ln -s "$2" "$dir/apps/memoryd"
  MEMORYD_BUILD_DIR=$dir start_memoryd "$1" "$3" "${4:-}"
}

# fresh_database BACKEND NAME: the URL of a new, empty database of BACKEND
# (pg or sqlite).
fresh_database() {
  if [ "$1" = pg ]; then
    psql -q -X "$MEMORYD_TEST_PG_URL" -c "CREATE DATABASE bench_$2" >/dev/null
    echo "${MEMORYD_TEST_PG_URL%/postgres}/bench_$2"
  else
    echo "sqlite://$work/$2.db"
  fi
}

# start_baseline_and_current BACKEND: $MEMORYD_BASELINE_BIN and this tree's
# build, each on a database of its own (and Redis with pg), as
# port_baseline and port_current.
start_baseline_and_current() {
  local redis=""
  [ "$1" = pg ] && redis=$MEMORYD_TEST_REDIS_URL
  start_binary baseline "$(realpath "$MEMORYD_BASELINE_BIN")" "$(fresh_database "$1" baseline)" "$redis"
  start_binary current "$(realpath "${MEMORYD_BUILD_DIR:-build}/apps/memoryd")" "$(fresh_database "$1" current)" "$redis"
}

# new_versions_lua BASE_URL FILE: 16 new sites of the memoryd at BASE_URL,
# and in FILE a wrk script that posts a new version to them in turn, each
# with a text of its own (20 KB of random base64, the wrk thread's number
# and the request's),
# as agents' edits are: every version stores a new blob. With
# MEMORYD_TEXTS=repeated, every version repeats the sites' first text
# instead (a version that changes only its notes; sites_bench.sh's case):
# every write reuses its site's blob.
new_versions_lua() {
  local base=$1 file=$2 code session site suffix=' " .. tid .. "-" .. i .. "'
  case ${MEMORYD_TEXTS:-new} in
    new) ;;
    repeated) suffix= ;;
    *) echo "MEMORYD_TEXTS is new or repeated, not '$MEMORYD_TEXTS'" >&2; return 2 ;;
  esac
  code=$(head -c 15000 /dev/urandom | base64 -w0)  # nothing JSON or Lua escapes
  session=$(curl -sf -X POST "$base/api/sessions" -d '{}' | sed -E 's/.*"session_id":"([^"]+)".*/\1/')
  {
    echo 'local paths = {'
    for i in $(seq 16); do
      site=$(curl -sf -X POST "$base/api/sessions/$session/sites" \
        -d "{\"name\":\"bench $i\",\"code\":\"$code\"}" | sed -E 's/.*"site_id":"([^"]+)".*/\1/')
      echo "  \"/api/sessions/sites/$site/versions\","
    done
    echo '}'
    echo "local code = '$code'"
    # Each wrk thread counts from 1 in each run: the thread's number and the
    # run's start (runs on one database are seconds apart) keep texts apart.
    echo 'local threads = 0'
    echo 'local run = os.time()'
    echo 'setup = function(thread) threads = threads + 1; thread:set("tid", run .. "." .. threads) end'
    echo 'local i = 0'
    echo 'request = function()'
    echo '  i = i + 1'
    echo '  return wrk.format("POST", paths[(i % #paths) + 1], {["Content-Type"] = "application/json"},'
    echo "                    \"{\\\"code\\\":\\\"\" .. code .. \"$suffix\\\"}\")"
    echo 'end'
  } >"$file"
}

to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }

# run_wrk NAME CONNECTIONS URL [SCRIPT]: appends "name rps p50_ms p99_ms
# timeouts" to $work/results (timeouts: requests unanswered after wrk's 2 s,
# which its latencies leave out); a non-2xx answer voids the whole run.
run_wrk() {
  local name=$1 conns=$2 url=$3 script=${4:-} out rps p50 p99 non2xx timeouts
  out=$(wrk -t2 -c"$conns" -d"${duration}s" --latency ${script:+-s "$script"} "$url")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
  p99=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  if [ -n "$non2xx" ]; then
    echo "error: $name had $non2xx non-2xx answers: its figures mean nothing" >&2
    exit 1
  fi
  timeouts=$(awk '/Socket errors/ {for (i = 1; i < NF; i++) if ($i == "timeout") print $(i + 1)}' <<<"$out")
  echo "$name $rps $p50 $p99 ${timeouts:-0}" >>"$work/results"
}

# cpu_ms PID...: milliseconds of CPU (user + system) used so far by the
# processes and their live children, plus the children they waited for (a
# PostgreSQL backend that ended counts in the postmaster's figure).
cpu_ms() {
  local p
  { for p in "$@"; do echo "$p"; pgrep -P "$p" || true; done; } | sort -u |
    while read -r p; do sed 's/.*) //' "/proc/$p/stat" 2>/dev/null || true; done |
    awk -v hz="$(getconf CLK_TCK)" '{ t += $12 + $13 + $14 + $15 } END { printf "%d\n", t * 1000 / hz }'
}

# postgres_pid: the postmaster serving MEMORYD_TEST_PG_URL.
postgres_pid() {
  local port=${MEMORYD_TEST_PG_URL##*:}
  ss -ltnpH "sport = :${port%%/*}" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2
}

# summarise NAME...: the median over rounds of each named run, as a table.
summarise() {
  awk -v order="$*" '
    { n[$1]++; rps[$1, n[$1]] = $2; p50[$1, n[$1]] = $3; p99[$1, n[$1]] = $4
      if ($5 + 0 > worst[$1]) worst[$1] = $5 + 0 }
    function median(arr, name, k,   i, j, t, v) {
      for (i = 1; i <= k; i++) v[i] = arr[name, i]
      for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      return v[int((k + 1) / 2)]
    }
    END {
      printf "%-24s %12s %10s %10s %9s\n", "run (median of rounds)", "per s", "p50 ms", "p99 ms", "timeouts"
      c = split(order, names, " ")
      for (o = 1; o <= c; o++) {
        name = names[o]; k = n[name]
        printf "%-24s %12.0f %10.3f %10.3f %9d\n", name, median(rps, name, k), median(p50, name, k), median(p99, name, k), worst[name]
        print name, median(rps, name, k), median(p99, name, k) > "'"$work"'/medians"
      }
    }' "$work/results"
}

# cpu_per_write NAME...: from $work/cpu's lines "name memoryd_ms
# postgres_ms writes" (one per run; memoryd_ms "-" for a run without
# memoryd), the median over rounds of each named run's CPU per write in us:
# memoryd's process, and PostgreSQL's (all its backends).
cpu_per_write() {
  awk -v order="$*" '
    { k = ++n[$1]; m[$1, k] = $2 == "-" ? -1 : $2 * 1000 / $4; p[$1, k] = $3 * 1000 / $4 }
    function median(arr, name, c,   i, j, t, v) {
      for (i = 1; i <= c; i++) v[i] = arr[name, i]
      for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      return v[int((c + 1) / 2)]
    }
    END {
      printf "%-24s %12s %12s\n", "CPU per write, us", "memoryd", "PostgreSQL"
      c = split(order, names, " ")
      for (o = 1; o <= c; o++) {
        x = names[o]; mm = median(m, x, n[x])
        printf "%-24s %12s %12.0f\n", x, mm < 0 ? "-" : sprintf("%.0f", mm), median(p, x, n[x])
      }
    }' "$work/cpu"
}

# median_of NAME: the median per-second figure summarise() found.
median_of() { awk -v n="$1" '$1 == n {print $2}' "$work/medians"; }
