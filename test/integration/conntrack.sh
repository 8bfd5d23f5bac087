#!/usr/bin/env bash
# Connection tracking through the OpenFlow pipeline, as OVS spells it:
# a stateful firewall (vm1 may open connections to vm2, vm2 may only
# answer), ct(table=...) recirculation, zones, SNAT with the reverse
# direction un-NATed, zone limits, flush, and the dpctl/*conntrack*
# commands an OVS operator uses. Real pings and exact bytes on the wire.
source "$(dirname "$0")/lib.sh"
ft_init conntrack

M1=02:00:00:00:00:01
M2=02:00:00:00:00:02
M3=02:00:00:00:00:03
ft_three_vms

ft_case "a stateful firewall: vm1 -> vm2 new and established, vm2 -> vm1 established only"
cat >"$FT_DIR/fw.txt" <<FLOWS
table=0,priority=1,actions=drop
table=0,priority=10,arp,actions=NORMAL
table=0,priority=100,in_port=vm1,ip,actions=ct(commit,zone=9),output:vm2
table=0,priority=100,in_port=vm2,ip,ct_state=-trk,actions=ct(table=1,zone=9)
table=1,priority=100,in_port=vm2,ip,ct_state=+trk+est,actions=output:vm1
table=1,priority=1,actions=drop
FLOWS
ft_check "add-flows" ovs-ofctl add-flows br0 "$FT_DIR/fw.txt"
ft_contains "ovs-ofctl shows the ct actions as OVS prints them" \
  "$(ovs-ofctl dump-flows br0 --no-stats)" \
  "priority=100,ct_state=-trk,ip,in_port=2 actions=ct(table=1,zone=9)"
ft_contains "and the ct_state match" "$(ovs-ofctl dump-flows br0 table=1 --no-stats)" \
  "priority=100,ct_state=+est+trk,ip,in_port=2 actions=output:1"
ft_check "vm1 pings vm2 (replies come back as established)" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
ft_check_fails "vm2 cannot ping vm1 (new from vm2 is dropped)" ft_ping "$(ft_ns vm2)" 10.0.0.1 2
ct=$(ft_appctl dpctl/dump-conntrack)
ft_contains "dump-conntrack shows the ICMP connection" "$ct" \
  "icmp,orig=(src=10.0.0.1,dst=10.0.0.2,id="
ft_contains "... in zone 9" "$ct" ",zone=9"
ft_eq "one connection" 1 "$(ft_appctl dpctl/ct-get-nconns)"
ft_eq "ct-stats-show" "$(printf 'Connections Stats:\n    Total: 1\n  ICMP: 1')" \
  "$(ft_appctl dpctl/ct-stats-show)"
ft_contains "the recirculated megaflow matches ct_state" "$(ft_appctl dpctl/dump-flows)" \
  "ct_state("
ft_contains "the first pass recirculates" "$(ft_appctl dpctl/dump-flows)" "recirc(0x"

ft_case "UDP: the reply is established (exact bytes), a new flow from vm2 is not"
out="eth(dst=$M2,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.2),udp(sport=4000,dport=5000),payload(len=40)"
back="eth(dst=$M1,src=$M2),ipv4(src=10.0.0.2,dst=10.0.0.1),udp(sport=5000,dport=4000),payload(len=24)"
other="eth(dst=$M1,src=$M2),ipv4(src=10.0.0.2,dst=10.0.0.1),udp(sport=5001,dport=4000),payload(len=24)"
ft_check "capture on vm2" ft_capture_start "$(ft_ns vm2)" eth0 out --count 1 --timeout-ms 5000 \
  --filter-dst $M2 --filter-ethertype 0x0800
ft_check "vm1 sends" ft_send "$(ft_ns vm1)" eth0 "$out"
ft_eq "vm2 gets it unchanged" "$(ft_frame "$out")" "$(ft_capture_wait out)"
ft_check "capture on vm1" ft_capture_start "$(ft_ns vm1)" eth0 back --count 1 --timeout-ms 5000 \
  --filter-dst $M1 --filter-ethertype 0x0800
ft_check "vm2 answers" ft_send "$(ft_ns vm2)" eth0 "$back"
ft_eq "vm1 gets the answer" "$(ft_frame "$back")" "$(ft_capture_wait back)"
ft_check "capture on vm1" ft_capture_start "$(ft_ns vm1)" eth0 other --count 1 --timeout-ms 1000 \
  --filter-dst $M1 --filter-ethertype 0x0800
ft_check "vm2 opens its own flow" ft_send "$(ft_ns vm2)" eth0 "$other"
ft_eq "vm1 gets nothing" "" "$(ft_capture_wait other)"
ft_contains "the UDP connection" "$(ft_appctl dpctl/dump-conntrack zone=9)" \
  "udp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=4000,dport=5000),reply=(src=10.0.0.2,dst=10.0.0.1,sport=5000,dport=4000),zone=9"
ft_eq "two connections" 2 "$(ft_appctl dpctl/ct-get-nconns)"

ft_case "flush-conntrack: a flushed connection's reply is new again"
ft_check "ovs-ofctl ct-flush of another tuple (NXT_CT_FLUSH)" ovs-ofctl ct-flush br0 zone=9 \
  "ct_nw_src=10.0.0.1,ct_nw_dst=10.0.0.2,ct_nw_proto=17,ct_tp_src=4000,ct_tp_dst=5001"
ft_check "ovs-ofctl ct-flush-zone of another zone (NXT_CT_FLUSH_ZONE)" ovs-ofctl ct-flush-zone br0 8
ft_eq "both connections still there" 2 "$(ft_appctl dpctl/ct-get-nconns)"
ft_check "ovs-ofctl ct-flush of the UDP connection by its tuple" ovs-ofctl ct-flush br0 zone=9 \
  "ct_nw_src=10.0.0.1,ct_nw_dst=10.0.0.2,ct_nw_proto=17,ct_tp_src=4000,ct_tp_dst=5000"
ft_eq "one connection left" 1 "$(ft_appctl dpctl/ct-get-nconns)"
ft_contains "... the ICMP one" "$(ft_appctl dpctl/dump-conntrack)" "icmp,orig=(src=10.0.0.1"
ft_check "capture on vm1" ft_capture_start "$(ft_ns vm1)" eth0 back2 --count 1 --timeout-ms 1000 \
  --filter-dst $M1 --filter-ethertype 0x0800
ft_check "vm2 answers again" ft_send "$(ft_ns vm2)" eth0 "$back"
ft_eq "dropped: no connection" "" "$(ft_capture_wait back2)"
ft_check "ovs-ofctl ct-flush-zone 9" ovs-ofctl ct-flush-zone br0 9
ft_eq "none left" 0 "$(ft_appctl dpctl/ct-get-nconns)"

ft_case "SNAT with a port range: vm3 sees the translated source, the answer is un-NATed"
ft_check "del-flows" ovs-ofctl del-flows br0
cat >"$FT_DIR/nat.txt" <<FLOWS
table=0,priority=100,in_port=vm1,udp,actions=ct(commit,zone=5,nat(src=10.0.0.100:2000-2000)),output:vm3
table=0,priority=100,in_port=vm3,udp,actions=ct(zone=5,nat,table=2)
table=2,priority=100,ct_state=+trk+est,udp,actions=output:vm1
FLOWS
ft_check "add-flows" ovs-ofctl add-flows br0 "$FT_DIR/nat.txt"
ft_contains "nat() as OVS prints it" "$(ovs-ofctl dump-flows br0 --no-stats)" \
  "actions=ct(commit,zone=5,nat(src=10.0.0.100:2000)),output:3"
sent="eth(dst=$M3,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.3),udp(sport=4000,dport=5000),payload(len=33)"
seen="eth(dst=$M3,src=$M1),ipv4(src=10.0.0.100,dst=10.0.0.3),udp(sport=2000,dport=5000),payload(len=33)"
answer="eth(dst=$M1,src=$M3),ipv4(src=10.0.0.3,dst=10.0.0.100),udp(sport=5000,dport=2000),payload(len=21)"
unnat="eth(dst=$M1,src=$M3),ipv4(src=10.0.0.3,dst=10.0.0.1),udp(sport=5000,dport=4000),payload(len=21)"
ft_check "capture on vm3" ft_capture_start "$(ft_ns vm3)" eth0 snat --count 1 --timeout-ms 5000 \
  --filter-dst $M3 --filter-ethertype 0x0800
ft_check "vm1 sends" ft_send "$(ft_ns vm1)" eth0 "$sent"
ft_eq "vm3 sees 10.0.0.100:2000 (checksums recomputed)" "$(ft_frame "$seen")" "$(ft_capture_wait snat)"
ft_check "capture on vm1" ft_capture_start "$(ft_ns vm1)" eth0 unnat --count 1 --timeout-ms 5000 \
  --filter-dst $M1 --filter-ethertype 0x0800
ft_check "vm3 answers 10.0.0.100:2000" ft_send "$(ft_ns vm3)" eth0 "$answer"
ft_eq "vm1 gets it for 10.0.0.1:4000" "$(ft_frame "$unnat")" "$(ft_capture_wait unnat)"
ft_contains "dump-conntrack shows the translation" "$(ft_appctl dpctl/dump-conntrack zone=5)" \
  "udp,orig=(src=10.0.0.1,dst=10.0.0.3,sport=4000,dport=5000),reply=(src=10.0.0.3,dst=10.0.0.100,sport=5000,dport=2000),zone=5"

ft_case "zone limits: the second connection of a zone limited to one is not committed"
ft_check "flush" ft_appctl dpctl/flush-conntrack
ft_check "ct-set-limits" ft_appctl dpctl/ct-set-limits zone=5,limit=1
ft_eq "ct-get-limits" "$(printf 'default limit=0\nzone=5,limit=1,count=0')" \
  "$(ft_appctl dpctl/ct-get-limits zone=5)"
ft_check "vm1 sends" ft_send "$(ft_ns vm1)" eth0 "$sent"
second="eth(dst=$M3,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.3),udp(sport=4001,dport=5000),payload(len=33)"
ft_check "vm1 sends another flow" ft_send "$(ft_ns vm1)" eth0 "$second"
ft_wait_for 5 test "$(ft_appctl dpctl/ct-get-nconns)" = 1
ft_eq "count 1 of 1" "$(printf 'default limit=0\nzone=5,limit=1,count=1')" \
  "$(ft_appctl dpctl/ct-get-limits zone=5)"
ft_check "ct-del-limits" ft_appctl dpctl/ct-del-limits zone=5

ft_case "exec(move:...) into ct_mark and ct_label (as ovn-controller's ACL commits)"
ft_check "flush" ft_appctl dpctl/flush-conntrack
ft_check "del-flows" ovs-ofctl del-flows br0
cat >"$FT_DIR/label.txt" <<FLOWS
table=0,priority=100,in_port=vm1,udp,actions=load:0x2a->NXM_NX_REG3[],load:0x5->NXM_NX_REG5[],ct(commit,zone=7,exec(set_field:0x1/0x1->ct_mark,move:NXM_NX_XXREG0[0..31]->NXM_NX_CT_LABEL[96..127],move:NXM_NX_REG5[0..3]->NXM_NX_CT_MARK[4..7])),output:vm3
FLOWS
ft_check "add-flows" ovs-ofctl add-flows br0 "$FT_DIR/label.txt"
ft_contains "the moves print back as OVS prints them" "$(ovs-ofctl dump-flows br0 --no-stats)" \
  "exec(load:0x1->NXM_NX_CT_MARK[0],move:NXM_NX_XXREG0[0..31]->NXM_NX_CT_LABEL[96..127],move:NXM_NX_REG5[0..3]->NXM_NX_CT_MARK[4..7])"
ft_check "vm1 sends" ft_send "$(ft_ns vm1)" eth0 "$sent"
ft_wait_for 5 test "$(ft_appctl dpctl/ct-get-nconns)" = 1
ft_contains "reg3 (xxreg0[0..31]) in the label's top 32 bits, reg5 in mark bits 4-7" \
  "$(ft_appctl dpctl/dump-conntrack -m zone=7)" "mark=81,labels=0x2a000000000000000000000000"

ft_case "CT_Zone timeout policies from the database (ovs-vsctl add-zone-tp); Datapath capabilities"
ft_check "flush" ft_appctl dpctl/flush-conntrack
ft_check "del-flows" ovs-ofctl del-flows br0
ft_check "ct(commit) in zones 11 and 12" ovs-ofctl add-flows br0 - <<FLOWS
table=0,priority=100,in_port=vm1,udp,tp_src=4011,actions=ct(commit,zone=11),output:vm3
table=0,priority=100,in_port=vm1,udp,tp_src=4012,actions=ct(commit,zone=12),output:vm3
FLOWS
ft_check "a Datapath row for netdev" ovs-vsctl -- --id=@dp create Datapath datapath_version=0 \
  -- set Open_vSwitch . datapaths:netdev=@dp
ft_check "add-zone-tp" ovs-vsctl add-zone-tp netdev zone=11 udp_first=71 udp_single=72 udp_multiple=73
ft_eq "list-zone-tp" "Zone:11, Timeout Policies: udp_first=71 udp_multiple=73 udp_single=72" \
  "$(ovs-vsctl list-zone-tp netdev)"
dp_caps() { ovs-vsctl get Datapath "$(ovs-vsctl get Open_vSwitch . datapaths:netdev)" capabilities; }
caps_written() { dp_caps | grep -q 'ct_timeout="true"'; }
logged() { grep -q "$1" "$OVS_RUNDIR/ferry-vswitchd.log"; }
ft_check "Ferry writes the Datapath row's capabilities" ft_wait_for 5 caps_written
caps=$(dp_caps)
ft_log "  capabilities: $caps"
for kv in 'recirc="true"' 'ct_state="true"' 'ct_zone="true"' 'ct_timeout="true"' 'ct_flush="true"' \
  'max_vlan_headers="1"' 'masked_set_action="false"' 'ct_orig_tuple6="true"'; do
  ft_contains "capabilities: $kv (as dpif/show-dp-features)" "$caps" "$kv"
done
ft_eq "27 capabilities, as ovs-vswitchd 3.1 writes" 27 "$(tr ',' '\n' <<<"$caps" | grep -c '=')"
first="eth(dst=$M3,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.3),udp(sport=4011,dport=5000),payload(len=20)"
other="eth(dst=$M3,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.3),udp(sport=4012,dport=5000),payload(len=20)"
ft_check "the policy is applied (logged)" ft_wait_for 5 logged "zone 11: timeout policy set (3 timeouts)"
ft_check "vm1 sends in zone 11" ft_send "$(ft_ns vm1)" eth0 "$first"
ft_check "vm1 sends in zone 12" ft_send "$(ft_ns vm1)" eth0 "$other"
nconns_is() { [ "$(ft_appctl dpctl/ct-get-nconns)" = "$1" ]; }
ft_check "two connections" ft_wait_for 5 nconns_is 2
# The seconds left, rounded down as OVS prints them: at most zone 11's
# udp_first (71) and more than the default (60, conntrack-tp.c) in zone
# 11, at most 60 in zone 12 (a slow machine may take a few seconds).
ct_left() {
  ft_appctl dpctl/dump-conntrack -s "zone=$1" | sed -n 's/.*,timeout=\([0-9]*\).*/\1/p'
}
ft_contains "zone 11's connection" "$(ft_appctl dpctl/dump-conntrack -s zone=11)" \
  "sport=4011,dport=5000),reply=(src=10.0.0.3,dst=10.0.0.1,sport=5000,dport=4011),zone=11,timeout="
left=$(ct_left 11)
ft_check "zone 11: udp_first=71 (timeout=$left)" test "${left:-0}" -gt 60 -a "${left:-0}" -le 71
left=$(ct_left 12)
ft_check "zone 12: the default 60 (timeout=$left)" test "${left:-99}" -gt 40 -a "${left:-99}" -le 60
ft_check "del-zone-tp" ovs-vsctl del-zone-tp netdev zone=11
ft_check "removed (logged)" ft_wait_for 5 logged "zone 11: timeout policy removed, defaults apply"
ft_check "flush" ft_appctl dpctl/flush-conntrack
ft_check "vm1 sends in zone 11 again" ft_send "$(ft_ns vm1)" eth0 "$first"
ft_check "one connection" ft_wait_for 5 nconns_is 1
left=$(ct_left 11)
ft_check "zone 11: the default again (timeout=$left)" test "${left:-99}" -gt 40 -a "${left:-99}" -le 60

ft_case "operator commands: maxconns, and bad input gets an error"
ft_eq "set maxconns" "setting maxconns successful" "$(ft_appctl dpctl/ct-set-maxconns 1000)"
ft_eq "get maxconns" 1000 "$(ft_appctl dpctl/ct-get-maxconns)"
ft_check_fails "a malformed maxconns" ft_appctl dpctl/ct-set-maxconns lots
ft_check_fails "a malformed tuple" ft_appctl dpctl/flush-conntrack "ct_nw_src=10.0.0.300"
ft_check "the daemon is alive" ft_ferry_alive

ft_finish
