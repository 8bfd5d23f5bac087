#!/usr/bin/env bash
# The VF fast path through the emulated SR-IOV NIC (net_ferry_esw): two VMs
# on VFs and a wire on the uplink, their representors in a bridge, flows
# moved to the NIC's embedded switch by the route switcher and back, with
# merged counters, the PMD out of the loop for offloaded packets, reasons
# for what stays in software, and bad input refused.
source "$(dirname "$0")/lib.sh"
ft_init offload

VM1=02:00:00:00:00:01
VM2=02:00:00:00:00:02

ft_case "a bridge on the representors of an emulated NIC"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
ft_vm "$HV" vm1 $VM1 10.0.0.1/24
ft_vm "$HV" vm2 $VM2 10.0.0.2/24
ft_vm "$HV" wire 02:00:00:00:00:fe 10.0.0.254/24
ft_check "add-br" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
ft_check "uplink representor (probes the NIC)" ovs-vsctl add-port br0 pf -- set Interface pf type=dpdk \
  "options:dpdk-devargs=\"net_ferry_esw0,vfs=2,uplink=wire,vf0=vm1,vf1=vm2,max_rules=64\""
ft_check "vf0 representor" ovs-vsctl add-port br0 rep0 -- set Interface rep0 type=dpdk \
  "options:dpdk-devargs=\"net_ferry_esw0,representor=vf0\""
ft_check "vf1 representor" ovs-vsctl add-port br0 rep1 -- set Interface rep1 type=dpdk \
  "options:dpdk-devargs=\"net_ferry_esw0,representor=vf1\""
ft_eq "pf ofport" 1 "$(ft_db_get Interface pf ofport)"
ft_eq "rep1 ofport" 3 "$(ft_db_get Interface rep1 ofport)"
ft_eq "rep0 driver" net_ferry_esw "$(ovs-vsctl --no-wait get Interface rep0 status:driver_name | tr -d '"')"
ft_check "flows" ovs-ofctl add-flows br0 - <<FLOWS
priority=20,in_port=rep0,dl_dst=$VM2,actions=output:rep1
priority=20,in_port=rep1,dl_dst=$VM1,actions=output:rep0
priority=10,arp,actions=NORMAL
FLOWS

ft_case "offload off: software forwards, nothing in the NIC"
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
show=$(ft_appctl offload/show)
ft_contains "disabled" "$show" "hw-offload: disabled"
ft_contains "no rules" "$show" "NIC table: 0 rules in hardware"
ft_not_contains "nothing offloaded" "$(ft_appctl dpctl/dump-flows)" "dp:hw"

ft_case "hw-offload=true, first-packet: the VM flows move to the NIC"
ft_check "policy" ovs-vsctl set bridge br0 other_config:ferry-offload-policy=first-packet,idle-ms=600000
ft_check "hw-offload" ovs-vsctl set Open_vSwitch . other_config:hw-offload=true
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
hw_rules() { ft_appctl offload/show br0 | sed -n 's/^  rules in hardware: \([0-9]*\)/\1/p'; }
hw_is() { test "$(hw_rules)" = "$1"; }
ft_check "both unicast flows in hardware" ft_wait_for 20 hw_is 2
show=$(ft_appctl offload/show br0)
ft_contains "enabled" "$(ft_appctl offload/show)" "hw-offload: enabled"
ft_contains "capacity from the NIC" "$(ft_appctl offload/show)" "capacity 64"
ft_contains "policy" "$show" "policy: first-packet,idle-ms=600000"
ft_contains "the rte_flow rule" "$show" "actions count / represented_port ethdev_port_id"
ft_contains "ARP stays in software, with the reason" "$show" \
  "output to NORMAL (MAC learning) needs the software switch"
dump=$(ft_appctl dpctl/dump-flows)
ft_contains "dump-flows lists the NIC's flows" "$dump" "offloaded:yes, dp:hw"
ft_contains "software megaflows say whether they are offloaded" "$dump" "offloaded:no, dp:ferry"

ft_case "offloaded packets bypass the PMD and still count in the OpenFlow rule"
pmd_rx() { ft_appctl dpif-netdev/pmd-stats-show | sed -n '0,/packets received/s/.*packets received: \([0-9]*\).*/\1/p'; }
rule_packets() { ovs-ofctl dump-flows br0 "in_port=rep0,dl_dst=$VM2" | sed -n 's/.*n_packets=\([0-9]*\).*/\1/p'; }
rx0=$(pmd_rx)
n0=$(rule_packets)
ft_check "vm1 -> vm2, 20 pings" ft_ping "$(ft_ns vm1)" 10.0.0.2 20
rule_grew() { test "$(( $(rule_packets) - n0 ))" -ge 20; }
ft_check "rule counts the hardware packets" ft_wait_for 10 rule_grew
rx1=$(pmd_rx)
[ $((rx1 - rx0)) -lt 10 ] || ft_fail "the PMD received $((rx1 - rx0)) packets for 40 offloaded ones"
hw=$(ft_appctl offload/show | sed -n 's/^hardware packets: \([0-9]*\)/\1/p')
[ "${hw:-0}" -ge 40 ] || ft_fail "hardware packets ${hw:-0}, expected at least 40"

ft_case "offload/pin moves one flow back to software; traffic goes on"
id=$(ft_appctl offload/show br0 | sed -n "s/^    flow \([0-9]*\): .*in_port=rep0.*dl_dst=$VM2.*/\1/p" | head -1)
[ -n "$id" ] || ft_fail "no flow id for rep0 -> vm2"
ft_contains "pin sw" "$(ft_appctl offload/pin "$id" sw)" "flow $id pinned to sw"
ft_check "back in software" ft_wait_for 20 hw_is 1
ft_check "vm1 -> vm2 through software" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
ft_contains "shown pinned" "$(ft_appctl offload/show br0)" "pin:sw"
ft_contains "pin auto" "$(ft_appctl offload/pin "$id" auto)" "pinned to the policy"
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 2
ft_check "back in hardware" ft_wait_for 20 hw_is 2

ft_case "bad input: unknown flow, bad path, a policy that does not parse"
out=$(ft_appctl offload/pin 999999 hw 2>&1)
ft_contains "unknown flow" "$out" "no offload flow 999999"
out=$(ft_appctl offload/pin "$id" sideways 2>&1)
ft_contains "bad path" "$out" "expected hw, sw or auto"
out=$(ft_appctl offload/pin abc hw 2>&1)
ft_contains "bad id" "$out" "expected a flow id"
out=$(ft_appctl offload/show nosuchbridge 2>&1)
ft_contains "unknown bridge" "$out" "no bridge named nosuchbridge"
ft_check "bad policy" ovs-vsctl set bridge br0 other_config:ferry-offload-policy=fastest
ft_check "error shown" ft_wait_for 10 sh -c "ovs-appctl -t ferry-vswitchd offload/show br0 | grep -q 'policy error: \"fastest\": unknown offload policy'"
ft_contains "previous policy kept" "$(ft_appctl offload/show br0)" "policy: first-packet,idle-ms=600000"
ft_check "traffic unaffected" ft_ping "$(ft_ns vm2)" 10.0.0.1 2

ft_case "a flow-table change returns flows to software, the policy brings them back"
ft_check "mod-flows" ovs-ofctl mod-flows br0 "in_port=rep1,dl_dst=$VM1,actions=output:rep0"
ft_check "vm2 -> vm1" ft_ping "$(ft_ns vm2)" 10.0.0.1 3
ft_check "in hardware again" ft_wait_for 20 hw_is 2
moves=$(ft_appctl offload/show br0)
ft_contains "moves counted" "$moves" "moves: to hardware"

ft_case "a staged conversion pins the VM's flows to software until the migration ends"
cid=$(ft_appctl vmac/add-tx br0 $VM2 0a:00:00:00:00:02 in_port=rep0 | tr -d ' \n')
[ -n "$cid" ] || ft_fail "no conversion id"
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 2
ft_check "the flow to vm2 is back in software" ft_wait_for 20 hw_is 1
ft_contains "with the reason" "$(ft_appctl offload/show br0)" \
  "reason: pinned to software: staged conversion $cid (migration in progress)"
ft_check "vm1 -> vm2 through software" ft_ping "$(ft_ns vm1)" 10.0.0.2 2
ft_check "the migration ends" ft_appctl vmac/del "$cid"
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 2
ft_check "offloaded again" ft_wait_for 20 hw_is 2

ft_case "hw-offload=false: everything back to software"
ft_check "off" ovs-vsctl set Open_vSwitch . other_config:hw-offload=false
ft_check "no rules" ft_wait_for 20 hw_is 0
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
ft_check "alive" ft_ferry_alive
ft_finish
