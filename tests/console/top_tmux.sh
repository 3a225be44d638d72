#!/usr/bin/env bash
# memoryctl top's live screen, read the way an operator reads it: memoryd on
# PostgreSQL with a storage worker stalled for real (a row lock held by psql
# blocks its version write), memoryctl top in a tmux pane, keys sent with
# send-keys, the screen read with capture-pane. Checks that the stalled row
# is seen with its waiting request, that sorting and the filter apply, that
# the drill-down shows the slow message's request id once the lock is gone,
# that a daemon that stops answering gets a banner and the view comes back
# when it returns, and that q quits.
#
# Usage: top_tmux.sh MEMORYD_BINARY MEMORYCTL_BINARY
# Needs MEMORYD_TEST_PG_URL and MEMORYD_TEST_REDIS_URL (scripts/with-services.sh),
# tmux, psql and curl. No timing assertions: each wait is generous.
set -euo pipefail

memoryd=$1
memoryctl=$2
: "${MEMORYD_TEST_PG_URL:?run under scripts/with-services.sh}"
: "${MEMORYD_TEST_REDIS_URL:?run under scripts/with-services.sh}"
for tool in tmux psql curl; do
  command -v "$tool" >/dev/null || { echo "top_tmux: $tool not found (scripts/install-deps.sh)" >&2; exit 1; }
done

scratch=$(mktemp -d /tmp/memoryd-top-tmux.XXXXXX)
socket="memoryd-top-$$"
db="top_tmux_$$_$RANDOM"
daemon_pid=""
holder_pid=""
tmux_() { tmux -L "$socket" "$@"; }

cleanup() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "--- the last screen:" >&2
    tmux_ capture-pane -p -t top >&2 2>/dev/null || true
    echo "--- memoryd's log (tail):" >&2
    tail -n 30 "$scratch/memoryd.log" >&2 2>/dev/null || true
  fi
  tmux_ kill-server 2>/dev/null || true
  [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null || true
  [ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null || true
  exec 7>&- 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$MEMORYD_TEST_PG_URL" -q -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$scratch"
  exit $rc
}
trap cleanup EXIT INT TERM

fail() { echo "top_tmux: FAIL: $*" >&2; exit 1; }
step() { echo "top_tmux: $*" >&2; }

screen() { tmux_ capture-pane -p -t top; }

# wait_for SECONDS DESCRIPTION COMMAND...: until COMMAND succeeds.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ $SECONDS -lt $deadline ] || fail "no $what within ${seconds}s"
    sleep 0.2
  done
}
screen_has() { screen | grep -qE -- "$1"; }
screen_lacks() { ! screen | grep -qE -- "$1"; }

psql "$MEMORYD_TEST_PG_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null
db_url="${MEMORYD_TEST_PG_URL%/*}/$db"
admin_token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

# start_daemon ADDRESS: memoryd in the background, its port in $port, its
# log in $scratch/memoryd.log (a new one each start). No lock or statement
# timeout: the blocked write must stay blocked until the test lets it go.
starts=0
start_daemon() {
  starts=$((starts + 1))
  [ -f "$scratch/memoryd.log" ] && mv "$scratch/memoryd.log" "$scratch/memoryd.$starts.log"
  DATABASE_URL="$db_url" REDIS_URL="$MEMORYD_TEST_REDIS_URL" \
    LISTEN_ADDRESS="$1" ADMIN_TOKENS="$admin_token" DATABASE_POOL_SIZE=2 \
    DATABASE_LOCK_TIMEOUT_MS=0 DATABASE_STATEMENT_TIMEOUT_MS=0 \
    LOG_LEVEL=info "$memoryd" >"$scratch/memoryd.log" 2>&1 &
  daemon_pid=$!
  local deadline=$((SECONDS + 60))
  port=""
  while [ -z "$port" ]; do
    kill -0 "$daemon_pid" 2>/dev/null || fail "memoryd exited at start"
    [ $SECONDS -lt $deadline ] || fail "memoryd did not listen within 60s"
    port=$(grep -oE 'listening on [^ ]+:[0-9]+' "$scratch/memoryd.log" | tail -n 1 | grep -oE '[0-9]+$' || true)
    [ -n "$port" ] || sleep 0.1
  done
}
start_daemon 127.0.0.1:0
base="http://127.0.0.1:$port"
step "memoryd on $base, database $db"

session=$(curl -sf -X POST "$base/api/sessions" -H 'Content-Type: application/json' \
            -d '{"user_id": "top-tmux"}' | grep -oE '"session_id":"[^"]+"' | cut -d'"' -f4)
[ -n "$session" ] || fail "no session created"
site=$(curl -sf -X POST "$base/api/sessions/$session/sites" -H 'Content-Type: application/json' \
         -d '{"name": "Locked", "site_type": "landing", "code": "<h1>1</h1>"}' \
       | grep -oE '"site_id":"[^"]+"' | head -n 1 | cut -d'"' -f4)
[ -n "$site" ] || fail "no site created"

# The console, with the admin token from the environment, a frame every 0.5 s.
tmux_ new-session -d -s top -x 220 -y 50 \
  "MEMORYD_TOKEN=$admin_token $memoryctl --url $base top --interval 0.5"
wait_for 20 "first frame" screen_has 'memoryd .* up '
wait_for 10 "actor rows" screen_has '^. front-0 +front '
step "the console shows the daemon"

# Hold the site's row lock from psql (kept open on a FIFO, fd 7, which no
# other child may inherit: psql ends when the last writer closes it), then
# write versions of that site: the storage worker that takes one blocks.
mkfifo "$scratch/psql.in"
psql "$db_url" -q -v ON_ERROR_STOP=1 <"$scratch/psql.in" >"$scratch/psql.out" 2>&1 &
holder_pid=$!
exec 7>"$scratch/psql.in"
echo "BEGIN; SELECT site_id FROM sites WHERE site_id = '$site' FOR UPDATE; SELECT 'locked';" >&7
wait_for 20 "row lock" grep -q locked "$scratch/psql.out"

# Two writes of that site, each with a request id of ours: the first blocks
# on the lock, the second behind it (in its worker's mailbox or on the lock).
ids="top-tmux-$$-first top-tmux-$$-second"
curl_pids=""
for id in $ids; do
  curl -s -o /dev/null -w '%{http_code}' -X POST \
    "$base/api/sessions/sites/$site/versions" -H 'Content-Type: application/json' \
    -H "X-Request-Id: $id" -d '{"code": "<h1>'"$id"'</h1>", "changes": "blocked"}' \
    >"$scratch/$id.code" 7>&- &
  curl_pids="$curl_pids $!"
  sleep 0.3
done
step "version writes $ids blocked on the row lock"

# Stalled after stall_after_ms (2 s): the row stands out with what waits.
stalled_pattern='^. [^ ]+ +[^ ]+ .* stalled '
wait_for 30 "row in state stalled" screen_has "$stalled_pattern"
stalled_row=$(screen | grep -E "$stalled_pattern" | head -n 1 || true)
[ -n "$stalled_row" ] || fail "no table row in state stalled"
echo "$stalled_row" | grep -qE 'waiting, oldest' || fail "the stalled row does not say what waits: $stalled_row"
request_id=$(echo "$stalled_row" | grep -oE 'request [^ ,]+' | head -n 1 | cut -d' ' -f2)
case " $ids " in
  *" $request_id "*) ;;
  *) fail "the stalled row does not name one of our requests: $stalled_row" ;;
esac
screen_has 'actors [0-9]+: [1-9][0-9]* stalled' || fail "the header does not count the stalled actor"
stalled_actor=$(echo "$stalled_row" | awk '{print ($1 == ">" ? $2 : $1)}')
step "seen stalled: $stalled_actor"

# Sort: 3 is MSG/S (largest first), r reverses it, < moves left to TYPE, 9
# is STATE (stalled first).
tmux_ send-keys -t top 3
wait_for 10 "sort by MSG/S" screen_has 'MSG/S▼'
tmux_ send-keys -t top r
wait_for 10 "reversed sort" screen_has 'MSG/S▲'
tmux_ send-keys -t top '<'
wait_for 10 "sort moved left" screen_has 'TYPE▼'
tmux_ send-keys -t top 9
wait_for 10 "sort by state" screen_has 'STATE▼'
step "sorting applies"

# Filter by the stalled actor's name: only it is left.
tmux_ send-keys -t top /
wait_for 10 "filter prompt" screen_has 'filter by name: _'
tmux_ send-keys -t top -l "$stalled_actor"
tmux_ send-keys -t top Enter
wait_for 10 "filter applied" screen_has "filter \"$stalled_actor\""
rows=$(screen | grep -cE '^. [^ ]+ +[^ ]+ +[0-9.]+ +[0-9]+ +[0-9]+ ' || true)
[ "$rows" -eq 1 ] || fail "the filter left $rows rows, not 1"
screen_has "^> $stalled_actor " || fail "the cursor is not on $stalled_actor"
step "the filter leaves $stalled_actor"

# Drill in while it is stalled, then release the lock: the write finishes
# and its request id shows among the slowest messages.
tmux_ send-keys -t top Enter
wait_for 10 "drill-down" screen_has "actor $stalled_actor \\("
wait_for 10 "the request in the drill-down" screen_has "request $request_id"
echo "COMMIT;" >&7
exec 7>&-
wait "$holder_pid" 2>/dev/null || true
holder_pid=""
for pid in $curl_pids; do wait "$pid" || true; done
for id in $ids; do
  [ "$(cat "$scratch/$id.code")" = 201 ] || fail "the blocked version write $id answered $(cat "$scratch/$id.code")"
done
wait_for 20 "the slow message in the drill-down" \
  screen_has "^  $request_id +[^ ]+ +[0-9.]+s "
wait_for 20 "the actor no longer stalled" screen_lacks "\\): stalled"
step "the drill-down lists $request_id among the slowest messages"

# Esc back to the table, still filtered.
tmux_ send-keys -t top Escape
wait_for 10 "the table again" screen_has 'ACTOR +TYPE'

# The daemon goes away: a banner; it comes back on the same port: the view does.
kill -9 "$daemon_pid"
wait "$daemon_pid" 2>/dev/null || true
daemon_pid=""
wait_for 20 "the not-answering banner" screen_has '^daemon not answering since [0-9]{2}:[0-9]{2}:[0-9]{2}: '
start_daemon "127.0.0.1:$port"
wait_for 30 "the view back" screen_lacks 'daemon not answering'
screen_has 'memoryd .* up ' || fail "no header after the daemon came back"
step "the banner came and went with the daemon"

# h shows the help, any key closes it, q quits.
tmux_ send-keys -t top h
wait_for 10 "help" screen_has 'HANDLER99 +p99 time in the handler'
tmux_ send-keys -t top x
wait_for 10 "help closed" screen_has 'ACTOR +TYPE'
tmux_ send-keys -t top q
wait_for 10 "memoryctl to quit" bash -c "! tmux -L '$socket' has-session -t top 2>/dev/null"
step "ok"
