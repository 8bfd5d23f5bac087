#!/usr/bin/env bash
# The Ferry lab: a hypervisor running ferry-vswitchd against its own
# ovsdb-server, two VMs (network namespaces) attached to it, pinging each
# other through Ferry; then the flows, FDB and counters that carried it.
# Everything it creates is removed at the end, also on failure or Ctrl-C.
#
#   scripts/lab.sh            run the demo
#   scripts/lab.sh --keep     leave it running; prints how to use it and
#                             how to stop it (scripts/lab.sh --stop DIR)
#   scripts/lab.sh migrate [--plan P] [--vm netns|qemu] [--rate PPS] [--runs N]
#                          [--repeat N] [--json] [--plot] [--ovs-fabric]
#                             the migration lab: three hypervisors, two fabric
#                             switches, A0 (a namespace or a QEMU guest) moved
#                             under traffic by ferry-migrate, N times
#                             (scripts/lab/migrate.sh)
#   scripts/lab.sh failover [--rate PPS] [--link] [--json]
#                             staged candidate paths; F1 stopped (or its link
#                             down) under traffic
#                             (scripts/lab/failover.sh)
#   scripts/lab.sh ovn        OVN (ovn-northd, ovn-controller) driving Ferry:
#                             two logical switches, a router, an ACL
#                             (scripts/lab/ovn.sh)
#   scripts/lab.sh ovn-migrate [--runs N] [--rate PPS] [--rounds N] [--json]
#                             a live migration under OVN (requested-chassis,
#                             activation-strategy=rarp) against the baseline,
#                             measured (scripts/lab/ovn_migrate.sh)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" = "migrate" ] || [ "${1:-}" = "failover" ] || [ "${1:-}" = "ovn" ] ||
  [ "${1:-}" = "ovn-migrate" ]; then
  what=${1/-/_}
  shift
  "$top/scripts/setup.sh" || exit 1
  [ "$(id -u)" = 0 ] || { echo "scripts/lab.sh needs root (network namespaces, DPDK)" >&2; exit 1; }
  exec "$top/scripts/lab/$what.sh" "$@"
fi

if [ "${1:-}" = "--stop" ]; then
  dir=${2:?usage: scripts/lab.sh --stop DIR}
  [ -x "$dir/stop.sh" ] || { echo "no lab in $dir" >&2; exit 1; }
  exec "$dir/stop.sh"
fi
keep=0
[ "${1:-}" = "--keep" ] && keep=1

"$top/scripts/setup.sh" || exit 1
[ "$(id -u)" = 0 ] || { echo "scripts/lab.sh needs root (network namespaces, DPDK)" >&2; exit 1; }

# The lab reuses the integration tests' harness (processes, namespaces,
# cleanup by pidfile).
source "$top/test/integration/lib.sh"
FT_NAME=lab
FT_TAG=$(printf 'l%04x' $(( ($$ + RANDOM) % 65536 )))
FT_DIR=$(mktemp -d /tmp/ferry-lab-XXXXXX)
export OVS_RUNDIR=$FT_DIR OVS_LOGDIR=$FT_DIR OVS_DBDIR=$FT_DIR OVS_SYSCONFDIR=$FT_DIR
if [ $keep = 0 ]; then
  trap ft_cleanup EXIT
  trap 'exit 130' INT TERM
fi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
fail() { echo "lab: $*" >&2; exit 1; }

step "ovsdb-server with a fresh Open_vSwitch database in $FT_DIR"
ft_start_ovsdb || fail "ovsdb-server did not start"

step "ferry-vswitchd in hypervisor namespace ${FT_TAG}hv (DPDK: $(ft_eal_args hv))"
ft_netns hv
HV=$(ft_ns hv)
ft_start_ferry "$HV" || fail "ferry-vswitchd did not start (log: $FT_DIR/ferry-vswitchd.log)"
show ovs-appctl -t ferry-vswitchd version

step "two VMs on veth pairs, attached with DPDK net_af_packet"
ft_vm "$HV" vm1 02:00:00:00:00:01 10.0.0.1/24 || fail "vm1"
ft_vm "$HV" vm2 02:00:00:00:00:02 10.0.0.2/24 || fail "vm2"
show ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
show ovs-vsctl add-port br0 vm1 -- set Interface vm1 type=dpdk "options:dpdk-devargs=net_af_packet0,iface=vm1"
show ovs-vsctl add-port br0 vm2 -- set Interface vm2 type=dpdk "options:dpdk-devargs=net_af_packet1,iface=vm2"
show ovs-vsctl show

step "vm1 (10.0.0.1) pings vm2 (10.0.0.2) through Ferry"
show ip netns exec "$(ft_ns vm1)" ping -c 5 -i 0.2 10.0.0.2 || fail "the ping failed"

step "the flows, the FDB and the counters that carried it"
show ovs-ofctl --names dump-flows br0
show ovs-appctl -t ferry-vswitchd fdb/show br0
show ovs-appctl -t ferry-vswitchd dpctl/dump-flows
show ovs-ofctl --names dump-ports br0
show ovs-appctl -t ferry-vswitchd dpif-netdev/pmd-stats-show

if [ $keep = 1 ]; then
  cat >"$FT_DIR/stop.sh" <<STOP
#!/usr/bin/env bash
for pf in "$FT_DIR/ferry-vswitchd.pid" "$FT_DIR/ovsdb-server.pid"; do
  [ -f "\$pf" ] && kill "\$(cat "\$pf")" 2>/dev/null
done
sleep 1
for ns in ${FT_NETNS[*]}; do ip netns del "\$ns" 2>/dev/null; done
rm -rf "$FT_DIR"
echo "lab stopped"
STOP
  chmod +x "$FT_DIR/stop.sh"
  step "left running"
  echo "export OVS_RUNDIR=$FT_DIR   # then ovs-vsctl, ovs-ofctl br0, ovs-appctl -t ferry-vswitchd work"
  echo "VMs: ip netns exec $(ft_ns vm1) ... / ip netns exec $(ft_ns vm2) ..."
  echo "stop: scripts/lab.sh --stop $FT_DIR"
  exit 0
fi
step "cleaning up"
