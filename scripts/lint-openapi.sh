#!/usr/bin/env bash
# Lints docs/openapi.yaml with Redocly CLI against redocly.yaml (the
# recommended ruleset, warnings as errors): any error or warning fails.
#
# The pinned CLI is installed once with npm into a cache outside the
# repository, $MEMORYD_REDOCLY_DIR (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/memoryd/redocly-cli-VERSION); after that the
# lint needs no network. node and npm: MEMORYD_TEST_DEPS=1 scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

version=2.77.0
dir=${MEMORYD_REDOCLY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/memoryd/redocly-cli-$version}
cli=$dir/node_modules/@redocly/cli/bin/cli.js

# No telemetry, update check or notices.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  REDOCLY_SUPPRESS_NOTIFICATIONS=true NO_COLOR=1

need() {
  command -v "$1" >/dev/null && return 0
  echo "lint-openapi: $1 is missing; run MEMORYD_TEST_DEPS=1 scripts/install-deps.sh" >&2
  exit 1
}

need node
if [ ! -f "$cli" ]; then
  need npm
  # Installed beside the cache directory and renamed into place, so a
  # concurrent run never sees half an install.
  mkdir -p "$(dirname "$dir")"
  tmp=$(mktemp -d "$dir.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "lint-openapi: installing @redocly/cli@$version into $dir" >&2
  npm install --prefix "$tmp" --no-audit --no-fund --prefer-offline \
    --loglevel=error "@redocly/cli@$version" >&2
  [ -f "$dir/node_modules/@redocly/cli/bin/cli.js" ] || rm -rf "$dir"
  mv -T "$tmp" "$dir" 2>/dev/null || true  # lost a race: theirs is as good
fi

status=0
out=$(node "$cli" lint --config redocly.yaml --lint-config=error \
        --format=stylish docs/openapi.yaml 2>&1) || status=$?
printf '%s\n' "$out"
# recommended-strict makes every rule an error; should a rule still warn,
# it fails the lint all the same.
if [ "$status" -eq 0 ] && grep -Eq '^ +[0-9]+:[0-9]+ +warning ' <<<"$out"; then
  echo "lint-openapi: warnings count as errors" >&2
  status=1
fi
exit "$status"
