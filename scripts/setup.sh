#!/usr/bin/env bash
# Ferry set-up: packages, libopenvswitch, DPDK driver-SDK headers, hugepages, build.
# Idempotent and quiet when nothing changes. Run from anywhere.
#
#   scripts/setup.sh            everything
#   scripts/setup.sh --no-build skip the meson build (deps only; no
#                               guest image either: it needs the agent)
#
# Environment:
#   FERRY_CACHE   cache directory for the OVS build and SDK headers
#                 (default: ${XDG_CACHE_HOME:-$HOME/.cache}/ferry)
#   FERRY_HUGEPAGES  number of 2 MB hugepages to reserve (default 1024)
#   PKTGEN_SRC    Pktgen-DPDK source tarball to build into the cache for
#                 scripts/bench/pktgen.sh (default: ../shared/tools/
#                 pktgen-dpdk-23.03.0.tar.xz beside the repository, if it exists)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${FERRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry}
want_pages=${FERRY_HUGEPAGES:-1024}
build=1
[ "${1:-}" = "--no-build" ] && build=0

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- packages
packages=(
  build-essential pkg-config meson ninja-build clang clang-format clang-tidy
  libclang-rt-14-dev
  dpdk dpdk-dev libdpdk-dev dpdk-doc
  openvswitch-source openvswitch-switch openvswitch-common openvswitch-switch-dpdk
  libjemalloc-dev catch2 libnuma-dev libssl-dev libxdp-dev libbpf-dev libpcap-dev
  tcpdump iperf3 iproute2 iputils-ping ethtool procps python3 python3-matplotlib
  xz-utils openvswitch-testcontroller python3-os-ken liblua5.3-dev patch
  ovn-central ovn-host netcat-openbsd qemu-system-x86 busybox-static cpio kmod
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null 2>&1 || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/ferry-apt.log 2>&1 ||
    { tail -20 /tmp/ferry-apt.log; die "apt-get install failed"; }
  # The Debian package starts the stock daemons where systemd runs; Ferry's
  # tests start their own, so leave any running ones alone.
fi

mkdir -p "$cache"

# ------------------------------------------------------- libopenvswitch.a
ovs_ver=$(dpkg-query -W -f='${Version}' openvswitch-source | sed 's/-.*//')
# The -2 suffix names the configure flags below; change it when they change.
ovs_dir=$cache/ovs-$ovs_ver-2
if [ ! -f "$ovs_dir/.built" ]; then
  say "building libopenvswitch $ovs_ver in $ovs_dir (about 2 minutes)"
  rm -rf "$ovs_dir" "$ovs_dir.tmp"
  mkdir -p "$ovs_dir.tmp"
  tar xzf /usr/src/openvswitch/openvswitch.tar.gz -C "$ovs_dir.tmp" --strip-components=1
  (
    cd "$ovs_dir.tmp"
    ./configure --enable-static --disable-shared --prefix=/usr --localstatedir=/var --sysconfdir=/etc \
      >configure.log 2>&1 ||
      { tail -20 configure.log; exit 1; }
    make -j"$(nproc)" >make.log 2>&1 || { tail -30 make.log; exit 1; }
    test -f lib/.libs/libopenvswitch.a
    test -f lib/vswitch-idl.h
  ) || die "libopenvswitch build failed (logs in $ovs_dir.tmp)"
  mv "$ovs_dir.tmp" "$ovs_dir"
  touch "$ovs_dir/.built"
fi

# ----------------------------------------------- DPDK driver-SDK headers
dpdk_full=$(dpkg-query -W -f='${Version}' libdpdk-dev)
dpdk_ver=${dpdk_full%%-*}
sdk_dir=$cache/dpdk-sdk-$dpdk_full
sdk_headers=(ethdev_driver.h ethdev_vdev.h bus_vdev_driver.h rte_flow_driver.h dev_driver.h bus_driver.h)
if [ ! -f "$sdk_dir/.done" ]; then
  say "fetching DPDK $dpdk_full driver-SDK headers from Debian's source package"
  # (through the host's own apt sources; scripts/apt-src-sources.sh)
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
  # deb-src twins of the host's own apt sources: its mirror, its proxy.
  "$top/scripts/apt-src-sources.sh" "$tmp/src" || die "no apt source to derive deb-src entries from"
  aopts=(-o "Dir::Etc::SourceList=$tmp/src/src.list" -o "Dir::Etc::SourceParts=$tmp/src/parts"
         -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache")
  apt-get "${aopts[@]}" update -q >/dev/null 2>&1 || die "apt-get update (deb-src) failed"
  (cd "$tmp" && apt-get "${aopts[@]}" source --download-only "dpdk=$dpdk_full" >/dev/null 2>&1) ||
    die "could not download the dpdk $dpdk_full source package"
  orig=$(ls "$tmp"/dpdk_"$dpdk_ver".orig.tar.* | head -1)
  mkdir -p "$tmp/x" "$sdk_dir.tmp"
  tar xf "$orig" -C "$tmp/x" --wildcards \
    '*/lib/ethdev/ethdev_driver.h' '*/lib/ethdev/ethdev_vdev.h' '*/lib/ethdev/rte_flow_driver.h' \
    '*/drivers/bus/vdev/bus_vdev_driver.h' '*/lib/eal/include/dev_driver.h' \
    '*/lib/eal/include/bus_driver.h'
  for h in "${sdk_headers[@]}"; do
    f=$(find "$tmp/x" -name "$h" | head -1)
    [ -n "$f" ] || die "header $h missing from the dpdk source"
    cp "$f" "$sdk_dir.tmp/"
  done
  echo "$dpdk_full" >"$sdk_dir.tmp/VERSION"
  rm -rf "$sdk_dir"
  mv "$sdk_dir.tmp" "$sdk_dir"
  touch "$sdk_dir/.done"
  rm -rf "$tmp"
  trap - EXIT
fi

# ------------------------------------------- Pktgen-DPDK (benchmarks, smoke)
pktgen_src=${PKTGEN_SRC:-$(cd "$top/.." && pwd)/shared/tools/pktgen-dpdk-23.03.0.tar.xz}
if [ -f "$pktgen_src" ]; then
  # Cached like libopenvswitch; a failed build leaves Ferry's own build
  # and tests alone (the pktgen smoke test then says what is missing).
  FERRY_CACHE=$cache "$top/scripts/bench/pktgen-build.sh" "$pktgen_src" >/dev/null ||
    say "warning: Pktgen-DPDK did not build (scripts/bench/pktgen.sh and the pktgen smoke need it)"
elif [ -n "${PKTGEN_SRC:-}" ]; then
  die "PKTGEN_SRC=$PKTGEN_SRC: no such file"
fi

# --------------------------------------------------------------- hugepages
hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ -w "$hp" ] && [ "$(cat "$hp")" -lt "$want_pages" ]; then
  echo "$want_pages" >"$hp" 2>/dev/null || true
  got=$(cat "$hp")
  if [ "$got" -lt "$want_pages" ]; then
    say "reserved $got of $want_pages 2 MB hugepages; DPDK falls back to --no-huge where needed"
  fi
fi
if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
  mkdir -p /dev/hugepages
  mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages 2>/dev/null ||
    say "could not mount hugetlbfs on /dev/hugepages"
fi

# ------------------------------------------------------------------- build
if [ "$build" = 1 ]; then
  cd "$top"
  if [ ! -f build/build.ninja ]; then
    meson setup build -Dovs_dir="$ovs_dir" -Ddpdk_sdk_dir="$sdk_dir" --buildtype=debugoptimized \
      >/tmp/ferry-meson-setup.log 2>&1 || { cat /tmp/ferry-meson-setup.log; die "meson setup failed"; }
  else
    meson configure build -Dovs_dir="$ovs_dir" -Ddpdk_sdk_dir="$sdk_dir" >/dev/null
  fi
  out=$(ninja -C build 2>&1) || { printf '%s\n' "$out"; die "build failed"; }
  case "$out" in *"no work to do"*) ;; *) say "built into build/";; esac

  # ------------------------------------------ the test guest's image (QEMU)
  # Debian's cloud kernel, busybox and the static ferry-guest-agent just
  # built, into $cache/guest (Documentation/guests.md).
  FERRY_CACHE=$cache "$top/scripts/lab/guest-image.sh" ||
    say "warning: no guest image (test/integration/guest.sh needs it)"
fi
