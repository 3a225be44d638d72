#!/usr/bin/env bash
# Configures and builds memoryd into build/ (or $MEMORYD_BUILD_DIR) with every
# core but never more jobs than memory allows. Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${MEMORYD_BUILD_DIR:-build}
jobs=$(nproc)
# A CAF or Beast translation unit takes up to ~1.5 GiB to compile.
mem_jobs=$(( $(awk '/MemAvailable/ {print $2}' /proc/meminfo) / 1572864 ))
[ "$mem_jobs" -ge 1 ] || mem_jobs=1
[ "$jobs" -le "$mem_jobs" ] || jobs=$mem_jobs
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build_dir" -j "$jobs"
