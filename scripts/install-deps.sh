#!/usr/bin/env bash
# Installs every Debian package memoryd needs to build, test and benchmark.
# Idempotent: when everything is present it changes nothing and touches no network.
set -euo pipefail

packages=(
  g++ cmake make pkg-config ca-certificates
  libcaf-dev
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev
  libsoci-dev libpq-dev libsqlite3-dev
  libhiredis-dev zlib1g-dev libzstd-dev libssl-dev
  libsystemd-dev libspdlog-dev libtomlplusplus-dev
  postgresql redis-server
  curl procps
)
if [ "${MEMORYD_BENCH_DEPS:-0}" = 1 ]; then
  # linux-perf: bench/profile_writes.sh.
  packages+=(wrk nginx-light iproute2 postgresql-client linux-perf)
fi
if [ "${MEMORYD_TEST_DEPS:-0}" = 1 ]; then
  # nodejs and npm run the OpenAPI lint (scripts/lint-openapi.sh); systemd's
  # systemd-analyze checks the unit, dpkg-dev's dpkg-shlibdeps lists the .deb's
  # dependencies (tests/systemd, tests/packaging); prometheus's promtool
  # checks /metrics (tests/e2e stats_test); tmux and psql drive memoryctl top
  # against a stalled daemon (tests/console/top_tmux.sh).
  packages+=(faketime nodejs npm systemd dpkg-dev prometheus tmux postgresql-client)
  # clang and its compiler-rt (libclang_rt.fuzzer, the sanitizers) build the
  # libFuzzer targets of tests/fuzz (scripts/fuzz.sh).
  packages+=(clang libclang-rt-14-dev)
fi

# Whether package $1 is installed, itself or as what an installed package
# provides (e.g. a nodejs that bundles npm and conflicts with Debian's).
installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' \
    && return 0
  local provided  # one name a line; read whole, as pipefail is on
  provided=$(dpkg-query -W -f='${Status}|${Provides}\n' 2>/dev/null \
               | sed -n 's/^install ok installed|//p' | tr ',' '\n' \
               | sed 's/ *(.*//; s/^ *//')
  grep -qx -- "$1" <<<"$provided"
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
