#!/usr/bin/env bash
# Builds the .deb with CPack from the build directory (which must be built),
# checks its control data (Depends: from dpkg-shlibdeps, the conffile) and
# contents, extracts it into a scratch root and runs the binary from there.
#
# Usage: check_deb.sh BUILD_DIR. Needs dpkg-dev (dpkg-shlibdeps):
# MEMORYD_TEST_DEPS=1 scripts/install-deps.sh.
set -euo pipefail

build=$(realpath "$1")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "check_deb: $*" >&2; exit 1; }

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/out" >"$scratch/cpack.log" 2>&1 \
  || { cat "$scratch/cpack.log" >&2; fail "cpack failed"; }
debs=("$scratch"/out/memoryd_*.deb)
[ -f "${debs[0]}" ] || fail "no memoryd_*.deb in $(ls "$scratch/out")"
deb=${debs[0]}

info=$(dpkg-deb --info "$deb")
echo "$info"
grep -q '^ Package: memoryd$' <<<"$info" || fail "package name"
depends=$(sed -n 's/^ Depends: //p' <<<"$info")
for lib in libcaf-core libboost-json1.81.0 libboost-program-options1.81.0 \
           libsoci-core libpq5 libhiredis0.14 libspdlog libsystemd0 libssl3 \
           zlib1g libzstd1; do
  grep -q "$lib" <<<"$depends" || fail "Depends: lacks $lib: $depends"
done
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/memoryd/memoryd.toml ] \
  || fail "conffiles is not /etc/memoryd/memoryd.toml"

contents=$(dpkg-deb --contents "$deb")
for path in ./usr/bin/memoryd ./usr/bin/memoryctl \
            ./usr/lib/systemd/system/memoryd.service \
            ./etc/memoryd/memoryd.toml \
            ./usr/share/doc/memoryd/operations.md ./usr/share/doc/memoryd/README.md; do
  grep -q " $path\$" <<<"$contents" || fail "$path is not in the package"
done

root=$scratch/root
dpkg-deb -x "$deb" "$root"
grep -qx 'ExecStart=/usr/bin/memoryd --config /etc/memoryd/memoryd.toml' \
  "$root/usr/lib/systemd/system/memoryd.service" \
  || fail "the unit's ExecStart= does not name /usr/bin/memoryd"
version=$("$root/usr/bin/memoryd" --version)
echo "$version"
[[ $version == "memoryd "* ]] || fail "memoryd --version printed '$version'"
"$root/usr/bin/memoryctl" --help >/dev/null || fail "memoryctl --help"
echo "check_deb: $(basename "$deb") OK"
