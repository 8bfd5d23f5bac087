#!/usr/bin/env bash
# Finds or builds Pktgen-DPDK, the traffic generator of scripts/bench/pktgen.sh.
# Prints the path of the pktgen binary on stdout.
#
#   scripts/bench/pktgen-build.sh [TARBALL]
#
# Order: TARBALL (or PKTGEN_SRC), built once into the cache
# (FERRY_CACHE, default ~/.cache/ferry) as pktgen-VERSION-HASH/ (HASH of
# the tarball and the patch), with the repository's patch
# scripts/bench/pktgen-dpdk-VERSION.patch applied; without a tarball, a
# build in the cache made with the patch as it is now, then `pktgen` from
# PATH. Debian does not package Pktgen-DPDK; its source release
# (pktgen-dpdk-VERSION.tar.xz) builds against Debian's DPDK (libdpdk-dev)
# with the patch and Lua 5.3 (liblua5.3-dev, which scripts/setup.sh
# installs). Nothing of its tree is kept in this repository.
#
# Environment: PKTGEN_SRC, FERRY_CACHE, PKTGEN_JOBS (ninja's -j, default:
# the number of CPUs).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${FERRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry}
src=${1:-${PKTGEN_SRC:-}}
jobs=${PKTGEN_JOBS:-$(nproc)}

say() { printf 'pktgen-build: %s\n' "$*" >&2; }
die() {
  printf 'pktgen-build: error: %s\n' "$*" >&2
  exit 1
}

if [ -z "$src" ]; then
  # The newest cached build made with the repository's patch as it is now,
  # then PATH.
  for d in $(ls -td "$cache"/pktgen-*/ 2>/dev/null); do
    d=${d%/}
    v=${d##*/pktgen-}
    v=${v%-*}
    if [ -f "$d/.built" ] && cmp -s "$d/ferry.patch" "$here/pktgen-dpdk-$v.patch"; then
      echo "$d/build/app/pktgen"
      exit 0
    fi
  done
  command -v pktgen && exit 0
  die "no pktgen in PATH or in $cache; pass a source tarball (PKTGEN_SRC=/path/to/pktgen-dpdk-VERSION.tar.xz)"
fi

[ -f "$src" ] || die "$src: no such file"
name=$(basename "$src")
[[ $name =~ ^pktgen-dpdk-([0-9][0-9.]*[0-9])\.tar\.(xz|gz|bz2)$ ]] ||
  die "$name: expected pktgen-dpdk-VERSION.tar.xz"
version=${BASH_REMATCH[1]}
patch_file=$here/pktgen-dpdk-$version.patch
[ -f "$patch_file" ] || die "no patch for Pktgen-DPDK $version ($patch_file): only versions with a patch here are supported"
# The directory names the tarball and the patch: a changed patch rebuilds.
hash=$(cat "$src" "$patch_file" | sha256sum | cut -c1-12)
dir=$cache/pktgen-$version-$hash
bin=$dir/build/app/pktgen
if [ -f "$dir/.built" ] && [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

for t in meson ninja patch pkg-config; do
  command -v "$t" >/dev/null || die "$t not found (scripts/setup.sh installs it)"
done
pkg-config --exists libdpdk || die "libdpdk not found by pkg-config (package libdpdk-dev)"
pkg-config --exists lua5.3 || die "Lua 5.3 not found by pkg-config (package liblua5.3-dev)"

say "building Pktgen-DPDK $version in $dir (a minute or two)"
mkdir -p "$cache"
rm -rf "$dir" "$dir.tmp"
mkdir -p "$dir.tmp"
tar xf "$src" -C "$dir.tmp" --strip-components=1 || die "cannot unpack $src"
(
  cd "$dir.tmp"
  patch -p1 --quiet <"$patch_file" >patch.log 2>&1 || { cat patch.log; exit 1; }
  meson setup build -Denable_lua=true >meson.log 2>&1 || { tail -20 meson.log; exit 1; }
  ninja -C build -j"$jobs" >ninja.log 2>&1 || { grep -E 'error|FAILED' ninja.log | head -20; exit 1; }
  test -x build/app/pktgen
) || die "the build failed (logs in $dir.tmp)"
# The binary links Pktgen's own libraries statically: the tree may move.
cp "$patch_file" "$dir.tmp/ferry.patch"
mv "$dir.tmp" "$dir"
! ldd "$bin" | grep -q 'not found' || die "$bin: $(ldd "$bin" | grep 'not found' | head -3)"
touch "$dir/.built"
echo "$bin"
