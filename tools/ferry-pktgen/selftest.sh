#!/usr/bin/env bash
# End-to-end check of ferry-pktgen in two private network namespaces joined
# by a veth pair (needs root). Everything it creates carries the prefix
# pg<pid> and is removed on exit, also on failure or interruption.
#
#   1. udp-recv in one namespace, udp-send at 20 kpps for 2 s in the other:
#      40000 sent, 40000 received, 0 lost, 0 duplicated, 0 reordered.
#   2. send --frame (802.1Q-tagged UDP, then an untagged ARP request) and
#      capture on the other side: the captured bytes equal send --print.
#   3. a 300 ms outage (the receiver's address removed, then restored) in a
#      10 kpps stream, its window marked with `ferry-pktgen now` and handed
#      over in --pause-window-file: lost > 0, every loss attributed to the
#      window, blackout >= 290 ms.
#   4. tcp-send 5000003 bytes to tcp-recv: every byte as sent.
#
# usage: selftest.sh [path/to/ferry-pktgen]     (default: ferry-pktgen in PATH)
set -euo pipefail

PKTGEN=$(command -v "${1:-ferry-pktgen}") || { echo "selftest: ferry-pktgen not found" >&2; exit 1; }
RATE=${PKTGEN_SELFTEST_RATE:-20000}
DURATION_MS=${PKTGEN_SELFTEST_DURATION_MS:-2000}

PFX="pg$$"
NSA="${PFX}a"
NSB="${PFX}b"
IFA="${PFX}va"
IFB="${PFX}vb"
MACA=02:00:00:00:0a:01
MACB=02:00:00:00:0b:01
IPA=192.0.2.1   # TEST-NET-1, only ever inside these two namespaces
IPB=192.0.2.2
PORT=47000
WORK=$(mktemp -d "/tmp/${PFX}.XXXXXX")
PIDS=()

cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$NSA" 2>/dev/null || true
  ip netns del "$NSB" 2>/dev/null || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { echo "selftest: FAIL: $*" >&2; exit 1; }
# A numeric field of a flat JSON document (the first occurrence).
field() { grep -o "\"$2\":[-0-9.e]*" "$1" | head -n1 | cut -d: -f2; }
wait_file() {
  for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done
  fail "timed out waiting for $1"
}

ip netns add "$NSA"
ip netns add "$NSB"
ip link add "$IFA" netns "$NSA" address "$MACA" type veth peer name "$IFB" netns "$NSB" address "$MACB"
for ns in "$NSA" "$NSB"; do
  # No IPv6: no router solicitations or MLD reports on the wire.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$NSA" addr add "$IPA/24" dev "$IFA"
ip -n "$NSB" addr add "$IPB/24" dev "$IFB"
ip -n "$NSA" link set "$IFA" up
ip -n "$NSB" link set "$IFB" up
ip -n "$NSA" neigh replace "$IPB" lladdr "$MACB" dev "$IFA" nud permanent
ip -n "$NSB" neigh replace "$IPA" lladdr "$MACA" dev "$IFB" nud permanent

# --- 1. paced UDP stream, no loss ------------------------------------------
ip netns exec "$NSB" "$PKTGEN" udp-recv --port "$PORT" --json --ready-file "$WORK/recv.ready" \
  >"$WORK/recv.json" 2>"$WORK/recv.err" &
RECV=$!
PIDS+=("$RECV")
wait_file "$WORK/recv.ready"
ip netns exec "$NSA" "$PKTGEN" udp-send --dst "$IPB:$PORT" --rate "$RATE" \
  --duration-ms "$DURATION_MS" --stream 7 --json >"$WORK/send.json" ||
  fail "udp-send failed"
sleep 0.2
kill -TERM "$RECV"
wait "$RECV" || fail "udp-recv exited $? ($(cat "$WORK/recv.err"))"
PIDS=()

want=$((RATE * DURATION_MS / 1000))
sent=$(field "$WORK/send.json" sent)
rate=$(field "$WORK/send.json" rate_pps)
received=$(field "$WORK/recv.json" received)
lost=$(field "$WORK/recv.json" lost)
dup=$(field "$WORK/recv.json" duplicated)
reord=$(field "$WORK/recv.json" reordered)
gap=$(field "$WORK/recv.json" max_gap_ms)
echo "udp: sent=$sent rate_pps=$rate received=$received lost=$lost duplicated=$dup reordered=$reord max_gap_ms=$gap"
[ "$sent" = "$want" ] || fail "sent $sent, want $want"
[ "$received" = "$want" ] || fail "received $received, want $want"
if [ "$lost" != 0 ] || [ "$dup" != 0 ] || [ "$reord" != 0 ]; then
  fail "lost/duplicated/reordered not 0"
fi
awk -v r="$rate" -v t="$RATE" 'BEGIN { exit !(r > t * 0.99 && r < t * 1.01) }' ||
  fail "achieved rate $rate pps is not within 1% of $RATE"

# --- 2. raw frames arrive byte for byte ------------------------------------
check_frame() {
  local spec=$1 expected captured
  expected=$("$PKTGEN" send --print --frame "$spec")
  rm -f "$WORK/cap.ready"
  ip netns exec "$NSB" "$PKTGEN" capture --iface "$IFB" --count 1 --timeout-ms 5000 \
    --filter-dst "$2" --ready-file "$WORK/cap.ready" >"$WORK/cap.out" &
  local cap=$!
  PIDS+=("$cap")
  wait_file "$WORK/cap.ready"
  ip netns exec "$NSA" "$PKTGEN" send --iface "$IFA" --frame "$spec" >/dev/null ||
    fail "send failed"
  wait "$cap" || fail "capture exited $?"
  PIDS=()
  captured=$(head -n1 "$WORK/cap.out")
  echo "frame: $captured"
  [ "$captured" = "$expected" ] || fail "captured $captured, sent $expected"
}
check_frame "eth(dst=$MACB,src=$MACA),vlan(vid=10,pcp=3),ipv4(src=$IPA,dst=$IPB,tos=0x10,ttl=9),udp(sport=1234,dport=5678),payload(text=ferry)" "$MACB"
check_frame "arp(op=request,sha=$MACA,spa=$IPA,tpa=$IPB)" ff:ff:ff:ff:ff:ff

# --- 3. an outage inside a marked window ------------------------------------
ip netns exec "$NSB" "$PKTGEN" udp-recv --port $((PORT + 1)) --json --ready-file "$WORK/recv3.ready" \
  --pause-window-file "$WORK/window" >"$WORK/recv3.json" 2>"$WORK/recv3.err" &
RECV=$!
PIDS+=("$RECV")
wait_file "$WORK/recv3.ready"
ip netns exec "$NSA" "$PKTGEN" udp-send --dst "$IPB:$((PORT + 1))" --rate 10000 \
  --duration-ms 1500 --json >"$WORK/send3.json" &
SEND=$!
PIDS+=("$SEND")
sleep 0.5
t0=$("$PKTGEN" now)
ip -n "$NSB" addr del "$IPB/24" dev "$IFB"
sleep 0.3
ip -n "$NSB" addr add "$IPB/24" dev "$IFB"
t1=$("$PKTGEN" now)
echo "$t0:$t1" >"$WORK/window"
wait "$SEND" || fail "udp-send failed"
sleep 0.2
kill -TERM "$RECV"
wait "$RECV" || fail "udp-recv exited $? ($(cat "$WORK/recv3.err"))"
PIDS=()
lost=$(field "$WORK/recv3.json" lost)
in_pause=$(field "$WORK/recv3.json" lost_in_pause)
outside=$(field "$WORK/recv3.json" lost_outside_pause)
unattributed=$(field "$WORK/recv3.json" lost_unattributed)
gap=$(field "$WORK/recv3.json" max_gap_ms)
echo "outage: window_ms=$(((t1 - t0) / 1000000)) lost=$lost lost_in_pause=$in_pause lost_outside_pause=$outside max_gap_ms=$gap"
[ "$lost" -gt 0 ] || fail "nothing lost during the outage"
if [ "$in_pause" != "$lost" ] || [ "$outside" != 0 ] || [ "$unattributed" != 0 ]; then
  fail "losses not all attributed to the window"
fi
awk -v g="$gap" 'BEGIN { exit !(g >= 290) }' || fail "blackout $gap ms, want >= 290"

# --- 4. a TCP stream checked byte for byte ----------------------------------
ip netns exec "$NSB" "$PKTGEN" tcp-recv --port $((PORT + 2)) --expect-bytes 5000003 --json \
  --ready-file "$WORK/trecv.ready" >"$WORK/trecv.json" 2>"$WORK/trecv.err" &
RECV=$!
PIDS+=("$RECV")
wait_file "$WORK/trecv.ready"
ip netns exec "$NSA" "$PKTGEN" tcp-send --dst "$IPB:$((PORT + 2))" --bytes 5000003 --chunk 1000 \
  --json >"$WORK/tsend.json" || fail "tcp-send failed"
wait "$RECV" || fail "tcp-recv exited $? ($(cat "$WORK/trecv.err"))"
PIDS=()
echo "tcp: sent=$(field "$WORK/tsend.json" bytes) received=$(field "$WORK/trecv.json" bytes)" \
  "mismatched=$(field "$WORK/trecv.json" mismatched)"
[ "$(field "$WORK/trecv.json" bytes)" = 5000003 ] || fail "tcp-recv did not get 5000003 bytes"
[ "$(field "$WORK/trecv.json" mismatched)" = 0 ] || fail "the TCP stream differs from the pattern"

echo "selftest: PASS"
