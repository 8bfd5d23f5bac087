#!/usr/bin/env bash
# The OVN lab (scripts/lab.sh ovn): OVN's own central (NB/SB ovsdb-servers,
# ovn-northd) and ovn-controller, unchanged, driving ferry-vswitchd as the
# chassis switch; two logical switches and a logical router with three VMs
# (namespaces). It pings across, shows an ACL taking effect, shows what OVN
# installed in Ferry, and cleans everything up (also on failure or Ctrl-C).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/test/integration/lib.sh"
FT_NAME=lab-ovn
FT_TAG=$(printf 'o%04x' $(( ($$ + RANDOM) % 65536 )))
FT_DIR=$(mktemp -d /tmp/ferry-lab-ovn-XXXXXX)
export OVS_RUNDIR=$FT_DIR OVS_LOGDIR=$FT_DIR OVS_DBDIR=$FT_DIR OVS_SYSCONFDIR=$FT_DIR
trap ft_cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
fail() { echo "lab: $*" >&2; exit 1; }
vm() { local n=$1; shift; ip netns exec "$(ft_ns "$n")" "$@"; }

step "OVN central: NB and SB ovsdb-servers, ovn-northd (in $FT_DIR)"
ft_ovn_central || fail "OVN central did not start"

step "ferry-vswitchd as chassis hv1, with its own ovsdb-server"
ft_netns hv || fail "no namespace"
HV=$(ft_ns hv)
ft_start_ovsdb || fail "ovsdb-server did not start"
ft_start_ferry "$HV" || fail "ferry-vswitchd did not start"
echo "\$ ovs-vsctl set Open_vSwitch . external_ids:system-id=hv1 external_ids:ovn-remote=$OVN_SB_DB"
echo "      external_ids:ovn-encap-type=geneve external_ids:ovn-encap-ip=172.16.0.1"
echo "      external_ids:ovn-bridge-datapath-type=netdev"
echo "\$ ovs-vsctl add-br br-int -- set bridge br-int datapath_type=netdev fail_mode=secure"
echo "\$ ovn-controller unix:$OVS_RUNDIR/db.sock --detach ..."
ft_ovn_chassis hv1 172.16.0.1 || fail "ovn-controller did not start"
echo "ovn-controller is running; br-int is Ferry's bridge"

step "logical topology: sw0 (vm1, vm2) -- lr0 -- sw1 (vm3)"
ft_ovn_topology "$HV" || fail "topology"
for n in 1 2 3; do
  show ovs-vsctl add-port br-int vm$n -- set interface vm$n type=dpdk \
    "options:dpdk-devargs=net_af_packet$n,iface=vm$n" external_ids:iface-id=lsp$n ||
    fail "port vm$n"
done
for n in 1 2 3; do ft_wait_for 30 ft_ovn_bound lsp$n || fail "lsp$n was not bound"; done
ovn-nbctl --wait=hv --timeout=30 sync || fail "ovn-controller did not catch up"
show ovn-sbctl show
echo "OpenFlow flows ovn-controller installed in Ferry: $(ovs-ofctl -O OpenFlow15 dump-flows br-int | grep -c table=)"
echo "OpenFlow errors in ovn-controller's log: $(ft_ovn_of_errors)"

step "pings: on a logical switch, to the router, across the router"
show vm vm1 ping -c 2 -i 0.2 10.0.0.2 || fail "vm1 -> vm2"
show vm vm1 ping -c 2 -i 0.2 10.0.0.254 || fail "vm1 -> its gateway"
show vm vm1 ping -c 2 -i 0.2 10.1.0.3 || fail "vm1 -> vm3 across lr0"

step "an ACL: drop ICMP from vm2 towards sw0's ports, allow-related the rest"
show ovn-nbctl --wait=hv acl-add sw0 to-lport 1001 'ip4 && icmp4 && ip4.src == 10.0.0.2' drop
show ovn-nbctl --wait=hv acl-add sw0 from-lport 1000 'ip4' allow-related
if vm vm2 ping -c 2 -i 0.2 -W 1 10.0.0.1; then fail "the ACL did not drop vm2's ping"; fi
echo "(vm2's ping to vm1 is dropped, as the ACL says)"
show vm vm1 ping -c 2 -i 0.2 10.0.0.2 || fail "vm1 -> vm2 with the ACL"
echo "(vm1's ping to vm2 passes: the replies belong to vm1's connection)"
show ovs-appctl -t ferry-vswitchd dpctl/dump-conntrack

step "what carried it: Ferry's megaflows (one lookup per packet, the whole OVN pipeline cached)"
show ovs-appctl -t ferry-vswitchd dpctl/dump-flows | head -8
echo
echo "OVN on Ferry: done (everything is removed now)."
