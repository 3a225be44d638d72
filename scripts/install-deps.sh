#!/usr/bin/env bash
# Installs every Debian package memoryd needs to build, test and benchmark.
# Idempotent: when everything is present it changes nothing and touches no network.
set -euo pipefail

packages=(
  g++ cmake make pkg-config ca-certificates
  libcaf-dev
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev
  libsoci-dev libpq-dev libsqlite3-dev
  libhiredis-dev zlib1g-dev libssl-dev
  libsystemd-dev libspdlog-dev libtomlplusplus-dev
  postgresql redis-server
  curl procps
)
if [ "${MEMORYD_BENCH_DEPS:-0}" = 1 ]; then
  packages+=(wrk nginx-light iproute2 postgresql-client)
fi
if [ "${MEMORYD_TEST_DEPS:-0}" = 1 ]; then
  packages+=(faketime)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
