#!/usr/bin/env bash
# ferry-vswitchd as a drop-in ovs-vswitchd for the real ovs-vsctl: bridges
# and ports from OVSDB, status written back (ofport, link, MAC, errors,
# statistics, cur_cfg), bad rows reported without harm, restarts.
source "$(dirname "$0")/lib.sh"
ft_init ovsdb

ft_case "ovs-vsctl waits for ferry-vswitchd to apply each change (cur_cfg)"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
# Without --no-wait, ovs-vsctl returns only once cur_cfg == next_cfg.
ft_check "add-br" timeout 20 ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
ft_eq "cur_cfg follows next_cfg" "$(ft_db_get Open_vSwitch . next_cfg)" "$(ft_db_get Open_vSwitch . cur_cfg)"
ft_eq "dpdk_initialized" true "$(ft_db_get Open_vSwitch . dpdk_initialized)"
ft_contains "dpdk_version" "$(ft_db_get Open_vSwitch . dpdk_version)" "DPDK 22.11"
ft_check "OpenFlow socket" test -S "$FT_DIR/br0.mgmt"
dpid=$(ft_db_get Bridge br0 datapath_id)
[[ $dpid =~ ^[0-9a-f]{16}$ ]] || ft_fail "datapath_id [$dpid] is not 16 hex digits"
ft_eq "bridge port" 65534 "$(ft_db_get Interface br0 ofport)"

ft_case "dpdk ports get ofports (ofport_request honoured), MAC, link and status"
ft_check "add p1" timeout 20 ovs-vsctl add-port br0 p1 -- set Interface p1 type=dpdk \
  options:dpdk-devargs=net_null0,no-rx=1
ft_check "add p2" timeout 20 ovs-vsctl add-port br0 p2 -- set Interface p2 type=dpdk \
  options:dpdk-devargs=net_null1,no-rx=1 ofport_request=7 options:n_rxq=2
ft_eq "p1 ofport" 1 "$(ft_db_get Interface p1 ofport)"
ft_eq "p2 ofport (requested)" 7 "$(ft_db_get Interface p2 ofport)"
ft_eq "p1 link" up "$(ft_db_get Interface p1 link_state)"
ft_eq "p1 admin" up "$(ft_db_get Interface p1 admin_state)"
mac=$(ft_db_get Interface p1 mac_in_use)
[[ $mac =~ ^[0-9a-f]{2}(:[0-9a-f]{2}){5}$ ]] || ft_fail "mac_in_use [$mac]"
ft_eq "driver" net_null "$(ovs-vsctl --no-wait get Interface p1 status:driver_name | tr -d '"')"
ft_eq "p2 rx queues" 2 "$(ovs-vsctl --no-wait get Interface p2 status:n_rxq | tr -d '"')"
rxq=$(ft_appctl dpif-netdev/pmd-rxq-show)
ft_contains "rxq 0 of p2 polled" "$rxq" "port: p2               queue-id:  0"
ft_contains "rxq 1 of p2 polled" "$rxq" "port: p2               queue-id:  1"

ft_case "statistics are written back"
ft_check "statistics appear" ft_wait_for 12 sh -c "ovs-vsctl --no-wait get Interface p1 statistics:tx_packets"
ft_check "statistics of p2" ovs-vsctl --no-wait get Interface p2 statistics:rx_packets

ft_case "a bad dpdk-devargs is reported in Interface.error; the daemon keeps running"
ovs-vsctl add-port br0 bad -- set Interface bad type=dpdk options:dpdk-devargs=net_nosuchdriver0 >/dev/null 2>&1
ft_contains "error column" "$(ovs-vsctl --no-wait get Interface bad error)" "Error attaching device 'net_nosuchdriver0'"
ft_eq "failed ofport" -1 "$(ft_db_get Interface bad ofport)"
ft_contains "ovs-vsctl show" "$(ovs-vsctl show)" 'error: "Error attaching device'
ovs-vsctl add-port br0 nodev -- set Interface nodev type=dpdk >/dev/null 2>&1
ft_contains "missing devargs" "$(ovs-vsctl --no-wait get Interface nodev error)" "missing 'options:dpdk-devargs'"
ovs-vsctl add-port br0 gr -- set Interface gr type=gre options:remote_ip=10.9.9.9 >/dev/null 2>&1
ft_contains "unsupported type" "$(ovs-vsctl --no-wait get Interface gr error)" "gre\\\" is not supported by ferry-vswitchd"
ovs-vsctl add-port br0 dup -- set Interface dup type=dpdk options:dpdk-devargs=net_null0,no-rx=1 >/dev/null 2>&1
ft_contains "device in use" "$(ovs-vsctl --no-wait get Interface dup error)" "already in use by interface p1"
ft_eq "dup ofport" -1 "$(ft_db_get Interface dup ofport)"
ft_check "del dup" timeout 20 ovs-vsctl del-port br0 dup
ft_check "alive" ft_ferry_alive
ft_check "good ports unaffected" test "$(ft_db_get Interface p1 link_state)" = up

ft_case "fixing a bad row brings the port up"
ft_check "set devargs" timeout 20 ovs-vsctl set Interface bad options:dpdk-devargs=net_null2,no-rx=1
ft_eq "error cleared" "[]" "$(ovs-vsctl --no-wait get Interface bad error)"
ofp=$(ft_db_get Interface bad ofport)
[ "$ofp" -ge 1 ] 2>/dev/null || ft_fail "ofport after fix [$ofp]"

ft_case "bridges of another datapath type are refused per interface"
ft_check "add-br system bridge" timeout 20 ovs-vsctl add-br sysbr -- add-port sysbr sp1 -- set Interface sp1 type=dpdk \
  options:dpdk-devargs=net_null5
ft_contains "sp1 error" "$(ovs-vsctl --no-wait get Interface sp1 error)" "supports netdev only"
ft_check "no socket for it" test ! -e "$FT_DIR/sysbr.mgmt"
ft_check "del-br sysbr" timeout 20 ovs-vsctl del-br sysbr

ft_case "ports and bridges go away at run time"
ft_check "del-port p2" timeout 20 ovs-vsctl del-port br0 p2
ft_not_contains "p2 no longer polled" "$(ft_appctl dpif-netdev/pmd-rxq-show)" "port: p2"
ft_check "add-br br1" timeout 20 ovs-vsctl add-br br1 -- set bridge br1 datapath_type=netdev
ft_check "br1 socket" test -S "$FT_DIR/br1.mgmt"
ft_check "del-br br1" timeout 20 ovs-vsctl del-br br1
ft_check "br1 socket removed" test ! -e "$FT_DIR/br1.mgmt"
ft_contains "ofproto/list" "$(ft_appctl ofproto/list)" "br0"
ft_not_contains "ofproto/list without br1" "$(ft_appctl ofproto/list)" "br1"

ft_case "only one vswitchd per database (the ovs_vswitchd lock)"
ip netns exec "$HV" "$FT_VSWITCHD" "unix:$FT_DIR/db.sock" --pidfile="$FT_DIR/second.pid" --detach --no-chdir \
  --log-file="$FT_DIR/second.log" --unixctl="$FT_DIR/second.ctl" >/dev/null 2>&1
FT_PIDFILES+=("$FT_DIR/second.pid")
ft_check "second daemon waits for the lock" ft_wait_for 10 grep -q "lock" "$FT_DIR/second.log"
ft_contains "it says so" "$(cat "$FT_DIR/second.log")" "another ferry-vswitchd or ovs-vswitchd holds the database lock"
ft_check "first one still serves" ft_appctl version
kill "$(cat "$FT_DIR/second.pid")"

ft_case "restarting ferry-vswitchd reapplies the configuration"
ft_check "exit" ft_appctl exit
ft_check "gone" ft_wait_for 10 sh -c "! kill -0 $(ft_ferry_pid 2>/dev/null || echo 0) 2>/dev/null"
ft_check "restart" ft_start_ferry "$HV"
ft_check "p1 back" ft_wait_for 10 sh -c "test \"\$(ovs-vsctl --no-wait get Interface p1 ofport)\" = 1"
ft_eq "p1 link after restart" up "$(ft_db_get Interface p1 link_state)"
ft_finish
