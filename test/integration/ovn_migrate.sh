#!/usr/bin/env bash
# A live migration under OVN: two Ferry chassis over Geneve (as in
# ovn_geneve.sh), vm1 moved from hv1 to hv2 by ferry-migrate's netns driver
# while vm2 (hv2, the same logical switch) streams numbered UDP to it.
# First with OVN's own support (requested-chassis=hv1,hv2 and
# activation-strategy=rarp: the port is bound on both, blocked on hv2 until
# ovn-controller sees the VM's RARP there through a packet-in), then back
# without it (the baseline: OVN binds the port where it appears). Asserts
# what does not depend on timing; the loss figures are logged
# (scripts/lab/ovn_migrate.sh measures them over runs).
source "$(dirname "$0")/lib.sh"
source "$FT_TOP/scripts/lab/ovn_chassis.sh"
ft_init ovn_migrate

# activated_on CHASSIS: ovn-controller on CHASSIS unblocked lsp1 on a RARP.
activated_on() {
  [ "$(ovn-sbctl --bare get Port_Binding lsp1 options:additional-chassis-activated 2>/dev/null |
    tr -d '"')" = "$1" ]
}

ft_case "set-up: OVN central, chassis hv1 and hv2 over Geneve, vm1 and vm3 on hv1, vm2 on hv2"
ft_check "build" ovnmig_build || ft_finish || exit 1
ft_check "vm2 -> vm1 across the chassis" ft_wait_for 20 ft_ping "$(ft_ns vm2)" 10.0.0.1 1
ft_eq "lsp1 on hv1" hv1 "$(ovnmig_chassis)"

ft_case "OVN's live migration: requested-chassis=hv1,hv2, activation-strategy=rarp"
ft_check "options on lsp1" ovnmig_mode rarp hv1 hv2
ft_eq "requested_additional_chassis is hv2" "$(ovn-sbctl --bare --columns _uuid find Chassis name=hv2)" \
  "$(ovn-sbctl --bare --columns requested_additional_chassis find Port_Binding logical_port=lsp1)"
ft_check "vm1 still answers on hv1" ft_ping "$(ft_ns vm2)" 10.0.0.1 1
ft_check "ferry-migrate moves vm1 to hv2 under the stream" ovnmig_under_traffic rarp hv2
rarp=$(tail -1 "$FT_DIR/.check.out")
ft_log "rarp activation: $rarp"
ft_eq "vm1's port is on hv2" hv2 "$(ovnmig_where)"
ft_contains "ferry-migrate completed" "$(cat "$FT_DIR/rarp.report")" '"status":"done"'
ft_eq "hv2 is the port's additional chassis" "$(ovn-sbctl --bare --columns _uuid find Chassis name=hv2)" \
  "$(ovn-sbctl --bare --columns additional_chassis find Port_Binding logical_port=lsp1)"
ft_check "ovn-controller on hv2 saw a RARP and activated the port" activated_on hv2
ft_eq "no datagram duplicated" 0 "$(ft_json_get "$rarp" duplicated)"
ft_eq "none reordered" 0 "$(ft_json_get "$rarp" reordered)"
ft_check "the CMS's last step: requested-chassis=hv2" ovnmig_finish hv2
ft_check "lsp1 bound to hv2" ft_wait_for 10 sh -c "[ \"\$(ovn-sbctl --bare --columns name list Chassis \
\$(ovn-sbctl --bare --columns chassis find Port_Binding logical_port=lsp1))\" = hv2 ]"
ft_eq "the Port_Binding's chassis is hv2" hv2 "$(ovnmig_chassis)"
ft_check "vm2 (hv2) -> vm1 (now on hv2)" ft_ping "$(ft_ns vm2)" 10.0.0.1 3
ft_check "vm3 (hv1, across lr0 and the tunnel) -> vm1" ft_ping "$(ft_ns vm3)" 10.0.0.1 3

ft_case "the baseline: back to hv1 without OVN's migration options"
ft_check "options cleared" ovnmig_mode baseline
ft_check "ferry-migrate moves vm1 to hv1 under the stream" ovnmig_under_traffic baseline hv1
base=$(tail -1 "$FT_DIR/.check.out")
ft_log "baseline: $base"
ft_eq "vm1's port is on hv1" hv1 "$(ovnmig_where)"
ft_check "lsp1 bound to hv1" ft_wait_for 10 sh -c "[ \"\$(ovn-sbctl --bare --columns name list Chassis \
\$(ovn-sbctl --bare --columns chassis find Port_Binding logical_port=lsp1))\" = hv1 ]"
ft_eq "no datagram duplicated" 0 "$(ft_json_get "$base" duplicated)"
ft_eq "none reordered" 0 "$(ft_json_get "$base" reordered)"
ft_check "vm2 (hv2) -> vm1 (hv1)" ft_ping "$(ft_ns vm2)" 10.0.0.1 3

ft_case "step by step: hv2 blocks the port until the VM's RARP reaches ovn-controller (a packet-in)"
ft_check "options on lsp1" ovnmig_mode rarp hv1 hv2
ft_check "vm1's port leaves hv1" ft_on hv1 ovs-vsctl del-port br-int vm1
ip -n "$(ft_ns hv1)" link set vm1 netns "$(ft_ns hv2)"
ip -n "$(ft_ns hv2)" link set vm1 up
ft_check "and joins hv2's br-int with its iface-id" ft_on hv2 ovs-vsctl add-port br-int vm1 \
  -- set Interface vm1 external_ids:iface-id=lsp1
ofport=$(ft_on hv2 ovs-vsctl get Interface vm1 ofport)
rarp_flow() {
  ft_on hv2 ovs-ofctl -O OpenFlow15 dump-flows br-int "table=0,in_port=$ofport" | grep "priority=1010,rarp"
}
no_rarp_flow() { ! rarp_flow; }
ft_check "ovn-controller's RARP flow for it (to the controller)" ft_wait_for 20 rarp_flow
ft_contains "it sends the RARP to ovn-controller" "$(rarp_flow)" "controller("
ft_check_fails "vm2 cannot reach vm1 yet (blocked)" ft_ping "$(ft_ns vm2)" 10.0.0.1 2
ft_check_fails "not activated yet" activated_on hv2
ft_check "a RARP from vm1 (as QEMU announces it)" ft_send "$(ft_ns vm1)" eth0 "rarp(mac=02:00:00:00:00:01)"
ft_check "ovn-controller activated the port" ft_wait_for 10 activated_on hv2
ft_check "the blocking flows are gone" ft_wait_for 10 no_rarp_flow
ft_check "vm2 -> vm1 on hv2" ft_wait_for 10 ft_ping "$(ft_ns vm2)" 10.0.0.1 1
ft_check "the CMS's last step" ovnmig_finish hv2
ft_eq "the Port_Binding's chassis is hv2" hv2 "$(ovnmig_chassis)"

ft_case "no OpenFlow error on either chassis; Ferry refused nothing"
for h in hv1 hv2; do
  ft_eq "$h: ovn-controller got no OpenFlow error" 0 "$(ft_on $h ft_ovn_of_errors)"
  ft_eq "$h: Ferry refused nothing" "" \
    "$(grep 'refused with\|not committed' "$FT_DIR/$h/ferry-vswitchd.log")"
  ft_check "$h alive" ft_on $h ft_ferry_alive
done
ft_finish
