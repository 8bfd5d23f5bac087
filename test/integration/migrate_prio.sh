#!/usr/bin/env bash
# SEEDS 000 embodiment 2 with more than one threshold: plan 000-prio with
# thresholds 2,4 stages three paths (classes 5-7, 3-4, 0-2; F1, F2, F1).
# A1 streams to A0 during the migration in class 6 (DSCP CS6) and class 3
# (CS3), nothing in 0-2. The conversions' counters, read by the plan before
# it deletes them (S605), tell which class rode which path: the sender's
# conversion of each class counted frames, the receiver's conversion of
# the same path at least as many, the class nobody sent nothing at all;
# F2, which only the class 3-4 path crosses, forwarded them.
source "$(dirname "$0")/lib.sh"
ft_init migrate_prio
source "$FT_TOP/scripts/lab/topology.sh"

# counters FILE HOST VMAC: the packets of HOST's conversion to/from VMAC in
# the S605 reply of the -v output FILE.
counters() {
  python3 - "$1" "$2" "$3" <<'EOF'
import json, re, sys
text, host, vmac = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
m = re.search(r"S605 +%s .*?counters, per \w+: (\[.*?\]) \(" % host, text)
convs = json.loads(m.group(1))
print(sum(c["packets"] for c in convs if vmac in (c["from"], c["to"])))
EOF
}
f2_tx() { ft_on f2 ovs-ofctl dump-ports br0 s2 | sed -n 's/.*tx pkts=\([0-9]*\).*/\1/p'; }

ft_case "set-up: the lab"
ft_check "lab" lab_build
dry=$(lab_migrate migrate A0 --to S2 --plan 000-prio --priority-threshold 2,4 --dry-run)
ft_contains "class 5-7 on M0" "$dry" "0a:00:00:00:00:10 class=5-7"
ft_contains "class 3-4 on M1" "$dry" "0a:00:00:00:00:11 class=3-4"
ft_contains "class 0-2 on M2" "$dry" "0a:00:00:00:00:12 class=0-2"
ft_contains "M1 crosses F2" "$dry" "S406      F2  fdb/add br0 s2 0 0a:00:00:00:00:11"
ft_contains "bad thresholds refused" "$(lab_migrate migrate A0 --to S2 --priority-threshold 4,2 2>&1)" \
  "priority thresholds must increase"

ft_case "three classes, three paths, under two streams"
A0NS=$(ft_ns a0)
A1NS=$(ft_ns a1)
recv=()
for p in 7000 7001; do
  ip netns exec "$A0NS" "$FT_PKTGEN" udp-recv --port $p --until-idle-ms 1500 --duration-ms 30000 \
    --ready-file "$FT_DIR/r$p.ready" --json >"$FT_DIR/r$p.json" 2>&1 &
  FT_PIDS+=($!)
  recv+=($!)
  ft_wait_for 5 test -e "$FT_DIR/r$p.ready"
done
f2_before=$(f2_tx)
ip netns exec "$A1NS" "$FT_PKTGEN" udp-send --dst 10.0.0.10:7000 --tos 192 --rate 1000 \
  --duration-ms 2500 --json >"$FT_DIR/s7000.json" 2>&1 &
s1=$!
ip netns exec "$A1NS" "$FT_PKTGEN" udp-send --dst 10.0.0.10:7001 --tos 96 --rate 1000 \
  --duration-ms 2500 --json >"$FT_DIR/s7001.json" 2>&1 &
s2=$!
FT_PIDS+=($s1 $s2)
sleep 0.5
lab_migrate migrate A0 --to S2 --plan 000-prio --priority-threshold 2,4 -v >"$FT_DIR/mig.out" 2>&1
ft_eq "migrated" 0 $?
wait $s1 $s2
ft_eq "A0 on S2" s2 "$(lab_where)"
tx6=$(counters "$FT_DIR/mig.out" S3 0a:00:00:00:00:10)
tx3=$(counters "$FT_DIR/mig.out" S3 0a:00:00:00:00:11)
tx0=$(counters "$FT_DIR/mig.out" S3 0a:00:00:00:00:12)
rx6=$(counters "$FT_DIR/mig.out" S2 0a:00:00:00:00:10)
rx3=$(counters "$FT_DIR/mig.out" S2 0a:00:00:00:00:11)
rx0=$(counters "$FT_DIR/mig.out" S2 0a:00:00:00:00:12)
ft_log "  sender: class 5-7 $tx6, 3-4 $tx3, 0-2 $tx0; receiver: $rx6, $rx3, $rx0; F2 s2 tx +$(( $(f2_tx) - f2_before ))"
ft_check "class 6 rode M0 (sender)" test "$tx6" -gt 0
ft_check "class 3 rode M1 (sender)" test "$tx3" -gt 0
ft_eq "nothing on the class 0-2 path (sender)" 0 "$tx0"
ft_eq "nothing on the class 0-2 path (receiver)" 0 "$rx0"
ft_check "M0's frames arrived through M0 ($rx6 >= $tx6)" test "$rx6" -ge "$tx6"
ft_check "M1's frames arrived through M1 ($rx3 >= $tx3)" test "$rx3" -ge "$tx3"
ft_check "F2 forwarded the class 3-4 path's frames" test $(( $(f2_tx) - f2_before )) -ge "$tx3"
wait "${recv[@]}"
for p in 7000 7001; do
  sent=$(ft_json_get "$(tail -1 "$FT_DIR/s$p.json")" sent)
  got=$(ft_json_get "$(tail -1 "$FT_DIR/r$p.json")" datagrams)
  ft_log "  stream $p: sent $sent, received $got"
  ft_check "stream $p arrived (beyond the pause's loss)" test "$got" -gt $((sent / 2))
done
ft_eq "no residue" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_finish
