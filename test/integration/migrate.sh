#!/usr/bin/env bash
# ferry-migrate across the lab (scripts/lab/topology.sh): three hypervisors,
# two fabric switches, five ferry-vswitchd daemons, the orchestrator's
# state in its own OVSDB database. Bad requests change nothing; each plan
# moves A0 under a UDP stream and leaves no conversion, no virtual-MAC
# entry and no allocated vMAC behind; plan 000 loses nothing outside the
# VM's pause, duplicates and reorders nothing; an abort rolls back.
source "$(dirname "$0")/lib.sh"
ft_init migrate
source "$FT_TOP/scripts/lab/topology.sh"
LAB_RATE=${LAB_RATE:-2000}

ft_case "set-up: the lab (S1 S2 S3, F1 F2, A0 on S1, A1 on S3) and the state database"
ft_check "lab" lab_build
ft_check "A1 pings A0 through F1" ft_ping "$(ft_ns a1)" 10.0.0.10

ft_case "bad requests: clear errors, nothing changed"
err() { lab_migrate "$@" 2>&1; }
ft_contains "unknown VM" "$(err migrate A9 --to S2)" 'unknown VM "A9"'
ft_contains "destination = source" "$(err migrate A0 --to S1)" "A0 already runs on S1"
ft_contains "unknown host" "$(err migrate A0 --to S9)" 'unknown host "S9"'
ft_contains "a fabric switch is not a host" "$(err migrate A0 --to F1)" 'unknown host "F1"'
ft_contains "unknown plan" "$(err migrate A0 --to S2 --plan 999)" 'unknown plan "999"'
ft_contains "missing inventory" "$("$LAB_MIGRATE" migrate A0 --to S2 2>&1)" "--inventory FILE is required"
sed 's#"ctl": "[^"]*f2/ferry-vswitchd.ctl"#"ctl": "/nonexistent/f2.ctl"#' "$FT_DIR/inventory.json" >"$FT_DIR/bad.json"
ft_contains "unreachable switch" "$("$LAB_MIGRATE" --inventory "$FT_DIR/bad.json" migrate A0 --to S2 2>&1)" \
  "F2 is unreachable (/nonexistent/f2.ctl)"
# A database whose pool has one address, and a plan that needs two.
mkdir -p "$FT_DIR/small"
ovsdb-tool create "$FT_DIR/small/state.db" "$LAB_SCHEMA" >/dev/null
ovsdb-server "$FT_DIR/small/state.db" --remote="punix:$FT_DIR/small/db.sock" --unixctl="$FT_DIR/small/ctl" \
  --pidfile="$FT_DIR/small/pid" --detach --no-chdir --log-file="$FT_DIR/small/log"
FT_PIDFILES+=("$FT_DIR/small/pid")
lab_inventory 1 >"$FT_DIR/small.json"
ft_contains "exhausted pool" \
  "$("$LAB_MIGRATE" --db "unix:$FT_DIR/small/db.sock" --inventory "$FT_DIR/small.json" migrate A0 --to S2 --plan 000-prio 2>&1)" \
  "the vMAC pool is exhausted (1 addresses, 1 free, 2 needed)"
ft_eq "no residue on any daemon" "" "$(lab_residue)"
ft_contains "no migration recorded" "$(lab_migrate ledger)" "no migration in progress"
ft_contains "pool untouched" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_eq "A0 did not move" s1 "$(lab_where)"

ft_case "--dry-run prints the plan and changes nothing"
plan=$(lab_migrate migrate A0 --to S2 --dry-run)
ft_contains "S408 on the sender" "$plan" "S408      S3  vmac/add-tx br0 $LAB_A0 0a:00:00:00:00:10"
ft_contains "S418 cut-over" "$plan" "cut-over S418      S3  vmac/commit activate="
ft_eq "no residue" "" "$(lab_residue)"


ft_case "plan 000 under a stream: nothing lost outside the pause, no duplicate, no reordering"
out=$(lab_migrate_under_traffic p000 --to S2 --plan 000)
ft_log "  $out"
ft_log "  $(tr '\n' '|' <"$FT_DIR/p000.progress")"
ft_eq "A0's port is on S2" s2 "$(lab_where)"
ft_contains "report" "$(cat "$FT_DIR/p000.json")" '"status":"done"'
ft_contains "cut-over on the VM's first frame" "$(cat "$FT_DIR/p000.json")" '"cutover_trigger":"frame"'
ft_eq "lost outside the pause" 0 "$(ft_json_get "$out" lost_outside_pause)"
# The pause (the VM's stop time) and, apart, the gate (the part of it the
# netns driver held the VM for the senders' switch-over): both reported,
# the gate within the pause, and the loss outside the pause without the
# gate counted on its own (at least the loss outside the whole pause).
pause_gate() {
  python3 - "$FT_DIR/$1.json" "$2" <<'PY'
import json, sys
r, a = json.load(open(sys.argv[1])), json.loads(sys.argv[2])
ok = all(k in r for k in ("pause_ms", "gate_ms", "stop_ns", "resume_ns"))
ok = ok and 0 <= r["gate_ms"] <= r["pause_ms"]
ok = ok and abs((r["resume_ns"] - r["stop_ns"]) / 1e6 - r["pause_ms"]) < 0.01
ok = ok and a["gate_ms"] == round(r["gate_ms"], 2) and a["pause_ms"] == round(r["pause_ms"], 2)
ok = ok and a["lost_outside_pause"] <= a["lost_outside_downtime"] <= a["lost"]
print("consistent" if ok else "inconsistent: report %s, figures %s" % (
    {k: r.get(k) for k in ("pause_ms", "gate_ms", "stop_ns", "resume_ns")}, a))
PY
}
ft_eq "pause_ms and gate_ms reported, gate within the pause" consistent "$(pause_gate p000 "$out")"
ft_eq "duplicated" 0 "$(ft_json_get "$out" duplicated)"
ft_eq "reordered" 0 "$(ft_json_get "$out" reordered)"
ft_contains "progress lines per phase" "$(cat "$FT_DIR/p000.progress")" "ferry-migrate: cleanup"
ft_eq "no residue" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_contains "status knows where A0 runs" "$(lab_migrate status)" "A0       $LAB_A0 on S2"
ft_check "A1 pings A0 on S2" ft_ping "$(ft_ns a1)" 10.0.0.10
ft_contains "F1 points A0 to S2" "$(ft_on f1 ft_appctl fdb/show br0)" "    2     0  $LAB_A0  static"

ft_case "discovery: the hosts' daemons tell where the VMs run; an inventory without VMs migrates"
disc=$(lab_migrate discover)
ft_log "$disc"
ft_contains "A0 seen on S2 (the inventory says S1)" "$disc" "A0           $LAB_A0    0 S2     a0         inventory, seen"
ft_contains "the move is reported" "$disc" "moved: A0: found on S2 port a0 VLAN 0 (inventory: S1 port a0 VLAN 0)"
ft_contains "A1 seen on S3" "$disc" "A1           $LAB_A1    0 S3     a1         inventory, seen"
python3 - "$FT_DIR/inventory.json" >"$FT_DIR/discover.json" <<'PY'
import json, sys
inv = json.load(open(sys.argv[1]))
del inv["vms"], inv["flows"]
inv["discover"] = True
print(json.dumps(inv))
PY
dj=$("$LAB_MIGRATE" --inventory "$FT_DIR/discover.json" discover --json)
ft_contains "a0 discovered with its namespace" "$dj" \
  "{\"name\":\"a0\",\"mac\":\"$LAB_A0\",\"host\":\"S2\",\"port\":\"a0\",\"vlan\":0,\"netns\":\"$(ft_ns a0)\"}"
ft_contains "a1 discovered" "$dj" "{\"name\":\"a1\",\"mac\":\"$LAB_A1\",\"host\":\"S3\""
ft_check "the discovered a0 migrates to S1" "$LAB_MIGRATE" --inventory "$FT_DIR/discover.json" migrate a0 --to S1
ft_eq "on S1" s1 "$(lab_where)"
ft_check "and back to S2" "$LAB_MIGRATE" --inventory "$FT_DIR/discover.json" migrate a0 --to S2
ft_eq "on S2" s2 "$(lab_where)"
ft_eq "no residue" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"

ft_case "baseline back to S1 (the contrast), then 003-dup and 000-prio round trips"
out=$(lab_migrate_under_traffic base --to S1 --plan baseline)
ft_log "  baseline: $out"
ft_eq "baseline back on S1" s1 "$(lab_where)"
ft_eq "baseline: no duplicate" 0 "$(ft_json_get "$out" duplicated)"
ft_eq "baseline: pause_ms and gate_ms consistent" consistent "$(pause_gate base "$out")"
out=$(lab_migrate_under_traffic dup --to S2 --plan 003-dup)
ft_log "  003-dup: $out"
ft_eq "003-dup: on S2" s2 "$(lab_where)"
ft_eq "003-dup: no duplicate reaches the VM" 0 "$(ft_json_get "$out" duplicated)"
ft_eq "003-dup: lost outside the pause" 0 "$(ft_json_get "$out" lost_outside_pause)"
ft_eq "003-dup: reordered" 0 "$(ft_json_get "$out" reordered)"
ft_eq "003-dup: pause_ms and gate_ms consistent" consistent "$(pause_gate dup "$out")"
ft_eq "003-dup: no residue" "" "$(lab_residue)"
ft_not_contains "003-dup: no memory-transfer flow left on S1" \
  "$(ft_on s1 ovs-ofctl -O OpenFlow13 dump-flows br0)" "tp_dst=49152"
ft_not_contains "003-dup: no meter left on S1" "$(ft_on s1 ovs-ofctl -O OpenFlow13 dump-meters br0)" "meter=49152"
ft_check "000-prio back to S1" lab_migrate migrate A0 --to S1 --plan 000-prio --priority-threshold 3
ft_eq "000-prio: on S1" s1 "$(lab_where)"
ft_eq "000-prio: no residue" "" "$(lab_residue)"
ft_check "A1 pings A0 on S1" ft_ping "$(ft_ns a1)" 10.0.0.10
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"

ft_case "003-dup: the metered memory-transfer path exists during the transfer and goes with a rollback"
xfer=$(lab_migrate migrate A0 --to S2 --plan 003-dup --dry-run | awk '$3 == "003-xfer" {print $1; exit}')
FERRY_MIGRATE_KILL_AFTER_STEP=$((xfer + 1)) lab_migrate migrate A0 --to S2 --plan 003-dup >/dev/null 2>&1
ft_eq "killed after the metered flow" 137 $?
ft_contains "the meter" "$(ft_on s1 ovs-ofctl -O OpenFlow13 dump-meters br0)" "meter=49152 kbps burst stats bands="
ft_contains "the metered flow" "$(ft_on s1 ovs-ofctl -O OpenFlow13 dump-flows br0)" \
  "tcp,nw_src=192.0.2.1,nw_dst=192.0.2.2,tp_dst=49152 actions=meter:49152,NORMAL"
ft_contains "resume rolls it back" "$(lab_migrate resume)" "rolled back"
ft_not_contains "flow removed" "$(ft_on s1 ovs-ofctl -O OpenFlow13 dump-flows br0)" "tp_dst=49152"
ft_not_contains "meter removed" "$(ft_on s1 ovs-ofctl -O OpenFlow13 dump-meters br0)" "meter=49152"
ft_eq "no residue" "" "$(lab_residue)"
ft_eq "A0 still on S1" s1 "$(lab_where)"

ft_case "abort rolls a running migration back"
LAB_PRECOPY_MS=4000 lab_inventory >"$FT_DIR/slow.json"
"$LAB_MIGRATE" --inventory "$FT_DIR/slow.json" migrate A0 --to S2 >"$FT_DIR/abort.out" 2>&1 &
mig=$!
FT_PIDS+=($mig)
ft_wait_for 20 sh -c "OVS_RUNDIR=$FT_DIR/s3 ovs-appctl -t ferry-vswitchd vmac/show | grep -q staged"
ft_contains "in the ledger" "$(lab_migrate ledger)" "running"
ab=$(lab_migrate abort A0 2>&1)
wait $mig
ft_contains "abort reports the rollback" "$ab" "A0: rolled-back"
ft_contains "the run says so" "$(cat "$FT_DIR/abort.out")" "rolled back (aborted by request)"
ft_eq "A0 back on S1" s1 "$(lab_where)"
ft_eq "no residue" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_contains "ledger empty" "$(lab_migrate ledger)" "no migration in progress"
ft_check "A1 pings A0 on S1" ft_ping "$(ft_ns a1)" 10.0.0.10
for n in $LAB_HOSTS $LAB_FABRIC; do ft_check "$n alive" ft_on $n ft_ferry_alive; done
ft_finish
