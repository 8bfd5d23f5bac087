#!/usr/bin/env bash
# The real ovs-ofctl against ferry-vswitchd: flow_mods (add, modify, delete;
# strict and loose; cookies; timeouts), counters, bundles that commit
# atomically, errors ovs-ofctl prints, port stats, packet-out, and a
# mod_dl_dst rewrite observed on the wire with tcpdump, byte for byte.
source "$(dirname "$0")/lib.sh"
ft_init openflow

ft_case "set-up: three VMs on br0"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
ft_vm "$HV" vm1 02:00:00:00:00:01 10.0.0.1/24
ft_vm "$HV" vm2 02:00:00:00:00:02 10.0.0.2/24
ft_vm "$HV" vm3 02:00:00:00:00:03 10.0.0.3/24
ft_check "add-br" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
for p in vm1 vm2 vm3; do ft_check "add $p" ovs-vsctl add-port br0 $p; done
ft_contains "ovs-ofctl show lists the ports" "$(ovs-ofctl show br0)" " 3(vm3): addr:"
ft_eq "one default flow" 1 "$(ovs-ofctl dump-flows br0 --no-stats | wc -l)"
ft_eq "the NORMAL flow" " priority=0 actions=NORMAL" "$(ovs-ofctl dump-flows br0 --no-stats)"

udp="eth(dst=02:00:00:00:00:02,src=02:00:00:00:00:01),ipv4(src=10.0.0.1,dst=10.0.0.2),udp(sport=4000,dport=5000),payload(len=40)"
frame=$(ft_frame "$udp")
rewritten=$(ft_frame "eth(dst=02:00:00:00:00:03,src=02:00:00:00:00:01),ipv4(src=10.0.0.1,dst=10.0.0.2),udp(sport=4000,dport=5000),payload(len=40)")

ft_case "mod_dl_dst seen on the wire by tcpdump, exact bytes"
ft_check "add-flow" ovs-ofctl add-flow br0 "priority=200,in_port=vm1,udp,tp_dst=5000,actions=mod_dl_dst:02:00:00:00:00:03,output:vm3"
ft_contains "dump-flows shows it" "$(ovs-ofctl --names dump-flows br0)" "priority=200,udp,in_port=vm1,tp_dst=5000 actions=mod_dl_dst:02:00:00:00:00:03,output:vm3"
timeout 15 ip netns exec "$(ft_ns vm3)" tcpdump -i eth0 -nn -U -w "$FT_DIR/vm3.pcap" -c 1 'udp port 5000' >/dev/null 2>&1 &
td=$!
FT_PIDS+=($td)
ft_wait_for 5 sh -c "test -s $FT_DIR/vm3.pcap"
ft_check "send from vm1" ft_send "$(ft_ns vm1)" eth0 "$udp"
wait $td
wire=$(tcpdump -r "$FT_DIR/vm3.pcap" -xx 2>/dev/null | sed -n 's/^[[:space:]]*0x[0-9a-f]*:[[:space:]]*//p' | tr -d ' \n')
ft_eq "tcpdump bytes" "$rewritten" "$wire"

ft_case "n_packets and n_bytes count exactly"
ft_check "capture 5 on vm3" ft_capture_start "$(ft_ns vm3)" eth0 five --count 5 --timeout-ms 5000 --filter-dst 02:00:00:00:00:03
ft_check "send 5" ft_send "$(ft_ns vm1)" eth0 "$udp" --count 5 --interval-us 1000
ft_eq "5 arrive" 5 "$(ft_capture_wait five | wc -l)"
len=$(( ${#frame} / 2 ))
ft_contains "counters" "$(ovs-ofctl dump-flows br0 udp)" "n_packets=6, n_bytes=$((6 * len)),"

ft_case "modify (loose) changes the actions and keeps the counters"
ft_check "mod-flows" ovs-ofctl mod-flows br0 "udp,tp_dst=5000,actions=output:vm2"
ft_check "capture on vm2" ft_capture_start "$(ft_ns vm2)" eth0 mod --count 1 --timeout-ms 5000 --filter-dst 02:00:00:00:00:02
ft_check "send" ft_send "$(ft_ns vm1)" eth0 "$udp"
ft_eq "vm2 gets the frame unchanged, right after the barrier" "$frame" "$(ft_capture_wait mod)"
ft_contains "counters kept" "$(ovs-ofctl dump-flows br0 udp)" "n_packets=7,"

ft_case "strict and loose deletes"
ft_check "add p300" ovs-ofctl add-flow br0 "priority=300,udp,tp_dst=6000,actions=drop"
ft_check "add p301" ovs-ofctl add-flow br0 "priority=301,udp,tp_dst=6000,actions=drop"
ft_check "strict delete of 300" ovs-ofctl --strict del-flows br0 "priority=300,udp,tp_dst=6000"
flows=$(ovs-ofctl dump-flows br0 --no-stats)
ft_not_contains "300 gone" "$flows" "priority=300"
ft_contains "301 stays" "$flows" "priority=301"
ft_check "loose delete of udp" ovs-ofctl del-flows br0 "udp"
flows=$(ovs-ofctl dump-flows br0 --no-stats)
ft_not_contains "every udp flow gone" "$flows" "udp"
ft_contains "NORMAL stays" "$flows" "priority=0 actions=NORMAL"

ft_case "cookies select flows"
ft_check "add cookie 5" ovs-ofctl add-flow br0 "cookie=0x5,priority=10,in_port=vm2,actions=NORMAL"
ft_check "add cookie 6" ovs-ofctl add-flow br0 "cookie=0x6,priority=10,in_port=vm3,actions=NORMAL"
ft_check "delete cookie 5" ovs-ofctl del-flows br0 "cookie=0x5/-1"
flows=$(ovs-ofctl dump-flows br0)
ft_not_contains "cookie 5 gone" "$flows" "cookie=0x5,"
ft_contains "cookie 6 stays" "$flows" "cookie=0x6,"

ft_case "hard and idle timeouts expire flows"
ft_check "hard" ovs-ofctl add-flow br0 "priority=20,hard_timeout=1,in_port=vm2,actions=drop"
ft_check "idle" ovs-ofctl add-flow br0 "priority=21,idle_timeout=1,in_port=vm3,actions=drop"
ft_contains "present" "$(ovs-ofctl dump-flows br0)" "hard_timeout=1"
ft_check "expired" ft_wait_for 5 sh -c "! ovs-ofctl dump-flows br0 | grep -q timeout="

ft_case "bundles commit atomically"
printf '%s\n' "priority=40,in_port=vm1,tcp,actions=drop" "priority=41,in_port=vm1,icmp,actions=NORMAL" \
  "priority=42,in_port=vm2,arp,actions=NORMAL" >"$FT_DIR/good.txt"
ft_check "--bundle add-flows" ovs-ofctl --bundle add-flows br0 "$FT_DIR/good.txt"
flows=$(ovs-ofctl dump-flows br0 --no-stats)
for p in 40 41 42; do ft_contains "priority $p" "$flows" "priority=$p,"; done
printf '%s\n' "priority=50,in_port=vm1,tcp,actions=drop" "priority=51,ip,actions=bundle(eth_src,0,hrw,ofport,members:1,2)" \
  "priority=52,in_port=vm2,arp,actions=NORMAL" >"$FT_DIR/bad.txt"
ft_check_fails "a bundle with an unsupported action fails" ovs-ofctl --bundle add-flows br0 "$FT_DIR/bad.txt"
flows=$(ovs-ofctl dump-flows br0 --no-stats)
ft_not_contains "none of it applied (50)" "$flows" "priority=50"
ft_not_contains "none of it applied (52)" "$flows" "priority=52"
printf '%s\n' "priority=60,in_port=vm1,tcp,actions=drop" "check_overlap,priority=40,in_port=vm1,tcp,tp_dst=80,actions=drop" \
  >"$FT_DIR/overlap.txt"
ft_check_fails "a bundle whose commit fails (overlap)" ovs-ofctl --bundle add-flows br0 "$FT_DIR/overlap.txt"
ft_not_contains "none of it applied (60)" "$(ovs-ofctl dump-flows br0 --no-stats)" "priority=60"

ft_case "rejected flow_mods get OpenFlow errors that ovs-ofctl prints"
out=$(ovs-ofctl add-flow br0 "priority=1,ipv6,ipv6_label=1,actions=drop" 2>&1)
ft_contains "unsupported field" "$out" "OFPBMC_BAD_FIELD"
out=$(ovs-ofctl -O OpenFlow13 add-flow br0 "table=3,priority=1,actions=goto_table:2" 2>&1)
ft_contains "goto_table backwards" "$out" "OFPBIC_BAD_TABLE_ID"
out=$(ovs-ofctl add-flow br0 "check_overlap,priority=40,in_port=vm1,tcp,tp_dst=22,actions=drop" 2>&1)
ft_contains "overlap" "$out" "OFPFMFC_OVERLAP"
out=$(ovs-ofctl add-flow br0 "priority=1,actions=bundle(eth_src,0,hrw,ofport,members:1,2)" 2>&1)
ft_contains "unsupported action" "$out" "OFPBAC_BAD_TYPE"
ft_check "still alive" ft_ferry_alive

ft_case "port statistics (dump-ports) and OpenFlow 1.3"
ports=$(ovs-ofctl --names dump-ports br0 vm1)
ft_contains "vm1 rx" "$ports" "port  vm1: rx pkts="
ft_contains "OpenFlow 1.3 dump" "$(ovs-ofctl -O OpenFlow13 dump-flows br0)" "priority=0 actions=NORMAL"

ft_case "packet-out sends exact bytes"
ft_check "capture on vm2" ft_capture_start "$(ft_ns vm2)" eth0 po --count 1 --timeout-ms 5000 --filter-dst 02:00:00:00:00:09
po=$(ft_frame "eth(dst=02:00:00:00:00:09,src=02:00:00:00:00:01),ipv4(src=10.0.0.1,dst=10.0.0.9),udp(sport=1,dport=2),payload(len=40)")
ft_check "packet-out" ovs-ofctl packet-out br0 "in_port=LOCAL,packet=$po,actions=output:vm2"
ft_eq "vm2 got it" "$po" "$(ft_capture_wait po)"

ft_case "an OpenFlow 1.3 meter caps a flow (drop band, packets per second)"
ft_check "add-meter" ovs-ofctl -O OpenFlow13 add-meter br0 "meter=1,pktps,burst,stats,band=type=drop,rate=100,burst_size=10"
ft_check "metered flow" ovs-ofctl -O OpenFlow13 add-flow br0 "priority=250,in_port=vm1,udp,tp_dst=9100,actions=meter:1,output:vm2"
ft_contains "dump-meters" "$(ovs-ofctl -O OpenFlow13 dump-meters br0)" "meter=1 pktps burst stats bands="
metered="eth(dst=02:00:00:00:00:02,src=02:00:00:00:00:01),ipv4(src=10.0.0.1,dst=10.0.0.2),udp(sport=1,dport=9100),payload(len=40)"
ft_check "capture" ft_capture_start "$(ft_ns vm2)" eth0 met --count 300 --timeout-ms 2500 --filter-dst 02:00:00:00:00:02
t0=$(date +%s%N)
ft_check "300 frames in about 30 ms" ft_send "$(ft_ns vm1)" eth0 "$metered" --count 300 --interval-us 100
took_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
got=$(ft_capture_wait met | wc -l)
# 10 of burst plus 100 per second of sending (plus the start-up of the sender).
max=$(( 10 + 100 * (took_ms + 50) / 1000 + 2 ))
[ "$got" -ge 10 ] && [ "$got" -le "$max" ] ||
  ft_fail "the meter let $got of 300 frames through in ${took_ms} ms (expected 10-$max)"
ms=$(ovs-ofctl -O OpenFlow13 meter-stats br0)
ft_contains "all counted in" "$ms" "packet_in_count:300 "
ft_contains "the rest dropped by the band" "$ms" "0: packet_count:$((300 - got)) "
ft_contains "the flow counts" "$ms" "flow_count:1 "
ft_contains "meter_drop counter" "$(ft_appctl dpif-netdev/pmd-stats-show)" "meter_drop: $((300 - got))"
out=$(ovs-ofctl -O OpenFlow13 add-flow br0 "priority=251,actions=meter:9,output:vm2" 2>&1)
ft_contains "a flow naming a missing meter is refused" "$out" "OFPMMFC_INVALID_METER"
out=$(ovs-ofctl -O OpenFlow13 add-meter br0 "meter=1,pktps,band=type=drop,rate=5" 2>&1)
ft_contains "an existing meter" "$out" "OFPMMFC_METER_EXISTS"
out=$(ovs-ofctl -O OpenFlow13 add-meter br0 "meter=2,kbps,band=type=dscp_remark,rate=5,prec_level=1" 2>&1)
ft_contains "only drop bands" "$out" "OFPMMFC_BAD_BAND"
ft_check "del-meter" ovs-ofctl -O OpenFlow13 del-meter br0 meter=1
ft_not_contains "its flows go with it" "$(ovs-ofctl -O OpenFlow13 dump-flows br0)" "meter:1"

ft_case "other ovs-ofctl reads: aggregate, tables, desc, port descriptions"
ft_contains "dump-aggregate" "$(ovs-ofctl dump-aggregate br0)" "flow_count="
ft_contains "dump-tables" "$(ovs-ofctl dump-tables br0)" "active="
ft_contains "dump-desc" "$(ovs-ofctl dump-desc br0)" "Ferry"
ft_contains "dump-ports-desc" "$(ovs-ofctl --names -O OpenFlow13 dump-ports-desc br0)" "(vm2): addr:"

ft_case "fail_mode=secure: no default flow"
ft_check "secure bridge" ovs-vsctl add-br sec -- set bridge sec datapath_type=netdev fail_mode=secure
ft_eq "no flows" "" "$(ovs-ofctl dump-flows sec --no-stats)"
ft_check "del" ovs-vsctl del-br sec

ft_case "ofproto/trace names the rule and the output"
ft_check "add" ovs-ofctl add-flow br0 "priority=70,in_port=vm1,udp,tp_dst=7000,actions=mod_dl_dst:02:00:00:00:00:03,output:vm3"
tr=$(ft_appctl ofproto/trace br0 "in_port=vm1,udp,dl_dst=02:00:00:00:00:02,nw_dst=10.0.0.2,udp_dst=7000")
ft_contains "the rule, as OVS prints it" "$tr" " 0. udp,in_port=vm1,tp_dst=7000, priority 70"
ft_contains "the actions" "$tr" "mod_dl_dst:02:00:00:00:00:03,output:vm3"
ft_contains "datapath actions" "$tr" "Datapath actions: vm3"
ft_contains "megaflow" "$tr" "Megaflow:"
tr=$(ft_appctl ofproto/trace br0 "in_port=vm2,dl_src=02:00:00:00:00:02,dl_dst=ff:ff:ff:ff:ff:ff")
ft_contains "NORMAL floods a broadcast" "$tr" "Datapath actions: vm1,vm3"
ft_finish
