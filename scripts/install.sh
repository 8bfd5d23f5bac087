#!/usr/bin/env bash
# Puts Ferry in place of Debian's ovs-vswitchd, or takes it away again.
#
#   scripts/install.sh              install (or update) Ferry as ovs-vswitchd
#   scripts/install.sh --uninstall  give the host its stock ovs-vswitchd back
#   scripts/install.sh --status     say what is installed
#
# /usr/sbin/ovs-vswitchd is an alternatives link (openvswitch-switch and
# openvswitch-switch-dpdk each register one); the file it leads to belongs to
# a package. Install diverts that file with dpkg-divert (--rename: the stock
# binary moves to FILE.distrib, and package upgrades write theirs there too,
# so Ferry stays in place) and copies Ferry's binary to its name. The
# diversion belongs to "ferry": uninstall removes only a diversion of
# Ferry's, and moves the stock binary back unchanged. Neither restarts the
# daemon: `systemctl restart openvswitch-switch` (or `ovs-ctl restart`) does.
#
# Environment: FERRY_BUILD (default <repo>/build), FERRY_BINARY (default
# $FERRY_BUILD/datapath/vswitchd/ferry-vswitchd).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
binary=${FERRY_BINARY:-${FERRY_BUILD:-$top/build}/datapath/vswitchd/ferry-vswitchd}
link=/usr/sbin/ovs-vswitchd
owner=ferry

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 1; }

mode=install
case "${1:-}" in
  "") ;;
  --uninstall) mode=uninstall ;;
  --status) mode=status ;;
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument \"$1\" (use --help)" ;;
esac
[ $# -le 1 ] || die "one argument at most (use --help)"

# Ferry's diversions: "FILE DIVERTED-TO" per line.
ferry_diversions() {
  dpkg-divert --list | sed -n "s/^\(local \)\{0,1\}diversion of \(.*\) to \(.*\) by $owner\$/\2 \3/p"
}

is_ferry() { "$1" --version 2>/dev/null | grep -q '+ferry\|(Ferry)'; }

if [ "$mode" = status ]; then
  found=0
  while read -r file to; do
    found=1
    say "$file is Ferry ($("$file" --version 2>/dev/null | head -1)); stock binary at $to"
  done < <(ferry_diversions)
  [ $found = 1 ] || say "Ferry is not installed"
  say "$link -> $(readlink -f "$link" 2>/dev/null || echo "(missing)")"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "run as root"
command -v dpkg-divert >/dev/null || die "dpkg-divert not found: this script is for Debian hosts"

if [ "$mode" = uninstall ]; then
  n=0
  while read -r file to; do
    n=$((n + 1))
    [ -e "$to" ] || die "the stock binary $to is missing; reinstall the package that owns $file"
    if [ -e "$file" ] && ! is_ferry "$file"; then
      die "$file is not Ferry's binary; leaving the diversion to $to alone"
    fi
    rm -f "$file"
    dpkg-divert --package "$owner" --rename --remove "$file" >/dev/null
    say "restored the stock $file ($("$file" --version 2>/dev/null | head -1))"
  done < <(ferry_diversions)
  [ $n -gt 0 ] || say "Ferry is not installed; nothing to do"
  exit 0
fi

# ---------------------------------------------------------------- install
[ -x "$binary" ] || die "no Ferry binary at $binary (build it first: scripts/setup.sh)"
missing=$(ldd "$binary" 2>/dev/null | grep 'not found' || true)
[ -z "$missing" ] || die "$binary needs libraries this host lacks:
$missing"
is_ferry "$binary" || die "$binary does not answer --version as Ferry"

existing=$(ferry_diversions | head -1)
if [ -n "$existing" ]; then
  target=${existing%% *}
  stock=${existing#* }
else
  [ -e "$link" ] || die "$link does not exist: install openvswitch-switch first"
  target=$(readlink -f "$link")
  dpkg-query -S "$target" >/dev/null 2>&1 ||
    die "$target (behind $link) belongs to no package; not diverting it"
  stock=$target.distrib
  [ ! -e "$stock" ] || die "$stock exists already; not overwriting it"
fi

# From here on a failure puts everything back as it was.
diverted_now=0
rollback() {
  local rc=$?
  if [ $rc != 0 ] && [ $diverted_now = 1 ]; then
    rm -f "$target"
    dpkg-divert --package "$owner" --rename --remove "$target" >/dev/null 2>&1 || true
    printf 'install: failed; %s restored\n' "$target" >&2
  fi
  rm -f "$target.ferry-new"
  exit $rc
}
trap rollback EXIT

if [ -z "$existing" ]; then
  dpkg-divert --package "$owner" --divert "$stock" --rename --add "$target" >/dev/null
  diverted_now=1
fi
# The new binary goes in under a temporary name and is renamed over the old
# one, so a running daemon keeps its file and ovs-vswitchd never goes missing.
install -m 0755 "$binary" "$target.ferry-new"
mv -f "$target.ferry-new" "$target"
is_ferry "$target" || die "$target does not run"
trap - EXIT

say "$target is Ferry ($("$target" --version | head -1)); stock binary kept at $stock"
now=$(readlink -f "$link")
if [ "$now" != "$target" ]; then
  say "warning: $link leads to $now, not $target: select it with"
  say "  update-alternatives --set ovs-vswitchd $target"
fi
say "restart the switch to run it: systemctl restart openvswitch-switch (or ovs-ctl restart)"
