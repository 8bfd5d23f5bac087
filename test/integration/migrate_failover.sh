#!/usr/bin/env bash
# SEEDS 000 embodiment 3 in the lab: `ferry-migrate stage-paths A0
# --candidates 2` stages a path to A0 through each fabric switch (m1 via
# F1 active, m2 via F2 staged); F1's daemon is killed under a stream and
# `ferry-migrate failover A0 --watch` moves the sender to m2 by changing
# only the sender's conversions: the receiver and F2 are not touched. Then
# a link: F2's port toward S3 goes down, S3's daemon reports its uplink's
# carrier lost and the watch moves the sender back to m1.
source "$(dirname "$0")/lib.sh"
ft_init migrate_failover
source "$FT_TOP/scripts/lab/topology.sh"

ft_case "set-up: the lab"
ft_check "lab" lab_build

ft_case "stage-paths: two candidate paths, the first active"
ft_contains "staged" "$(lab_migrate stage-paths A0 --candidates 2)" "2 candidate paths staged"
s3=$(ft_on s3 ft_appctl vmac/show)
ft_contains "S3: m1 active" "$s3" "tx  $LAB_A0 0a:00:00:00:00:10"
ft_eq "S3: one active, one staged" "active staged" \
  "$(echo "$s3" | awk 'NR>1 {print $9}' | tr '\n' ' ' | sed 's/ $//')"
ft_contains "ledger: held" "$(lab_migrate ledger)" "held"
ft_contains "migrating is refused meanwhile" "$(lab_migrate migrate A0 --to S2 2>&1)" "A0 has a migration in progress"
ft_contains "pool: two in use" "$(lab_migrate pool)" "8 addresses, 2 in use, 6 free"
ft_check "A1 reaches A0 over m1" ft_ping "$(ft_ns a1)" 10.0.0.10 2
s1_before=$(ft_on s1 ft_appctl vmac/show | sed 's/ *[0-9]* *[0-9]*$//')
f2_before=$(ft_on f2 ft_appctl fdb/show br0 | awk '{print $1,$2,$3,$4}')

ft_case "F1 fails under a stream: the sender moves to m2, nothing else changes"
rm -f "$FT_DIR/fo.ready"
ip netns exec "$(ft_ns a0)" "$FT_PKTGEN" udp-recv --port 7000 --until-idle-ms 1500 --duration-ms 20000 \
  --timeline "$FT_DIR/fo.csv" --ready-file "$FT_DIR/fo.ready" --json >"$FT_DIR/fo.recv" 2>&1 &
recv=$!
FT_PIDS+=($recv)
ft_wait_for 5 test -e "$FT_DIR/fo.ready"
ip netns exec "$(ft_ns a1)" "$FT_PKTGEN" udp-send --dst 10.0.0.10:7000 --rate 2000 --duration-ms 3000 \
  --json >"$FT_DIR/fo.send" 2>&1 &
send=$!
FT_PIDS+=($send)
lab_migrate failover A0 --watch 6 >"$FT_DIR/watch.out" 2>&1 &
watch=$!
FT_PIDS+=($watch)
sleep 1
kill "$(cat "$FT_DIR/f1/ferry-vswitchd.pid")"
wait $send $recv $watch
ft_log "  $(tr '\n' '|' <"$FT_DIR/watch.out")"
ft_contains "the watch failed over" "$(cat "$FT_DIR/watch.out")" "senders moved to 0a:00:00:00:00:11 through F2 (F1 failed)"
s3=$(ft_on s3 ft_appctl vmac/show)
ft_eq "S3: m1 staged, m2 active" "staged active" \
  "$(echo "$s3" | awk 'NR>1 {print $9}' | tr '\n' ' ' | sed 's/ $//')"
ft_eq "the receiver's conversions untouched" "$s1_before" "$(ft_on s1 ft_appctl vmac/show | sed 's/ *[0-9]* *[0-9]*$//')"
ft_eq "F2's entries untouched" "$f2_before" "$(ft_on f2 ft_appctl fdb/show br0 | awk '{print $1,$2,$3,$4}')"
sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$FT_DIR/fo.send")
verdict=$(python3 - "$FT_DIR/fo.csv" "$sent" <<'PY'
import sys
rows = [l.split(",") for l in open(sys.argv[1]) if l.strip()]
seqs = [int(r[2]) for r in rows]
arr = sorted(int(r[0]) for r in rows)
gap = max((b - a for a, b in zip(arr, arr[1:])), default=0) / 1e6
sent = int(sys.argv[2])
print("last=%d sent=%d lost=%d dup=%d gap_ms=%.1f" % (max(seqs), sent, sent - len(set(seqs)),
      len(seqs) - len(set(seqs)), gap))
PY
)
ft_log "  stream: $verdict"
ft_contains "the stream reached A0 to its end over m2" "$verdict" "last=$((sent - 1)) "
ft_contains "no duplicate" "$verdict" " dup=0 "

ft_case "F1 back, abort: every staged path removed, the vMACs free"
ft_check "F1 restarts" ft_on f1 ft_start_ferry "$(ft_ns f1)"
ft_check "abort" lab_migrate abort A0
ft_eq "no residue on any daemon" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_contains "ledger empty" "$(lab_migrate ledger)" "no migration in progress"

ft_case "link state: F2's port to S3 goes down; S3 reports it and the watch moves the sender back to m1"
# The restart lost F1's static entries for the VMs (as OVS's fdb/add's do).
ft_check "F1's entries back" ft_on f1 ft_appctl fdb/add br0 s1 0 $LAB_A0
ft_check "F1's entries back" ft_on f1 ft_appctl fdb/add br0 s3 0 $LAB_A1
ft_contains "staged again" "$(lab_migrate stage-paths A0 --candidates 2)" "2 candidate paths staged"
ft_check "fail over to m2 (F2) on request" lab_migrate failover A0
ft_contains "S3: m2 active" "$(ft_on s3 ft_appctl vmac/show)" "tx  $LAB_A0 0a:00:00:00:00:11"
lab_migrate failover A0 --watch 5 >"$FT_DIR/watch2.out" 2>&1 &
watch=$!
FT_PIDS+=($watch)
ft_wait_for 5 grep -q watching "$FT_DIR/watch2.out"
ip -n "$(ft_ns f2)" link set s3 down
wait $watch
ft_log "  $(tr '\n' '|' <"$FT_DIR/watch2.out")"
ft_contains "the watch failed over on the link" "$(cat "$FT_DIR/watch2.out")" \
  "senders moved to 0a:00:00:00:00:10 through F1 (S3's uplink u2 to F2 is down)"
ft_contains "Interface u2 link_state" "$(ft_on s3 ovs-vsctl get Interface u2 link_state)" "down"
ft_contains "OpenFlow port state" "$(ft_on s3 ovs-ofctl show br0)" "LINK_DOWN"
ft_contains "the link event" "$(ft_on s3 ft_appctl events/wait 0 0)" '"type":"link","bridge":"br0","port":"u2","state":"down"'
ft_contains "logged" "$(cat "$FT_DIR/s3/ferry-vswitchd.log")" "br0: u2: link state changed to down"
ft_check "A1 reaches A0 over m1" ft_ping "$(ft_ns a1)" 10.0.0.10 2
ip -n "$(ft_ns f2)" link set s3 up
ft_wait_for 5 sh -c "OVS_RUNDIR=$FT_DIR/s3 ovs-vsctl --db=unix:$FT_DIR/s3/db.sock get Interface u2 link_state | grep -q up"
ft_check "abort" lab_migrate abort A0
ft_eq "no residue on any daemon" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
for n in s1 s2 s3 f1 f2; do ft_check "$n alive" ft_on $n ft_ferry_alive; done
ft_finish
