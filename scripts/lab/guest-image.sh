#!/usr/bin/env bash
# The test guest's image, from Debian packages, into the cache:
#   - the kernel of linux-image-cloud-amd64 (apt-get download + dpkg-deb -x,
#     never installed), kept with the virtio modules it needs and their
#     dependencies (modules.dep, made by depmod on the extracted tree);
#   - an initramfs (newc cpio, gzip) with busybox-static, those modules,
#     ferry-guest-agent (static, built by meson) and tools/guest-agent/init.
# Reused when present; a new kernel package, busybox, agent, init or this
# script gives a new initramfs (its name carries a hash of all of them).
# An initramfs unused for 7 days is deleted.
#
#   scripts/lab/guest-image.sh [--agent PATH] [--print]
#
# --print writes "kernel=PATH" and "initrd=PATH" on stdout (building first
# when needed). Environment: FERRY_CACHE (as scripts/setup.sh), FERRY_BUILD.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${FERRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry}/guest
agent=${FERRY_BUILD:-$top/build}/tools/guest-agent/ferry-guest-agent
init=$top/tools/guest-agent/init
print=0
while [ $# -gt 0 ]; do
  case "$1" in
    --agent) agent=$2; shift 2 ;;
    --print) print=1; shift ;;
    *) echo "usage: $0 [--agent PATH] [--print]" >&2; exit 2 ;;
  esac
done
# The modules the guest loads (with whatever they depend on).
modules=(virtio_pci virtio_net virtio_console)

say() { printf 'guest-image: %s\n' "$*" >&2; }
die() { printf 'guest-image: error: %s\n' "$*" >&2; exit 1; }

[ -x "$agent" ] || die "no guest agent at $agent (build first: ninja -C build)"
[ -x /bin/busybox ] && /bin/busybox --list | grep -x insmod >/dev/null || die "busybox-static is not installed"
command -v cpio >/dev/null || die "cpio is not installed"

# The kernel package the metapackage points at, and its version.
kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
  awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
[ -n "$kpkg" ] || die "apt knows no linux-image-cloud-amd64 (apt-get update?)"
kver=$(apt-cache policy "$kpkg" | awk '$1 == "Candidate:" {print $2}')
[ -n "$kver" ] && [ "$kver" != "(none)" ] || die "no candidate version of $kpkg"
kdir=$cache/kernel-$kpkg-$kver
mkdir -p "$cache"

if [ ! -f "$kdir/.done" ]; then
  say "extracting $kpkg $kver"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  chmod 755 "$tmp"  # apt's download sandbox user writes here
  (cd "$tmp" && apt-get download -q "$kpkg=$kver" >/dev/null 2>&1) || {
    apt-get update -q >/dev/null 2>&1 || true
    (cd "$tmp" && apt-get download -q "$kpkg=$kver" >/dev/null 2>&1)
  } || die "apt-get download $kpkg=$kver failed"
  dpkg-deb -x "$tmp"/"$kpkg"_*.deb "$tmp/x"
  release=$(ls "$tmp/x/lib/modules")
  depmod -b "$tmp/x" "$release"
  dep=$tmp/x/lib/modules/$release/modules.dep
  # Load order: every module after what it depends on.
  order=()
  add() {
    local path deps d
    path=$(awk -F: -v m="/$1.ko" 'index($1, m) && substr($1, length($1) - length(m) + 1) == m \
      {print $1; exit}' "$dep")
    [ -n "$path" ] || die "module $1 not in $kpkg (built in? then drop it from the list)"
    deps=$(awk -F: -v p="$path" '$1 == p {print $2}' "$dep")
    # modules.dep lists the dependencies of dependencies too: the last
    # ones first (they depend on nothing later in the list).
    for d in $(echo "$deps" | tr ' ' '\n' | tac); do
      [[ " ${order[*]} " == *" $d "* ]] || order+=("$d")
    done
    [[ " ${order[*]} " == *" $path "* ]] || order+=("$path")
  }
  for m in "${modules[@]}"; do add "$m"; done
  rm -rf "$kdir.tmp"
  mkdir -p "$kdir.tmp/modules"
  cp "$tmp/x/boot/vmlinuz-$release" "$kdir.tmp/vmlinuz"
  for p in "${order[@]}"; do
    cp "$tmp/x/lib/modules/$release/$p" "$kdir.tmp/modules/"
    basename "$p" >>"$kdir.tmp/modules/load"
  done
  echo "$release" >"$kdir.tmp/release"
  rm -rf "$kdir"
  mv "$kdir.tmp" "$kdir"
  touch "$kdir/.done"
  rm -rf "$tmp"
  trap - EXIT
fi

bbver=$(dpkg-query -W -f='${Version}' busybox-static)
key=$({
  echo "$kpkg $kver $bbver"
  sha256sum "$agent" "$init" "$0" | cut -d' ' -f1
} | sha256sum | cut -c1-16)
initrd=$cache/initramfs-$key.cpio.gz
if [ ! -f "$initrd" ]; then
  say "assembling $initrd"
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/modules,proc,sys,dev,tmp,run}
  cp /bin/busybox "$root/bin/busybox"
  cp "$kdir"/modules/* "$root/lib/modules/"
  strip -o "$root/usr/bin/ferry-guest-agent" "$agent"
  cp "$init" "$root/init"
  chmod 755 "$root/init" "$root/usr/bin/ferry-guest-agent"
  (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -6) >"$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
  rm -rf "$root"
  trap - EXIT
fi

# Marked as used; those of other trees and older agents unused for a week go.
touch "$initrd"
find "$cache" -maxdepth 1 -name 'initramfs-*.cpio.gz' -mtime +7 -delete 2>/dev/null || true

if [ "$print" = 1 ]; then
  echo "kernel=$kdir/vmlinuz"
  echo "initrd=$initrd"
fi
