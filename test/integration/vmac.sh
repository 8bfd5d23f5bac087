#!/usr/bin/env bash
# Staged virtual-MAC paths (SEEDS 000), steps S404 to S610 by hand with
# ovs-appctl across three ferry-vswitchd daemons: S3 (the sender's host),
# F (a fabric switch: no learning, static entries) and S2 (the destination
# host). Every stage checks the exact frame at each hop; activation under
# a running stream loses, duplicates and reorders nothing.
#
#   a1 --[a1] S3 [u3]----[p3] F [p2]----[u2] S2 [a0]-- a0new
#                             [p1]-- a0old
source "$(dirname "$0")/lib.sh"
ft_init vmac

A1=02:00:00:00:01:01
A0=02:00:00:00:00:a0
M0=0a:00:00:00:00:10

ft_case "set-up: three Ferry daemons and the VMs"
for n in s3 f s2; do ft_check "node $n" ft_node $n; done
S3=$(ft_ns s3)
F=$(ft_ns f)
S2=$(ft_ns s2)
ft_vm "$S3" a1 $A1 10.0.0.11/24
ft_vm "$S2" a0 $A0 10.0.0.10/24   # the VM after its move (namespace $(ft_ns a0))
ft_netns a0old
OLD=$(ft_ns a0old)
NEW=$(ft_ns a0)
ft_link "$OLD" eth0 "$F" p1
ip -n "$OLD" link set eth0 address $A0
ip -n "$OLD" addr add 10.0.0.10/24 dev eth0
ft_link "$S3" u3 "$F" p3
ft_link "$F" p2 "$S2" u2
for ns in "$OLD" "$NEW"; do ip -n "$ns" neigh replace 10.0.0.11 lladdr $A1 dev eth0; done
ip -n "$(ft_ns a1)" neigh replace 10.0.0.10 lladdr $A0 dev eth0
ft_check "S3 bridge" ft_on s3 ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
  -- add-port br0 a1 -- add-port br0 u3 -- set port u3 other_config:ferry-role=uplink
ft_check "F bridge (no learning)" ft_on f ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
  other_config:mac-learning=false -- add-port br0 p1 -- add-port br0 p2 -- add-port br0 p3
ft_check "S2 bridge" ft_on s2 ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
  -- add-port br0 a0 -- add-port br0 u2 -- set port u2 other_config:ferry-role=uplink
ft_check "F: A1 -> p3" ft_on f ft_appctl fdb/add br0 p3 0 $A1
ft_check "F: A0 -> p1 (the old location)" ft_on f ft_appctl fdb/add br0 p1 0 $A0
ft_contains "static entries" "$(ft_on f ft_appctl fdb/show br0)" "    1     0  02:00:00:00:00:a0  static"

body="ipv4(src=10.0.0.11,dst=10.0.0.10),udp(sport=5000,dport=7000),payload(len=40)"
to_a0=$(ft_frame "eth(dst=$A0,src=$A1),$body")
to_m0=$(ft_frame "eth(dst=$M0,src=$A1),$body")

# hops EXPECT_P3 EXPECT_U2 EXPECT_OLD EXPECT_NEW: sends one frame from a1
# and checks what arrives at each hop ("" = nothing).
hops() {
  ft_capture_start "$F" p3 hp3 --count 1 --timeout-ms 1500 >/dev/null
  ft_capture_start "$S2" u2 hu2 --count 1 --timeout-ms 1500 >/dev/null
  ft_capture_start "$OLD" eth0 hold --count 1 --timeout-ms 1500 --filter-ethertype 0x0800 >/dev/null
  ft_capture_start "$NEW" eth0 hnew --count 1 --timeout-ms 1500 --filter-ethertype 0x0800 >/dev/null
  ft_send "$(ft_ns a1)" eth0 "eth(dst=$A0,src=$A1),$body"
  ft_eq "$6: frame on the S3-F link" "$1" "$(ft_capture_wait hp3)"
  ft_eq "$6: frame on the F-S2 link" "$2" "$(ft_capture_wait hu2)"
  ft_eq "$6: frame at the old location" "$3" "$(ft_capture_wait hold)"
  ft_eq "$6: frame at the new location" "$4" "$(ft_capture_wait hnew)"
}

ft_case "before staging: frames to A0 reach the old location"
hops "$to_a0" "" "$to_a0" "" "" "before"

ft_case "S406-S410: M0 path and both conversions staged; traffic unchanged"
ft_check "S406 F: M0 -> p2" ft_on f ft_appctl fdb/add br0 p2 0 $M0
ft_check "S406 S3: M0 -> uplink" ft_on s3 ft_appctl fdb/add br0 u3 0 $M0
tx_id=$(ft_on s3 ft_appctl vmac/add-tx br0 $A0 $M0)
rx_id=$(ft_on s2 ft_appctl vmac/add-rx br0 $M0 $A0)
ft_eq "S408 sender conversion id" 1 "$tx_id"
ft_eq "S410 receiver conversion id" 1 "$rx_id"
show=$(ft_on s3 ft_appctl vmac/show)
ft_contains "S3: staged, on the VM port" "$show" "   1 br0        tx  02:00:00:00:00:a0 0a:00:00:00:00:10 a1               -     off    staged"
ft_contains "S2: active, on the uplink" "$(ft_on s2 ft_appctl vmac/show br0)" "rx  0a:00:00:00:00:10 02:00:00:00:00:a0 u2               -     off    active"
hops "$to_a0" "" "$to_a0" "" "" "staged"

ft_case "S418: activating the sender conversion moves traffic to the M0 path"
ft_check "activate" ft_on s3 ft_appctl vmac/activate "$tx_id"
hops "$to_m0" "$to_m0" "" "$to_a0" "" "active"
json=$(ft_on s3 ft_appctl vmac/show --format json)
ft_contains "json state" "$json" '"state":"active"'
ft_contains "json counts" "$json" '"packets":1'

ft_case "S602-S604: the A0 path is moved to S2 while the M0 path carries traffic"
ft_check "S602 F: delete A0 -> p1" ft_on f ft_appctl fdb/del br0 0 $A0
ft_check "S604 F: A0 -> p2" ft_on f ft_appctl fdb/add br0 p2 0 $A0
hops "$to_m0" "$to_m0" "" "$to_a0" "" "moved"

ft_case "S606-S610: conversions and the M0 path removed in order; A0 reached directly"
ft_check "S606 S3: delete the sender conversion" ft_on s3 ft_appctl vmac/del "$tx_id"
hops "$to_a0" "$to_a0" "" "$to_a0" "" "sender removed"
ft_check "S608 S2: delete the receiver conversion" ft_on s2 ft_appctl vmac/del "$rx_id"
ft_check "S610 F: delete M0 -> p2" ft_on f ft_appctl fdb/del br0 0 $M0
ft_check "S610 S3: delete M0 -> uplink" ft_on s3 ft_appctl fdb/del br0 0 $M0
hops "$to_a0" "$to_a0" "" "$to_a0" "" "cleaned up"
for n in s3 s2; do
  ft_eq "no conversion left on $n" 1 "$(ft_on $n ft_appctl vmac/show | wc -l)"
done
ft_not_contains "no M0 entry on F" "$(ft_on f ft_appctl fdb/show br0)" "$M0"

ft_case "activation under a running stream: no loss, duplication or reordering"
# Back to the staged state: A0 at the old location, conversions staged.
ft_check "F: A0 -> p1" ft_on f ft_appctl fdb/add br0 p1 0 $A0
ft_check "F: M0 -> p2" ft_on f ft_appctl fdb/add br0 p2 0 $M0
ft_check "S3: M0 -> uplink" ft_on s3 ft_appctl fdb/add br0 u3 0 $M0
tx2=$(ft_on s3 ft_appctl vmac/add-tx br0 $A0 $M0)
ft_check "S2 receiver" ft_on s2 ft_appctl vmac/add-rx br0 $M0 $A0
for side in old new; do
  ns=$OLD
  [ $side = new ] && ns=$NEW
  ip netns exec "$ns" "$FT_PKTGEN" udp-recv --port 7000 --duration-ms 5000 --timeline "$FT_DIR/$side.csv" \
    --ready-file "$FT_DIR/$side.ready" --json >"$FT_DIR/$side.json" 2>&1 &
  FT_PIDS+=($!)
  eval "recv_$side=$!"
  ft_wait_for 5 test -e "$FT_DIR/$side.ready"
done
ip netns exec "$(ft_ns a1)" "$FT_PKTGEN" udp-send --dst 10.0.0.10:7000 --rate 10000 --duration-ms 3000 --json \
  >"$FT_DIR/send.json" 2>&1 &
sender=$!
FT_PIDS+=($sender)
sleep 1.2
ft_check "activate under traffic" ft_on s3 ft_appctl vmac/activate "$tx2"
wait $sender
wait $recv_old $recv_new
sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$FT_DIR/send.json")
verdict=$(python3 - "$FT_DIR/old.csv" "$FT_DIR/new.csv" "$sent" <<'PY'
import sys
def seqs(path):
    try:
        return [int(l.split(",")[2]) for l in open(path) if l.strip()]
    except FileNotFoundError:
        return []
old, new, sent = seqs(sys.argv[1]), seqs(sys.argv[2]), int(sys.argv[3])
allseq = old + new
problems = []
if len(allseq) != len(set(allseq)): problems.append("duplicates %d" % (len(allseq) - len(set(allseq))))
missing = set(range(sent)) - set(allseq)
if missing: problems.append("lost %d" % len(missing))
if old != sorted(old) or new != sorted(new): problems.append("reordered")
if old and new and max(old) >= min(new): problems.append("paths overlap (old max %d, new min %d)" % (max(old), min(new)))
if not old or not new: problems.append("one path got nothing (old %d, new %d)" % (len(old), len(new)))
print("ok" if not problems else ", ".join(problems), "| old %d new %d sent %d" % (len(old), len(new), sent))
PY
)
ft_contains "switch-over at a packet boundary" "$verdict" "ok |"
ft_log "  $verdict"

ft_case "a mirror (duplicate-to-both) conversion sends to both paths"
ft_check "deactivate" ft_on s3 ft_appctl vmac/deactivate "$tx2"
dup=$(ft_on s3 ft_appctl vmac/add-dup br0 $A0 $M0)
ft_check "activate the mirror" ft_on s3 ft_appctl vmac/activate "$dup"
ft_capture_start "$F" p3 both --count 2 --timeout-ms 2000 >/dev/null
ft_capture_start "$OLD" eth0 mold --count 1 --timeout-ms 2000 --filter-ethertype 0x0800 >/dev/null
ft_capture_start "$NEW" eth0 mnew --count 1 --timeout-ms 2000 --filter-ethertype 0x0800 >/dev/null
ft_send "$(ft_ns a1)" eth0 "eth(dst=$A0,src=$A1),$body"
ft_eq "both copies leave S3: unconverted, then converted" "$to_a0 $to_m0" "$(ft_capture_wait both | tr '\n' ' ' | sed 's/ $//')"
ft_eq "the old location gets its copy" "$to_a0" "$(ft_capture_wait mold)"
ft_eq "the new location gets its copy" "$to_a0" "$(ft_capture_wait mnew)"
ft_check "deactivate the mirror" ft_on s3 ft_appctl vmac/deactivate "$dup"
hops "$to_a0" "" "$to_a0" "" "" "mirror off"

ft_case "per-priority conversions (class ranges, embodiment 2)"
hi=$(ft_on s3 ft_appctl vmac/add-tx br0 $A0 $M0 class=4-7)
ft_check "activate the high class only" ft_on s3 ft_appctl vmac/activate "$hi"
ft_capture_start "$S2" u2 cls --count 1 --timeout-ms 1500 >/dev/null
ft_send "$(ft_ns a1)" eth0 "eth(dst=$A0,src=$A1),ipv4(src=10.0.0.11,dst=10.0.0.10,tos=0xb8),udp(sport=5000,dport=7000),payload(len=40)"
ft_eq "DSCP 46 (class 5) takes the M0 path" \
  "$(ft_frame "eth(dst=$M0,src=$A1),ipv4(src=10.0.0.11,dst=10.0.0.10,tos=0xb8),udp(sport=5000,dport=7000),payload(len=40)")" \
  "$(ft_capture_wait cls)"
ft_capture_start "$OLD" eth0 low --count 1 --timeout-ms 1500 --filter-ethertype 0x0800 >/dev/null
ft_send "$(ft_ns a1)" eth0 "eth(dst=$A0,src=$A1),$body"
ft_eq "best effort (class 0) stays on the A0 path" "$to_a0" "$(ft_capture_wait low)"

ft_case "bad input is refused and changes nothing"
before=$(ft_on s3 ft_appctl vmac/show)
err() { ft_on s3 ovs-appctl -t ferry-vswitchd "$@" 2>&1; }
ft_contains "unknown bridge" "$(err vmac/add-tx nobr $A0 $M0)" "no such bridge"
ft_contains "unknown port" "$(err vmac/add-tx br0 $A0 $M0 in_port=nope)" "no port nope"
ft_contains "malformed MAC" "$(err vmac/add-tx br0 02:00:00:zz:00:01 $M0)" "malformed real MAC"
ft_contains "multicast VMAC" "$(err vmac/add-tx br0 $A0 01:00:5e:00:00:01)" "must be a unicast address"
ft_contains "VMAC in use for another VM" "$(err vmac/add-tx br0 02:00:00:00:00:b0 $M0)" "already in use"
ft_contains "duplicate conversion" "$(err vmac/add-tx br0 $A0 $M0 class=4-7)" "duplicate of conversion $hi"
ft_contains "class out of range" "$(err vmac/add-tx br0 $A0 0a:00:00:00:00:11 class=3-9)" "within 0-7"
ft_contains "unknown id" "$(err vmac/activate 99)" "no conversion 99"
ft_contains "partially invalid request" "$(err vmac/activate "$tx2" 99)" "no conversion 99"
ft_contains "conflicting activation" "$(err vmac/activate "$tx2")" "conflict"
ft_check "removed id" ft_on s3 ft_appctl vmac/del "$dup"
ft_contains "activating a removed id" "$(err vmac/activate "$dup")" "no conversion $dup"
after=$(ft_on s3 ft_appctl vmac/show | grep -v "^ *$dup ")
ft_eq "nothing else changed" "$(echo "$before" | grep -v "^ *$dup " | sed 's/ *[0-9]* *[0-9]*$//')" \
  "$(echo "$after" | sed 's/ *[0-9]* *[0-9]*$//')"
ft_check "an atomic swap (deactivate one, activate another)" \
  ft_on s3 ft_appctl vmac/commit deactivate="$hi" activate="$tx2"
ft_contains "swapped" "$(ft_on s3 ft_appctl vmac/show)" "staged"

ft_case "ofproto/trace and dpctl/dump-flows show the conversion"
tr=$(ft_on s3 ft_appctl ofproto/trace br0 "in_port=a1,dl_src=$A1,dl_dst=$A0,ip,nw_dst=10.0.0.10")
ft_contains "trace names it" "$tr" "conversion $tx2: dl_dst=$A0 -> $M0"
ft_contains "trace output" "$tr" "Datapath actions: u3"
ft_send "$(ft_ns a1)" eth0 "eth(dst=$A0,src=$A1),$body"
sleep 0.3
ft_contains "megaflow" "$(ft_on s3 ft_appctl dpctl/dump-flows)" "vmac($tx2,dst=$M0)"
for n in s3 f s2; do ft_check "$n alive" ft_on $n ft_ferry_alive; done
ft_finish
