#!/usr/bin/env bash
# VXLAN in OVS-DPDK's userspace tunnelling model, against the Linux
# kernel's own VXLAN device: Ferry's hypervisor has br-int (vm1 and the
# tunnel port vx0) and br-phy (its internal port holds the underlay address
# 172.31.1.1, its port ul leads to the remote host); the remote host is a
# namespace whose kernel VXLAN device (VNI 100) carries 10.1.1.2. Real
# pings both ways, exact bytes on the underlay wire, ovs/route, tnl/neigh
# and tnl/ports as ovs-vswitchd prints them, malformed tunnel packets
# counted by name.
source "$(dirname "$0")/lib.sh"
ft_init tunnel

MV=02:00:00:00:01:01  # vm1
MR=02:00:00:00:01:02  # the remote VXLAN device
MU=02:00:00:00:02:02  # the remote host's underlay interface

ft_case "set-up: br-int with vm1 and vx0, br-phy with the underlay"
ft_netns hv
HV=$(ft_ns hv)
ft_netns remote
RM=$(ft_ns remote)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
ft_vm "$HV" vm1 "$MV" 10.1.1.1/24
ft_check "underlay link" ft_link "$HV" ul "$RM" eth0
ip -n "$RM" link set eth0 address $MU
ip -n "$RM" addr add 172.31.1.2/24 dev eth0
ip -n "$RM" link add vxlan0 type vxlan id 100 remote 172.31.1.1 local 172.31.1.2 dstport 4789 \
  dev eth0
ip -n "$RM" link set vxlan0 address $MR
ip -n "$RM" addr add 10.1.1.2/24 dev vxlan0
ip -n "$RM" link set vxlan0 up
ft_check "add br-int" ovs-vsctl add-br br-int -- set bridge br-int datapath_type=netdev
ft_check "add vm1" ovs-vsctl add-port br-int vm1 -- set interface vm1 ofport_request=1
ft_check "add vx0" ovs-vsctl add-port br-int vx0 -- set interface vx0 type=vxlan \
  options:remote_ip=172.31.1.2 options:key=100 ofport_request=2
ft_check "add br-phy" ovs-vsctl add-br br-phy -- set bridge br-phy datapath_type=netdev
ft_check "add ul" ovs-vsctl add-port br-phy ul
ip -n "$HV" addr add 172.31.1.1/24 dev br-phy
ip -n "$HV" link set br-phy up
ft_eq "vx0 has its port number" 2 "$(ft_db_get Interface vx0 ofport)"
ft_eq "and no error" "[]" "$(ovs-vsctl get Interface vx0 error)"

ft_case "ovs/route and tnl/ports as ovs-vswitchd prints them"
route_cached() { ft_appctl ovs/route/show | grep -q "Cached: 172.31.1.0/24 dev br-phy SRC 172.31.1.1"; }
ft_check "the internal port's subnet is a cached route" ft_wait_for 10 route_cached
ft_contains "... and its address a local one" "$(ft_appctl ovs/route/show)" \
  "Cached: 172.31.1.1/32 dev br-phy SRC 172.31.1.1 local"
ft_eq "ovs/route/lookup" "$(printf 'src 172.31.1.1\ngateway 0.0.0.0\ndev br-phy')" \
  "$(ft_appctl ovs/route/lookup 172.31.1.2)"
ft_eq "tnl/ports/show" "$(printf 'Listening ports:\nvxlan_sys_4789 (4789) ref_cnt=1')" \
  "$(ft_appctl tnl/ports/show)"
ft_check "a user route" ft_appctl ovs/route/add 10.9.0.0/16 br-phy 172.31.1.254
ft_contains "shows as User" "$(ft_appctl ovs/route/show)" \
  "User: 10.9.0.0/16 dev br-phy GW 172.31.1.254 SRC 172.31.1.1"
ft_check "and goes" ft_appctl ovs/route/del 10.9.0.0/16
ft_not_contains "gone" "$(ft_appctl ovs/route/show)" "10.9.0.0"
ft_check_fails "a bad prefix is refused" ft_appctl ovs/route/add 10.9.0.0/33 br-phy
ft_check_fails "a device Ferry does not have is refused" ft_appctl ovs/route/add 10.9.0.0/16 nodev

ft_case "vm1 and the kernel's VXLAN device ping each other"
ft_check "vm1 -> 10.1.1.2 over VXLAN" ft_wait_for 15 ft_ping "$(ft_ns vm1)" 10.1.1.2 1
ft_check "three more, every one answered" ft_ping "$(ft_ns vm1)" 10.1.1.2 3
ft_check "the remote pings vm1" ft_ping "$RM" 10.1.1.1 3
ft_contains "tnl/neigh learned the remote endpoint" "$(ft_appctl tnl/neigh/show)" \
  "$(printf '%-46s%s   br-phy' 172.31.1.2 $MU)"

ft_case "exact bytes: vm1's frame inside VXLAN VNI 100 on the underlay"
inner="eth(dst=$MR,src=$MV),ipv4(src=10.1.1.1,dst=10.1.1.2),udp(sport=4000,dport=5000),payload(len=32)"
ft_check "capture on the remote's underlay" ft_capture_start "$RM" eth0 enc --count 1 \
  --timeout-ms 5000 --filter-dst $MU --filter-ethertype 0x0800
ft_check "vm1 sends" ft_send "$(ft_ns vm1)" eth0 "$inner"
hex=$(ft_capture_wait enc)
hvmac=$(ip -n "$HV" link show br-phy | awk '/link\/ether/ {print $2}' | tr -d ':')
ft_eq "outer Ethernet: to the remote, from br-phy" "${MU//:/}${hvmac}0800" "${hex:0:28}"
ft_eq "outer IPv4: DF, TTL 64, UDP, 172.31.1.1 -> 172.31.1.2" "4000 40 11 ac1f0101 ac1f0102" \
  "${hex:40:4} ${hex:44:2} ${hex:46:2} ${hex:52:8} ${hex:60:8}"
ft_eq "UDP to 4789" "12b5" "${hex:72:4}"
ft_eq "VXLAN: I flag, VNI 100" "0800000000006400" "${hex:84:16}"
ft_eq "the inner frame as vm1 sent it" "$(ft_frame "$inner")" "${hex:100}"
ft_check "the kernel's checksums are right" python3 -c "
import sys
b = bytes.fromhex('$hex')
def s(d):
    t = sum(int.from_bytes(d[i:i+2], 'big') for i in range(0, len(d) - 1, 2))
    if len(d) % 2: t += d[-1] << 8
    while t >> 16: t = (t & 0xffff) + (t >> 16)
    return t
sys.exit(0 if s(b[14:34]) == 0xffff else 1)"

ft_case "explicit flows: the encapsulation is translated into one megaflow"
ft_check "flows" ovs-ofctl add-flows br-int - <<FLOWS
priority=10,in_port=vm1,actions=output:vx0
priority=10,in_port=vx0,actions=output:vm1
FLOWS
ft_check "capture on the remote's underlay" ft_capture_start "$RM" eth0 enc2 --count 1 \
  --timeout-ms 5000 --filter-dst $MU --filter-ethertype 0x0800
ft_check "vm1 sends" ft_send "$(ft_ns vm1)" eth0 "$inner"
hex2=$(ft_capture_wait enc2)
ft_eq "the same outer headers (but the UDP source port and the IPv4 checksum)" \
  "${hex:0:40} ${hex:44:28} ${hex:76:8}" "${hex2:0:40} ${hex2:44:28} ${hex2:76:8}"
ft_eq "the same VXLAN header and inner frame" "${hex:84}" "${hex2:84}"
push="tnl_push(tnl_port(2),header(size=50,type=4,eth(dst=$MU,src=$(sed 's/../&:/g;s/:$//' <<<"$hvmac"),dl_type=0x0800),ipv4(src=172.31.1.1,dst=172.31.1.2,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0x64)),out_port(65534)),NORMAL"
ft_contains "one megaflow: tnl_push as OVS prints it, then br-phy's actions" \
  "$(ft_appctl dpctl/dump-flows br-int)" "$push"
ft_contains "ofproto/trace shows the same" "$(ft_appctl ofproto/trace br-int in_port=vm1,ip)" \
  "Translated actions: $push"
ft_check "vm1 pings the remote through the flows" ft_ping "$(ft_ns vm1)" 10.1.1.2 3
ft_check "back to NORMAL" ovs-ofctl --strict del-flows br-int "priority=10,in_port=vm1"
ft_check "both ways" ovs-ofctl --strict del-flows br-int "priority=10,in_port=vx0"

ft_case "malformed tunnel packets are dropped and counted by name"
drops() { ft_appctl dpif-netdev/pmd-stats-show | sed -n "s/^ *$1: \([0-9]*\)/\1/p" | awk '{s+=$1} END {print s+0}'; }
hvm=$(ip -n "$HV" link show br-phy | awk '/link\/ether/ {print $2}')
outer() {  # PAYLOAD-HEX [VNI-bytes]: a UDP datagram to 172.31.1.1:4789 from the remote
  python3 -c "
import struct, sys
def cs(d):
    t = sum(int.from_bytes(d[i:i+2], 'big') for i in range(0, len(d) - 1, 2))
    if len(d) % 2: t += d[-1] << 8
    while t >> 16: t = (t & 0xffff) + (t >> 16)
    return (~t) & 0xffff
pl = bytes.fromhex(sys.argv[1])
udp = struct.pack('!HHHH', 40000, 4789, 8 + len(pl), 0) + pl
ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
     bytes([172, 31, 1, 2]), bytes([172, 31, 1, 1])))
ip[10:12] = struct.pack('!H', cs(bytes(ip)))
if sys.argv[2] == 'badcsum': ip[10] ^= 0xff
eth = bytes.fromhex(sys.argv[3].replace(':', '') + sys.argv[4].replace(':', '')) + b'\x08\x00'
print((eth + bytes(ip) + udp).hex())" "$1" "${2:-ok}" "$hvm" "$MU"
}
innerhex=$(ft_frame "$inner")
t0=$(drops tunnel_truncated)
ft_check "a VXLAN header cut short" ft_send_hex "$RM" eth0 "$(outer 08000000)"
ft_check "counted as tunnel_truncated" ft_wait_for 5 test "$(drops tunnel_truncated)" -eq $((t0 + 1))
b0=$(drops tunnel_bad_header)
ft_check "VXLAN without its I flag" ft_send_hex "$RM" eth0 "$(outer 0000000000006400$innerhex)"
ft_check "counted as tunnel_bad_header" ft_wait_for 5 test "$(drops tunnel_bad_header)" -eq $((b0 + 1))
n0=$(drops tunnel_no_port)
ft_check "another VNI (200)" ft_send_hex "$RM" eth0 "$(outer 080000000000c800$innerhex)"
ft_check "counted as tunnel_no_port" ft_wait_for 5 test "$(drops tunnel_no_port)" -eq $((n0 + 1))
c0=$(drops tunnel_bad_checksum)
ft_check "a bad outer IPv4 checksum" ft_send_hex "$RM" eth0 "$(outer 0800000000006400$innerhex badcsum)"
ft_check "counted as tunnel_bad_checksum" ft_wait_for 5 \
  test "$(drops tunnel_bad_checksum)" -eq $((c0 + 1))
ft_check "vm1 still reaches the remote" ft_ping "$(ft_ns vm1)" 10.1.1.2 2
ft_check "ferry-vswitchd is alive" ft_ferry_alive

ft_case "a bad tunnel row is refused with the reason, and mended"
ft_check "vx1 without remote_ip" ovs-vsctl add-port br-int vx1 -- set interface vx1 type=vxlan
ft_contains "Interface.error names the option" "$(ovs-vsctl get Interface vx1 error)" \
  "missing 'options:remote_ip'"
ft_check "mended" ovs-vsctl set interface vx1 options:remote_ip=172.31.1.3 options:key=7
ft_eq "no error now" "[]" "$(ovs-vsctl get Interface vx1 error)"
ft_check "removed" ovs-vsctl del-port br-int vx1
ft_check "vm1 still reaches the remote" ft_ping "$(ft_ns vm1)" 10.1.1.2 2

ft_case "Geneve to a stock ovs-vswitchd (userspace datapath) across the same underlay"
# The far side: Open vSwitch's own userspace tunnelling in namespace ovs,
# br-phy2 (172.31.1.3) on the underlay, br-int2 (10.1.1.3) behind a
# Geneve port with VNI 200.
ft_netns ovs
ON=$(ft_ns ovs)
ft_check "ovs: ovsdb-server, ovs-vswitchd in its namespace" ft_start_stock_ovs "$ON"
ft_check "a second underlay link" ft_link "$HV" ul2 "$ON" eth0
ft_check "ferry: ul2 on br-phy" ovs-vsctl add-port br-phy ul2
ft_check "ferry: gn0" ovs-vsctl add-port br-int gn0 -- set interface gn0 type=geneve \
  options:remote_ip=172.31.1.3 options:key=200 ofport_request=3
ft_check "ovs: br-phy2" ft_ovs ovs-vsctl add-br br-phy2 -- set bridge br-phy2 datapath_type=netdev \
  -- add-port br-phy2 eth0
ft_check "ovs: br-int2 with gn0" ft_ovs ovs-vsctl add-br br-int2 -- set bridge br-int2 \
  datapath_type=netdev -- add-port br-int2 gn0 -- set interface gn0 type=geneve \
  options:remote_ip=172.31.1.1 options:key=200
ip -n "$ON" addr add 172.31.1.3/24 dev br-phy2
ip -n "$ON" link set br-phy2 up
ip -n "$ON" addr add 10.1.1.3/24 dev br-int2
ip -n "$ON" link set br-int2 up
ft_check "vm1 -> 10.1.1.3 over Geneve through stock OVS" ft_wait_for 20 ft_ping "$(ft_ns vm1)" 10.1.1.3 1
ft_check "three more" ft_ping "$(ft_ns vm1)" 10.1.1.3 3
ft_check "stock OVS's side pings vm1" ft_ping "$ON" 10.1.1.1 3
ft_contains "stock OVS decapsulated with VNI 200 (its datapath flows)" \
  "$(ft_ovs ovs-appctl dpctl/dump-flows)" "tnl_pop("
ft_contains "Ferry's tnl/ports lists both UDP ports" "$(ft_appctl tnl/ports/show)" \
  "geneve_sys_6081 (6081) ref_cnt=1"
ft_check "VXLAN still works beside it" ft_ping "$(ft_ns vm1)" 10.1.1.2 2

ft_case "Geneve options both ways with stock OVS: tun_metadata0 set on one side, matched on the other"
# Both map OVN's option (class 0x102, type 0x80, 4 bytes) to tun_metadata0.
# ICMP arriving without the expected option is dropped on both sides, so
# an echo answered proves the option made it each way.
map="{class=0x102,type=0x80,len=4}->tun_metadata0"
ft_check "ferry: the TLV map" ovs-ofctl add-tlv-map br-int "$map"
ft_check "ovs: the TLV map" ft_ovs ovs-ofctl add-tlv-map br-int2 "$map"
ft_check "ferry: vm1's requests carry 0xabcd0102" ovs-ofctl add-flow br-int \
  "priority=100,in_port=1,icmp,nw_dst=10.1.1.3 actions=set_field:0xabcd0102->tun_metadata0,output:3"
ft_check "ferry: replies only with 0x1234" ovs-ofctl add-flows br-int - <<'FLOWS'
priority=100,in_port=3,icmp,tun_metadata0=0x1234 actions=output:1
priority=90,in_port=3,icmp actions=drop
FLOWS
ft_check "ovs: requests only with 0xabcd0102, replies carry 0x1234" ft_ovs ovs-ofctl add-flows br-int2 - <<'FLOWS'
priority=100,in_port=gn0,icmp,tun_metadata0=0xabcd0102 actions=LOCAL
priority=90,in_port=gn0,icmp actions=drop
priority=100,in_port=LOCAL,icmp,nw_dst=10.1.1.1 actions=set_field:0x1234->tun_metadata0,output:gn0
FLOWS
ft_check "vm1 -> 10.1.1.3, options both ways" ft_ping "$(ft_ns vm1)" 10.1.1.3 3
n_packets() { sed -n "s/.*n_packets=\([0-9]*\).*$1.*/\1/p"; }
# Stock OVS's revalidators bring datapath counts to its flows within a second.
stock_count() { [ "$(ft_ovs ovs-ofctl dump-flows br-int2 | n_packets "$1")" = "$2" ]; }
ft_check "stock OVS matched Ferry's option on 3 requests" \
  ft_wait_for 5 stock_count 'tun_metadata0=0xabcd0102' 3
ft_eq "Ferry matched stock OVS's option on 3 replies" 3 \
  "$(ovs-ofctl dump-flows br-int | n_packets 'tun_metadata0=0x1234')"
ft_eq "nothing fell to the drops" "0 0" \
  "$(ovs-ofctl dump-flows br-int | n_packets 'priority=90') $(ft_ovs ovs-ofctl dump-flows br-int2 | n_packets 'priority=90')"
ft_contains "Ferry's translated header carries the option" \
  "$(ft_appctl dpctl/dump-flows)" "options({class=0x102,type=0x80,len=4,0xabcd0102})"
ft_contains "... as stock OVS's carries its own" "$(ft_ovs ovs-appctl dpctl/dump-flows)" \
  "options({class=0x102,type=0x80,len=4,0x1234})"

ft_finish
