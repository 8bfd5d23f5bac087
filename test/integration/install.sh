#!/usr/bin/env bash
# scripts/install.sh against the host's real dpkg and its real ovs-vswitchd,
# without touching them: the test runs in a mount namespace of its own
# where /var/lib/dpkg and the directory of the stock binary are copies
# bind-mounted over the originals. Other tests running at the same time
# keep seeing the stock ovs-vswitchd; the copies vanish with the namespace.
#
# Cases: install diverts the stock binary and puts Ferry under its name
# (ovs-vswitchd --version answers as Ferry, in OVS's form); installing again
# updates in place; uninstall gives back the stock binary byte for byte and
# removes the diversion; a failed install changes nothing.
if [ "${1:-}" != --inner ]; then
  exec unshare --mount --propagation private bash "$0" --inner
fi
source "$(dirname "$0")/lib.sh"
ft_init install

INSTALL=$FT_TOP/scripts/install.sh
LINK=/usr/sbin/ovs-vswitchd

ferry_diversions() { dpkg-divert --list | grep -c ' by ferry$'; }

ft_case "set-up: private copies of the dpkg database and the stock binary"
TARGET=$(readlink -f "$LINK")
ft_check "a package owns $TARGET" dpkg-query -S "$TARGET"
STOCK_SUM=$(sha256sum <"$TARGET")
STOCK_VERSION=$("$LINK" --version | head -1)
mkdir -p "$FT_DIR/dpkg" "$FT_DIR/pkgdir"
cp -a /var/lib/dpkg/. "$FT_DIR/dpkg/"
cp -a "$(dirname "$TARGET")/." "$FT_DIR/pkgdir/"
ft_check "bind dpkg" mount --bind "$FT_DIR/dpkg" /var/lib/dpkg
ft_check "bind $(dirname "$TARGET")" mount --bind "$FT_DIR/pkgdir" "$(dirname "$TARGET")"
ft_eq "no diversion of Ferry's yet" 0 "$(ferry_diversions)"
ft_contains "stock version" "$STOCK_VERSION" "(Open vSwitch)"
ft_check "a mount namespace of its own" \
  test "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)"
ft_check "the copies are mounted" mountpoint -q /var/lib/dpkg
# Never go on against the host's own files.
if [ "$FT_CASE_FAILED" != 0 ]; then
  ft_finish
  exit 1
fi

ft_case "a failed install changes nothing"
ft_check_fails "install of a binary that is not Ferry" env FERRY_BINARY=/bin/true "$INSTALL"
ft_eq "still no diversion" 0 "$(ferry_diversions)"
ft_eq "stock binary untouched" "$STOCK_SUM" "$(sha256sum <"$TARGET")"

ft_case "install: Ferry answers as ovs-vswitchd, the stock binary is diverted"
ft_check "install" "$INSTALL"
ft_eq "one diversion by ferry" 1 "$(ferry_diversions)"
ft_eq "diverted to" "$TARGET.distrib" "$(dpkg-divert --truename "$TARGET")"
ft_eq "stock binary moved unchanged" "$STOCK_SUM" "$(sha256sum <"$TARGET.distrib")"
ft_eq "Ferry in its place" "$(sha256sum <"$FT_VSWITCHD")" "$(sha256sum <"$TARGET")"
ft_eq "ovs-vswitchd --version" "ovs-vswitchd (Open vSwitch) 3.1.0+ferry0.1.0" \
  "$("$LINK" --version | head -1)"
ft_contains "status" "$("$INSTALL" --status)" "$TARGET is Ferry"

ft_case "install again: an update in place"
ft_check "install again" "$INSTALL"
ft_eq "still one diversion" 1 "$(ferry_diversions)"
ft_eq "stock binary still kept" "$STOCK_SUM" "$(sha256sum <"$TARGET.distrib")"

ft_case "uninstall: the stock binary back, byte for byte"
ft_check "uninstall" "$INSTALL" --uninstall
ft_eq "no diversion" 0 "$(ferry_diversions)"
ft_eq "stock binary restored" "$STOCK_SUM" "$(sha256sum <"$TARGET")"
ft_check_fails "no .distrib left" test -e "$TARGET.distrib"
ft_eq "stock version" "$STOCK_VERSION" "$("$LINK" --version | head -1)"
ft_contains "uninstall again" "$("$INSTALL" --uninstall)" "Ferry is not installed"

ft_finish
