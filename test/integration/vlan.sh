#!/usr/bin/env bash
# 802.1Q as OVS does it: access ports (Port.tag) and trunk ports
# (Port.trunks) isolate VLANs, carry tagged frames on trunks, flood only
# to members, and a VLAN change at run time does not disturb other ports.
source "$(dirname "$0")/lib.sh"
ft_init vlan

ft_case "set-up: access ports in VLANs 10 and 20, one trunk"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
ft_vm "$HV" a1 02:00:00:00:10:01 10.0.10.1/24
ft_vm "$HV" a2 02:00:00:00:10:02 10.0.10.2/24
ft_vm "$HV" b1 02:00:00:00:20:01 10.0.10.3/24   # same subnet, other VLAN
ft_vm "$HV" b2 02:00:00:00:20:02 10.0.20.2/24
ft_vm "$HV" t1 02:00:00:00:99:01 192.0.2.1/32   # trunk VM: sends and reads tagged frames raw
T1=$(ft_ns t1)
ft_check "add-br" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
ft_check "a1" ovs-vsctl add-port br0 a1 tag=10
ft_check "a2" ovs-vsctl add-port br0 a2 tag=10
ft_check "b1" ovs-vsctl add-port br0 b1 tag=20
ft_check "b2" ovs-vsctl add-port br0 b2 tag=20
ft_check "t1" ovs-vsctl add-port br0 t1 trunks=10,20

ft_case "access ports of one VLAN reach each other"
ft_check "a1 -> a2" ft_ping "$(ft_ns a1)" 10.0.10.2 3

ft_case "different VLANs are isolated (same subnet)"
ft_check_fails "a1 -> b1" ft_ping "$(ft_ns a1)" 10.0.10.3 2

ft_case "the trunk carries both VLANs, tagged (exact bytes)"
# No payload padding: the frames keep their length with or without a tag.
body="ipv4(src=10.0.10.4,dst=10.0.10.1),udp(sport=7,dport=7),payload(len=40)"
tagged10=$(ft_frame "eth(dst=02:00:00:00:10:01,src=02:00:00:00:99:01),vlan(vid=10),$body")
plain10=$(ft_frame "eth(dst=02:00:00:00:10:01,src=02:00:00:00:99:01),$body")
ft_check "capture on a1" ft_capture_start "$(ft_ns a1)" eth0 a1 --count 1 --timeout-ms 5000 --filter-dst 02:00:00:00:10:01
ft_check "trunk sends VLAN 10" ft_send "$T1" eth0 "eth(dst=02:00:00:00:10:01,src=02:00:00:00:99:01),vlan(vid=10),$body"
ft_eq "a1 receives it untagged" "$plain10" "$(ft_capture_wait a1)"
back="ipv4(src=10.0.20.2,dst=10.0.20.4),udp(sport=8,dport=8),payload(len=40)"
ft_check "capture on t1" ft_capture_start "$T1" eth0 t1 --count 1 --timeout-ms 5000 --filter-dst 02:00:00:00:99:01
ft_check "b2 sends to the trunk VM" ft_send "$(ft_ns b2)" eth0 "eth(dst=02:00:00:00:99:01,src=02:00:00:00:20:02),$back"
ft_eq "t1 receives it tagged 20" \
  "$(ft_frame "eth(dst=02:00:00:00:99:01,src=02:00:00:00:20:02),vlan(vid=20),$back")" "$(ft_capture_wait t1)"
fdb=$(ft_appctl fdb/show br0)
ft_contains "trunk VM learned in VLAN 10" "$fdb" "   10  02:00:00:00:99:01"
ft_contains "b2 learned in VLAN 20" "$fdb" "   20  02:00:00:00:20:02"
ft_check "capture on a2" ft_capture_start "$(ft_ns a2)" eth0 a2x --count 1 --timeout-ms 1500 --filter-dst 02:00:00:00:10:01
ft_check "trunk sends VLAN 20 to a1's MAC" ft_send "$T1" eth0 "eth(dst=02:00:00:00:10:01,src=02:00:00:00:99:01),vlan(vid=20),$body"
ft_eq "nothing crosses into VLAN 10" "" "$(ft_capture_wait a2x)"

ft_case "floods reach only the VLAN's member ports"
capa=$FT_DIR/a2.txt
capb=$FT_DIR/b1.txt
timeout 15 ip netns exec "$(ft_ns a2)" tcpdump -i eth0 -e -nn -c 1 'ether broadcast and udp port 9999' >"$capa" 2>/dev/null &
pa=$!
ip netns exec "$(ft_ns b1)" tcpdump -i eth0 -e -nn 'ether broadcast and udp port 9999' >"$capb" 2>/dev/null &
pb=$!
FT_PIDS+=($pa $pb)
sleep 1
for i in 1 2 3; do
  ip netns exec "$(ft_ns a1)" "$FT_PKTGEN" send --iface eth0 \
    --frame "eth(dst=ff:ff:ff:ff:ff:ff,src=02:00:00:00:10:01),ipv4(src=10.0.10.1,dst=10.0.10.255),udp(sport=9999,dport=9999)" \
    >/dev/null 2>&1
  sleep 0.2
done
wait $pa 2>/dev/null
kill $pb 2>/dev/null
wait $pb 2>/dev/null
ft_contains "a2 got the broadcast" "$(cat "$capa")" "02:00:00:00:10:01 > ff:ff:ff:ff:ff:ff"
ft_eq "b1 got nothing" "" "$(cat "$capb")"

ft_case "an access port drops tagged frames (counted)"
before=$(ft_appctl dpif-netdev/pmd-stats-show | sed -n 's/.*vlan_invalid: \([0-9]*\).*/\1/p' | head -1)
ip netns exec "$(ft_ns a1)" "$FT_PKTGEN" send --iface eth0 --count 5 \
  --frame "eth(dst=ff:ff:ff:ff:ff:ff,src=02:00:00:00:10:01),vlan(vid=20),ipv4(src=10.0.10.1,dst=10.0.10.255),udp(sport=1,dport=2)" \
  >/dev/null 2>&1
sleep 0.5
after=$(ft_appctl dpif-netdev/pmd-stats-show | sed -n 's/.*vlan_invalid: \([0-9]*\).*/\1/p' | head -1)
ft_eq "5 counted" 5 "$(( ${after:-0} - ${before:-0} ))"

ft_case "moving b1 into VLAN 10 at run time does not disturb others"
ip netns exec "$(ft_ns a2)" ping -q -c 40 -i 0.05 10.0.10.1 >"$FT_DIR/steady.txt" 2>&1 &
steady=$!
FT_PIDS+=($steady)
sleep 0.3
ft_check "set tag" ovs-vsctl set port b1 tag=10
ft_check "a1 -> b1 now" ft_ping "$(ft_ns a1)" 10.0.10.3 3
wait $steady
ft_contains "no loss a2 -> a1 during the change" "$(cat "$FT_DIR/steady.txt")" " 0% packet loss"
ft_finish
