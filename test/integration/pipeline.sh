#!/usr/bin/env bash
# A multi-table pipeline programmed with the real ovs-ofctl, as SDN
# controllers program one: port security (table 0, the port's number into
# reg0), an ACL on reg0 (table 1), an L2 lookup into reg1 (table 2) and the
# output stage (table 3), broadcast through resubmit into table 4. Three VMs
# ping through it; the ACL drops what it must; a mod_nw_dst + dec_ttl stage
# rewrites a datagram seen byte for byte on the wire; dump-flows, counters,
# dump-tables, ofproto/trace and the datapath's megaflows are what ovs-ofctl
# and ovs-appctl users expect.
source "$(dirname "$0")/lib.sh"
ft_init pipeline

M1=02:00:00:00:00:01
M2=02:00:00:00:00:02
M3=02:00:00:00:00:03
ft_three_vms

ft_case "a five-table pipeline installs through ovs-ofctl"
cat >"$FT_DIR/flows.txt" <<FLOWS
table=0,priority=100,in_port=vm1,dl_src=$M1,actions=load:1->NXM_NX_REG0[],goto_table:1
table=0,priority=100,in_port=vm2,dl_src=$M2,actions=load:2->NXM_NX_REG0[],goto_table:1
table=0,priority=100,in_port=vm3,dl_src=$M3,actions=load:3->NXM_NX_REG0[],goto_table:1
table=0,priority=0,actions=drop
table=1,priority=100,arp,actions=goto_table:2
table=1,priority=100,icmp,actions=goto_table:2
table=1,priority=90,reg0=3,udp,tp_dst=5000,actions=drop
table=1,priority=85,reg0=1,udp,tp_dst=6000,actions=mod_nw_dst:10.0.0.3,dec_ttl,goto_table:2
table=1,priority=80,udp,actions=goto_table:2
table=1,priority=0,actions=drop
table=2,priority=100,dl_dst=$M1,actions=load:1->NXM_NX_REG1[],goto_table:3
table=2,priority=100,dl_dst=$M2,actions=load:2->NXM_NX_REG1[],goto_table:3
table=2,priority=100,dl_dst=$M3,actions=load:3->NXM_NX_REG1[],goto_table:3
table=2,priority=50,dl_dst=ff:ff:ff:ff:ff:ff,actions=resubmit(,4)
table=3,priority=100,reg1=1,actions=output:vm1
table=3,priority=100,reg1=2,actions=output:vm2
table=3,priority=100,reg1=3,actions=output:vm3
table=4,priority=100,actions=FLOOD
FLOWS
ft_check "del-flows" ovs-ofctl del-flows br0
ft_check "add-flows" ovs-ofctl add-flows br0 "$FT_DIR/flows.txt"
ft_eq "18 flows" 18 "$(ovs-ofctl dump-flows br0 --no-stats | wc -l)"
ft_eq "table=2 selects a table" 4 "$(ovs-ofctl dump-flows br0 table=2 --no-stats | wc -l)"
# What stock ovs-vswitchd prints for the same flows (OpenFlow 1.0 carries
# goto_table as a resubmit, in both switches).
ft_contains "as ovs-ofctl prints it" "$(ovs-ofctl dump-flows br0 table=1 --no-stats)" \
  " table=1, priority=85,udp,reg0=0x1,tp_dst=6000 actions=mod_nw_dst:10.0.0.3,dec_ttl,resubmit(,2)"
ft_contains "and with OpenFlow 1.3" "$(ovs-ofctl -O OpenFlow13 dump-flows br0 table=0 --no-stats)" \
  " reset_counts priority=100,in_port=1,dl_src=$M1 actions=load:0x1->NXM_NX_REG0[],resubmit(,1)"
ft_contains "dump-tables counts active flows per table" \
  "$(ovs-ofctl dump-tables br0 | grep -A1 '^  table 2:')" "active=4"

ft_case "VMs ping through the tables (ARP floods through resubmit)"
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
ft_check "vm3 -> vm1" ft_ping "$(ft_ns vm3)" 10.0.0.1 3
ft_contains "the output stage counted them" \
  "$(ovs-ofctl dump-flows br0 table=3,reg1=2)" "n_packets="
ft_not_contains "and not zero" "$(ovs-ofctl dump-flows br0 table=3,reg1=2)" "n_packets=0,"

ft_case "port security: a spoofed source MAC is dropped in table 0"
spoof="eth(dst=$M2,src=02:00:00:00:00:66),ipv4(src=10.0.0.1,dst=10.0.0.2),udp(sport=1,dport=7000),payload(len=20)"
ft_check "capture on vm2" ft_capture_start "$(ft_ns vm2)" eth0 spoof --count 1 --timeout-ms 1000 --filter-dst $M2 --filter-ethertype 0x0800
ft_check "send spoofed" ft_send "$(ft_ns vm1)" eth0 "$spoof"
ft_eq "nothing arrives" "" "$(ft_capture_wait spoof)"
ft_contains "the drop rule counted it" "$(ovs-ofctl dump-flows br0 table=0 | grep "priority=0 ")" "n_packets=1,"

ft_case "the ACL on reg0 drops vm3's udp/5000 and passes vm1's"
blocked="eth(dst=$M1,src=$M3),ipv4(src=10.0.0.3,dst=10.0.0.1),udp(sport=4000,dport=5000),payload(len=30)"
allowed="eth(dst=$M3,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.3),udp(sport=4000,dport=5000),payload(len=30)"
ft_check "capture on vm1" ft_capture_start "$(ft_ns vm1)" eth0 blocked --count 1 --timeout-ms 1000 --filter-dst $M1 --filter-ethertype 0x0800
ft_check "send from vm3" ft_send "$(ft_ns vm3)" eth0 "$blocked"
ft_eq "vm1 gets nothing" "" "$(ft_capture_wait blocked)"
ft_check "capture on vm3" ft_capture_start "$(ft_ns vm3)" eth0 allowed --count 1 --timeout-ms 5000 --filter-dst $M3 --filter-ethertype 0x0800
ft_check "send from vm1" ft_send "$(ft_ns vm1)" eth0 "$allowed"
ft_eq "vm3 gets it unchanged" "$(ft_frame "$allowed")" "$(ft_capture_wait allowed)"

ft_case "mod_nw_dst and dec_ttl in table 1, exact bytes on the wire"
in6000="eth(dst=$M3,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.2,ttl=9),udp(sport=4000,dport=6000),payload(len=30)"
out6000="eth(dst=$M3,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.3,ttl=8),udp(sport=4000,dport=6000),payload(len=30)"
ft_check "capture on vm3" ft_capture_start "$(ft_ns vm3)" eth0 rw --count 1 --timeout-ms 5000 --filter-dst $M3 --filter-ethertype 0x0800
ft_check "send from vm1" ft_send "$(ft_ns vm1)" eth0 "$in6000"
ft_eq "rewritten, checksums recomputed" "$(ft_frame "$out6000")" "$(ft_capture_wait rw)"

ft_case "ofproto/trace walks every table"
trace=$(ft_appctl ofproto/trace br0 "udp,in_port=vm1,dl_src=$M1,dl_dst=$M2,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,udp_src=1,udp_dst=7000")
ft_contains "table 0" "$trace" " 0. in_port=vm1,dl_src=$M1, priority 100"
ft_contains "its actions as ovs-ofctl spells them" "$trace" "    load:0x1->NXM_NX_REG0[],resubmit(,1)"
ft_contains "table 1, nested" "$trace" "     1. udp, priority 80"
ft_contains "table 3" "$trace" "             3. reg1=0x2, priority 100"
ft_contains "the flat list" "$trace" "Translated actions: output:vm2"
ft_contains "datapath actions" "$trace" "Datapath actions: vm2"

ft_case "one megaflow serves many connections of the pipeline"
for sport in 11 12 13 14 15 16 17 18; do
  ft_send "$(ft_ns vm1)" eth0 "eth(dst=$M2,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.2),udp(sport=$sport,dport=7000),payload(len=20)"
done
sleep 0.3
# The only UDP to vm2 so far. Its megaflow matches tp_dst only on the leading
# bits that tell 7000 from the ACL's 5000 and 6000 (the ports trie).
flows=$(ft_appctl dpctl/dump-flows --names | grep "udp(" | grep "actions:vm2" || true)
ft_eq "the translated answer is cached once (tp_src not in it)" 1 "$(printf '%s\n' "$flows" | grep -c .)"
ft_not_contains "tp_src not matched" "$flows" "udp(src="
ft_contains "tp_dst partly" "$flows" "dst=6144/0xf800"

ft_finish
