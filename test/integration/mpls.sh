#!/usr/bin/env bash
# MPLS on the wire, against stock Open vSwitch: push_mpls with
# set_mpls_label/tc, pop_mpls to IP followed by a lookup on the IP header
# (a recirculation), set_field/dec_mpls_ttl/push on a label stack and a pop
# to MPLS, on ferry-vswitchd (af_packet ports, frames from a VM namespace)
# and on ovs-vswitchd (userspace datapath, dummy ports); the frames each
# sends out compared byte for byte, with the push's bytes as written here,
# and the datapath flows' MPLS key and actions in OVS's syntax.
source "$(dirname "$0")/lib.sh"
ft_init mpls

M1=02:00:00:00:00:01
M2=02:00:00:00:00:02
RULES="table=0,priority=100,in_port=1,ip,nw_dst=10.0.0.2,actions=push_mpls:0x8847,set_mpls_label:3,set_mpls_tc:5,output:2
table=0,priority=100,in_port=1,mpls,mpls_label=20,actions=pop_mpls:0x0800,resubmit(,1)
table=1,priority=10,ip,nw_dst=10.0.0.2,actions=dec_ttl,output:2
table=0,priority=100,in_port=1,mpls,mpls_label=30,actions=set_field:7->mpls_tc,dec_mpls_ttl,push_mpls:0x8848,set_mpls_label:31,output:2
table=0,priority=100,in_port=1,mpls,mpls_label=40,actions=pop_mpls:0x8847,output:2"

# lse LABEL TC BOS TTL: a label stack entry in hex.
lse() { printf '%08x' $(( ($1 << 12) | ($2 << 9) | ($3 << 8) | $4 )); }
# mpls_frame TYPE LSE... : the IPv4 frame below with these entries between
# its Ethernet header (ethertype TYPE) and its IP header.
mpls_frame() {
  local type=$1
  shift
  local stack
  stack=$(printf '%s' "$@")
  echo "${IP_HEX:0:24}${type}${stack}${IP_HEX:28}"
}
# pcap_hex FILE: the frames of a pcap file, in hex, one a line.
pcap_hex() {
  python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
o = 24
while o + 16 <= len(d):
    n = int.from_bytes(d[o + 8:o + 12], "little")
    print(d[o + 16:o + 16 + n].hex())
    o += 16 + n' "$1"
}

ft_case "set-up: ferry-vswitchd and ovs-vswitchd with the same tables"
ft_controller_bridge
printf '%s\n' "$RULES" >"$FT_DIR/rules.txt"
ft_check "ferry: rules" ovs-ofctl add-flows br0 "$FT_DIR/rules.txt"
ft_stock_dummy_rules "$FT_DIR/rules.txt" "options:tx_pcap=$FT_DIR/ovs-p2.pcap"
ft_eq "ferry says it pushes 3 labels, as ovs-vswitchd" \
  "$(ft_ovs ovs-appctl dpif/show-dp-features br0 | grep 'Max MPLS depth')" \
  "$(ft_appctl dpif/show-dp-features br0 | grep 'Max MPLS depth')"

IP_HEX=$(ft_frame "eth(dst=$M2,src=$M1),ipv4(src=10.0.0.1,dst=10.0.0.2),udp(sport=4000,dport=5000),payload(len=24)")
NAMES=(push pop_recirc stack pop_to_mpls)
SENT=(
  "$IP_HEX"
  "$(mpls_frame 8847 "$(lse 20 0 1 64)")"
  "$(mpls_frame 8847 "$(lse 30 0 1 10)")"
  "$(mpls_frame 8847 "$(lse 40 0 0 64)" "$(lse 41 2 1 33)")"
)
# What the push must send, written out: 0x8847, label 3, TC 5, BoS, the
# IP TTL (64), then the IP packet unchanged.
WANT_PUSH=$(mpls_frame 8847 "$(lse 3 5 1 64)")

ft_case "the same frames into both: the frames out are the same"
for i in "${!NAMES[@]}"; do
  n=${NAMES[$i]}
  ft_check "capture on vm2 ($n)" ft_capture_start "$(ft_ns vm2)" eth0 "$n" --count 1 \
    --timeout-ms 5000 --filter-dst $M2
  ft_check "ferry: vm1 sends $n" ft_send_hex "$(ft_ns vm1)" eth0 "${SENT[$i]}"
  eval "got_$n=\$(ft_capture_wait $n)"
  ft_check "ovs receives $n" ft_ovs ovs-appctl netdev-dummy/receive p1 "${SENT[$i]}"
done
ft_check "ovs sent 4 frames" ft_wait_for 5 \
  sh -c "[ \$(python3 -c 'import os,sys; print(os.path.getsize(sys.argv[1]))' $FT_DIR/ovs-p2.pcap) -gt 300 ]"
mapfile -t ovs_out < <(pcap_hex "$FT_DIR/ovs-p2.pcap")
ft_eq "push: the bytes written out here" "$WANT_PUSH" "$got_push"
for i in "${!NAMES[@]}"; do
  n=${NAMES[$i]}
  eval "got=\$got_$n"
  ft_eq "$n: ferry's frame is ovs-vswitchd's" "${ovs_out[$i]:-none}" "$got"
done
# The IP TTL went down by one after the recirculation (dec_ttl in table 1).
ft_contains "pop_recirc: IPv4 TTL 63" "$got_pop_recirc" "${IP_HEX:28:16}3f11"

ft_case "datapath flows: MPLS key and actions in OVS's syntax"
ferry_flows=$(ft_appctl dpctl/dump-flows)
ovs_flows=$(ft_ovs ovs-appctl dpctl/dump-flows)
ft_log "ferry: $ferry_flows"
ft_log "ovs: $ovs_flows"
for pat in 'push_mpls([^)]*eth_type=0x8847)' 'push_mpls([^)]*eth_type=0x8848)' \
  'pop_mpls(eth_type=0x800)' 'pop_mpls(eth_type=0x8847)'; do
  ft_eq "$pat" "$(grep -o "$pat" <<<"$ovs_flows" | sort -u)" "$(grep -o "$pat" <<<"$ferry_flows" | sort -u)"
done
# The MPLS keys, masks included; a wildcarded part's value is left out
# (OVS prints the packet's, Ferry's megaflow keys are kept masked: 0).
mpls_keys() {
  grep -o 'eth_type(0x884[78]),mpls([^)]*)' <<<"$1" | sed -E 's#=[0-9]+/0(x0)?([,)])#=*\2#g' | sort -u
}
ft_eq "the MPLS keys are ovs-vswitchd's" "$(mpls_keys "$ovs_flows")" "$(mpls_keys "$ferry_flows")"
ft_contains "the recirculation after pop_mpls" "$ferry_flows" "pop_mpls(eth_type=0x800),recirc(0x"
ft_contains "an MPLS megaflow names its label" "$ferry_flows" "eth_type(0x8847),mpls(label=20/0xfffff"
ft_contains "ofproto/trace shows the push" \
  "$(ft_appctl ofproto/trace br0 "in_port=1,ip,nw_dst=10.0.0.2,nw_ttl=64,dl_dst=$M2")" "push_mpls(label=3,tc=5,ttl=64,bos=1,eth_type=0x8847)"
ft_finish
