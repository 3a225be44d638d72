#!/usr/bin/env bash
# Checks the configured unit file: `systemd-analyze verify` prints nothing,
# and `systemd-analyze security --offline=yes` rates its exposure at most
# $MAX_EXPOSURE (the unit's hardening must not regress).
#
# Usage: check_unit.sh UNIT MEMORYD_BINARY
# verify fails when the binary ExecStart= names does not exist, and the unit
# names the installed path; so both checks run on a copy in a scratch
# directory whose ExecStart= names the built binary instead. systemd-analyze:
# MEMORYD_TEST_DEPS=1 scripts/install-deps.sh (package systemd).
set -euo pipefail

max_exposure=${MAX_EXPOSURE:-1.5}
unit=$1
binary=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

sed "s|^ExecStart=[^ ]*|ExecStart=$binary|" "$unit" >"$scratch/memoryd.service"
cd "$scratch"

out=$(systemd-analyze verify "$scratch/memoryd.service" 2>&1) || true
if [ -n "$out" ]; then
  echo "check_unit: systemd-analyze verify complained:" >&2
  echo "$out" >&2
  exit 1
fi

report=$(systemd-analyze security --offline=yes --no-pager \
           "$scratch/memoryd.service" 2>&1) || true
exposure=$(sed -n 's/.*Overall exposure level for memoryd.service: \([0-9.]*\).*/\1/p' \
             <<<"$report")
if [ -z "$exposure" ]; then
  echo "check_unit: no overall exposure in:" >&2
  echo "$report" >&2
  exit 1
fi
echo "check_unit: exposure $exposure (at most $max_exposure)"
if ! awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }'; then
  grep '✗' <<<"$report" >&2 || true
  exit 1
fi
