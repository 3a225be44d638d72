#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan) in a build
# directory of their own and runs each for a bounded time, starting from the
# committed seeds in tests/fuzz/corpus/<target>/ (which are all replayed
# first: the regression inputs of past crashes among them).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 60); TARGETs default to all of them. What a run
# finds new is kept in $MEMORYD_FUZZ_BUILD_DIR/corpus/<target>/ (not in the
# repository), so that longer runs build on earlier ones; a crash leaves its
# input in $MEMORYD_FUZZ_BUILD_DIR/artifacts/ and fails the script, printing
# how to replay it. scripts/test.sh runs this with a short time.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
dir=${MEMORYD_FUZZ_BUILD_DIR:-build-fuzz}
all_targets=(fuzz_http_request fuzz_json_bodies fuzz_import)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

command -v clang++ >/dev/null || {
  echo "fuzz.sh: clang++ is missing (scripts/install-deps.sh installs it)" >&2
  exit 1
}

started=$(date +%s)
CXX=clang++ cmake -S . -B "$dir" -DMEMORYD_FUZZ=ON \
  -DMEMORYD_WERROR=ON >/dev/null
cmake --build "$dir" -j "${MEMORYD_JOBS:-2}" -- "${targets[@]}"
built=$(date +%s)
echo "fuzz.sh: built in $(( built - started )) s"

mkdir -p "$dir/artifacts"
# Crash on the first report; UBSan's reports are errors too (the targets are
# built with -fno-sanitize-recover), with a stack to read.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
for t in "${targets[@]}"; do
  mkdir -p "$dir/corpus/$t"
  log="$dir/artifacts/$t.log"
  echo "fuzz.sh: $t for $seconds s"
  if ! "$dir/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 \
         -rss_limit_mb=2048 -print_final_stats=1 \
         -artifact_prefix="$dir/artifacts/$t-" \
         "$dir/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz.sh: $t FAILED; the input is in $dir/artifacts/$t-*;" \
         "replay it with $dir/tests/fuzz/$t <file>, and once fixed, commit" \
         "it under tests/fuzz/corpus/$t/ as a regression seed (log: $log)" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  echo "fuzz.sh: $t passed: ${runs:-?} executions, $cov," \
       "$(ls "$dir/corpus/$t" | wc -l) inputs found so far"
done
echo "fuzz.sh: done in $(( $(date +%s) - started )) s"
