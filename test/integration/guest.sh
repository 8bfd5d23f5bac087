#!/usr/bin/env bash
# A real guest on a vhost-user port: QEMU (TCG unless KVM works) boots the
# test image (scripts/lab/guest-image.sh: Debian's cloud kernel, busybox,
# ferry-guest-agent) with virtio-net on the socket of Ferry's
# dpdkvhostuserclient port vhu0; a namespace "peer" is on an af_packet
# port. Pings both ways, numbered UDP datagrams both ways counted by
# sequence number at the receiving end (inside the guest for the peer's
# stream), TCP streams checked byte for byte, Ferry's port counters.
#
#   peer [eth0]--[peer] Ferry br0 [vhu0]==vhu.sock==> QEMU guest (eth0 10.0.0.9)
source "$(dirname "$0")/lib.sh"
ft_init guest

P=02:00:00:00:00:02
G=02:00:00:00:0a:09
GUEST="$FT_TOP/scripts/lab/guest.sh"
VM=$FT_DIR/vm
N=2000  # datagrams per UDP stream (1000 per second)
TCP_BYTES=2000000

iface() { ft_db_get Interface "$1" "$2"; }
link_is() { [ "$(iface "$1" link_state)" = "$2" ]; }
stat() { ovs-vsctl --no-wait get Interface "$1" "statistics:$2" 2>/dev/null || echo 0; }
stat_is() { [ "$(stat "$1" "$2")" = "$3" ]; }
in_guest() { "$GUEST" exec "$VM" "$@"; }
guest_file_exists() { in_guest "test -e $1"; }

ft_case "set-up: ovsdb-server, ferry-vswitchd, the peer, a QEMU guest on vhu0"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
ft_vm "$HV" peer $P 10.0.0.2/24
PEER=$(ft_ns peer)
ft_check "add-br" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
  -- add-port br0 peer -- add-port br0 vhu0 -- set Interface vhu0 type=dpdkvhostuserclient \
  "options:vhost-server-path=$VM/vhu.sock"
FT_PIDFILES+=("$VM/qemu.pid" "$VM/agent-reader.pid")
ft_check "the guest image" "$FT_TOP/scripts/lab/guest-image.sh"
ft_check "QEMU starts" "$GUEST" start "$VM" --vhost "$VM/vhu.sock" --mac $G --ip 10.0.0.9/24 \
  --append "ferry.run=version,--json"
ft_check "the guest boots" "$GUEST" ready "$VM" 100
ft_check "vhu0 link up" ft_wait_for 30 link_is vhu0 up
ft_contains "the guest's NIC" "$(grep '^ferry-guest: ready' "$VM/agent.log")" "ip=10.0.0.9/24 mac=$G"
ft_contains "vhost-user connected" "$(ovs-vsctl get Interface vhu0 status)" 'status=connected'
# Live migration needs dirty-page logging: QEMU refuses to migrate a
# vhost-user device without the LOG_SHMFD protocol feature (bit 1).
pf=$(grep -o 'vhu.sock) negotiated Vhost-user protocol features: 0x[0-9a-f]*' \
  "$FT_DIR/ferry-vswitchd.log" | tail -1 | sed 's/.* //')
ft_eq "LOG_SHMFD negotiated (protocol features $pf)" 2 "$((${pf:-0} & 2))"
ft_eq "the command of the kernel command line ran at boot (the static agent)" \
  "$("$FT_PKTGEN" version --json)" "$("$GUEST" wait "$VM" boot 30)"
if [ "$FT_CASE_FAILED" != 0 ]; then
  ft_log "  (the rest needs the guest: $(tail -3 "$VM/qemu.log" "$VM/console.log" 2>/dev/null))"
  ft_finish
  exit
fi

ft_case "ping: the peer pings the guest, the guest pings the peer"
ft_check "peer -> guest" ip netns exec "$PEER" ping -q -c 3 -i 0.3 -W 5 10.0.0.9
ft_check "guest -> peer" in_guest "ping -q -c 3 -i 0.3 -W 5 10.0.0.2"
ft_contains "the FDB learned the guest on vhu0" "$(ft_appctl fdb/show br0)" "    2     0  $G"
# From here on only the test's datagrams cross the switch: no ARP.
ip netns exec "$PEER" ip neigh replace 10.0.0.9 lladdr $G dev eth0 nud permanent
ft_check "the guest's neighbour entry" in_guest "arp -s 10.0.0.2 $P"
sleep 6  # the counters in the database are written every 5 s
vrx0=$(stat vhu0 rx_packets)
vtx0=$(stat vhu0 tx_packets)
prx0=$(stat peer rx_packets)
ptx0=$(stat peer tx_packets)

ft_case "UDP into the guest: $N numbered datagrams, counted inside the guest"
"$GUEST" run "$VM" urecv ferry-guest-agent udp-recv --port 7000 --expect $N --until-idle-ms 3000 \
  --ready-file /tmp/urecv.ready --timeline /tmp/urecv.csv --json
ft_check "the guest's receiver is bound" ft_wait_for 30 guest_file_exists /tmp/urecv.ready
ft_check "the peer sends" ip netns exec "$PEER" "$FT_PKTGEN" udp-send --dst 10.0.0.9:7000 --count $N \
  --rate 1000
rep=$("$GUEST" wait "$VM" urecv 60)
ft_eq "the guest's receiver ended well" 0 $?
ft_eq "received in the guest" $N "$(ft_json_get "$rep" streams.0.received)"
ft_eq "unique" $N "$(ft_json_get "$rep" streams.0.unique)"
ft_eq "lost" 0 "$(ft_json_get "$rep" streams.0.lost)"
ft_eq "duplicated" 0 "$(ft_json_get "$rep" streams.0.duplicated)"
ft_eq "reordered" 0 "$(ft_json_get "$rep" streams.0.reordered)"
ft_eq "no invalid datagrams" 0 "$(ft_json_get "$rep" invalid)"
# One line per datagram: arrival (the guest kernel's timestamp), stream, seq, send time.
ft_eq "the guest's timeline: a receive timestamp per datagram" "$N 0 $((N - 1))" \
  "$(in_guest "wc -l </tmp/urecv.csv; cut -d, -f3 /tmp/urecv.csv | sort -n | sed -n '1p;\$p'" | tr '\n' ' ' |
    sed 's/ $//')"
ft_check "peer rx_packets +$N" ft_wait_for 15 stat_is peer rx_packets $((prx0 + N))
ft_check "vhu0 tx_packets +$N" ft_wait_for 15 stat_is vhu0 tx_packets $((vtx0 + N))
ft_eq "vhu0 rx_packets unchanged" "$vrx0" "$(stat vhu0 rx_packets)"
ft_eq "no tx drops to the guest" 0 "$(stat vhu0 tx_dropped)"

ft_case "UDP out of the guest: $N numbered datagrams, counted by the peer"
ip netns exec "$PEER" "$FT_PKTGEN" udp-recv --port 7001 --expect $N --until-idle-ms 4000 \
  --ready-file "$FT_DIR/urecv.ready" --json >"$FT_DIR/urecv.json" 2>"$FT_DIR/urecv.err" &
FT_PIDS+=($!)
recv_pid=$!
ft_check "the peer's receiver is bound" ft_wait_for 10 test -e "$FT_DIR/urecv.ready"
rep=$(in_guest ferry-guest-agent udp-send --dst 10.0.0.2:7001 --count $N --rate 1000 --json)
ft_eq "the guest's sender ended well" 0 $?
ft_eq "sent by the guest" $N "$(ft_json_get "$rep" sent)"
wait $recv_pid
rep=$(cat "$FT_DIR/urecv.json")
ft_eq "received by the peer" $N "$(ft_json_get "$rep" streams.0.received)"
ft_eq "lost" 0 "$(ft_json_get "$rep" streams.0.lost)"
ft_eq "duplicated" 0 "$(ft_json_get "$rep" streams.0.duplicated)"
ft_eq "reordered" 0 "$(ft_json_get "$rep" streams.0.reordered)"
ft_check "vhu0 rx_packets +$N" ft_wait_for 15 stat_is vhu0 rx_packets $((vrx0 + N))
ft_check "peer tx_packets +$N" ft_wait_for 15 stat_is peer tx_packets $((ptx0 + N))

ft_case "TCP both ways: $TCP_BYTES bytes checked byte for byte"
"$GUEST" run "$VM" trecv ferry-guest-agent tcp-recv --port 7002 --expect-bytes $TCP_BYTES \
  --duration-ms 60000 --ready-file /tmp/trecv.ready --json
ft_check "the guest's listener" ft_wait_for 30 guest_file_exists /tmp/trecv.ready
ft_check "the peer sends" ip netns exec "$PEER" "$FT_PKTGEN" tcp-send --dst 10.0.0.9:7002 \
  --bytes $TCP_BYTES
rep=$("$GUEST" wait "$VM" trecv 60)
ft_eq "the guest's receiver ended well" 0 $?
ft_eq "bytes in the guest" $TCP_BYTES "$(ft_json_get "$rep" bytes)"
ft_eq "all as sent" 0 "$(ft_json_get "$rep" mismatched)"
ft_eq "to the end of the stream" eof "$(ft_json_get "$rep" stopped_by)"
ip netns exec "$PEER" "$FT_PKTGEN" tcp-recv --port 7003 --expect-bytes $TCP_BYTES --duration-ms 60000 \
  --ready-file "$FT_DIR/trecv.ready" --json >"$FT_DIR/trecv.json" 2>"$FT_DIR/trecv.err" &
FT_PIDS+=($!)
recv_pid=$!
ft_check "the peer's listener" ft_wait_for 10 test -e "$FT_DIR/trecv.ready"
ft_check "the guest sends" in_guest ferry-guest-agent tcp-send --dst 10.0.0.2:7003 --bytes $TCP_BYTES
wait $recv_pid
ft_eq "the peer's receiver ended well" 0 $?
rep=$(cat "$FT_DIR/trecv.json")
ft_eq "bytes at the peer" $TCP_BYTES "$(ft_json_get "$rep" bytes)"
ft_eq "all as sent" 0 "$(ft_json_get "$rep" mismatched)"

ft_case "the guest shuts down: vhu0 goes down, Ferry keeps running"
ft_check "stop QEMU" "$GUEST" stop "$VM"
ft_check "vhu0 link down" ft_wait_for 15 link_is vhu0 down
ft_check "the daemon is alive" ft_ferry_alive
ft_finish
