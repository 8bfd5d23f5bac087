#!/usr/bin/env bash
# The differential tester: Ferry against Open vSwitch's own ovs-vswitchd
# (userspace datapath), the same random flow tables and packets on both,
# outputs compared on the wire. See Documentation/differential-testing.md.
#
#   scripts/difftest.sh --smoke                  the CI smoke (fixed seed, about a minute)
#   scripts/difftest.sh --cases 2000 --seed 7    a longer run
#   scripts/difftest.sh --cases 2000 --record    ... saving new disagreements as regressions
#   scripts/difftest.sh --replay FILE            only the cases in FILE
#   scripts/difftest.sh --help                   every option
#
# Needs root, a built Ferry (scripts/setup.sh) and ovs-vswitchd (Debian's
# openvswitch-switch, which scripts/setup.sh installs). Only the Python 3
# standard library is used. Ends with "difftest: N cases, A agree, D disagree";
# exits non-zero on a new disagreement.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${FERRY_BUILD:-$top/build}

case " $* " in
  *" -h "*|*" --help "*) exec python3 "$top/test/differential/difftest.py" --help ;;
esac
if [ "$(id -u)" != 0 ]; then
  echo "difftest: needs root (network namespaces, raw sockets, DPDK)" >&2
  exit 2
fi
if [ ! -x "$build/datapath/vswitchd/ferry-vswitchd" ]; then
  "$top/scripts/setup.sh" || exit 2
fi
for tool in ovs-vswitchd ovsdb-server ovs-vsctl ovs-ofctl ovs-appctl python3 ethtool; do
  command -v "$tool" >/dev/null || { echo "difftest: $tool missing (scripts/setup.sh installs it)" >&2; exit 2; }
done
exec python3 "$top/test/differential/difftest.py" --build "$build" "$@"
