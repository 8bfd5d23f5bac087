#!/usr/bin/env bash
# The Nicira extensions ovn-controller relies on when it connects: the TLV
# map of Geneve options (NXT_TLV_TABLE_MOD/REQUEST, ovs-ofctl add-tlv-map,
# dump-tlv-map) answered exactly as a stock ovs-vswitchd answers the same
# commands, and bundles that carry group_mods with flow_mods (ovs-ofctl
# bundle), committed all or nothing. (ct-flush is in conntrack.sh.)
source "$(dirname "$0")/lib.sh"
ft_init openflow_nx

ft_case "set-up: ferry-vswitchd and a stock ovs-vswitchd, one bridge each"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
ft_check "add-br" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
ft_check "stock ovs-vswitchd" ft_start_stock_ovs "" --disable-system
ft_check "stock add-br" ft_ovs ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
ft_check "stock bridge up" ft_wait_for 20 ft_ovs ovs-ofctl show br0

# The same TLV commands against both: every answer (errors included) alike.
tlv_session() {
  # tun_metadata0 unmapped: a match or an action on it is refused.
  ovs-ofctl add-flow br0 "priority=5,actions=set_field:0x1->tun_metadata0" 2>&1
  echo "rc=$?"
  ovs-ofctl add-flow br0 "priority=6,tun_metadata0=0x5,actions=drop" 2>&1
  echo "rc=$?"
  ovs-ofctl add-tlv-map br0 \
    "{class=0xffff,type=0,len=4}->tun_metadata0,{class=0xffff,type=1,len=8}->tun_metadata1" 2>&1
  echo "rc=$?"
  # ... and taken once mapped, as OVN writes and reads it.
  ovs-ofctl add-flow br0 "priority=5,actions=set_field:0x10002/0xffffffff->tun_metadata0" 2>&1
  echo "rc=$?"
  ovs-ofctl add-flow br0 \
    "priority=6,tun_metadata0=0x5/0xff,actions=move:NXM_NX_TUN_METADATA0[16..30]->NXM_NX_REG14[0..14]" 2>&1
  echo "rc=$?"
  ovs-ofctl dump-flows br0 --no-stats 2>&1 | sort
  ovs-ofctl del-flows br0
  ovs-ofctl add-tlv-map br0 "{class=0xffff,type=2,len=4}->tun_metadata0" 2>&1
  echo "rc=$?"
  ovs-ofctl add-tlv-map br0 "{class=0xffff,type=1,len=4}->tun_metadata2" 2>&1
  echo "rc=$?"
  ovs-ofctl add-tlv-map br0 \
    "{class=0xfffe,type=1,len=124}->tun_metadata3,{class=0xfffe,type=2,len=124}->tun_metadata4" 2>&1
  echo "rc=$?"
  ovs-ofctl dump-tlv-map br0 2>&1
  ovs-ofctl del-tlv-map br0 "{class=0xffff,type=0,len=4}->tun_metadata0" 2>&1
  echo "rc=$?"
  ovs-ofctl dump-tlv-map br0 2>&1
  ovs-ofctl del-tlv-map br0 2>&1
  ovs-ofctl dump-tlv-map br0 2>&1
}

ft_case "TLV map: add, refusals, delete, clear, as stock ovs-vswitchd answers"
ours=$(tlv_session)
theirs=$(ft_ovs tlv_session)
ft_eq "the same answers" "$theirs" "$ours"
ft_contains "an index mapped twice" "$ours" "NXTTMFC_ALREADY_MAPPED"
ft_contains "an option mapped twice" "$ours" "NXTTMFC_DUP_ENTRY"
ft_contains "more than 256 bytes of options" "$ours" "NXTTMFC_TABLE_FULL"
ft_contains "the map after the adds" "$ours" \
  "$(printf ' 0xffff     0       4  tun_metadata0\n 0xffff   0x1       8  tun_metadata1')"
ft_contains "allocated space after deleting tun_metadata0" "$ours" "allocated option space=8"

ft_case "a bundle of a group and a flow that uses it"
cat >"$FT_DIR/add.txt" <<EOF2
group add group_id=5,type=all,bucket=actions=output:1
flow add table=0,priority=10,ip,actions=group:5
EOF2
ft_check "ovs-ofctl bundle" ovs-ofctl -O OpenFlow15 bundle br0 "$FT_DIR/add.txt"
ft_contains "the group" "$(ovs-ofctl -O OpenFlow15 dump-groups br0)" \
  "group_id=5,type=all,bucket=bucket_id:0,actions=output:1"
ft_contains "the flow" "$(ovs-ofctl -O OpenFlow15 dump-flows br0 --no-stats)" \
  "priority=10,ip actions=group:5"

ft_case "a bundle that fails changes nothing (the group it deletes stays)"
cat >"$FT_DIR/bad.txt" <<EOF2
group delete group_id=5
flow add table=0,priority=11,ip,actions=group:6
EOF2
# (Stock ovs-vswitchd 3.1 aborts on this bundle: an assertion in
# ofproto_rule_insert__(); Ferry answers OVS's error and keeps its state.)
out=$(ovs-ofctl -O OpenFlow15 bundle br0 "$FT_DIR/bad.txt" 2>&1)
ft_contains "refused: the flow names no group" "$out" "Error OFPBAC_BAD_OUT_GROUP"
ft_contains "group 5 is still there" "$(ovs-ofctl -O OpenFlow15 dump-groups br0)" "group_id=5,"
ft_contains "and its flow" "$(ovs-ofctl -O OpenFlow15 dump-flows br0 --no-stats)" \
  "priority=10,ip actions=group:5"
ft_not_contains "the new flow is not" "$(ovs-ofctl -O OpenFlow15 dump-flows br0 --no-stats)" \
  "priority=11"

ft_case "a bundle deleting a group takes the flows that use it"
cat >"$FT_DIR/del.txt" <<EOF2
group delete group_id=5
flow add table=0,priority=12,ip,actions=drop
EOF2
ft_check "ovs-ofctl bundle" ovs-ofctl -O OpenFlow15 bundle br0 "$FT_DIR/del.txt"
ft_check "stock: the same bundles" ft_ovs ovs-ofctl -O OpenFlow15 bundle br0 "$FT_DIR/add.txt"
ft_check "stock: delete" ft_ovs ovs-ofctl -O OpenFlow15 bundle br0 "$FT_DIR/del.txt"
ft_eq "groups as stock" "$(ft_ovs ovs-ofctl -O OpenFlow15 dump-groups br0)" \
  "$(ovs-ofctl -O OpenFlow15 dump-groups br0)"
ft_eq "flows as stock" "$(ft_ovs ovs-ofctl -O OpenFlow15 dump-flows br0 --no-stats)" \
  "$(ovs-ofctl -O OpenFlow15 dump-flows br0 --no-stats)"
ft_not_contains "the group's flow went with it" \
  "$(ovs-ofctl -O OpenFlow15 dump-flows br0 --no-stats)" "group:5"

ft_finish
