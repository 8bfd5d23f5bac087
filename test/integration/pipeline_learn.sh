#!/usr/bin/env bash
# learn, conjunction, the action set and the NXAST stack programmed with the
# real ovs-ofctl: a MAC-learning switch made of learn() (VMs ping through
# flows the control thread learned from their traffic), a conjunctive ACL
# (source x destination port), write_actions and push/pop seen on the wire
# and in ofproto/trace, dump-flows printing what was written, and the
# refusals.
source "$(dirname "$0")/lib.sh"
ft_init pipeline_learn

M1=02:00:00:00:00:01
M2=02:00:00:00:00:02
M3=02:00:00:00:00:03
ft_three_vms

ft_case "a learning switch made of learn(): dump-flows prints it as written"
LEARN="learn(table=10,idle_timeout=60,priority=50,cookie=0x42,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15],output:NXM_OF_IN_PORT[])"
cat >"$FT_DIR/flows.txt" <<FLOWS
table=0,priority=10,actions=$LEARN,resubmit(,10)
table=10,priority=1,actions=FLOOD
FLOWS
ft_check "del-flows" ovs-ofctl del-flows br0
ft_check "add-flows" ovs-ofctl add-flows br0 "$FT_DIR/flows.txt"
ft_contains "the learn action as ovs-ofctl wrote it" "$(ovs-ofctl dump-flows br0 table=0 --no-stats)" \
  " priority=10 actions=$LEARN,resubmit(,10)"

ft_case "VMs ping through learned flows"
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
ft_wait_for 5 sh -c "ovs-ofctl dump-flows br0 table=10 | grep -q dl_dst=$M2"
learned=$(ovs-ofctl dump-flows br0 table=10 --no-stats)
ft_contains "vm1 learned (on port 1)" "$learned" \
  "cookie=0x42, table=10, idle_timeout=60, priority=50,vlan_tci=0x0000/0x0fff,dl_dst=$M1 actions=load:0x1->NXM_NX_REG0[0..15],output:1"
ft_contains "vm2 learned (on port 2)" "$learned" "dl_dst=$M2 actions=load:0x2->NXM_NX_REG0[0..15],output:2"
ft_check "vm3 -> vm1" ft_ping "$(ft_ns vm3)" 10.0.0.1 3
ft_wait_for 5 sh -c "ovs-ofctl dump-flows br0 table=10 | grep -q dl_dst=$M3"
ft_contains "the learned flow counts the replies" "$(ovs-ofctl dump-flows br0 table=10,dl_dst=$M1)" "n_packets="
ft_not_contains "and not zero" "$(ovs-ofctl dump-flows br0 table=10,dl_dst=$M1)" "n_packets=0,"
# Unicast to a learned MAC goes to its port only.
uni="eth(dst=$M2,src=$M3),ipv4(src=10.0.0.3,dst=10.0.0.2),udp(sport=1,dport=9),payload(len=20)"
ft_check "capture on vm1" ft_capture_start "$(ft_ns vm1)" eth0 notme --count 1 --timeout-ms 800 --filter-dst $M2 --filter-ethertype 0x0800
ft_check "capture on vm2" ft_capture_start "$(ft_ns vm2)" eth0 me --count 1 --timeout-ms 5000 --filter-dst $M2 --filter-ethertype 0x0800
ft_check "send from vm3" ft_send "$(ft_ns vm3)" eth0 "$uni"
ft_eq "vm2 gets it" "$(ft_frame "$uni")" "$(ft_capture_wait me)"
ft_eq "vm1 does not" "" "$(ft_capture_wait notme)"

ft_case "ofproto/trace shows the learn and the table it resubmits to"
trace=$(ft_appctl ofproto/trace br0 "udp,in_port=vm3,dl_src=$M3,dl_dst=$M2,nw_src=10.0.0.3,nw_dst=10.0.0.2,nw_ttl=64,udp_src=1,udp_dst=9")
ft_contains "the learn" "$trace" "    $LEARN,resubmit(,10)"
ft_contains "the learned flow" "$trace" "    10. vlan_tci=0x0000/0x0fff,dl_dst=$M2, priority 50"
ft_contains "the megaflow matches the learned-from fields" "$trace" "dl_src=$M3"

ft_case "deleting the learner with delete_learned takes the learned flows"
ft_check "mod-flows: delete_learned" ovs-ofctl mod-flows br0 "table=0,priority=10,actions=${LEARN/cookie=0x42,/cookie=0x42,delete_learned,},resubmit(,10)"
ft_check "del-flows table=0" ovs-ofctl del-flows br0 table=0
ft_eq "no learned flow left" 1 "$(ovs-ofctl dump-flows br0 table=10 --no-stats | wc -l)"

ft_case "a conjunctive ACL: sources x destination ports"
cat >"$FT_DIR/acl.txt" <<FLOWS
table=0,priority=100,ip,nw_src=10.0.0.1,actions=conjunction(7,1/2)
table=0,priority=100,ip,nw_src=10.0.0.3,actions=conjunction(7,1/2)
table=0,priority=100,udp,tp_dst=5000,actions=conjunction(7,2/2)
table=0,priority=100,udp,tp_dst=5001,actions=conjunction(7,2/2)
table=0,priority=100,conj_id=7,ip,actions=drop
table=0,priority=1,actions=NORMAL
FLOWS
ft_check "del-flows" ovs-ofctl del-flows br0
ft_check "add-flows" ovs-ofctl add-flows br0 "$FT_DIR/acl.txt"
ft_contains "conjunction as written" "$(ovs-ofctl dump-flows br0 --no-stats)" \
  " priority=100,udp,tp_dst=5001 actions=conjunction(7,2/2)"
ft_contains "conj_id as written" "$(ovs-ofctl dump-flows br0 --no-stats)" " priority=100,conj_id=7,ip actions=drop"
ft_check "ping still works (ICMP is in no clause 2)" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
blocked="eth(dst=$M2,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.2),udp(sport=4000,dport=5001),payload(len=30)"
allowed="eth(dst=$M2,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.2),udp(sport=4000,dport=5002),payload(len=30)"
ft_check "capture on vm2" ft_capture_start "$(ft_ns vm2)" eth0 blocked --count 1 --timeout-ms 800 --filter-dst $M2 --filter-ethertype 0x0800
ft_check "send udp/5001 from vm1" ft_send "$(ft_ns vm1)" eth0 "$blocked"
ft_eq "both clauses: dropped" "" "$(ft_capture_wait blocked)"
ft_check "capture on vm2" ft_capture_start "$(ft_ns vm2)" eth0 allowed --count 1 --timeout-ms 5000 --filter-dst $M2 --filter-ethertype 0x0800
ft_check "send udp/5002 from vm1" ft_send "$(ft_ns vm1)" eth0 "$allowed"
ft_eq "one clause: forwarded" "$(ft_frame "$allowed")" "$(ft_capture_wait allowed)"
ft_contains "the conj_id flow counted the drop" "$(ovs-ofctl dump-flows br0 conj_id=7)" "n_packets=1,"

ft_case "write_actions and push/pop: the action set runs last"
cat >"$FT_DIR/set.txt" <<FLOWS
table=0,priority=10,in_port=vm1,actions=push:NXM_OF_ETH_SRC[],write_actions(mod_dl_src:02:00:00:00:00:99,output:vm3),goto_table:1
table=1,priority=10,actions=pop:NXM_NX_REG2[0..31],note:aa.bb,goto_table:2
table=2,priority=10,reg2=0x1,actions=output:vm2
FLOWS
ft_check "del-flows" ovs-ofctl del-flows br0
ft_check "add-flows (OpenFlow 1.3)" ovs-ofctl -O OpenFlow13 add-flows br0 "$FT_DIR/set.txt"
ft_contains "write_actions as written" "$(ovs-ofctl -O OpenFlow13 dump-flows br0 table=0 --no-stats)" \
  "actions=push:NXM_OF_ETH_SRC[],write_actions(set_field:02:00:00:00:00:99->eth_src,output:3),goto_table:1"
ft_contains "note as written" "$(ovs-ofctl -O OpenFlow13 dump-flows br0 table=1 --no-stats)" "note:aa.bb.00.00.00.00"
f="eth(dst=$M2,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.2),udp(sport=4000,dport=7),payload(len=30)"
out="eth(dst=$M2,src=02:00:00:00:00:99),ipv4(src=10.0.0.1,dst=10.0.0.2),udp(sport=4000,dport=7),payload(len=30)"
ft_check "capture on vm2" ft_capture_start "$(ft_ns vm2)" eth0 v2 --count 1 --timeout-ms 5000 --filter-dst $M2 --filter-ethertype 0x0800
ft_check "capture on vm3" ft_capture_start "$(ft_ns vm3)" eth0 v3 --count 1 --timeout-ms 5000 --filter-dst $M2 --filter-ethertype 0x0800
ft_check "send from vm1" ft_send "$(ft_ns vm1)" eth0 "$f"
# reg2 = the popped MAC's low 32 bits (0x00000001): table 2 outputs to vm2
# as the frame is then; the action set rewrites and outputs after that.
ft_eq "vm2 gets it unchanged (table 2)" "$(ft_frame "$f")" "$(ft_capture_wait v2)"
ft_eq "vm3 gets the action set's rewrite" "$(ft_frame "$out")" "$(ft_capture_wait v3)"
trace=$(ft_appctl ofproto/trace br0 "udp,in_port=vm1,dl_src=$M1,dl_dst=$M2,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64,udp_src=4000,udp_dst=7")
ft_contains "trace: the action set" "$trace" "--. Executing action set:"
ft_contains "trace: flat list" "$trace" "Translated actions: output:vm2,mod_dl_src:02:00:00:00:00:99,output:vm3"

ft_case "refused as stock OVS would refuse what Ferry lacks"
ft_check_fails "learn with fin_idle_timeout" ovs-ofctl add-flow br0 \
  "actions=learn(table=1,fin_idle_timeout=5,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[])"
err=$(ovs-ofctl add-flow br0 "actions=learn(table=1,fin_idle_timeout=5,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[])" 2>&1)
ft_contains "with OFPBAC_BAD_TYPE" "$err" "OFPBAC_BAD_TYPE"
ft_check "the daemon is alive" ft_ferry_alive

ft_finish
