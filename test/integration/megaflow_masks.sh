#!/usr/bin/env bash
# Megaflow masks on the wire, against stock Open vSwitch: the small table of
# test/unit/flow/classifier_wc_test.cc (nw_dst /8, /16, /24, tcp_dst=80,
# in_port) on ferry-vswitchd and on ovs-vswitchd (userspace datapath on
# dummy ports), the same frames into both, and the masks each installs for
# them compared field by field (nw_dst, tp_dst, nw_proto), plus the values
# the unit test expects.
source "$(dirname "$0")/lib.sh"
ft_init megaflow_masks

M1=02:00:00:00:00:01
M2=02:00:00:00:00:02
RULES="priority=100,ip,nw_dst=10.0.0.0/8,actions=output:2
priority=200,ip,nw_dst=10.1.0.0/16,actions=output:2
priority=300,ip,nw_dst=10.1.2.0/24,actions=output:2
priority=400,tcp,tp_dst=80,actions=output:2
priority=50,in_port=1,actions=output:2"
# The frames (ferry-pktgen syntax), and the (nw_dst, tp_dst) masks of their
# megaflows as the unit test expects them (- : wildcarded).
PACKETS=(
  "ipv4(src=192.168.0.1,dst=10.1.2.3),tcp(sport=1024,dport=80)"
  "ipv4(src=192.168.0.1,dst=10.1.2.4),tcp(sport=1024,dport=443)"
  "ipv4(src=192.168.0.1,dst=10.1.3.3),udp(sport=1024,dport=80)"
  "ipv4(src=192.168.0.1,dst=10.200.0.1),udp(sport=1024,dport=80)"
  "ipv4(src=192.168.0.1,dst=11.0.0.1),udp(sport=1024,dport=80)"
)
WANT="- exact
255.0.0.0 -
255.128.0.0 -
255.255.255.0 -
255.255.255.0 0xff00"

# masks_of FLOWS: per IPv4 megaflow "NW_DST_MASK TP_DST_MASK" (exact: the
# whole field; -: not matched), sorted.
masks_of() {
  local line nw tp
  while read -r line; do
    nw=$(sed -n 's/.*ipv4([^)]*dst=\([0-9./]*\).*/\1/p' <<<"$line")
    tp=$(sed -n 's/.*\(tcp\|udp\)([^)]*dst=\([0-9a-fx/]*\).*/\2/p' <<<"$line")
    case "$nw" in */*) nw=${nw#*/} ;; "") nw=- ;; *) nw=exact ;; esac
    case "$tp" in */*) tp=${tp#*/} ;; "") tp=- ;; *) tp=exact ;; esac
    echo "$nw $tp"
  done < <(grep "ipv4(" <<<"$1") | LC_ALL=C sort
}

ft_case "set-up: ferry-vswitchd and ovs-vswitchd with the same table"
ft_controller_bridge
printf '%s\n' "$RULES" >"$FT_DIR/rules.txt"
ft_check "ferry: rules" ovs-ofctl add-flows br0 "$FT_DIR/rules.txt"
ft_stock_dummy_rules "$FT_DIR/rules.txt"

ft_case "the same frames into both"
for spec in "${PACKETS[@]}"; do
  spec="eth(dst=$M2,src=$M1),$spec,payload(len=20)"
  ft_send "$(ft_ns vm1)" eth0 "$spec"
  hex=$(ip netns exec "$(ft_ns vm1)" "$FT_PKTGEN" send --iface lo --frame "$spec" --print | tail -1 | tr -d ' \n')
  ft_check "ovs receives $spec" ft_ovs ovs-appctl netdev-dummy/receive p1 "$hex"
done
ft_check "ferry installed 5 megaflows" ft_wait_for 5 \
  sh -c "[ \$(ovs-appctl -t ferry-vswitchd dpctl/dump-flows | grep -c 'ipv4(') -ge 5 ]"
ft_check "ovs installed 5 megaflows" ft_wait_for 5 \
  sh -c "[ \$(OVS_RUNDIR=$FT_DIR/ovs ovs-appctl dpctl/dump-flows | grep -c 'ipv4(') -ge 5 ]"
ferry_flows=$(ft_appctl dpctl/dump-flows)
ovs_flows=$(ft_ovs ovs-appctl dpctl/dump-flows)
ft_log "ferry: $ferry_flows"
ft_log "ovs: $ovs_flows"

ft_case "the masks: Open vSwitch's are the unit test's, Ferry's are Open vSwitch's"
ft_eq "ovs" "$WANT" "$(masks_of "$ovs_flows")"
ft_eq "ferry" "$(masks_of "$ovs_flows")" "$(masks_of "$ferry_flows")"
ft_finish
