#!/usr/bin/env bash
# Two and three VMs (namespaces on veth pairs, attached with net_af_packet)
# ping each other through ferry-vswitchd's NORMAL action; the FDB learns
# them and the flow and PMD counters show the traffic.
source "$(dirname "$0")/lib.sh"
ft_init ping

ft_case "start ovsdb-server and ferry-vswitchd in a hypervisor namespace"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
ft_vm "$HV" vm1 02:00:00:00:00:01 10.0.0.1/24
ft_vm "$HV" vm2 02:00:00:00:00:02 10.0.0.2/24
ft_vm "$HV" vm3 02:00:00:00:00:03 10.0.0.3/24
ft_check "add-br" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
ft_check "add vm1 (dpdk af_packet)" ovs-vsctl add-port br0 vm1 -- set Interface vm1 type=dpdk \
  options:dpdk-devargs=net_af_packet0,iface=vm1
ft_check "add vm2 (dpdk af_packet)" ovs-vsctl add-port br0 vm2 -- set Interface vm2 type=dpdk \
  options:dpdk-devargs=net_af_packet1,iface=vm2
ft_check "add vm3 (system port)" ovs-vsctl add-port br0 vm3
ft_eq "vm1 ofport" 1 "$(ft_db_get Interface vm1 ofport)"
ft_eq "vm2 ofport" 2 "$(ft_db_get Interface vm2 ofport)"
ft_eq "vm3 ofport" 3 "$(ft_db_get Interface vm3 ofport)"
ft_eq "vm1 link" up "$(ft_db_get Interface vm1 link_state)"

ft_case "two VMs ping each other through NORMAL"
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 5
ft_check "vm2 -> vm1" ft_ping "$(ft_ns vm2)" 10.0.0.1 3

ft_case "three VMs: every pair"
ft_check "vm1 -> vm3" ft_ping "$(ft_ns vm1)" 10.0.0.3
ft_check "vm3 -> vm2" ft_ping "$(ft_ns vm3)" 10.0.0.2

ft_case "the FDB learned each VM on its port"
fdb=$(ft_appctl fdb/show br0)
ft_contains "vm1 on port 1" "$fdb" "    1     0  02:00:00:00:00:01"
ft_contains "vm2 on port 2" "$fdb" "    2     0  02:00:00:00:00:02"
ft_contains "vm3 on port 3" "$fdb" "    3     0  02:00:00:00:00:03"

ft_case "flows and PMD counters show the traffic"
flows=$(ovs-ofctl dump-flows br0)
ft_contains "the default NORMAL flow" "$flows" "priority=0 actions=NORMAL"
packets=$(echo "$flows" | sed -n 's/.*n_packets=\([0-9]*\).*/\1/p' | head -1)
[ "${packets:-0}" -ge 22 ] || ft_fail "NORMAL flow counted ${packets:-0} packets, expected at least 22"
stats=$(ft_appctl dpif-netdev/pmd-stats-show)
rx=$(echo "$stats" | sed -n '0,/packets received/s/.*packets received: \([0-9]*\).*/\1/p')
[ "${rx:-0}" -ge 22 ] || ft_fail "PMD received ${rx:-0} packets, expected at least 22"
dp=$(ft_appctl dpctl/dump-flows --names)
ft_contains "megaflows with in_port" "$dp" "recirc_id(0),in_port(vm1),packet_type(ns=0,id=0),eth()"
ft_contains "megaflows show NORMAL" "$dp" "actions:NORMAL"

ft_case "fdb/flush empties the table and traffic relearns"
ft_eq "flush reply" "table successfully flushed" "$(ft_appctl fdb/flush br0)"
ft_eq "empty table" " port  VLAN  MAC                Age" "$(ft_appctl fdb/show br0)"
ft_check "vm2 -> vm3 after flush" ft_ping "$(ft_ns vm2)" 10.0.0.3 2
ft_contains "relearned" "$(ft_appctl fdb/show br0)" "02:00:00:00:00:03"

ft_case "fragmented IPv4 crosses system ports as it was sent (NORMAL and an output rule)"
# Two fragments of one UDP datagram (1600 bytes of payload: 1480 + 128 bytes
# of IP payload), checksums computed here; vm3 and vm4 are system ports.
ft_vm "$HV" vm4 02:00:00:00:00:04 10.0.0.4/24
ft_check "add vm4 (system port)" ovs-vsctl add-port br0 vm4
frags=$(python3 - <<'PY'
import struct
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
data = bytes(range(256)) * 7
udp = struct.pack("!HHHH", 5000, 5001, 8 + 1600, 0) + data[:1600]
eth = bytes.fromhex("020000000004" "020000000003" "0800")
for off, chunk, more in ((0, udp[:1480], 1), (1480, udp[1480:], 0)):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(chunk), 0x4242,
                    (more << 13) | (off // 8), 64, 17, 0, bytes([10, 0, 0, 3]), bytes([10, 0, 0, 4]))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    print((eth + h + chunk).hex())
PY
)
first=$(echo "$frags" | sed -n 1p)
second=$(echo "$frags" | sed -n 2p)
ft_eq "first fragment is a 1514-byte frame" 3028 "${#first}"
ft_eq "second fragment is a 162-byte frame" 324 "${#second}"
ft_check "vm4 -> vm3 (vm4 learned)" ft_ping "$(ft_ns vm4)" 10.0.0.3 1
ft_check "capture on vm4" ft_capture_start "$(ft_ns vm4)" eth0 frag4 --count 2 --timeout-ms 5000 \
  --filter-dst 02:00:00:00:00:04 --filter-ethertype 0x0800
ft_check "vm3 sends the first fragment" ft_send_hex "$(ft_ns vm3)" eth0 "$first"
ft_check "vm3 sends the second fragment" ft_send_hex "$(ft_ns vm3)" eth0 "$second"
ft_eq "vm4 receives both fragments, byte for byte" "$first
$second" "$(ft_capture_wait frag4)"
ft_check "ping -s 1600 (two fragments each way)" ft_ping_size "$(ft_ns vm3)" 10.0.0.4 1600
ft_check "ping -s 3200 (three fragments each way)" ft_ping_size "$(ft_ns vm3)" 10.0.0.4 3200
ft_check "output rules" ovs-ofctl add-flows br0 - <<'FLOWS'
priority=10,ip,in_port=vm3,actions=output:vm4
priority=10,ip,in_port=vm4,actions=output:vm3
FLOWS
ft_check "capture on vm4 (output rule)" ft_capture_start "$(ft_ns vm4)" eth0 frag4o --count 2 \
  --timeout-ms 5000 --filter-dst 02:00:00:00:00:04 --filter-ethertype 0x0800
ft_check "vm3 sends the first fragment" ft_send_hex "$(ft_ns vm3)" eth0 "$first"
ft_check "vm3 sends the second fragment" ft_send_hex "$(ft_ns vm3)" eth0 "$second"
ft_eq "vm4 receives both fragments through the output rule" "$first
$second" "$(ft_capture_wait frag4o)"
ft_check "ping -s 3200 through the output rules" ft_ping_size "$(ft_ns vm3)" 10.0.0.4 3200
rule=$(ovs-ofctl dump-flows br0 in_port=vm3 | grep "priority=10")
ft_contains "the IPv4 rule counted the 2 fragments and 3 pings of 3 fragments" "$rule" "n_packets=11,"
dp=$(ft_appctl dpctl/dump-flows --names filter=in_port=vm3)
ft_contains "the output rule's megaflow, in datapath flow syntax" "$dp" \
  "recirc_id(0),in_port(vm3),packet_type(ns=0,id=0),eth(),eth_type(0x0800), packets:11, bytes:11606, "
ft_contains "its action is the datapath port, by name" "$dp" "actions:vm4"
ft_not_contains "the filter keeps vm4's megaflows out" "$dp" "in_port(vm4)"
vm3_no=$(ft_appctl dpctl/show | sed -n 's/^  port \([0-9]*\): vm3 .*/\1/p')
vm4_no=$(ft_appctl dpctl/show | sed -n 's/^  port \([0-9]*\): vm4 .*/\1/p')
dp=$(ft_appctl dpctl/dump-flows filter=in_port=vm3)
ft_contains "without --names, datapath port numbers (dpctl/show)" "$dp" \
  "recirc_id(0),in_port($vm3_no),packet_type(ns=0,id=0),eth(),eth_type(0x0800), packets:11, "
ft_contains "the output as a number" "$dp" "actions:$vm4_no"

ft_case "an internal port: DPDK's expected complaints are INFO, said once; no WARN or ERR"
ft_check "add an internal port" ovs-vsctl add-port br0 int0 -- set Interface int0 type=internal
ft_check "int0 appears in the hypervisor" ft_wait_for 10 ip -n "$HV" link show int0
ft_check "add another" ovs-vsctl add-port br0 int1 -- set Interface int1 type=internal
ft_check "int1 appears" ft_wait_for 10 ip -n "$HV" link show int1
log=$OVS_RUNDIR/ferry-vswitchd.log
ft_eq "no WARN or ERR line in the log" "" "$(grep -E '\|(WARN|ERR|EMER)\|' "$log")"
# This kernel may lack sch_multiq (net_tap then logs errors per port):
# explained once at INFO, the other lines at DBG (not in the file).
n=$(grep -c "the kernel has no multiq qdisc" "$log")
if grep -q "multiq" "$log"; then
  ft_eq "sch_multiq's absence explained once" 1 "$n"
  ft_contains "at INFO" "$(grep "the kernel has no multiq qdisc" "$log")" "|dpdk|INFO|"
fi

ft_case "the daemon is still alive"
ft_check "alive" ft_ferry_alive
ft_finish
