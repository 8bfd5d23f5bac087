#!/usr/bin/env bash
# An os-ken application drives Ferry through Bridge.controller: a learning
# switch made of four tables, registers carried between them (and in its
# packet-ins), a flood group, packet-ins and packet-outs through the tables
# (test/integration/osken_switch.py). Two VMs ping each other through it.
source "$(dirname "$0")/lib.sh"
ft_init osken

APP=$(cd "$(dirname "$0")" && pwd)/osken_switch.py
export OSKEN_SWITCH_LOG=$FT_DIR/app.log
app_says() { grep -q "$1" "$OSKEN_SWITCH_LOG" 2>/dev/null; }

ft_case "ferry-vswitchd with two VMs and the os-ken application as its controller"
ft_controller_bridge
ip netns exec "$HV" /usr/bin/osken-manager --ofp-listen-host 127.0.0.1 \
  --ofp-tcp-listen-port "$CTL_PORT" "$APP" >"$FT_DIR/osken.out" 2>&1 &
FT_PIDS+=($!)
ft_check "osken-manager listening" ft_wait_for 30 bash -c \
  "ip netns exec $HV ss -ltn | grep -q 127.0.0.1:$CTL_PORT"
ft_check "set-controller" ovs-vsctl set-controller br0 "tcp:127.0.0.1:$CTL_PORT"
ctl=$(ovs-vsctl get bridge br0 controller | tr -d '[]')
ft_check "Controller is_connected" ft_wait_for 30 ft_controller_is "$ctl" true
ft_check "the application programmed the tables" ft_wait_for 30 app_says "^ready"
ft_contains "it saw both ports" "$(cat "$OSKEN_SWITCH_LOG")" "ports 1,2"

ft_case "the tables, registers and group it wrote"
flows=$(ovs-ofctl -O OpenFlow13 dump-flows br0 --no-stats)
ft_contains "table 0 sets reg1" "$flows" " priority=0 actions=set_field:0x1->reg1,goto_table:1"
ft_contains "table 1 miss to the controller" "$flows" "table=1, priority=0 actions=CONTROLLER:65535"
ft_contains "table 2 miss floods" "$flows" "table=2, priority=0 actions=group:1"
ft_contains "table 3 outputs by reg2" "$flows" "table=3, priority=10,reg2=0x2 actions=output:2"
ft_contains "group 1 (all)" "$(ovs-ofctl -O OpenFlow13 dump-groups br0)" \
  "group_id=1,type=all,bucket=actions=output:1,bucket=actions=output:2"

ft_case "two VMs ping each other through it"
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
ft_check "vm2 -> vm1" ft_ping "$(ft_ns vm2)" 10.0.0.1 3
log=$(cat "$OSKEN_SWITCH_LOG")
ft_contains "packet-in from table 1 (its table-miss flow: reason no_match in OpenFlow 1.3, as OVS) with reg1 set by table 0 (vm1)" "$log" \
  "packet-in table=1 reason=0 in_port=1 reg1=1 src=02:00:00:00:00:01"
ft_contains "packet-in for vm2" "$log" "in_port=2 reg1=1 src=02:00:00:00:00:02"
flows=$(ovs-ofctl -O OpenFlow13 dump-flows br0)
ft_contains "learned source (table 1)" "$flows" \
  "table=1, n_packets="
ft_contains "learned destination sets reg2 (table 2)" "$flows" \
  "priority=100,dl_dst=02:00:00:00:00:02 actions=set_field:0x2->reg2,goto_table:3"
n=$(ovs-ofctl -O OpenFlow13 dump-flows br0 table=3,reg2=2 | sed -n 's/.*n_packets=\([0-9]*\).*/\1/p')
[ "${n:-0}" -ge 3 ] || ft_fail "table 3 sent ${n:-0} packets to vm2, expected at least 3"
stats=$(ovs-ofctl -O OpenFlow13 dump-group-stats br0)
g=$(echo "$stats" | sed -n 's/.*group_id=1,.*ref_count=1,packet_count=\([0-9]*\),.*/\1/p')
[ "${g:-0}" -ge 1 ] || ft_fail "the flood group counted ${g:-0} packets (the first ARP request floods): $stats"

ft_finish
