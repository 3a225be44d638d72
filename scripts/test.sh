#!/usr/bin/env bash
# Command two: installs what is missing, builds with warnings as errors, and
# runs the whole test suite next to a throwaway PostgreSQL and Redis on free
# loopback ports, which are stopped afterwards whatever the outcome.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
MEMORYD_TEST_DEPS=1 scripts/install-deps.sh
MEMORYD_BUILD_DIR=${MEMORYD_BUILD_DIR:-build} scripts/build.sh -DMEMORYD_WERROR=ON -DBUILD_TESTING=ON
# A short bounded run of each fuzz target (its own clang build in
# build-fuzz/); MEMORYD_FUZZ_SECONDS=0 skips it, longer runs: scripts/fuzz.sh.
if [ "${MEMORYD_FUZZ_SECONDS:-15}" != 0 ]; then
  scripts/fuzz.sh "${MEMORYD_FUZZ_SECONDS:-15}"
fi
scripts/with-services.sh ctest --test-dir "${MEMORYD_BUILD_DIR:-build}" \
  --output-on-failure --timeout 900 -j 2 "$@"
echo "test.sh: done in $(( $(date +%s) - started )) s"
