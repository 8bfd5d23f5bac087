#!/usr/bin/env bash
# SEEDS 001 with ferry-migrate: A0 and A1 in VLAN 10, membership explicit
# (trunk lists). The migration adds VLAN 10 toward the destination before
# anything uses it (fabric ports facing S2, S2's uplinks) and prunes it
# from the fabric ports facing the source once no VM of the VLAN is left
# there; a rollback removes exactly what was added.
source "$(dirname "$0")/lib.sh"
ft_init migrate_vlan
LAB_VLAN=10
source "$FT_TOP/scripts/lab/topology.sh"

trunks() { ft_on "$1" ovs-vsctl get port "$2" trunks; }

ft_case "set-up: the lab with A0 and A1 in VLAN 10"
ft_check "lab" lab_build
ft_check "A1 pings A0 in VLAN 10" ft_ping "$(ft_ns a1)" 10.0.0.10
ft_eq "F1 s2 without VLAN 10" "[4000]" "$(trunks f1 s2)"
plan=$(lab_migrate migrate A0 --to S2 --dry-run)
ft_contains "001 add before the paths" "$plan" "001-add   F1  vlan-add s2 10"
ft_contains "001 prune at the end" "$plan" "001-prune F1  vlan-prune s1 10 S1 A0"

ft_case "a failed step rolls the VLAN additions back"
cut=$(echo "$plan" | awk '$3 == "S410" {print $1; exit}')
FERRY_MIGRATE_KILL_AFTER_STEP=$cut lab_migrate migrate A0 --to S2 >/dev/null 2>&1
ft_eq "killed" 137 $?
ft_eq "VLAN 10 added on F1 s2 meanwhile" "[10, 4000]" "$(trunks f1 s2)"
ft_eq "and on S2's uplink" "[10, 4000]" "$(trunks s2 u1)"
ft_contains "resume rolls back" "$(lab_migrate resume)" "rolled back"
ft_eq "F1 s2 back to [4000]" "[4000]" "$(trunks f1 s2)"
ft_eq "F2 s2 back to [4000]" "[4000]" "$(trunks f2 s2)"
ft_eq "S2 u1 back to [4000]" "[4000]" "$(trunks s2 u1)"
ft_eq "S2 u2 back to [4000]" "[4000]" "$(trunks s2 u2)"

ft_case "the migration: VLAN 10 follows A0"
ft_check "migrate" lab_migrate migrate A0 --to S2 -v
ft_log "  $(lab_migrate ledger --all --json | head -c 300)"
ft_eq "A0 on S2" s2 "$(lab_where)"
ft_eq "A0's port on S2 tagged 10" 10 "$(ft_on s2 ovs-vsctl get port a0 tag)"
ft_eq "F1 s2 carries VLAN 10" "[10, 4000]" "$(trunks f1 s2)"
ft_eq "S2 u1 carries VLAN 10" "[10, 4000]" "$(trunks s2 u1)"
ft_eq "pruned from F1 s1 (no VM of VLAN 10 left on S1)" "[4000]" "$(trunks f1 s1)"
ft_eq "pruned from F2 s1" "[4000]" "$(trunks f2 s1)"
ft_eq "F1 s3 untouched" "[10, 4000]" "$(trunks f1 s3)"
ft_check "A1 pings A0 on S2 in VLAN 10" ft_ping "$(ft_ns a1)" 10.0.0.10
ft_eq "no residue" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_finish
