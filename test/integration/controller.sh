#!/usr/bin/env bash
# Real OpenFlow controllers drive Ferry through Bridge.controller: Debian's
# ovs-testcontroller (a learning switch made of packet-ins, packet-outs and
# flow_mods) forwards pings between two VMs, speaking OpenFlow 1.0 (table
# misses go to the controller) and OpenFlow 1.3 (its table-miss flow sends
# them); the Controller rows show the connection; a controller that goes
# away is reconnected to; a standalone bridge fails open without them;
# ovs-ofctl monitor sees port status and NXT_PACKET_IN2 packet-ins with the
# pipeline's registers and userdata.
source "$(dirname "$0")/lib.sh"
ft_init controller

# ft_testcontroller NAME ARGS...: ovs-testcontroller in the hypervisor
# namespace, listening on 127.0.0.1:$CTL_PORT.
ft_testcontroller() {
  local name=$1
  shift
  ip netns exec "$HV" ovs-testcontroller "$@" "ptcp:$CTL_PORT:127.0.0.1" --detach --no-chdir \
    --pidfile="$FT_DIR/$name.pid" --log-file="$FT_DIR/$name.log" \
    --unixctl="$FT_DIR/$name.ctl" || return 1
  FT_PIDFILES+=("$FT_DIR/$name.pid")
}
ft_stop_pidfile() { kill "$(cat "$1")" 2>/dev/null; ft_wait_for 10 bash -c "! kill -0 $(cat "$1") 2>/dev/null"; }

ft_case "ferry-vswitchd with two VMs, fail_mode secure (no flows of its own)"
ft_controller_bridge
ft_eq "no flows" "" "$(ovs-ofctl dump-flows br0 --no-stats)"
ft_check_fails "no controller: vm1 cannot reach vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 1

ft_case "ovs-testcontroller speaking OpenFlow 1.0: table misses are packet-ins"
ft_check "start ovs-testcontroller -O OpenFlow10" ft_testcontroller tc10 -O OpenFlow10
ft_check "set-controller" ovs-vsctl set-controller br0 "tcp:127.0.0.1:$CTL_PORT"
ctl=$(ovs-vsctl get bridge br0 controller | tr -d '[]')
ft_check "Controller is_connected" ft_wait_for 20 ft_controller_is "$ctl" true
ft_eq "role" other "$(ft_db_get Controller "$ctl" role)"
ft_eq "state" ACTIVE "$(ovs-vsctl get Controller "$ctl" status:state | tr -d '"')"
# The controller may still be in its handshake when the row says connected.
ft_check "a first ping once the controller is ready" ft_wait_for 10 ft_ping "$(ft_ns vm1)" 10.0.0.2 1
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
ft_check "vm2 -> vm1" ft_ping "$(ft_ns vm2)" 10.0.0.1 3
flows=$(ovs-ofctl dump-flows br0)
ft_contains "the controller installed the echo request flow to vm2" "$flows" \
  "nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,icmp_type=8,icmp_code=0 actions=output:2"
ft_contains "and the echo reply flow to vm1" "$flows" \
  "nw_src=10.0.0.2,nw_dst=10.0.0.1,nw_tos=0,icmp_type=0,icmp_code=0 actions=output:1"
ft_not_contains "no table-miss flow (OpenFlow 1.0)" "$flows" "priority=0"

ft_case "the controller goes away: the row says so, and Ferry reconnects to a new one"
ft_check "stop ovs-testcontroller" ft_stop_pidfile "$FT_DIR/tc10.pid"
ft_check "Controller not connected" ft_wait_for 20 ft_controller_is "$ctl" false
ft_check "del-flows" ovs-ofctl del-flows br0
ft_check "start ovs-testcontroller (OpenFlow 1.3)" ft_testcontroller tc13 -O OpenFlow13
ft_check "connected again (backoff)" ft_wait_for 30 ft_controller_is "$ctl" true

ft_case "ovs-testcontroller speaking OpenFlow 1.3: its table-miss flow sends packet-ins"
ft_check "its table-miss flow arrives" ft_wait_for 10 bash -c \
  "ovs-ofctl -O OpenFlow13 dump-flows br0 | grep -q 'priority=0 actions=CONTROLLER:128'"
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
ft_check "vm2 -> vm1" ft_ping "$(ft_ns vm2)" 10.0.0.1 3
flows=$(ovs-ofctl -O OpenFlow13 dump-flows br0)
ft_contains "its table-miss flow to the controller" "$flows" "priority=0 actions=CONTROLLER:128"
ft_contains "the learned flow to vm2" "$flows" \
  "nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_tos=0,icmp_type=8,icmp_code=0 actions=output:2"

ft_case "del-controller: the connection closes"
ft_check "del-controller" ovs-vsctl del-controller br0
ft_eq "no Controller rows" "[]" "$(ovs-vsctl get bridge br0 controller)"
ft_check "Ferry dropped the connection" ft_wait_for 10 grep -q \
  "removed controller tcp:127.0.0.1:$CTL_PORT" "$OVS_LOGDIR/ferry-vswitchd.log"
ft_check "flows stay" bash -c "ovs-ofctl dump-flows br0 | grep -q 'actions=CONTROLLER:128'"

ft_case "fail_mode standalone: controllers unreachable for three probes, the bridge fails open"
DEAD_PORT=$((CTL_PORT + 1))
ft_check "standalone, a controller nobody answers, 1 s probes" ovs-vsctl set bridge br0 \
  fail_mode=standalone -- set-controller br0 "tcp:127.0.0.1:$DEAD_PORT"
ctl=$(ovs-vsctl get bridge br0 controller | tr -d '[]')
ft_check "probe" ovs-vsctl set controller "$ctl" inactivity_probe=1000 max_backoff=1000
ft_check "failing open" ft_wait_for 20 grep -q "br0: could not connect to controller for [0-9]* seconds, failing open" \
  "$OVS_LOGDIR/ferry-vswitchd.log"
ft_eq "its flows were flushed (the NORMAL flow is hidden)" "" "$(ovs-ofctl dump-flows br0 --no-stats)"
ft_check "vm1 -> vm2 through NORMAL" ft_ping "$(ft_ns vm1)" 10.0.0.2 2
ft_contains "the FDB learned vm2" "$(ft_appctl fdb/show br0)" "02:00:00:00:00:02"
ft_check "set-controller to the one still listening" ovs-vsctl set-controller br0 \
  "tcp:127.0.0.1:$CTL_PORT"
ft_check "no longer in fail-open mode" ft_wait_for 20 grep -q "br0: no longer in fail-open mode" \
  "$OVS_LOGDIR/ferry-vswitchd.log"
ft_check "vm2 -> vm1 through the controller" ft_ping "$(ft_ns vm2)" 10.0.0.1 2
ft_contains "its flows" "$(ovs-ofctl dump-flows br0)" "nw_src=10.0.0.2,nw_dst=10.0.0.1"

ft_case "ovs-ofctl monitor: port status and packet-ins with userdata (NXT_PACKET_IN2)"
ft_check "secure, no controller" ovs-vsctl set bridge br0 fail_mode=secure -- del-controller br0
ovs-ofctl monitor br0 65534 -P nxt_packet_in2 >"$FT_DIR/monitor.out" 2>&1 &
FT_PIDS+=($!)
ft_check "monitor connected" ft_wait_for 10 grep -q "accepted connection" "$OVS_LOGDIR/ferry-vswitchd.log"
ft_check "flows: reg5 and metadata, then controller(userdata) in table 7" ovs-ofctl -O OpenFlow13 \
  add-flows br0 - <<'FLOWS'
table=0,priority=10,icmp,in_port=1 actions=set_field:42->reg5,write_metadata:0x99,goto_table:7
table=7,priority=10,reg5=42 actions=controller(userdata=01.02.03.04.05,reason=action)
FLOWS
ft_vm "$HV" vm3 02:00:00:00:00:03 10.0.0.3/24
ft_check "add vm3" ovs-vsctl add-port br0 vm3
ft_check_fails "a ping from vm1 goes to the monitor only" ft_ping "$(ft_ns vm1)" 10.0.0.2 1
ft_check "port status seen" ft_wait_for 10 grep -q "OFPT_PORT_STATUS" "$FT_DIR/monitor.out"
ft_check "packet-in seen" ft_wait_for 10 grep -q "NXT_PACKET_IN2" "$FT_DIR/monitor.out"
mon=$(cat "$FT_DIR/monitor.out")
ft_contains "vm3 added" "$mon" "OFPT_PORT_STATUS (xid=0x0): ADD: 3(vm3): addr:"
ft_contains "the packet-in: table 7, the registers and metadata of that point" "$mon" \
  "NXT_PACKET_IN2 (xid=0x0): table_id=7 cookie=0x0 total_len=98 reg5=0x2a,metadata=0x99,in_port=1 (via action) data_len=98 (unbuffered)"
ft_contains "its userdata" "$mon" " userdata=01.02.03.04.05"
ft_contains "the echo request itself" "$mon" \
  "icmp,vlan_tci=0x0000,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2"

ft_finish
