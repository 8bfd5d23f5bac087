#!/usr/bin/env bash
# Move detection inside the switch: the client-side switch of SEEDS 002
# (a VM's traffic appears on a new VLAN: both flow entries repointed, the
# triggering frame re-injected), RARP/GARP on a fabric switch with static
# entries (003 embodiment 3, and MACs registered as migrating), GARP
# announcements (002 embodiment 2), fabric bridges without learning, and
# the events/wait long poll.
source "$(dirname "$0")/lib.sh"
ft_init movedetect

C=02:00:00:00:00:0c
A0=02:00:00:00:00:a0

ft_case "set-up: a client-side switch with the two flow entries of SEEDS 002"
ft_check "node" ft_node cs
CS=$(ft_ns cs)
ft_vm "$CS" client $C 10.0.0.100/24
# The client's kernel answers the test's datagrams (ICMP port unreachable):
# a static neighbour keeps it from broadcasting ARP requests for the VM,
# which would be misses of this bridge.
ip -n "$(ft_ns client)" neigh replace 10.0.0.10 lladdr $A0 dev eth0 nud permanent
ft_netns net
NET=$(ft_ns net)
ft_link "$NET" eth0 "$CS" uplink
ft_check "bridge" ft_on cs ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev fail_mode=secure \
  -- add-port br0 client -- add-port br0 uplink
ft_check "entry (1)" ft_on cs ovs-ofctl add-flow br0 \
  "priority=100,in_port=client,ip,nw_dst=10.0.0.10,actions=mod_vlan_vid:1,output:uplink"
ft_check "entry (2)" ft_on cs ovs-ofctl add-flow br0 \
  "priority=100,in_port=uplink,dl_vlan=1,ip,nw_src=10.0.0.10,actions=strip_vlan,output:client"
ft_check "enable" ft_on cs ft_appctl move-detect/enable br0 vlan-map=1:2
ft_contains "show" "$(ft_on cs ft_appctl move-detect/show br0)" "vlan-map: 1:2"

ft_case "a frame of the VM on VLAN 2 repoints both entries and is not lost"
seq0=$(ft_on cs ft_appctl events/wait 0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["last_seq"])')
body="ipv4(src=10.0.0.10,dst=10.0.0.100),udp(sport=7000,dport=7001),payload(len=40)"
ft_check "capture at the client" ft_capture_start "$(ft_ns client)" eth0 cl --count 1 --timeout-ms 3000 --filter-dst $C
ft_check "send on VLAN 2" ft_send "$NET" eth0 "eth(dst=$C,src=$A0),vlan(vid=2),$body"
ft_eq "the triggering frame arrives, untagged" "$(ft_frame "eth(dst=$C,src=$A0),$body")" "$(ft_capture_wait cl)"
flows=$(ft_on cs ovs-ofctl --names dump-flows br0 --no-stats)
ft_contains "entry (1) now outputs to VLAN 2" "$flows" "nw_dst=10.0.0.10 actions=mod_vlan_vid:2,output:uplink"
ft_contains "entry (2) now matches VLAN 2" "$flows" "dl_vlan=2"
ft_not_contains "VLAN 1 gone" "$flows" "dl_vlan=1,"
ev=$(ft_on cs ft_appctl events/wait 0 "$seq0")
ft_contains "event" "$ev" '"type":"move-detected"'
ft_contains "event names the VM" "$ev" '"ip":"10.0.0.10","old_vlan":"1","vlan":"2","how":"vlan-map"'
ft_contains "counted" "$(ft_on cs ft_appctl move-detect/show br0)" "moves: 1, re-injected: 1"
ft_contains "logged" "$(cat "$FT_DIR/cs/ferry-vswitchd.log")" "10.0.0.10 moved from VLAN 1 to VLAN 2"

ft_case "traffic to the VM now leaves on VLAN 2"
back="ipv4(src=10.0.0.100,dst=10.0.0.10),udp(sport=7001,dport=7000),payload(len=40)"
ft_check "capture upstream" ft_capture_start "$NET" eth0 up --count 1 --timeout-ms 3000 --filter-dst $A0
ft_check "send from the client" ft_send "$(ft_ns client)" eth0 "eth(dst=$A0,src=$C),$back"
ft_eq "tagged 2" "$(ft_frame "eth(dst=$A0,src=$C),vlan(vid=2),$back")" "$(ft_capture_wait up)"

ft_case "an unmapped VLAN is not a move (counted, dropped)"
unmatched() { ft_on cs ft_appctl move-detect/show br0 | sed -n 's/.*unmatched misses: \([0-9]*\).*/\1/p'; }
u0=$(unmatched)
ft_check "capture at the client" ft_capture_start "$(ft_ns client)" eth0 none --count 1 --timeout-ms 1000 --filter-dst $C
ft_check "send on VLAN 3" ft_send "$NET" eth0 "eth(dst=$C,src=$A0),vlan(vid=3),$body"
ft_eq "nothing delivered" "" "$(ft_capture_wait none)"
sleep 0.5
ft_eq "one more unmatched miss" $((u0 + 1)) "$(unmatched)"

ft_case "a fabric switch without learning: static entries only, no unknown floods"
ft_check "node" ft_node fab
FAB=$(ft_ns fab)
for h in h1 h2 h3; do
  ft_netns $h
  ft_link "$(ft_ns $h)" eth0 "$FAB" $h
done
ft_check "bridge" ft_on fab ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
  other_config:mac-learning=false -- add-port br0 h1 -- add-port br0 h2 -- add-port br0 h3
ft_check "static A0 on h1" ft_on fab ft_appctl fdb/add br0 h1 0 $A0
uni="eth(dst=$A0,src=02:00:00:00:00:33),ipv4(src=10.0.0.33,dst=10.0.0.10),udp(sport=1,dport=2),payload(len=40)"
ft_check "capture h1" ft_capture_start "$(ft_ns h1)" eth0 s1 --count 1 --timeout-ms 2000
ft_check "capture h2" ft_capture_start "$(ft_ns h2)" eth0 s2 --count 1 --timeout-ms 1000
ft_check "send from h3" ft_send "$(ft_ns h3)" eth0 "$uni"
ft_eq "the static entry forwards" "$(ft_frame "$uni")" "$(ft_capture_wait s1)"
ft_eq "no flood" "" "$(ft_capture_wait s2)"
ft_not_contains "nothing learned" "$(ft_on fab ft_appctl fdb/show br0)" "02:00:00:00:00:33"
unknown="eth(dst=02:00:00:00:00:99,src=02:00:00:00:00:33),ipv4(src=10.0.0.33,dst=10.0.0.99),udp(sport=1,dport=2)"
ft_check "capture h1" ft_capture_start "$(ft_ns h1)" eth0 u1 --count 1 --timeout-ms 1000
ft_check "unknown unicast" ft_send "$(ft_ns h3)" eth0 "$unknown"
ft_eq "dropped" "" "$(ft_capture_wait u1)"
ft_contains "counted as fdb_miss" "$(ft_on fab ft_appctl dpif-netdev/pmd-stats-show)" "fdb_miss: 1"
ft_check "capture h1" ft_capture_start "$(ft_ns h1)" eth0 b1 --count 1 --timeout-ms 2000 --filter-dst ff:ff:ff:ff:ff:ff
ft_check "broadcast" ft_send "$(ft_ns h3)" eth0 "garp(mac=02:00:00:00:00:33,ip=10.0.0.33)"
ft_contains "broadcasts still flood" "$(ft_capture_wait b1)" "ffffffffffff020000000033"

ft_case "RARP from a known MAC on another port repoints the static entry"
ft_check "enable" ft_on fab ft_appctl move-detect/enable br0
seq1=$(ft_on fab ft_appctl events/wait 0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["last_seq"])')
ft_check "RARP from h2" ft_send "$(ft_ns h2)" eth0 "rarp(mac=$A0)"
ft_check "repointed" ft_wait_for 5 sh -c "OVS_RUNDIR=$FT_DIR/fab ovs-appctl -t ferry-vswitchd fdb/show br0 | grep -q '    2     0  $A0  static'"
ev=$(ft_on fab ft_appctl events/wait 2000 "$seq1")
ft_contains "rarp event" "$ev" '"type":"rarp"'
ft_contains "move event" "$ev" "\"type\":\"move-detected\",\"bridge\":\"br0\",\"mac\":\"$A0\",\"vlan\":\"0\",\"old_port\":\"h1\",\"port\":\"h2\",\"how\":\"fdb\""

ft_case "a MAC registered as migrating: its first GARP places it"
M2=02:00:00:00:00:b2
ft_check "expect" ft_on fab ft_appctl move-detect/expect br0 $M2
ft_contains "listed" "$(ft_on fab ft_appctl move-detect/show br0)" "expected: $M2"
ft_check "GARP from h3" ft_send "$(ft_ns h3)" eth0 "garp(mac=$M2,ip=10.0.0.42)"
ft_check "placed" ft_wait_for 5 sh -c "OVS_RUNDIR=$FT_DIR/fab ovs-appctl -t ferry-vswitchd fdb/show br0 | grep -q '    3     0  $M2  static'"
ft_contains "no longer expected" "$(ft_on fab ft_appctl move-detect/show br0)" "expected: none"

ft_case "garp/announce turns a GARP into a dummy IP packet toward the client side"
ft_check "announce on h2" ft_on fab ft_appctl garp/announce br0 h2 10.9.9.9
ft_check "capture h1" ft_capture_start "$(ft_ns h1)" eth0 ann --count 2 --timeout-ms 3000 --filter-ethertype 0x0800
ft_check "GARP from h2" ft_send "$(ft_ns h2)" eth0 "garp(mac=$A0,ip=10.0.0.10)"
text=$(printf 'ferry garp announce' | od -An -tx1 | tr -d ' \n')
ft_eq "the dummy packet" \
  "$(ft_frame "eth(dst=ff:ff:ff:ff:ff:ff,src=$A0),ipv4(src=10.0.0.10,dst=10.9.9.9),udp(sport=9,dport=9),payload(hex=$text)")" \
  "$(ft_capture_wait ann | head -1)"
ft_contains "counted" "$(ft_on fab ft_appctl move-detect/show br0)" "announced: 1"

ft_case "events/wait long-polls: wakes on an event, times out empty"
last=$(ft_on fab ft_appctl events/wait 0 | python3 -c 'import json,sys; print(json.load(sys.stdin)["last_seq"])')
start=$(date +%s%N)
ft_on fab ovs-appctl -t ferry-vswitchd events/wait 5000 "$last" >"$FT_DIR/poll.json" &
poll=$!
sleep 0.3
ft_check "fdb/add (not an event)" ft_on fab ft_appctl fdb/add br0 h3 0 02:00:00:00:00:c3
ft_check "RARP (an event)" ft_send "$(ft_ns h3)" eth0 "rarp(mac=$A0)"
wait $poll
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$took" -lt 4000 ] || ft_fail "the long poll did not wake on the event (${took} ms)"
ft_contains "the event" "$(cat "$FT_DIR/poll.json")" '"type":"rarp"'
empty=$(ft_on fab ft_appctl events/wait 200)
ft_contains "timeout: no events" "$empty" '"events":[]'
ft_contains "bad timeout" "$(ft_on fab ovs-appctl -t ferry-vswitchd events/wait x 2>&1)" "bad TIMEOUT_MS"

ft_case "the rate limit: a burst beyond it is dropped, counted and logged (SEEDS 002)"
# counter NAME: a figure of move-detect/show's counters line.
counter() { ft_on fab ft_appctl move-detect/show br0 | tr ',' '\n' | sed -n "s|.*$1: \([0-9]*\).*|\1|p"; }
ft_check "limit 5 upcalls/s" ft_on fab ft_appctl move-detect/enable br0 rate=5
ft_contains "shown" "$(ft_on fab ft_appctl move-detect/show br0)" "rate limit: 5 upcalls/s"
ft_contains "a bad rate is refused" \
  "$(ft_on fab ovs-appctl -t ferry-vswitchd move-detect/enable br0 rate=0 2>&1)" 'bad rate "0"'
ft_contains "and changes nothing" "$(ft_on fab ft_appctl move-detect/show br0)" "rate limit: 5 upcalls/s"
g0=$(counter "garp/rarp seen")
l0=$(counter rate-limited)
seen() { echo $(( $(counter "garp/rarp seen") - g0 + $(counter rate-limited) - l0 )); }
ft_check "a burst of 50 RARPs (from where A0 is)" ft_send "$(ft_ns h3)" eth0 "rarp(mac=$A0)" --count 50
all_seen() { [ "$(seen)" = 50 ]; }
ft_check "every one handled or dropped" ft_wait_for 5 all_seen
ft_eq "handled or dropped, each once" 50 "$(seen)"
handled=$(( $(counter "garp/rarp seen") - g0 ))
dropped=$(( $(counter rate-limited) - l0 ))
ft_log "  handled $handled, dropped $dropped"
ft_check "the limit held (5 + at most one second's refill handled)" test "$handled" -le 10
ft_check "the rest dropped" test "$dropped" -ge 40
ft_contains "logged" "$(cat "$FT_DIR/fab/ferry-vswitchd.log")" \
  "br0: move detection over its limit of 5 upcalls/s: "
ft_check "back to the default limit" ft_on fab ft_appctl move-detect/enable br0
ft_contains "default shown" "$(ft_on fab ft_appctl move-detect/show br0)" "rate limit: 100 upcalls/s"

ft_case "vlan/show: members per VLAN and the MACs per port"
ft_check "tags" ft_on fab ovs-vsctl set port h1 tag=10 -- set port h2 trunks=10,20
vs=$(ft_on fab ft_appctl vlan/show br0)
# h3 and the bridge port are trunks of every VLAN.
ft_contains "VLAN 10 members" "$vs" "  10  br0,h1,h2,h3"
ft_contains "VLAN 20 members" "$vs" "  20  br0,h2,h3"
ft_contains "MACs per port" "$vs" "h3                   0  $A0"
ft_contains "json" "$(ft_on fab ft_appctl vlan/show br0 --format json)" '{"vlan":10,"members":["br0","h1","h2","h3"]}'
for n in cs fab; do ft_check "$n alive" ft_on $n ft_ferry_alive; done
ft_finish
