#!/usr/bin/env bash
# vhost-user VM ports with a real virtio guest driver: dpdk-testpmd on
# DPDK's net_virtio_user, forwarding with macswap. A namespace "peer" on a
# system port stands for the network; frames it sends reach the guest over
# vhost-user and come back with their MAC addresses swapped.
#
#   peer [eth0]--[peer] Ferry br0 [vhu0]==vm1.sock==> guest g1 (server, 1 queue pair)
#                                 [vhu1]<==vhost/vhu1== guest g2 (client, 2 queue pairs)
source "$(dirname "$0")/lib.sh"
ft_init vhost

P=02:00:00:00:00:02    # the peer
G1=02:00:00:00:01:01   # addresses the peer sends to (the guests keep them: macswap)
G2=02:00:00:00:01:02
M0=0a:00:00:00:00:10   # virtual MACs for the conversions
PV=0a:00:00:00:00:20
body="ipv4(src=10.0.0.2,dst=10.0.0.9),udp(sport=5000,dport=7000),payload(len=40)"
PEER=""

# roundtrip NAME DST EXPECTED_REPLY_SPEC: the peer sends eth(dst=DST,src=P)
# and must get exactly the expected frame back.
roundtrip() {
  ft_capture_start "$PEER" eth0 "$1" --count 1 --timeout-ms 4000 --filter-ethertype 0x0800 >/dev/null
  ft_send "$PEER" eth0 "eth(dst=$2,src=$P),$body"
  ft_eq "$1: the frame back from the guest" "$(ft_frame "$3,$body")" "$(ft_capture_frames "$1")"
}
iface() { ft_db_get Interface "$1" "$2"; }
link_is() { [ "$(iface "$1" link_state)" = "$2" ]; }
stat() { ovs-vsctl --no-wait get Interface "$1" "statistics:$2" 2>/dev/null || echo 0; }
stat_is() { [ "$(stat "$1" "$2")" = "$3" ]; }
stat_ge() { [ "$(stat "$1" "$2")" -ge "$3" ]; }
status_is() { [ "$(ovs-vsctl --no-wait get Interface "$1" "status:$2" 2>/dev/null | tr -d '"')" = "$3" ]; }

ft_case "set-up: ovsdb-server, ferry-vswitchd, a bridge with the peer's port"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
mkdir -p "$FT_DIR/vhost"
ft_check "vhost-sock-dir" ovs-vsctl --no-wait set Open_vSwitch . other_config:vhost-sock-dir=vhost
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
ft_vm "$HV" peer $P 10.0.0.2/24
PEER=$(ft_ns peer)
ft_check "add-br" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
  -- add-port br0 peer -- set port peer other_config:ferry-role=uplink
ft_contains "iface_types" "$(ovs-vsctl get Open_vSwitch . iface_types)" "dpdkvhostuserclient"

ft_case "dpdkvhostuserclient before its guest exists: no error, link down"
ft_check "add vhu0" ovs-vsctl add-port br0 vhu0 -- set Interface vhu0 type=dpdkvhostuserclient \
  "options:vhost-server-path=$FT_DIR/vm1.sock"
ft_eq "vhu0 error" "[]" "$(iface vhu0 error)"
ft_eq "vhu0 ofport" 2 "$(iface vhu0 ofport)"
ft_eq "vhu0 link" down "$(iface vhu0 link_state)"
ft_check "status disconnected" ft_wait_for 10 status_is vhu0 status disconnected
ft_check "status mode" status_is vhu0 mode client

ft_case "the guest starts: Ferry connects, link up, frames come back macswapped"
ft_guest g1 "$FT_DIR/vm1.sock" 1 1
ft_check "link up" ft_wait_for 30 link_is vhu0 up
ft_check "status connected" ft_wait_for 10 status_is vhu0 status connected
ft_check "two vrings" status_is vhu0 num_of_vrings 2
ft_check "one rx queue" status_is vhu0 n_rxq 1
roundtrip first $G1 "eth(dst=$P,src=$G1)"
ft_contains "the FDB learned the guest on vhu0" "$(ft_appctl fdb/show br0)" "    2     0  $G1"

ft_case "counters: 20 frames each way"
ft_check "statistics written" ft_wait_for 15 stat_ge vhu0 rx_packets 1
rx0=$(stat vhu0 rx_packets)
tx0=$(stat vhu0 tx_packets)
ft_capture_start "$PEER" eth0 twenty --count 20 --timeout-ms 6000 --filter-ethertype 0x0800 >/dev/null
ft_send "$PEER" eth0 "eth(dst=$G1,src=$P),$body" --count 20 --interval-us 2000
ft_eq "20 frames back" 20 "$(ft_capture_frames twenty | wc -l)"
ft_check "vhu0 rx_packets +20" ft_wait_for 15 stat_is vhu0 rx_packets $((rx0 + 20))
ft_check "vhu0 tx_packets +20" ft_wait_for 15 stat_is vhu0 tx_packets $((tx0 + 20))
ft_eq "no tx drops" 0 "$(stat vhu0 tx_dropped)"
ft_eq "tx retries counted (none needed)" 0 "$(stat vhu0 ovs_tx_retries)"

ft_case "vMAC conversions on a vhost-user port: rx active, tx staged then activated"
rx_id=$(ft_appctl vmac/add-rx br0 $M0 $G1)
tx_id=$(ft_appctl vmac/add-tx br0 $P $PV)
show=$(ft_appctl vmac/show br0)
ft_contains "rx on the uplink" "$show" "rx  $M0 $G1 peer"
ft_contains "tx staged on the vhost-user port" "$show" "tx  $P $PV vhu0"
ft_contains "tx staged" "$show" "staged"
# The guest sees its real MAC (rx conversion) and answers the peer's real MAC.
roundtrip staged $M0 "eth(dst=$P,src=$G1)"
ft_check "activate" ft_appctl vmac/activate "$tx_id"
roundtrip active $M0 "eth(dst=$PV,src=$G1)"
json=$(ft_appctl vmac/show --format json)
ft_contains "tx conversion counted" "$json" '"packets":1'
ft_check "delete conversions" ft_appctl vmac/del "$rx_id" "$tx_id"
roundtrip removed $G1 "eth(dst=$P,src=$G1)"

ft_case "dpdkvhostuser (Ferry listens) with a two-queue-pair guest: n_rxq follows it"
ft_check "add vhu1" ovs-vsctl add-port br0 vhu1 -- set Interface vhu1 type=dpdkvhostuser \
  options:tx-retries-max=4
ft_check "socket in vhost-sock-dir" ft_wait_for 10 test -S "$FT_DIR/vhost/vhu1"
ft_check "status mode server" ft_wait_for 10 status_is vhu1 mode server
ft_guest g2 "$FT_DIR/vhost/vhu1" 2 0
ft_check "vhu1 link up" ft_wait_for 30 link_is vhu1 up
ft_check "vhu1: 2 rx queues" ft_wait_for 15 status_is vhu1 n_rxq 2
ft_check "vhu1: 2 tx queues" status_is vhu1 n_txq 2
ft_check "four vrings" status_is vhu1 num_of_vrings 4
rxqs=$(ft_appctl dpif-netdev/pmd-rxq-show)
ft_contains "queue 0 polled" "$rxqs" "port: vhu1"
ft_contains "queue 1 polled" "$(echo "$rxqs" | grep 'port: vhu1' | tail -1)" "queue-id:  1"
roundtrip mq $G2 "eth(dst=$P,src=$G2)"
ft_check "change tx-retries-max" ovs-vsctl set Interface vhu1 options:tx-retries-max=2
ft_check "unrelated change" ovs-vsctl set bridge br0 other_config:mac-aging-time=300
ft_eq "the port was not reopened" 1 "$(grep -c 'added interface vhu1' "$FT_DIR/ferry-vswitchd.log")"
ft_check "still 2 rx queues" status_is vhu1 n_rxq 2
# A packet-out leaves from the control thread, which transmits on queue 1:
# the guest answers on its queue pair 1, which Ferry polls as rx queue 1.
ft_capture_start "$PEER" eth0 q1 --count 1 --timeout-ms 4000 --filter-ethertype 0x0800 >/dev/null
ofport1=$(iface vhu1 ofport)
ft_check "packet-out to vhu1" ovs-ofctl packet-out br0 NONE "output:$ofport1" \
  "$(ft_frame "eth(dst=$G2,src=$P),$body")"
ft_eq "answer through queue pair 1" "$(ft_frame "eth(dst=$P,src=$G2),$body")" "$(ft_capture_frames q1)"

ft_case "a guest that enables fewer queue pairs than it negotiated: Ferry follows what it enabled"
ft_check "add vhu4" ovs-vsctl add-port br0 vhu4 -- set Interface vhu4 type=dpdkvhostuser
ft_check "socket" ft_wait_for 10 test -S "$FT_DIR/vhost/vhu4"
G4=02:00:00:00:01:04
ft_guest g4 "$FT_DIR/vhost/vhu4" 2 0 --forward-mode=macswap --rxq=1 --txq=1
ft_check "vhu4 link up" ft_wait_for 30 link_is vhu4 up
ft_check "two pairs negotiated" ft_wait_for 10 status_is vhu4 num_of_vrings 4
sleep 3  # a few of the control thread's once-a-second looks at the guest
ft_check "one rx queue" status_is vhu4 n_rxq 1
ft_check "one tx queue, shared by the PMD and the control thread" status_is vhu4 n_txq 1
ft_capture_start "$PEER" eth0 q4 --count 1 --timeout-ms 4000 --filter-ethertype 0x0800 >/dev/null
ft_check "packet-out to vhu4" ovs-ofctl packet-out br0 NONE "output:$(iface vhu4 ofport)" \
  "$(ft_frame "eth(dst=$G4,src=$P),$body")"
ft_eq "the control thread's frame reaches the guest" "$(ft_frame "eth(dst=$P,src=$G4),$body")" \
  "$(ft_capture_frames q4)"
ft_guest_stop g4
ft_check "del vhu4" ovs-vsctl del-port br0 vhu4

ft_case "the guest restarts: link down, Ferry reconnects, traffic resumes"
ft_guest_stop g1
ft_check "link down" ft_wait_for 15 link_is vhu0 down
ft_check "status disconnected" ft_wait_for 10 status_is vhu0 status disconnected
roundtrip other_port_while_down $G2 "eth(dst=$P,src=$G2)"
ft_guest g1 "$FT_DIR/vm1.sock" 1 1
ft_check "link up again" ft_wait_for 30 link_is vhu0 up
roundtrip reconnected $G1 "eth(dst=$P,src=$G1)"

ft_case "a guest that stops consuming its ring: drops counted, the PMD keeps forwarding"
ft_guest_cmd g1 stop
sleep 1
drop0=$(stat vhu0 tx_dropped)
ft_send "$PEER" eth0 "eth(dst=$G1,src=$P),$body" --count 600 --interval-us 200
roundtrip not_stalled $G2 "eth(dst=$P,src=$G2)"
ft_check "tx_dropped counted on vhu0" ft_wait_for 15 stat_ge vhu0 tx_dropped $((drop0 + 1))
ft_contains "drop reason" "$(ft_appctl dpif-netdev/pmd-stats-show)" "tx_queue_full"
ft_check "the guest's link stays up" link_is vhu0 up
ft_guest_cmd g1 start
sleep 1
# The frames the guest left in its ring go back first (the same bytes).
roundtrip resumed $G1 "eth(dst=$P,src=$G1)"

ft_case "bad input: a missing path option, a path that is not a socket"
ft_check "add vhu2 without a path" ovs-vsctl add-port br0 vhu2 -- set Interface vhu2 \
  type=dpdkvhostuserclient
ft_check "error set" ft_wait_for 10 sh -c "ovs-vsctl get Interface vhu2 error | grep -q vhost-server-path"
ft_contains "error text" "$(iface vhu2 error)" "'vhu2' is missing 'options:vhost-server-path'."
ft_eq "no ofport" -1 "$(iface vhu2 ofport)"
echo "not a socket" >"$FT_DIR/plain-file"
ft_check "point vhu2 at a plain file" ovs-vsctl set Interface vhu2 "options:vhost-server-path=$FT_DIR/plain-file"
ft_check "error set" ft_wait_for 10 sh -c "ovs-vsctl get Interface vhu2 error | grep -q 'not a socket'"
ft_contains "error text" "$(iface vhu2 error)" "$FT_DIR/plain-file exists and is not a socket"
ft_check "del vhu2" ovs-vsctl del-port br0 vhu2
roundtrip still_forwarding $G2 "eth(dst=$P,src=$G2)"

ft_case "bad input: a guest asking for a feature Ferry does not offer is refused"
ft_check "add vhu3 (server)" ovs-vsctl add-port br0 vhu3 -- set Interface vhu3 type=dpdkvhostuser
ft_check "socket" ft_wait_for 10 test -S "$FT_DIR/vhost/vhu3"
# Bit 11, VIRTIO_NET_F_HOST_TSO4: not offered (Ferry takes no TSO frames from guests).
ft_check "connection closed on SET_FEATURES" python3 "$FT_TOP/test/integration/vhost_features.py" \
  "$FT_DIR/vhost/vhu3" 11
ft_check "logged" ft_wait_for 10 grep -q "vhu3) received invalid negotiated features" "$FT_DIR/ferry-vswitchd.log"
ft_eq "vhu3 link stays down" down "$(iface vhu3 link_state)"
roundtrip after_refusal $G1 "eth(dst=$P,src=$G1)"

ft_case "a vhost-user port deleted under traffic; the others keep forwarding"
ip netns exec "$PEER" "$FT_PKTGEN" send --iface eth0 --frame "eth(dst=$G1,src=$P),$body" \
  --count 3000 --interval-us 500 >/dev/null 2>&1 &
sender=$!
FT_PIDS+=($sender)
sleep 0.5
ft_check "del vhu0 under traffic" ovs-vsctl del-port br0 vhu0
wait $sender
ft_check "the daemon is alive" ft_ferry_alive
ft_check_fails "vhu0 is gone" ovs-vsctl --no-wait get Interface vhu0 name
roundtrip after_delete $G2 "eth(dst=$P,src=$G2)"
ft_check "vhu3 deleted: socket removed" ovs-vsctl del-port br0 vhu3
ft_check "vhu3 socket gone" ft_wait_for 10 sh -c "! test -e $FT_DIR/vhost/vhu3"

ft_guest_stop g1
ft_guest_stop g2
ft_finish
