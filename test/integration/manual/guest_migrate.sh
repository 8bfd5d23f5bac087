#!/usr/bin/env bash
# Live migration of a QEMU guest between two Ferry hypervisors, with the
# guest's agent counting a UDP stream from a peer and sending one back.
#
#   peer --+                          +-- a: Ferry [ul]..[vhu0]==vm-a/vhu.sock==> QEMU (source)
#          +-- fab (Linux bridge) ----+
#                                     +-- b: Ferry [ul]..[vhu0]==vm-b/vhu.sock==> QEMU -incoming
#
# The source QEMU migrates (QMP migrate, tcp on localhost) to the
# destination; vhost-user needs dirty-page logging for that (VHOST_F_LOG_ALL
# and the LOG_SHMFD protocol feature: QEMU refuses to migrate without
# them). QEMU's RARP announcement on b moves the guest's MAC in the
# fabric's bridge. Reports QEMU's own downtime and total time, and what the
# guest counted: datagrams lost, duplicated, reordered, its longest silence.
#
# Manual (not in scripts/test.sh): a measurement on TCG, not a pass/fail
# gate. RATE (pps, default 1000), SECONDS_OF_TRAFFIC (default 20),
# DOWNTIME_MS (QEMU's downtime-limit, default 300). Run as
#   bash test/integration/manual/guest_migrate.sh
source "$(dirname "$0")/../lib.sh"
ft_init guest_migrate

P=02:00:00:00:00:02
G=02:00:00:00:0a:09
GUEST="$FT_TOP/scripts/lab/guest.sh"
QMP="$FT_TOP/scripts/lab/qmp.py"
RATE=${RATE:-1000}
SECS=${SECONDS_OF_TRAFFIC:-20}
DOWNTIME_MS=${DOWNTIME_MS:-300}
N=$((RATE * SECS))
MPORT=$((40000 + RANDOM % 20000))

link_is() { [ "$(ft_on "$1" ft_db_get Interface vhu0 link_state)" = "$2" ]; }

ft_case "set-up: hypervisors a and b on a fabric bridge, the peer, the guest on a"
ft_check "hypervisor a" ft_node a
ft_check "hypervisor b" ft_node b
A=$(ft_ns a)
B=$(ft_ns b)
ft_netns fab
FAB=$(ft_ns fab)
ft_netns peer
PEER=$(ft_ns peer)
ip -n "$FAB" link add name sw type bridge
ip -n "$FAB" link set sw up
ft_check "a's uplink" ft_link "$A" ul "$FAB" pa
ft_check "b's uplink" ft_link "$B" ul "$FAB" pb
ft_check "the peer's link" ft_link "$PEER" eth0 "$FAB" pp
for p in pa pb pp; do ip -n "$FAB" link set "$p" master sw; done
ip -n "$PEER" link set eth0 address $P
ip -n "$PEER" addr add 10.0.0.2/24 dev eth0
for n in a b; do
  mkdir -p "$FT_DIR/vm-$n"
  FT_PIDFILES+=("$FT_DIR/vm-$n/qemu.pid" "$FT_DIR/vm-$n/agent-reader.pid")
  ft_check "bridge on $n" ft_on $n ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
    -- add-port br0 ul -- add-port br0 vhu0 -- set Interface vhu0 type=dpdkvhostuserclient \
    "options:vhost-server-path=$FT_DIR/vm-$n/vhu.sock"
done
ft_check "the guest image" "$FT_TOP/scripts/lab/guest-image.sh"
ft_check "the source QEMU" "$GUEST" start "$FT_DIR/vm-a" --vhost "$FT_DIR/vm-a/vhu.sock" --mac $G \
  --ip 10.0.0.9/24
ft_check "the guest boots" "$GUEST" ready "$FT_DIR/vm-a" 100
ft_check "a's vhu0 up" ft_wait_for 30 link_is a up
ft_check "peer -> guest" ip netns exec "$PEER" ping -q -c 3 -i 0.3 -W 5 10.0.0.9
ip netns exec "$PEER" ip neigh replace 10.0.0.9 lladdr $G dev eth0 nud permanent
ft_check "the guest's neighbour" "$GUEST" exec "$FT_DIR/vm-a" \
  "arp -s 10.0.0.2 $P"
ft_check "the destination QEMU (-incoming)" "$GUEST" start "$FT_DIR/vm-b" \
  --vhost "$FT_DIR/vm-b/vhu.sock" --mac $G --ip 10.0.0.9/24 --incoming "tcp:127.0.0.1:$MPORT"
# (Ferry's status says connected once the device is started, which on the
# destination happens when the migration completes.)
ft_check "b's vhu0 connected to the waiting destination" ft_wait_for 30 \
  grep -q "vm-b/vhu.sock) connected" "$FT_DIR/b/ferry-vswitchd.log"

if [ "$FT_CASE_FAILED" != 0 ]; then
  ft_finish
  exit
fi

ft_case "migration a -> b under a $RATE pps stream each way ($SECS s)"
"$GUEST" run "$FT_DIR/vm-a" urecv ferry-guest-agent udp-recv --port 7000 --expect $N \
  --until-idle-ms 4000 --ready-file /tmp/urecv.ready --json
ft_check "the guest's receiver" ft_wait_for 30 "$GUEST" exec "$FT_DIR/vm-a" "test -e /tmp/urecv.ready"
ip netns exec "$PEER" "$FT_PKTGEN" udp-recv --port 7001 --expect $N --until-idle-ms 5000 \
  --ready-file "$FT_DIR/precv.ready" --json >"$FT_DIR/precv.json" 2>"$FT_DIR/precv.err" &
FT_PIDS+=($!)
precv=$!
ft_check "the peer's receiver" ft_wait_for 10 test -e "$FT_DIR/precv.ready"
"$GUEST" run "$FT_DIR/vm-a" usend ferry-guest-agent udp-send --dst 10.0.0.2:7001 --count $N \
  --rate "$RATE" --json
ip netns exec "$PEER" "$FT_PKTGEN" udp-send --dst 10.0.0.9:7000 --count $N --rate "$RATE" --json \
  >"$FT_DIR/psend.json" 2>&1 &
FT_PIDS+=($!)
psend=$!
sleep $((SECS / 3))
ft_check "downtime-limit" "$QMP" "$FT_DIR/vm-a/qmp.sock" migrate-set-parameters \
  "{\"downtime-limit\": $DOWNTIME_MS}"
ft_check "migrate" "$QMP" "$FT_DIR/vm-a/qmp.sock" migrate "{\"uri\": \"tcp:127.0.0.1:$MPORT\"}"
status=""
deadline=$((SECONDS + 120))
while [ $SECONDS -lt $deadline ]; do
  info=$("$QMP" "$FT_DIR/vm-a/qmp.sock" query-migrate) || break
  status=$(ft_json_get "$info" status)
  case "$status" in completed | failed | cancelled) break ;; esac
  sleep 0.2
done
ft_eq "QEMU's migration" completed "$status"
[ "$status" = completed ] || ft_log "query-migrate: $info"
ft_check "the guest runs on b" ft_wait_for 10 sh -c \
  "'$QMP' '$FT_DIR/vm-b/qmp.sock' query-status | grep -q '\"running\": true'"
ft_check "the source stops" "$GUEST" stop "$FT_DIR/vm-a"
ft_check "a's vhu0 down" ft_wait_for 15 link_is a down
wait $psend
urecv=$("$GUEST" wait "$FT_DIR/vm-b" urecv $((SECS + 60)))
ft_eq "the guest's receiver ended well (on b)" 0 $?
usend=$("$GUEST" wait "$FT_DIR/vm-b" usend 60)
wait $precv
precv_json=$(cat "$FT_DIR/precv.json")

ft_log ""
ft_log "QEMU: downtime $(ft_json_get "$info" downtime) ms, total $(ft_json_get "$info" total-time) ms," \
  "setup $(ft_json_get "$info" setup-time) ms, RAM transferred $(ft_json_get "$info" ram.transferred) B," \
  "dirty-sync $(ft_json_get "$info" ram.dirty-sync-count) (downtime-limit $DOWNTIME_MS ms, $("$GUEST" accel))"
stream_line() {
  ft_log "$1: received $(ft_json_get "$2" streams.0.received) of $N," \
    "lost $(ft_json_get "$2" streams.0.lost), duplicated $(ft_json_get "$2" streams.0.duplicated)," \
    "reordered $(ft_json_get "$2" streams.0.reordered), longest gap $(ft_json_get "$2" streams.0.max_gap_ms) ms"
}
stream_line "peer -> guest (counted in the guest)" "$urecv"
stream_line "guest -> peer (counted by the peer)" "$precv_json"
for n in a b; do
  ft_log "$n: vhu0 $(ft_on $n ovs-vsctl get Interface vhu0 statistics | tr -d '{}'); drops:" \
    "$(ft_on $n ft_appctl dpif-netdev/pmd-stats-show | grep -iE 'drop|full|down' | tr -s ' \n' ' ')"
done
ft_eq "the guest sent everything" $N "$(ft_json_get "$usend" sent)"
ft_eq "nothing duplicated into the guest" 0 "$(ft_json_get "$urecv" streams.0.duplicated)"
ft_eq "nothing reordered into the guest" 0 "$(ft_json_get "$urecv" streams.0.reordered)"
ft_finish
