#!/usr/bin/env bash
# Companion of the Pktgen-DPDK profiles in scripts/pktgen/: sets up a
# running ferry-vswitchd for a phy-phy test on two real NIC ports and
# installs the MAC-rewrite rules of scripts/bench/compare.sh's cases.
#
#   scripts/pktgen/ferry-phy-phy.sh --pci0 ADDR --pci1 ADDR --sink-mac MAC
#                                   [--rules simple|many] [--bridge br0]
#                                   [--pmd-cpu-mask MASK] [--n-rxq N]
#   scripts/pktgen/ferry-phy-phy.sh --remove [--bridge br0]
#
#   --pci0 ADDR      the port facing Pktgen's sending port (ofport 1, "src")
#   --pci1 ADDR      the port facing Pktgen's receiving port (ofport 2, "sink")
#   --sink-mac MAC   Pktgen's receiving port's MAC: the rules rewrite to it
#   --rules simple   one rule: in_port=src,actions=mod_dl_dst:MAC,output:sink
#   --rules many     the 1000 rules over several masks of compare.sh's rules-N
#                    case (scripts/bench/rules.sh), with the same action
#   --pmd-cpu-mask   other_config:pmd-cpu-mask (default: leave as it is)
#   --n-rxq N        options:n_rxq of both ports (default 1)
#
# Uses ovs-vsctl and ovs-ofctl against the default database and bridge
# sockets, as on a host where ferry-vswitchd runs in place of ovs-vswitchd
# (Documentation/user-guide.md); it works the same against ovs-vswitchd,
# for the comparison. The flows of the profiles are
# 10.0.0.1+i -> 10.128.0.1+i for the simple case; for --rules many, start
# Pktgen with FERRY_PG_LAYOUT=rules (see Documentation/benchmarking.md).
set -eu
here=$(cd "$(dirname "$0")" && pwd)

pci0="" pci1="" sink_mac="" rules=simple bridge=br0 mask="" n_rxq=1 remove=0
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
die() { echo "ferry-phy-phy: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --pci0) pci0=${2:?}; shift ;;
    --pci1) pci1=${2:?}; shift ;;
    --sink-mac) sink_mac=${2:?}; shift ;;
    --rules) rules=${2:?}; shift ;;
    --bridge) bridge=${2:?}; shift ;;
    --pmd-cpu-mask) mask=${2:?}; shift ;;
    --n-rxq) n_rxq=${2:?}; shift ;;
    --remove) remove=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done

if [ $remove = 1 ]; then
  ovs-vsctl --if-exists del-br "$bridge"
  exit 0
fi
[ -n "$pci0" ] && [ -n "$pci1" ] || die "--pci0 and --pci1 are required"
[[ $sink_mac =~ ^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$ ]] || die "--sink-mac wants a MAC address"
[[ $n_rxq =~ ^[1-9][0-9]*$ ]] || die "--n-rxq wants a number >= 1"
case "$rules" in simple | many) ;; *) die "--rules is simple or many" ;; esac

daemon=$(ovs-appctl version 2>/dev/null | head -1) || die "no vswitchd answers ovs-appctl"
echo "configuring: $daemon"
[ -n "$mask" ] && ovs-vsctl set Open_vSwitch . "other_config:pmd-cpu-mask=$mask"
# fail_mode=secure: nothing is forwarded until the rules are in.
ovs-vsctl --may-exist add-br "$bridge" -- set Bridge "$bridge" datapath_type=netdev \
  fail_mode=secure
ovs-vsctl --may-exist add-port "$bridge" src -- set Interface src type=dpdk ofport_request=1 \
  "options:dpdk-devargs=$pci0" "options:n_rxq=$n_rxq"
ovs-vsctl --may-exist add-port "$bridge" sink -- set Interface sink type=dpdk ofport_request=2 \
  "options:dpdk-devargs=$pci1" "options:n_rxq=$n_rxq"
for p in src sink; do
  err=$(ovs-vsctl get Interface "$p" error 2>/dev/null || true)
  [ -z "$err" ] || [ "$err" = "[]" ] || die "port $p: $err"
done

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# shellcheck source=../bench/rules.sh
source "$here/../bench/rules.sh"
RULE_ACTIONS="mod_dl_dst:$sink_mac,output:sink"  # after rules.sh, which sets its own
if [ $rules = simple ]; then
  echo "in_port=src,actions=$RULE_ACTIONS" >"$tmp"
else
  rules_many "$tmp"
fi
ovs-ofctl del-flows "$bridge"
ovs-ofctl --bundle add-flows "$bridge" "$tmp"
echo "$bridge: $(grep -vc '^#' "$tmp") rules installed; src=$pci0 sink=$pci1 n_rxq=$n_rxq"
ovs-appctl dpif-netdev/pmd-rxq-show
