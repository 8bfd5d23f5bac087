#!/usr/bin/env bash
# OpenFlow groups programmed with the real ovs-ofctl (OpenFlow 1.3 and 1.5):
# all, indirect, select (OVS's default dp_hash method and
# selection_method=hash,fields), fast_failover following a port's link,
# chaining; exact bytes on the wire, group and bucket counters, dump-groups
# and dump-group-features, ofproto/trace, the errors OVS sends, and the
# flows that go with a deleted group.
source "$(dirname "$0")/lib.sh"
ft_init groups

M1=02:00:00:00:00:01
M2=02:00:00:00:00:02
M3=02:00:00:00:00:03
M4=02:00:00:00:00:04
MX=02:00:00:00:00:99
OF13="-O OpenFlow13"
OF15="-O OpenFlow15"

ft_case "set-up: four VMs on br0"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
ft_vm "$HV" vm1 $M1 10.0.0.1/24
ft_vm "$HV" vm2 $M2 10.0.0.2/24
ft_vm "$HV" vm3 $M3 10.0.0.3/24
ft_vm "$HV" vm4 $M4 10.0.0.4/24
ft_check "add-br" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
n=1
for p in vm1 vm2 vm3 vm4; do
  ft_check "add $p" ovs-vsctl add-port br0 $p -- set interface $p ofport_request=$n
  n=$((n + 1))
done
ft_check "del-flows" ovs-ofctl del-flows br0

# udp(dport) from vm1, to a MAC nobody has (only the groups deliver it).
frame() { echo "eth(dst=02:00:00:00:00:77,src=$M1),ipv4(src=${3:-10.0.0.1},dst=10.0.0.9),udp(sport=${2:-1000},dport=$1),payload(len=24)"; }
# capture NAME VM COUNT [MS]: frames to 02:00:00:00:00:77 or $MX on VM.
capture() {
  ft_capture_start "$(ft_ns "$2")" eth0 "$1" --count "$3" --timeout-ms "${4:-3000}" --filter-ethertype 0x0800
}
send() { ft_send "$(ft_ns vm1)" eth0 "$1"; }

ft_case "groups of the four types install through ovs-ofctl"
ft_check "all" ovs-ofctl $OF13 add-group br0 \
  "group_id=1,type=all,bucket=output:vm2,bucket=mod_dl_dst:$MX,output:vm3"
ft_check "indirect" ovs-ofctl $OF13 add-group br0 "group_id=2,type=indirect,bucket=output:vm4"
ft_check "select" ovs-ofctl $OF13 add-group br0 \
  "group_id=3,type=select,bucket=weight:10,output:vm2,bucket=weight:10,output:vm3,bucket=weight:10,output:vm4"
ft_check "select by ip_src" ovs-ofctl $OF15 add-group br0 \
  "group_id=4,type=select,selection_method=hash,fields(ip_src),bucket=bucket_id:1,output:vm2,bucket=bucket_id:2,output:vm3"
ft_check "fast_failover" ovs-ofctl $OF13 add-group br0 \
  "group_id=5,type=ff,bucket=watch_port:vm2,output:vm2,bucket=watch_port:vm3,output:vm3"
ft_check "chained" ovs-ofctl $OF13 add-group br0 "group_id=6,type=indirect,bucket=mod_dl_dst:$MX,group:2"
cat >"$FT_DIR/flows.txt" <<FLOWS
priority=100,udp,in_port=vm1,tp_dst=5001,actions=group:1
priority=100,udp,in_port=vm1,tp_dst=5002,actions=group:2
priority=100,udp,in_port=vm1,tp_dst=5003,actions=group:3
priority=100,udp,in_port=vm1,tp_dst=5004,actions=group:4
priority=100,udp,in_port=vm1,tp_dst=5005,actions=group:5
priority=100,udp,in_port=vm1,tp_dst=5006,actions=group:6
FLOWS
ft_check "flows naming them" ovs-ofctl $OF13 add-flows br0 "$FT_DIR/flows.txt"
groups=$(ovs-ofctl $OF13 dump-groups br0)
ft_contains "dump-groups: all" "$groups" \
  "group_id=1,type=all,bucket=actions=output:2,bucket=actions=set_field:$MX->eth_dst,output:3"
ft_contains "dump-groups: select" "$groups" \
  "group_id=3,type=select,bucket=weight:10,actions=output:2,bucket=weight:10,actions=output:3,bucket=weight:10,actions=output:4"
ft_contains "dump-groups: ff" "$groups" \
  "group_id=5,type=ff,bucket=watch_port:2,actions=output:2,bucket=watch_port:3,actions=output:3"
ft_contains "OpenFlow 1.5 shows the selection method" "$(ovs-ofctl $OF15 dump-groups br0 4)" \
  "group_id=4,type=select,selection_method=hash,fields=ip_src,bucket=bucket_id:1,actions=output:2,bucket=bucket_id:2,actions=output:3"
features=$(ovs-ofctl $OF13 dump-group-features br0)
ft_contains "dump-group-features: the four types" "$features" "Types:  0xf"
ft_contains "dump-group-features: weight, liveness, chaining" "$features" "Capabilities:  0x7"
ft_contains "dump-group-features: group in the actions" "$features" "actions: output group set_field"

ft_case "all: a copy per bucket, each with its own actions, exact bytes"
ft_check "capture vm2" capture all2 vm2 1
ft_check "capture vm3" capture all3 vm3 1
send "$(frame 5001)"
ft_eq "vm2 gets the frame as sent" "$(ft_frame "$(frame 5001)")" "$(ft_capture_wait all2)"
want3="eth(dst=$MX,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.9),udp(sport=1000,dport=5001),payload(len=24)"
ft_eq "vm3 gets it with the bucket's dl_dst" "$(ft_frame "$want3")" "$(ft_capture_wait all3)"

ft_case "indirect, and a chain of two groups"
ft_check "capture vm4" capture ind4 vm4 2
send "$(frame 5002)"
send "$(frame 5006)"
got=$(ft_capture_wait ind4)
ft_eq "vm4 gets both" 2 "$(printf '%s\n' "$got" | grep -c .)"
ft_contains "the chained one rewritten by group 6's bucket" "$got" \
  "$(ft_frame "eth(dst=$MX,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.9),udp(sport=1000,dport=5006),payload(len=24)")"

ft_case "select: connections spread over the buckets, each stays on one"
# OVS's default method hashes addresses (and TCP/SCTP ports, not UDP's).
for v in vm2 vm3 vm4; do ft_check "capture $v" capture sel_$v $v 100 2500; done
for i in $(seq 10 33); do send "$(frame 5003 2000 10.0.1.$i)"; done
send "$(frame 5003 2000 10.0.1.10)"
send "$(frame 5003 2000 10.0.1.10)"
total=0
used=0
for v in vm2 vm3 vm4; do
  c=$(ft_capture_wait sel_$v | grep -c . || true)
  total=$((total + c))
  [ "$c" -gt 0 ] && used=$((used + 1))
  eval "sel_$v=\$(ft_capture_wait sel_$v)"
done
ft_eq "each frame left once" 26 "$total"
ft_check "at least two buckets used" test "$used" -ge 2
first=$(ft_frame "$(frame 5003 2000 10.0.1.10)")
same=0
for v in vm2 vm3 vm4; do
  eval "c=\$(printf '%s\n' \"\$sel_$v\" | grep -c \"^$first\$\" || true)"
  [ "$c" = 3 ] && same=1
done
ft_eq "the three frames of one connection on one port" 1 "$same"

ft_case "select by fields(ip_src): the source decides, not the ports"
for v in vm2 vm3; do ft_check "capture $v" capture src_$v $v 100 2000; done
for sport in 1 2 3 4 5 6; do send "$(frame 5004 $sport 10.0.0.1)"; done
a=$(ft_capture_wait src_vm2 | grep -c . || true)
b=$(ft_capture_wait src_vm3 | grep -c . || true)
ft_eq "six frames" 6 "$((a + b))"
ft_check "all to one port" test "$a" = 0 -o "$b" = 0

ft_case "fast_failover follows vm2's link"
ft_check "capture vm2" capture ff2 vm2 1
send "$(frame 5005)"
ft_eq "vm2 while its link is up" "$(ft_frame "$(frame 5005)")" "$(ft_capture_wait ff2)"
ip -n "$(ft_ns vm2)" link set eth0 down
ft_check "link_state down" ft_wait_for 10 sh -c "[ \$(ovs-vsctl get interface vm2 link_state) = down ]"
ft_check "capture vm3" capture ff3 vm3 1
send "$(frame 5005 1001)"
ft_eq "vm3 once vm2 is down" "$(ft_frame "$(frame 5005 1001)")" "$(ft_capture_wait ff3)"
ip -n "$(ft_ns vm2)" link set eth0 up
ft_check "link_state up" ft_wait_for 10 sh -c "[ \$(ovs-vsctl get interface vm2 link_state) = up ]"
ft_check "capture vm2 again" capture ff2b vm2 1
send "$(frame 5005 1002)"
ft_eq "back to vm2" "$(ft_frame "$(frame 5005 1002)")" "$(ft_capture_wait ff2b)"

ft_case "packet-out through a group"
ft_check "capture vm2" capture po2 vm2 1
ft_check "capture vm3" capture po3 vm3 1
ft_check "packet-out group:1" ovs-ofctl $OF13 packet-out br0 CONTROLLER "group:1" "$(ft_frame "$(frame 5009)")"
ft_eq "vm2 gets it" "$(ft_frame "$(frame 5009)")" "$(ft_capture_wait po2)"
ft_eq "vm3 with the bucket's dl_dst" \
  "$(ft_frame "eth(dst=$MX,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.9),udp(sport=1000,dport=5009),payload(len=24)")" \
  "$(ft_capture_wait po3)"
err=$(ovs-ofctl $OF13 packet-out br0 CONTROLLER "group:77" "$(ft_frame "$(frame 5009)")" 2>&1)
ft_contains "to a missing group" "$err" "OFPBAC_BAD_OUT_GROUP"

ft_case "group and bucket counters"
stats=$(ovs-ofctl $OF13 dump-group-stats br0 group_id=1)
ft_contains "group 1: a packet and a packet-out, one flow, both buckets" "$stats" \
  "ref_count=1,packet_count=2,byte_count=132,bucket0:packet_count=2,byte_count=132,bucket1:packet_count=2,byte_count=132"
stats=$(ovs-ofctl $OF13 dump-group-stats br0 group_id=3)
ft_contains "group 3 counted every frame" "$stats" "packet_count=26,"
stats5=$(ovs-ofctl $OF13 dump-group-stats br0 group_id=5)
ft_contains "group 5: two by bucket 0, one by bucket 1" "$stats5" \
  "bucket0:packet_count=2,byte_count=132,bucket1:packet_count=1,byte_count=66"

ft_case "a group change takes effect by the barrier (mod-group)"
ft_check "mod-group 2" ovs-ofctl $OF13 mod-group br0 "group_id=2,type=indirect,bucket=output:vm3"
ft_check "capture vm3" capture mod3 vm3 1
send "$(frame 5002)"
ft_eq "vm3 now" "$(ft_frame "$(frame 5002)")" "$(ft_capture_wait mod3)"
ft_contains "counters start again" "$(ovs-ofctl $OF13 dump-group-stats br0 group_id=2)" \
  "packet_count=1,byte_count=66,bucket0"

ft_case "ofproto/trace shows the group and the bucket"
trace=$(ft_appctl ofproto/trace br0 "udp,in_port=vm1,dl_src=$M1,dl_dst=02:00:00:00:00:77,nw_src=10.0.0.1,nw_dst=10.0.0.9,udp_src=1000,udp_dst=5003")
ft_contains "the group" "$trace" "group:3 (select)"
ft_contains "the bucket picked" "$trace" "-> using bucket"
ft_contains "its actions" "$trace" "    bucket "
ft_contains "the megaflow holds the hashed fields" "$trace" "tp_src=1000"

ft_case "errors as OVS sends them"
err=$(ovs-ofctl $OF13 add-group br0 "group_id=1,type=all,bucket=output:vm2" 2>&1)
ft_contains "add of an existing group" "$err" "OFPGMFC_GROUP_EXISTS"
err=$(ovs-ofctl $OF13 mod-group br0 "group_id=77,type=all,bucket=output:vm2" 2>&1)
ft_contains "modify of a missing group" "$err" "OFPGMFC_UNKNOWN_GROUP"
err=$(ovs-ofctl $OF13 add-flow br0 "priority=5,actions=group:77" 2>&1)
ft_contains "a flow naming a missing group" "$err" "OFPBAC_BAD_OUT_GROUP"
err=$(ovs-ofctl $OF15 insert-buckets br0 "group_id=4,command_bucket_id=last,bucket=bucket_id:1,output:vm4" 2>&1)
ft_contains "insert-buckets with a bucket id taken" "$err" "OFPGMFC_BUCKET_EXISTS"
err=$(ovs-ofctl $OF15 remove-buckets br0 "group_id=4,command_bucket_id=7" 2>&1)
ft_contains "remove-buckets of a missing bucket" "$err" "OFPGMFC_UNKNOWN_BUCKET"
ft_check "insert-buckets" ovs-ofctl $OF15 insert-buckets br0 \
  "group_id=4,command_bucket_id=first,bucket=bucket_id:9,output:vm4"
ft_contains "goes first" "$(ovs-ofctl $OF15 dump-groups br0 4)" \
  "fields=ip_src,bucket=bucket_id:9,"
err=$(ovs-ofctl $OF13 add-group br0 "group_id=9,type=all,bucket=watch_port:vm2,output:vm2" 2>&1)
ft_contains "watch_port in an all group" "$err" "OFPGMFC_WATCH_UNSUPPORTED"
err=$(ovs-ofctl $OF13 add-group br0 "group_id=10,type=all,bucket=bundle(eth_src,0,hrw,ofport,members:1,2)" 2>&1)
ft_contains "a bucket action Ferry lacks" "$err" "OFPBAC_BAD_TYPE"

ft_case "deleting a group deletes the flows that use it"
ft_check "del-groups 1" ovs-ofctl $OF13 del-groups br0 group_id=1
ft_eq "its flow went" "" "$(ovs-ofctl dump-flows br0 udp,tp_dst=5001 --no-stats | grep -v NXST)"
ft_eq "the others stay" 5 "$(ovs-ofctl dump-flows br0 --no-stats | grep -c group)"
ft_check "del-groups (all)" ovs-ofctl $OF13 del-groups br0
ft_eq "no group left" "" "$(ovs-ofctl $OF13 dump-groups br0 | grep group_id || true)"
ft_eq "and no flow using one" 0 "$(ovs-ofctl dump-flows br0 --no-stats | grep -c group || true)"
ft_check "ferry-vswitchd alive" ft_ferry_alive

ft_finish
