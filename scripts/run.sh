#!/usr/bin/env bash
# Command one: installs what is missing, builds, and runs memoryd on its
# embedded default: a SQLite file under ./var/ and the in-process cache, on
# 127.0.0.1:8080 (override with LISTEN_ADDRESS, DATABASE_URL, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
mkdir -p var
export DATABASE_URL=${DATABASE_URL:-sqlite://$PWD/var/memoryd.db}
export LISTEN_ADDRESS=${LISTEN_ADDRESS:-127.0.0.1:8080}
exec build/apps/memoryd "$@"
