#!/usr/bin/env bash
# The lab with F2, the staging fabric switch, being Open vSwitch's own
# ovs-vswitchd (userspace datapath, MAC learning on) instead of a Ferry
# daemon: ferry-migrate programs it through the same control-socket
# commands (fdb/add, fdb/del: static entries that learning does not move),
# and plans 000 and 003-dup lose nothing outside the VM's pause, leave no
# virtual-MAC entry on any switch and no vMAC allocated.
source "$(dirname "$0")/lib.sh"
ft_init migrate_ovs_fabric
source "$FT_TOP/scripts/lab/topology.sh"
LAB_OVS_FABRIC=f2
LAB_RATE=${LAB_RATE:-2000}

ft_case "set-up: the lab with F2 = ovs-vswitchd"
ft_check "lab" lab_build
ft_contains "F2 is Open vSwitch" "$(lab_appctl f2 version)" "ovs-vswitchd (Open vSwitch)"
ft_contains "F1 is Ferry" "$(lab_appctl f1 version)" "ferry-vswitchd"
ft_contains "F2 holds the lab's static entries" "$(lab_appctl f2 fdb/show br0)" "  $LAB_A1  static"
ft_check "A1 pings A0" ft_ping "$(ft_ns a1)" 10.0.0.10

# f2_tx: frames F2 sent toward S2 (OpenFlow port statistics, live).
f2_tx() {
  ft_on f2 ovs-ofctl dump-ports br0 s2 | sed -n 's/.*tx pkts=\([0-9]*\).*/\1/p'
}

ft_case "plan 000 through the OVS staging switch: nothing lost outside the pause"
before=$(f2_tx)
out=$(lab_migrate_under_traffic p000 --to S2 --plan 000)
ft_log "  $out"
ft_eq "A0 on S2" s2 "$(lab_where)"
ft_contains "report" "$(cat "$FT_DIR/p000.json")" '"status":"done"'
ft_eq "lost outside the pause" 0 "$(jget "$out" lost_outside_pause)"
ft_eq "duplicated" 0 "$(jget "$out" duplicated)"
ft_eq "reordered" 0 "$(jget "$out" reordered)"
ft_check "F2 forwarded the staged path's frames toward S2" test "$(f2_tx)" -gt "$before"
ft_eq "no virtual-MAC entry left anywhere" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_check "A1 pings A0 on S2" ft_ping "$(ft_ns a1)" 10.0.0.10

ft_case "plan 003-dup back to S1: duplicates through both fabrics, none reaches the VM"
out=$(lab_migrate_under_traffic dup --to S1 --plan 003-dup)
ft_log "  $out"
ft_eq "A0 on S1" s1 "$(lab_where)"
ft_eq "lost outside the pause" 0 "$(jget "$out" lost_outside_pause)"
ft_eq "no duplicate reaches the VM" 0 "$(jget "$out" duplicated)"
ft_eq "reordered" 0 "$(jget "$out" reordered)"
ft_eq "no virtual-MAC entry left anywhere" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_check "F2 still alive" lab_appctl f2 version
ft_finish
