#!/usr/bin/env bash
# OVN over two chassis: two ferry-vswitchd hypervisors (hv1, hv2, each in its
# own namespace with its own database and ovn-controller) on one underlay
# (br-phy, 172.16.0.0/24). ovn-controller creates the Geneve ports itself
# (key=flow, csum=true) and sends the logical ports in OVN's option
# (class 0x102, type 0x80: tun_metadata0 through its TLV map). Real pings
# across the chassis, on one logical switch and through the logical router;
# the exact option bytes on the underlay.
source "$(dirname "$0")/lib.sh"
ft_init ovn_geneve

ft_case "set-up: OVN central, chassis hv1 and hv2 on one underlay, VMs on both"
ft_check "OVN NB/SB and ovn-northd" ft_ovn_central
ft_check "hypervisor hv1" ft_node hv1
ft_check "hypervisor hv2" ft_node hv2
HV1=$(ft_ns hv1)
HV2=$(ft_ns hv2)
ft_check "the underlay link" ft_link "$HV1" ul "$HV2" ul
n=1
for h in hv1 hv2; do
  ft_check "$h: br-phy" ft_on $h ovs-vsctl add-br br-phy -- set bridge br-phy datapath_type=netdev \
    -- add-port br-phy ul
  ip -n "$(ft_ns $h)" addr add 172.16.0.$n/24 dev br-phy
  ip -n "$(ft_ns $h)" link set br-phy up
  ft_check "$h: chassis and ovn-controller" ft_on $h ft_ovn_chassis $h 172.16.0.$n
  n=$((n + 1))
done
ft_check "VMs: vm1 on hv1, vm2 and vm3 on hv2" ft_ovn_topology "$HV1" "$HV2" "$HV2"
ft_check "bind vm1 on hv1" ft_on hv1 ovs-vsctl add-port br-int vm1 -- set interface vm1 type=dpdk \
  "options:dpdk-devargs=net_af_packet1,iface=vm1" external_ids:iface-id=lsp1
for v in 2 3; do
  ft_check "bind vm$v on hv2" ft_on hv2 ovs-vsctl add-port br-int vm$v -- set interface vm$v \
    type=dpdk "options:dpdk-devargs=net_af_packet$v,iface=vm$v" external_ids:iface-id=lsp$v
done
for v in 1 2 3; do ft_check "lsp$v bound" ft_wait_for 30 ft_ovn_bound lsp$v; done
ft_check "both chassis caught up (nb_cfg)" ovn-nbctl --wait=hv --timeout=30 sync
for h in hv1 hv2; do
  ft_eq "$h: ovn-controller got no OpenFlow error" 0 "$(ft_on $h ft_ovn_of_errors)"
  ft_eq "$h: Ferry refused nothing" "" \
    "$(grep 'refused with\|not committed' "$FT_DIR/$h/ferry-vswitchd.log")"
done
ft_contains "hv1: ovn-controller's Geneve port to hv2" \
  "$(ft_on hv1 ovs-vsctl get Interface ovn-hv2-0 type options)" \
  "$(printf 'geneve\n{csum="true", key=flow, remote_ip="172.16.0.2"}')"
ft_eq "hv1: no error on it" "[]" "$(ft_on hv1 ovs-vsctl get Interface ovn-hv2-0 error)"
ft_contains "hv1: OVN's option mapped to tun_metadata0" \
  "$(ft_on hv1 ovs-ofctl dump-tlv-map br-int)" "  0x102  0x80       4  tun_metadata0"

ft_case "one logical switch across the chassis: vm1 (hv1) and vm2 (hv2) ping"
ft_check "vm1 -> vm2" ft_wait_for 20 ft_ping "$(ft_ns vm1)" 10.0.0.2 1
ft_check "three more, every one answered" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
ft_check "vm2 -> vm1" ft_ping "$(ft_ns vm2)" 10.0.0.1 3

ft_case "exact bytes: vm1's echo request to vm2 inside Geneve with OVN's option"
dp=$(ovn-sbctl --bare --columns tunnel_key find Datapath_Binding external_ids:name=sw0)
k1=$(ovn-sbctl --bare --columns tunnel_key find Port_Binding logical_port=lsp1)
k2=$(ovn-sbctl --bare --columns tunnel_key find Port_Binding logical_port=lsp2)
ft_log "sw0 tunnel key $dp, lsp1 $k1, lsp2 $k2"
ip netns exec "$HV2" tcpdump -U -n -i ul -c 1 -w "$FT_DIR/ul.pcap" \
  "udp dst port 6081 and ether[70:2] = 0x0800 and ether[81] = 1 and ether[92] = 8" \
  >"$FT_DIR/tcpdump.log" 2>&1 &
FT_PIDS+=($!)
dump=$!
sleep 1
ip netns exec "$(ft_ns vm1)" ping -q -c 1 -W 2 10.0.0.2 >/dev/null
ft_check "captured" ft_wait_for 5 sh -c "! kill -0 $dump 2>/dev/null"
hex=$(python3 - "$FT_DIR/ul.pcap" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()  # pcap: a 24-byte file header, a 16-byte record header
print(d[40:40 + int.from_bytes(d[32:36], "little")].hex())
PY
)
ft_log "on the underlay: $hex"
# Outer Ethernet (14), IPv4 (20), UDP (8), then Geneve: 8 bytes and one
# option of 8 (opt_len 2 words, C set: OVN's option is critical).
ft_eq "Geneve base header: options 2 words, critical, TEB, VNI" \
  "$(printf '0240655800%04x00' "$dp")" "${hex:84:16}"
ft_eq "OVN's option: class 0x102, type 0x80, 4 bytes: ingress and egress port keys" \
  "$(printf '01028001%04x%04x' "$k1" "$k2")" "${hex:100:16}"
ft_eq "then vm1's frame" "0200000000020200000000010800" "${hex:116:28}"

ft_case "the logical router across the chassis: vm1 (hv1) -> vm3 (hv2)"
ft_check "vm1 -> vm3" ft_wait_for 20 ft_ping "$(ft_ns vm1)" 10.1.0.3 1
ft_check "vm3 -> vm1" ft_ping "$(ft_ns vm3)" 10.0.0.1 3
ttl=$(ip netns exec "$(ft_ns vm1)" ping -c 1 -W 2 10.1.0.3 | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')
ft_eq "one routed hop: TTL 63" 63 "$ttl"

ft_case "counters: no tunnel packet refused on either chassis"
for h in hv1 hv2; do
  stats=$(ft_on $h ft_appctl dpif-netdev/pmd-stats-show)
  for r in tunnel_critical_option tunnel_bad_header tunnel_no_port tunnel_truncated; do
    ft_not_contains "$h: no $r" "$stats" "$r:"
  done
  ft_eq "$h: still no OpenFlow error" 0 "$(ft_on $h ft_ovn_of_errors)"
done
for h in hv1 hv2; do ft_check "$h alive" ft_on $h ft_ferry_alive; done
ft_finish
