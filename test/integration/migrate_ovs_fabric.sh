#!/usr/bin/env bash
# The lab with F1, the fabric switch of the VMs' paths and of the staged
# paths, being Open vSwitch's own ovs-vswitchd (userspace datapath, its
# NORMAL flow with MAC learning below) instead of a Ferry daemon. The
# inventory names only its OpenFlow socket: ferry-migrate programs it with
# flow_mods over one OpenFlow connection (priority 1000, dl_dst=MAC ->
# output:PORT), and plans 000 and 003-dup lose nothing outside the VM's
# pause, leave no virtual-MAC flow or entry on any switch and no vMAC
# allocated.
source "$(dirname "$0")/lib.sh"
ft_init migrate_ovs_fabric
source "$FT_TOP/scripts/lab/topology.sh"
LAB_OVS_FABRIC=f1
LAB_RATE=${LAB_RATE:-2000}

ft_case "set-up: the lab with F1 = ovs-vswitchd, known by its OpenFlow socket only"
ft_check "lab" lab_build
ft_contains "F1 is Open vSwitch" "$(lab_appctl f1 version)" "ovs-vswitchd (Open vSwitch)"
ft_contains "F2 is Ferry" "$(lab_appctl f2 version)" "ferry-vswitchd"
ft_contains "F1's entries are flows" "$(ft_on f1 ovs-ofctl --names dump-flows br0)" \
  "priority=1000,vlan_tci=0x0000/0x1fff,dl_dst=$LAB_A1 actions=output:s3"
ft_contains "the inventory names F1's OpenFlow socket" "$(cat "$FT_DIR/inventory.json")" \
  "\"name\": \"F1\", \"openflow\": \"unix:$FT_DIR/f1/br0.mgmt\""
ft_check "A1 pings A0" ft_ping "$(ft_ns a1)" 10.0.0.10

# f1_tx: frames F1 sent toward S2 (OpenFlow port statistics, live).
f1_tx() {
  ft_on f1 ovs-ofctl dump-ports br0 s2 | sed -n 's/.*tx pkts=\([0-9]*\).*/\1/p'
}

ft_case "plan 000 through the OVS fabric switch: nothing lost outside the pause"
before=$(f1_tx)
out=$(lab_migrate_under_traffic p000 --to S2 --plan 000)
ft_log "  $out"
ft_eq "A0 on S2" s2 "$(lab_where)"
ft_contains "report" "$(cat "$FT_DIR/p000.json")" '"status":"done"'
ft_eq "lost outside the pause" 0 "$(ft_json_get "$out" lost_outside_pause)"
ft_eq "duplicated" 0 "$(ft_json_get "$out" duplicated)"
ft_eq "reordered" 0 "$(ft_json_get "$out" reordered)"
ft_check "F1 forwarded the staged path's frames toward S2" test "$(f1_tx)" -gt "$before"
flows=$(ft_on f1 ovs-ofctl --names dump-flows br0)
ft_contains "S604 moved A0's flow toward S2" "$flows" \
  "priority=1000,vlan_tci=0x0000/0x1fff,dl_dst=$LAB_A0 actions=output:s2"
ft_not_contains "no static FDB entry on F1 (flows only)" "$(lab_appctl f1 fdb/show br0)" "static"
ft_eq "no virtual-MAC flow or entry left anywhere" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_check "A1 pings A0 on S2" ft_ping "$(ft_ns a1)" 10.0.0.10

ft_case "plan 003-dup back to S1: copies to both hosts through F1, none reaches the VM twice"
out=$(lab_migrate_under_traffic dup --to S1 --plan 003-dup)
ft_log "  $out"
ft_eq "A0 on S1" s1 "$(lab_where)"
ft_eq "lost outside the pause" 0 "$(ft_json_get "$out" lost_outside_pause)"
ft_eq "no duplicate reaches the VM" 0 "$(ft_json_get "$out" duplicated)"
ft_eq "reordered" 0 "$(ft_json_get "$out" reordered)"
ft_contains "A0's flow back toward S1" "$(ft_on f1 ovs-ofctl --names dump-flows br0)" \
  "priority=1000,vlan_tci=0x0000/0x1fff,dl_dst=$LAB_A0 actions=output:s1"
ft_eq "no virtual-MAC flow or entry left anywhere" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_check "F1 still alive" lab_appctl f1 version

ft_case "a hung OpenFlow switch: a clear error within the timeout, nothing changed"
f1_pid=$(cat "$FT_DIR/f1/ovs-vswitchd.pid")
kill -STOP "$f1_pid"
out=$(lab_migrate migrate A0 --to S2 2>&1)
rc=$?
kill -CONT "$f1_pid"
ft_eq "refused" 1 "$rc"
ft_contains "names the switch and why" "$out" "F1 is unreachable: unix:$FT_DIR/f1/br0.mgmt: Connection timed out; nothing was changed"
ft_eq "A0 still on S1" s1 "$(lab_where)"
ft_eq "nothing staged" "" "$(lab_residue)"
ft_contains "pool free" "$(lab_migrate pool)" "8 addresses, 0 in use, 8 free"
ft_check "once F1 runs again, the migration goes through" lab_migrate migrate A0 --to S2
ft_eq "A0 on S2" s2 "$(lab_where)"
ft_eq "no virtual-MAC flow or entry left" "" "$(lab_residue)"
ft_finish
