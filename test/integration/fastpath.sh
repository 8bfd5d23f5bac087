#!/usr/bin/env bash
# The fast path with two PMD threads: rx queue placement (n_rxq,
# pmd-rxq-affinity, isolation, rebalance), pmd-perf-show, Ferry's counters
# on DPDK telemetry (read with the stock dpdk-telemetry.py), and no packet
# handled with a stale action once a flow_mod's barrier reply is out.
source "$(dirname "$0")/lib.sh"
ft_init fastpath

ft_case "ferry-vswitchd with pmd-cpu-mask=0x3"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "pmd-cpu-mask" ovs-vsctl --no-wait set Open_vSwitch . other_config:pmd-cpu-mask=0x3
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
PREFIX=ferry-$FT_TAG-$HV
ft_vm "$HV" vm1 02:00:00:00:00:01 10.0.0.1/24
ft_vm "$HV" vm2 02:00:00:00:00:02 10.0.0.2/24
ft_check "add-br" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
ft_check "vm1: two rx queues" ovs-vsctl add-port br0 vm1 -- set Interface vm1 type=dpdk \
  options:dpdk-devargs=net_af_packet0,iface=vm1,qpairs=2 options:n_rxq=2
ft_check "vm2: queue 0 pinned to core 1" ovs-vsctl add-port br0 vm2 -- set Interface vm2 \
  type=dpdk options:dpdk-devargs=net_af_packet1,iface=vm2 other_config:pmd-rxq-affinity=0:1
ft_wait_for 10 test "$(ft_db_get Interface vm1 status:n_rxq 2>/dev/null)" = 2
ft_eq "vm1 status n_rxq" 2 "$(ft_db_get Interface vm1 status:n_rxq)"

ft_case "rx queues: two PMDs, vm1's queues spread, vm2 alone on isolated core 1"
rxq=$(ft_appctl dpif-netdev/pmd-rxq-show)
core0=$(echo "$rxq" | sed -n '/core_id 0:/,/core_id 1:/p')
core1=$(echo "$rxq" | sed -n '/core_id 1:/,$p')
ft_contains "a PMD on core 0" "$rxq" "pmd thread numa_id 0 core_id 0:"
ft_contains "a PMD on core 1" "$rxq" "pmd thread numa_id 0 core_id 1:"
ft_contains "core 1 isolated" "$core1" "isolated : true"
ft_contains "core 0 not isolated" "$core0" "isolated : false"
ft_contains "vm2 queue 0 on core 1" "$core1" "port: vm2              queue-id:  0"
ft_eq "core 1 polls vm2 only" 1 "$(echo "$core1" | grep -c 'port:')"
ft_contains "vm1 queue 0 on core 0" "$core0" "port: vm1              queue-id:  0"
ft_contains "vm1 queue 1 on core 0" "$core0" "port: vm1              queue-id:  1"

ft_case "traffic crosses both PMDs"
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 5
ft_check "vm2 -> vm1" ft_ping "$(ft_ns vm2)" 10.0.0.1 3
stats=$(ft_appctl dpif-netdev/pmd-stats-show)
rx0=$(echo "$stats" | sed -n '/core_id 0:/,/core_id 1:/s/.*packets received: \([0-9]*\)/\1/p')
rx1=$(echo "$stats" | sed -n '/core_id 1:/,/main thread/s/.*packets received: \([0-9]*\)/\1/p')
[ "${rx0:-0}" -ge 8 ] || ft_fail "PMD on core 0 received ${rx0:-0} packets, expected >= 8 (vm1)"
[ "${rx1:-0}" -ge 8 ] || ft_fail "PMD on core 1 received ${rx1:-0} packets, expected >= 8 (vm2)"

ft_case "pmd-rxq-rebalance keeps the pinned queue; pmd-perf-show covers both PMDs"
ft_eq "rebalance reply" "pmd rxq rebalance requested." \
  "$(ft_appctl dpif-netdev/pmd-rxq-rebalance)"
core1=$(ft_appctl dpif-netdev/pmd-rxq-show | sed -n '/core_id 1:/,$p')
ft_contains "vm2 still on core 1" "$core1" "port: vm2              queue-id:  0"
ft_eq "core 1 still polls vm2 only" 1 "$(echo "$core1" | grep -c 'port:')"
perf=$(ft_appctl dpif-netdev/pmd-perf-show)
ft_eq "two PMD sections" 2 "$(echo "$perf" | grep -c '^pmd thread numa_id 0 core_id [01]:')"
ft_eq "batch histograms" 2 "$(echo "$perf" | grep -c 'Rx batch sizes:')"

# tel CMD: the JSON answer of the daemon's telemetry socket to CMD.
tel() { echo "$1" | dpdk-telemetry.py -f "$PREFIX"; }
# tel_value CMD KEY: one number of a dict answer.
tel_value() {
  tel "$1" | python3 -c 'import json,sys; print(list(json.load(sys.stdin).values())[0][sys.argv[1]])' "$2"
}
# Both PMDs' rx counters, from telemetry and from pmd-stats-show, at one
# quiet moment: equal.
pmd_rx_agree() {
  local t0 t1 s
  t0=$(tel_value /ferry/pmd/stats,0 rx) && t1=$(tel_value /ferry/pmd/stats,1 rx) || return 1
  s=$(ft_appctl dpif-netdev/pmd-stats-show | sed -n 's/.*packets received: \([0-9]*\)/\1/p' |
    head -2 | tr '\n' ' ')
  [ "$s" = "$t0 $t1 " ]
}
# vm1's rx_packets, from telemetry and from Interface.statistics (written
# every 5 s): equal once both are up to date.
port_rx_agree() {
  local t s
  t=$(tel_value /ferry/port/stats,vm1 rx_packets) || return 1
  s=$(ft_db_get Interface vm1 statistics:rx_packets 2>/dev/null)
  [ "$t" -ge 8 ] && [ "$s" = "$t" ]
}

ft_case "DPDK telemetry: Ferry's PMD and port counters with dpdk-telemetry.py"
ft_eq "pmd list" '{"/ferry/pmd/list": [0, 1]}' "$(tel /ferry/pmd/list)"
ft_eq "port list" '{"/ferry/port/list": ["br0", "vm1", "vm2"]}' "$(tel /ferry/port/list)"
ft_eq "core of PMD 1" 1 "$(tel_value /ferry/pmd/stats,1 core_id)"
ft_check "PMD rx counters agree with pmd-stats-show" ft_wait_for 10 pmd_rx_agree
ft_check "vm1 rx_packets agree with Interface statistics" ft_wait_for 15 port_rx_agree
ft_eq "vm2's ofport" 2 "$(tel_value /ferry/port/stats,vm2 ofport)"
ft_eq "a port that does not exist" '{"/ferry/port/stats": {"error": "no port nope"}}' \
  "$(tel /ferry/port/stats,nope)"
ft_eq "a PMD index that is not a number" \
  '{"/ferry/pmd/stats": {"error": "parameter must be a PMD index"}}' "$(tel /ferry/pmd/stats,x)"
ft_eq "a PMD that does not exist" '{"/ferry/pmd/stats": {"error": "no PMD 7"}}' \
  "$(tel /ferry/pmd/stats,7)"
ft_contains "DPDK's own commands still there" "$(tel /)" '"/ferry/port/stats"'

ft_case "no packet takes a stale action after a flow_mod's barrier reply"
# A second receiver with vm2's IP behind another MAC: the rule flips the
# stream between "output:vm2" and "rewrite to vm3's MAC, output:vm3". The
# sender stamps each datagram with its send time (CLOCK_MONOTONIC, as
# `ferry-pktgen now`); ovs-ofctl returns once the barrier reply is in. A
# datagram sent after a flip returned must take the new action.
ft_vm "$HV" vm3 02:00:00:00:00:03 10.0.0.2/24
ft_check "add vm3" ovs-vsctl add-port br0 vm3 -- set Interface vm3 type=dpdk \
  options:dpdk-devargs=net_af_packet2,iface=vm3
ft_check "static neighbour for the stream" ip -n "$(ft_ns vm1)" neigh replace 10.0.0.2 \
  lladdr 02:00:00:00:00:02 dev eth0 nud permanent
TO_VM2="actions=output:vm2"
TO_VM3="actions=mod_dl_dst:02:00:00:00:00:03,output:vm3"
ft_check "stream rule" ovs-ofctl add-flow br0 "priority=100,udp,tp_dst=5000,$TO_VM2"
receivers=()
for vm in vm2 vm3; do
  ip netns exec "$(ft_ns $vm)" "$FT_PKTGEN" udp-recv --port 5000 --duration-ms 9000 \
    --timeline "$FT_DIR/$vm.timeline" --ready-file "$FT_DIR/$vm.ready" --json \
    >"$FT_DIR/$vm.recv" 2>&1 &
  FT_PIDS+=($!)
  receivers+=($!)
  ft_wait_for 5 test -e "$FT_DIR/$vm.ready"
done
ip netns exec "$(ft_ns vm1)" "$FT_PKTGEN" udp-send --dst 10.0.0.2:5000 --rate 4000 \
  --duration-ms 6000 --json >"$FT_DIR/send.json" 2>&1 &
sender=$!
FT_PIDS+=($sender)
sleep 0.7
: >"$FT_DIR/flips"
target=vm3
for i in 1 2 3 4 5 6 7 8; do
  before=$("$FT_PKTGEN" now)
  if [ $target = vm3 ]; then rule=$TO_VM3; else rule=$TO_VM2; fi
  ovs-ofctl mod-flows br0 "udp,tp_dst=5000,$rule" || ft_fail "mod-flows $i failed"
  after=$("$FT_PKTGEN" now)
  echo "$target $before $after" >>"$FT_DIR/flips"
  if [ $target = vm3 ]; then target=vm2; else target=vm3; fi
  sleep 0.5
done
wait "$sender"
ft_eq "sender done" 0 $?
wait "${receivers[@]}"
verdict=$(python3 - "$FT_DIR" <<'EOF'
import sys
d = sys.argv[1]
flips = [l.split() for l in open(d + "/flips")]
flips = [(t, int(b), int(a)) for t, b, a in flips]
# Each phase: [end of flip i, start of flip i+1) belongs to flip i's target.
phases = [("vm2", 0, flips[0][1])]
for i, (t, b, a) in enumerate(flips):
    nxt = flips[i + 1][1] if i + 1 < len(flips) else 1 << 62
    phases.append((t, a, nxt))
stale = 0
per_phase = [0] * len(phases)
total = 0
for vm in ("vm2", "vm3"):
    for line in open(d + "/" + vm + ".timeline"):
        arrival, stream, seq, send = (int(x) for x in line.split(","))
        total += 1
        for k, (t, lo, hi) in enumerate(phases):
            if lo <= send < hi:
                if t == vm:
                    per_phase[k] += 1
                else:
                    stale += 1
                    print("stale: seq %d sent %d ns after flip to %s, delivered to %s" %
                          (seq, send - lo, t, vm))
quiet = [k for k in range(1, len(phases) - 1) if per_phase[k] == 0]
print("total %d stale %d phases %d empty %s" % (total, stale, len(phases), quiet))
EOF
)
ft_log "$verdict"
ft_contains "no stale deliveries" "$verdict" " stale 0 "
ft_contains "every phase between flips carried traffic" "$verdict" "empty []"
sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$FT_DIR/send.json")
[ "${sent:-0}" -ge 10000 ] || ft_fail "the sender sent ${sent:-0} datagrams, expected >= 10000"

ft_case "the daemon is still alive"
ft_check "alive" ft_ferry_alive

ft_finish
