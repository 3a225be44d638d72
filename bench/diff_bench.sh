#!/usr/bin/env bash
# Version diffs over HTTP: a site whose versions are 1 MB pages (about 35,000
# lines), diffed with few and with many changed lines, and against an
# unrelated 1 MB page (refused at a limit). Prints the median of ROUNDS
# requests per case (curl's time_total: read both versions, diff, render,
# send) and the size of the answer; checks with GNU patch that the diff of
# the first case turns version 1 into version 2.
#
# Usage: bench/diff_bench.sh [ROUNDS (5)]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}

source bench/lib.sh
bench_start "$@"

start_memoryd sqlite "sqlite://$work/bench.db" ""
base="http://127.0.0.1:$port_sqlite"

# Versions 1..4: a 1 MB page, ~300 and ~9,000 lines changed (the edit limit
# is 10,000), and an unrelated page.
python3 - "$work" <<'PY'
import json, random, sys
work = sys.argv[1]
rng = random.Random(1)
def page(seed):
    r = random.Random(seed)
    return "".join(f'  <div class="c{r.randrange(10**6)}">Grüße {i} 🚀</div>\n' for i in range(35000))
def edit(text, edits):
    out = []
    for line in text.splitlines(keepends=True):
        x = rng.randrange(35000)
        if x < edits // 2: continue
        out.append(line)
        if x < edits: out.append(f"<p>new {rng.random()}</p>\n")
    return "".join(out)
v1 = page(1)
for n, code in enumerate([v1, edit(v1, 300), edit(v1, 9000), page(2)], 1):
    body = {"code": code, "requirements": {"v": n}}
    if n == 1:
        body["name"] = "bench"
    open(f"{work}/v{n}.json", "w").write(json.dumps(body, ensure_ascii=False))
    open(f"{work}/v{n}.code", "w").write(code)
PY
echo "version 1: $(wc -c <"$work/v1.code") bytes, $(wc -l <"$work/v1.code") lines"
session=$(curl -sf -X POST "$base/api/sessions" -d '{}' | sed -E 's/.*"session_id":"([^"]+)".*/\1/')
site=$(curl -sf -X POST "$base/api/sessions/$session/sites" --data-binary @"$work/v1.json" \
  | sed -E 's/.*"site_id":"([^"]+)".*/\1/')
for n in 2 3 4; do
  curl -sf -o /dev/null -X POST "$base/api/sessions/sites/$site/versions" --data-binary @"$work/v$n.json"
done

measure() {  # measure NAME QUERY: median time_total, status and bytes
  local name=$1 query=$2 out
  for _ in $(seq "$rounds"); do
    curl -s -o "$work/answer" -w '%{time_total} %{http_code} %{size_download}\n' \
      "$base/api/sessions/sites/$site/versions/$query"
  done | sort -n | awk -v name="$name" -v k="$rounds" \
    'NR == int((k + 1) / 2) { printf "%-34s %8.1f ms  status %s  %9d bytes\n", name, $1 * 1000, $2, $3 }'
}
printf '%-34s %11s\n' "diff (median of $rounds)" "time"
measure "1 MB, ~300 lines changed" "2/diff"
measure "1 MB, ~300 lines changed, patch" "2/diff?format=patch"
measure "1 MB, ~9,000 lines changed" "3/diff?against=1"
measure "1 MB vs unrelated 1 MB (413)" "4/diff?against=1"
measure "read one version (for comparison)" "2"

curl -sf "$base/api/sessions/sites/$site/versions/2/diff?format=patch" >"$work/v2.diff"
patch --quiet -o "$work/patched" "$work/v1.code" <"$work/v2.diff"
cmp "$work/patched" "$work/v2.code" && echo "patch: version 1 + diff = version 2, byte for byte"
