#!/bin/bash
# Port mirrors (OVSDB's Mirror table) on the wire, against stock Open
# vSwitch: the same bridges, rules and Mirror rows on ferry-vswitchd and on
# ovs-vswitchd (userspace datapath), each in its own hypervisor namespace
# with its own VMs; every frame a mirror's output port receives is captured
# (exact bytes) on both and compared with the expected frame. Also: the
# copies are in the cached megaflow's actions, Mirror.statistics counts
# exactly, frames from the mirror port are dropped, refused rows are logged.
source "$(dirname "$0")/lib.sh"
ft_init mirror

M1=02:00:00:00:00:01
M2=02:00:00:00:00:02
M9=02:00:00:00:00:09
# To addresses no VM has: the receiving kernel drops them without an ICMP
# error (which the mirror would copy too).
F1="eth(dst=$M2,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.102),udp(sport=4000,dport=5000),payload(len=40)"
F2="eth(dst=$M1,src=$M2),ipv4(src=10.0.0.2,dst=10.0.0.101),udp(sport=5000,dport=4000),payload(len=40)"

# Both switches: side "f" (Ferry, tools as they are) and side "o" (stock
# OVS, tools through ft_ovs); VMs fvm1 fvm2 fmon / ovm1 ovm2 omon.
sw() { if [ "$1" = o ]; then shift; ft_ovs "$@"; else shift; "$@"; fi; }

ft_case "set-up: the same bridge on ferry-vswitchd and stock ovs-vswitchd"
ft_netns hv
HV=$(ft_ns hv)
ft_netns ohv
OHV=$(ft_ns ohv)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
ft_check "ovs: ovsdb-server and ovs-vswitchd" ft_start_stock_ovs "$OHV"
for s in f o; do
  ns=$HV
  [ $s = o ] && ns=$OHV
  ft_vm "$ns" ${s}vm1 $M1 10.0.0.1/24
  ft_vm "$ns" ${s}vm2 $M2 10.0.0.2/24
  ft_vm "$ns" ${s}mon $M9 10.0.0.9/24
  ft_check "$s: add-br" sw $s ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
    fail_mode=secure
  n=1
  for p in vm1 vm2 mon; do
    ft_check "$s: add $p" sw $s ovs-vsctl add-port br0 ${s}$p -- set interface ${s}$p ofport_request=$n
    n=$((n + 1))
  done
  ft_check "$s: rules" sw $s ovs-ofctl add-flows br0 - <<FLOWS
priority=10,in_port=1,actions=output:2
priority=10,in_port=2,actions=output:1
FLOWS
done

# mirrored SIDE CASE SENDER SPEC [COUNT]: captures on SIDE's mon while
# SENDER (vm1 or vm2) sends SPEC; prints the frames mon got.
mirrored() {
  local s=$1 name=$2 from=$3 spec=$4 count=${5:-1}
  ft_capture_start "$(ft_ns ${s}mon)" eth0 "$s$name" --count "$count" --timeout-ms 2000 \
    --filter-ethertype 0x0800 >/dev/null  # tagged copies too (the filter looks behind tags)
  ft_send "$(ft_ns ${s}$from)" eth0 "$spec"
  ft_capture_wait "$s$name" | tr '\n' ' ' | sed 's/ $//'
}
# same NAME EXPECTED FROM SPEC: both switches copy SPEC (sent by FROM) as EXPECTED.
same() {
  local name=$1 want=$2 from=$3 spec=$4 got_f got_o
  got_f=$(mirrored f "$name" "$from" "$spec")
  got_o=$(mirrored o "$name" "$from" "$spec")
  ft_eq "stock ovs-vswitchd's copy" "$want" "$got_o"
  ft_eq "ferry-vswitchd's copy, as stock OVS's" "$got_o" "$got_f"
}
# Stock OVS revalidates its datapath flows in the background after a
# change; they are purged so its next packet is translated anew, as Ferry's
# (whose caches are stale with the new generation before ovs-vsctl returns).
settle() { [ "$1" = o ] && ft_ovs ovs-appctl revalidator/purge >/dev/null; return 0; }
mirror_set() {  # SIDE COLUMNS...: (re)creates mirror m1 on br0 with these columns
  local s=$1
  shift
  sw $s ovs-vsctl -- --if-exists clear bridge br0 mirrors \
    -- --id=@mon get port ${s}mon "$@" -- set bridge br0 mirrors=@m && settle $s
}
for s in f o; do
  ft_check "$s: mirror m1 select_src_port=vm1" mirror_set $s \
    -- --id=@p get port ${s}vm1 -- --id=@m create mirror name=m1 select_src_port=@p output_port=@mon
done

ft_case "select_src_port: a frame from vm1 is copied to mon as it arrived"
same src "$(ft_frame "$F1")" vm1 "$F1"
ft_eq "nothing from vm2 (not selected)" "" "$(mirrored f src2 vm2 "$F2")"
ft_eq "... nor on stock OVS" "" "$(mirrored o src2 vm2 "$F2")"

ft_case "the copy is part of the cached translation (megaflow actions)"
acts_f=$(ft_appctl dpctl/dump-flows --names | grep "in_port(fvm1)" | grep -o 'actions:.*')
acts_o=$(ft_ovs ovs-appctl dpctl/dump-flows --names | grep "in_port(ovm1)" | grep -o 'actions:.*')
ft_eq "stock OVS's megaflow: mon's port, then vm2's" "actions:omon,ovm2" "$acts_o"
ft_eq "Ferry's megaflow: the same" "actions:fmon,fvm2" "$acts_f"
before=$(ft_appctl dpif-netdev/pmd-stats-show | sed -n 's/^ *megaflow hits: \([0-9]*\)/\1/p' | awk '{s+=$1} END {print s+0}')
same src3 "$(ft_frame "$F1")" vm1 "$F1"
after=$(ft_appctl dpif-netdev/pmd-stats-show | sed -n 's/^ *megaflow hits: \([0-9]*\)/\1/p' | awk '{s+=$1} END {print s+0}')
ft_check "the repeat hit the megaflow (a cache hit, mirrored)" test "$after" -gt "$before"

ft_case "select_dst_port: the copy of a frame sent to vm2 is the frame as sent (after mod_dl_src)"
for s in f o; do
  ft_check "$s: rewrite on vm1 -> vm2" sw $s ovs-ofctl add-flow br0 \
    "priority=20,in_port=1,actions=mod_dl_src:02:00:00:00:00:aa,output:2"
  ft_check "$s: mirror select_dst_port=vm2" mirror_set $s \
    -- --id=@p get port ${s}vm2 -- --id=@m create mirror name=m1 select_dst_port=@p output_port=@mon
done
F1X="eth(dst=$M2,src=02:00:00:00:00:aa),ipv4(src=10.0.0.1,dst=10.0.0.102),udp(sport=4000,dport=5000),payload(len=40)"
same dst "$(ft_frame "$F1X")" vm1 "$F1"
for s in f o; do
  ft_check "$s: no rewrite" sw $s ovs-ofctl del-flows br0 --strict "priority=20,in_port=1"
  settle $s
done

ft_case "select_vlan on an access port: the copy carries the port's VLAN (mon is a trunk)"
for s in f o; do
  ft_check "$s: vm1 access VLAN 10" sw $s ovs-vsctl set port ${s}vm1 tag=10
  settle $s
  ft_check "$s: mirror select_src_port=vm1 select_vlan=10" mirror_set $s \
    -- --id=@p get port ${s}vm1 -- --id=@m create mirror name=m1 select_src_port=@p \
    select_vlan=10 output_port=@mon
done
F1T="eth(dst=$M2,src=$M1),vlan(vid=10),ipv4(src=10.0.0.1,dst=10.0.0.102),udp(sport=4000,dport=5000),payload(len=40)"
same vlan "$(ft_frame "$F1T")" vm1 "$F1"
for s in f o; do
  ft_check "$s: select_vlan=20 instead" sw $s ovs-vsctl set mirror m1 select_vlan=20
  settle $s
done
same vlan20 "" vm1 "$F1"
for s in f o; do
  ft_check "$s: vm1 untagged again" sw $s ovs-vsctl clear port ${s}vm1 tag
  settle $s
done

ft_case "snaplen: the copy is cut to 64 bytes, the frame to vm2 is whole"
for s in f o; do
  ft_check "$s: mirror select_src_port=vm1 snaplen=64" mirror_set $s \
    -- --id=@p get port ${s}vm1 -- --id=@m create mirror name=m1 select_src_port=@p \
    snaplen=64 output_port=@mon
done
F1L="eth(dst=$M2,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.102),udp(sport=4000,dport=5000),payload(len=200)"
cut=$(ft_frame "$F1L" | cut -c1-128)
same snap "$cut" vm1 "$F1L"
ft_check "capture on fvm2" ft_capture_start "$(ft_ns fvm2)" eth0 whole --count 1 --timeout-ms 2000 \
  --filter-ethertype 0x0800
ft_send "$(ft_ns fvm1)" eth0 "$F1L"
ft_eq "vm2 gets the whole frame" "$(ft_frame "$F1L")" "$(ft_capture_wait whole)"

ft_case "Mirror.statistics: tx_packets and tx_bytes, exact, as stock OVS"
for s in f o; do
  ft_check "$s: a fresh mirror" mirror_set $s \
    -- --id=@p get port ${s}vm1 -- --id=@m create mirror name=m2 select_src_port=@p output_port=@mon
done
len=$(( $(ft_frame "$F1" | wc -c) / 2 ))
for s in f o; do
  ft_check "$s: capture 5" ft_capture_start "$(ft_ns ${s}mon)" eth0 st$s --count 5 --timeout-ms 3000 \
    --filter-ethertype 0x0800
  ft_check "$s: vm1 sends 5" ft_send "$(ft_ns ${s}vm1)" eth0 "$F1" --count 5
  ft_eq "$s: mon got 5 copies" 5 "$(ft_capture_wait st$s | wc -l)"
done
want="{tx_bytes=$((5 * len)), tx_packets=5}"
stats_are() { [ "$(sw $1 ovs-vsctl --no-wait get mirror m2 statistics)" = "$want" ]; }
ft_check "stock OVS writes $want" ft_wait_for 15 stats_are o
ft_check "ferry-vswitchd writes $want" ft_wait_for 15 stats_are f
ft_eq "the same statistics" "$(ft_ovs ovs-vsctl get mirror m2 statistics)" \
  "$(ovs-vsctl get mirror m2 statistics)"

ft_case "select_all on NORMAL: each frame copied once; frames from mon are dropped"
for s in f o; do
  ft_check "$s: NORMAL" sw $s ovs-ofctl replace-flows br0 - <<<"priority=0,actions=NORMAL"
  settle $s
  ft_check "$s: mirror select_all" mirror_set $s \
    -- --id=@m create mirror name=m1 select_all=true output_port=@mon
done
same all1 "$(ft_frame "$F1")" vm1 "$F1"
same all2 "$(ft_frame "$F2")" vm2 "$F2"
same all3 "$(ft_frame "$F1")" vm1 "$F1"
for s in f o; do
  ft_check "$s: capture on vm1" ft_capture_start "$(ft_ns ${s}vm1)" eth0 frommon$s --count 1 \
    --timeout-ms 1500 --filter-ethertype 0x0800
  ft_send "$(ft_ns ${s}mon)" eth0 "eth(dst=ff:ff:ff:ff:ff:ff,src=$M9),ipv4(src=10.0.0.9,dst=10.0.0.255),udp(sport=1,dport=2),payload(len=20)"
  ft_eq "$s: vm1 gets nothing from mon" "" "$(ft_capture_wait frommon$s)"
done

ft_case "refused rows are logged as ovs-vswitchd logs them; the daemon goes on"
ft_check "a mirror without output" ovs-vsctl -- --id=@m create mirror name=bad -- \
  set bridge br0 mirrors=@m
ft_check "logged" ft_wait_for 5 grep -q "bridge br0: mirror bad does not specify output; ignoring" \
  "$OVS_RUNDIR/ferry-vswitchd.log"
ft_check "output_vlan (RSPAN) refused by name" ovs-vsctl set mirror bad output_vlan=30
ft_check "logged" ft_wait_for 5 grep -q "mirror bad outputs to VLAN 30: output_vlan (RSPAN) is not supported" \
  "$OVS_RUNDIR/ferry-vswitchd.log"
ft_check "still forwarding" ft_appctl version
ft_check "no mirrors" ovs-vsctl clear bridge br0 mirrors

ft_finish
