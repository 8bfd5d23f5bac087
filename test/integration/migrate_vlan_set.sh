#!/usr/bin/env bash
# SEEDS 001 beyond one migration: the scheduled set (embodiments 2-3: the
# VLANs every migration of the set needs are added before the first
# starts, the sources pruned only after the last ends, crash and resume in
# the middle), both "keep" branches of the prune (another VM of the VLAN
# still on the source; another VM of it migrating onto the source, from
# the ledger) and embodiment 4 (two VMs of one VLAN swapping hosts: no
# VLAN change at all, on any switch). A0, A2 in VLAN 10 start on S1; A1
# on S3 talks to both.
source "$(dirname "$0")/lib.sh"
ft_init migrate_vlan_set
LAB_VLAN=10
source "$FT_TOP/scripts/lab/topology.sh"
LAB_A2=02:00:00:00:00:a2

trunks() { ft_on "$1" ovs-vsctl get port "$2" trunks; }
# Every VLAN-carrying port of the lab: "node:port=[trunks]" ...
all_trunks() {
  local n p out=""
  for n in f1 f2; do for p in s1 s2 s3; do out+="$n:$p=$(trunks $n $p) "; done; done
  for n in s1 s2 s3; do for p in u1 u2; do out+="$n:$p=$(trunks $n $p) "; done; done
  echo "$out"
}
where() {  # where PORT: the host whose namespace holds the VM's port
  local h
  for h in $LAB_HOSTS; do ip -n "$(ft_ns "$h")" link show "$1" >/dev/null 2>&1 && { echo "$h"; return; }; done
  echo none
}
# The set's report (the ledger's last set) as "label node result" lines.
set_steps() { python3 -c '
import json, sys
r = json.loads(sys.stdin.read().strip().splitlines()[-1])
print(r["status"])
for s in r["steps"]: print(s["label"], s["node"], s["result"])' ; }

ft_case "set-up: the lab in VLAN 10, A2 beside A0 on S1"
ft_check "lab" lab_build
ft_check "A2" ft_vm "$(ft_ns s1)" a2 $LAB_A2 10.0.0.12/24
ft_check "A2's port" ft_on s1 ovs-vsctl add-port br0 a2 tag=10
for f in f1 f2; do lab_fabric_entry $f s1 10 $LAB_A2; done
ft_on s3 ft_appctl fdb/add br0 u1 10 $LAB_A2 >/dev/null
ip -n "$(ft_ns a2)" neigh replace 10.0.0.11 lladdr $LAB_A1 dev eth0
ip -n "$(ft_ns a1)" neigh replace 10.0.0.12 lladdr $LAB_A2 dev eth0
python3 - "$FT_DIR/inventory.json" "$(ft_ns a2)" <<'EOF'
import json, sys
inv = json.load(open(sys.argv[1]))
inv["vms"].append({"name": "A2", "mac": "02:00:00:00:00:a2", "ip": "10.0.0.12", "host": "S1",
                   "port": "a2", "netns": sys.argv[2], "vlan": 10})
inv["flows"].append({"from": "A1", "to": "A2", "priority": 2})
json.dump(inv, open(sys.argv[1], "w"))
EOF
ft_check "A2 pings A1 (learned on S1)" ft_ping "$(ft_ns a2)" 10.0.0.11
ft_check "A1 pings A0" ft_ping "$(ft_ns a1)" 10.0.0.10
ft_eq "S2 not in VLAN 10" "[4000]" "$(trunks f1 s2)"

ft_case "scheduled set A0, A2 -> S2: added before the first, pruned after the last, resumed"
dry=$(lab_migrate migrate-set A0=S2 A2=S2 --dry-run)
ft_contains "the set's first step adds" "$dry" " 0 staging  001-add   F1  vlan-add s2 10"
ft_not_contains "its migrations add nothing" "$(echo "$dry" | sed -n '/^plan /,$p')" "001-"
first=$(echo "$dry" | awk '$3 == "001-set" {print $1; exit}')
ft_eq "the first migration is step 4 (4 additions before)" 4 "$first"
out=$(FERRY_MIGRATE_KILL_AFTER_STEP=$first lab_migrate migrate-set A0=S2 A2=S2 -v 2>&1)
ft_eq "killed after the first migration" 137 $?
add_line=$(echo "$out" | grep -n ' 001-add ' | tail -1 | cut -d: -f1)
move_line=$(echo "$out" | grep -n ' S414 ' | head -1 | cut -d: -f1)
ft_check "every addition before the first move ($add_line < $move_line)" test "$add_line" -lt "$move_line"
ft_eq "A0 on S2" s2 "$(where a0)"
ft_eq "A2 still on S1" s1 "$(where a2)"
ft_eq "F1 s2 carries VLAN 10" "[10, 4000]" "$(trunks f1 s2)"
ft_eq "F2 s2 carries VLAN 10" "[10, 4000]" "$(trunks f2 s2)"
ft_eq "S2 u1 carries VLAN 10" "[10, 4000]" "$(trunks s2 u1)"
ft_eq "F1 s1 not pruned while the set runs" "[10, 4000]" "$(trunks f1 s1)"
ft_contains "the set is in the ledger" "$(lab_migrate ledger)" "set"
res=$(lab_migrate resume -v 2>&1)
ft_contains "resume: the first migration had ended" "$res" "step $first (001-set) had been applied"
ft_contains "resume completes the set" "$res" "A2: done"
ft_eq "A2 on S2" s2 "$(where a2)"
ft_eq "pruned from F1 s1 after the last (no VM of VLAN 10 left on S1)" "[4000]" "$(trunks f1 s1)"
ft_eq "pruned from F2 s1" "[4000]" "$(trunks f2 s1)"
ft_eq "F1 s3 untouched" "[10, 4000]" "$(trunks f1 s3)"
ft_check "A1 pings A0 on S2" ft_ping "$(ft_ns a1)" 10.0.0.10
ft_check "A1 pings A2 on S2" ft_ping "$(ft_ns a1)" 10.0.0.12

ft_case "keep: another VM of the VLAN still on the source"
out=$(lab_migrate migrate A0 --to S1 -v 2>&1)
ft_eq "A0 back on S1" s1 "$(where a0)"
ft_contains "F1 s1 added again" "$out" "VLAN 10 on F1 s1 (toward S1): added"
ft_contains "prune kept: A2 still on S2" "$out" "unless still used: kept: $LAB_A2 still on S2"
ft_eq "F1 s2 keeps VLAN 10" "[10, 4000]" "$(trunks f1 s2)"
ft_eq "F2 s2 keeps VLAN 10" "[10, 4000]" "$(trunks f2 s2)"
ft_check "A1 pings A0 on S1" ft_ping "$(ft_ns a1)" 10.0.0.10
ft_check "A1 pings A2 on S2" ft_ping "$(ft_ns a1)" 10.0.0.12

ft_case "embodiment 4: A0 and A2 swap hosts in one set, no VLAN changes"
before=$(all_trunks)
rep=$(lab_migrate migrate-set A0=S2 A2=S1 --json 2>"$FT_DIR/swap.err")
ft_eq "set done" 0 $?
steps=$(echo "$rep" | set_steps)
ft_log "$steps"
ft_eq "the set is done" done "$(echo "$steps" | head -1)"
ft_eq "A0 on S2" s2 "$(where a0)"
ft_eq "A2 on S1" s1 "$(where a2)"
ft_eq "every switch's VLAN table unchanged" "$before" "$(all_trunks)"
ft_eq "no addition added" "" "$(echo "$steps" | awk '$1 == "001-add" && $3 != "present"')"
ft_eq "every prune kept" "" "$(echo "$steps" | awk '$1 == "001-prune" && $3 != "kept:"')"
ft_check "A1 pings A0 on S2" ft_ping "$(ft_ns a1)" 10.0.0.10
ft_check "A1 pings A2 on S1" ft_ping "$(ft_ns a1)" 10.0.0.12

ft_case "keep: another VM of the VLAN migrating onto the source (the ledger)"
plan=$(lab_migrate migrate A2 --to S2 --dry-run)
cut=$(echo "$plan" | awk '$3 == "S406" {print $1 - 1; exit}')
FERRY_MIGRATE_KILL_AFTER_STEP=$cut lab_migrate migrate A2 --to S2 >/dev/null 2>&1
ft_eq "A2's migration stopped after its additions" 137 $?
ft_contains "A2 migrating onto S2 in the ledger" "$(lab_migrate ledger)" "A2       S1     S2"
out=$(lab_migrate migrate A0 --to S1 -v 2>&1)
ft_eq "A0 on S1" s1 "$(where a0)"
ft_contains "prune kept: A2 migrating onto S2" "$out" "kept: a VM of VLAN 10 is migrating onto S2"
ft_eq "F1 s2 keeps VLAN 10" "[10, 4000]" "$(trunks f1 s2)"
ft_contains "resume rolls A2's migration back" "$(lab_migrate resume 2>&1)" "rolled back"
ft_eq "A2 still on S1" s1 "$(where a2)"
ft_check "A1 pings A0" ft_ping "$(ft_ns a1)" 10.0.0.10
ft_check "A1 pings A2" ft_ping "$(ft_ns a1)" 10.0.0.12
ft_eq "no residue" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_contains "nothing in progress" "$(lab_migrate ledger)" "no migration in progress"
ft_finish
