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
dp=$(ft_appctl dpctl/dump-flows)
ft_contains "megaflows with in_port" "$dp" "in_port=vm1"
ft_contains "megaflows show NORMAL" "$dp" "actions:NORMAL"

ft_case "fdb/flush empties the table and traffic relearns"
ft_eq "flush reply" "table successfully flushed" "$(ft_appctl fdb/flush br0)"
ft_eq "empty table" " port  VLAN  MAC                Age" "$(ft_appctl fdb/show br0)"
ft_check "vm2 -> vm3 after flush" ft_ping "$(ft_ns vm2)" 10.0.0.3 2
ft_contains "relearned" "$(ft_appctl fdb/show br0)" "02:00:00:00:00:03"

ft_case "the daemon is still alive"
ft_check "alive" ft_ferry_alive
ft_finish
