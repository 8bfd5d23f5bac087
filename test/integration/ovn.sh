#!/usr/bin/env bash
# OVN drives Ferry: Debian's ovn-northd and ovn-controller, unchanged, with
# ferry-vswitchd as the chassis switch (br-int), configured as operators do
# (system-id, ovn-remote, ovn-encap-*, ovn-bridge-datapath-type=netdev).
# One chassis: two logical switches joined by a logical router, VMs
# (namespaces on veths) bound through iface-id, a stateful ACL, a load
# balancer VIP. ovn-controller must program Ferry without an OpenFlow
# error, and real pings and TCP connections must go where OVN says.
source "$(dirname "$0")/lib.sh"
ft_init ovn

bound() { ft_ovn_bound "$1"; }
of_errors() { ft_ovn_of_errors; }

ft_case "set-up: OVN central, ferry-vswitchd as chassis hv1, three VMs"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "OVN NB/SB and ovn-northd" ft_ovn_central
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
ft_check "chassis hv1 and ovn-controller" ft_ovn_chassis hv1 172.16.0.1
ft_check "VMs and the logical topology" ft_ovn_topology "$HV"
for n in 1 2 3; do
  ft_check "bind vm$n" ovs-vsctl add-port br-int vm$n -- set interface vm$n type=dpdk \
    "options:dpdk-devargs=net_af_packet$n,iface=vm$n" external_ids:iface-id=lsp$n
done
for n in 1 2 3; do ft_check "lsp$n bound to hv1" ft_wait_for 30 bound lsp$n; done
ft_check "ovn-controller caught up (nb_cfg)" ovn-nbctl --wait=hv --timeout=30 sync
ft_contains "ovn-controller shows the chassis" "$(ovn-sbctl show)" 'Chassis hv1'
ft_eq "ovn-controller got no OpenFlow error" 0 "$(of_errors)"
ft_eq "Ferry refused nothing it sent" "" \
  "$(grep 'refused with\|not committed' "$FT_DIR/ferry-vswitchd.log")"
n=$(ovs-ofctl -O OpenFlow15 dump-flows br-int --no-stats | wc -l)
[ "$n" -gt 100 ] || ft_fail "only $n flows on br-int"

ft_case "a logical switch: vm1 and vm2 ping each other"
ft_check "vm1 -> vm2" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
ft_check "vm2 -> vm1" ft_ping "$(ft_ns vm2)" 10.0.0.1 3

ft_case "OVN's native DHCP: ovn-controller answers vm1 (a paused packet-in, resumed)"
dhcp=$(ovn-nbctl create DHCP_Options cidr=10.0.0.0/24 \
  options='"lease_time"="3600" "router"="10.0.0.254" "server_id"="10.0.0.254" "server_mac"="02:00:00:00:ff:01"')
ft_check "DHCPv4 options on lsp1" ovn-nbctl --wait=hv lsp-set-dhcpv4-options lsp1 "$dhcp"
ft_contains "the pause in Ferry's table" "$(ovs-ofctl -O OpenFlow15 dump-flows br-int --no-stats)" \
  ",pause)"
out=$(ip netns exec "$(ft_ns vm1)" busybox udhcpc -i eth0 -n -q -f -t 4 -T 2 -s /bin/true 2>&1)
ft_contains "vm1's lease, from the router's address" "$out" \
  "lease of 10.0.0.1 obtained from 10.0.0.254, lease time 3600"
ft_eq "still no OpenFlow error" 0 "$(of_errors)"

ft_case "the logical router: its ARP and ping answers, and routing between switches"
ft_check "vm1 pings its gateway (OVN's ARP and ICMP responders)" ft_ping "$(ft_ns vm1)" 10.0.0.254 2
ft_check "vm1 -> vm3 across lr0" ft_ping "$(ft_ns vm1)" 10.1.0.3 3
ft_check "vm3 -> vm2 across lr0" ft_ping "$(ft_ns vm3)" 10.0.0.2 3
ttl=$(ip netns exec "$(ft_ns vm1)" ping -c 1 -W 2 10.1.0.3 | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')
ft_eq "one routed hop: TTL 63" 63 "$ttl"
ft_contains "vm1 learned the router's MAC" "$(ip -n "$(ft_ns vm1)" neigh show 10.0.0.254)" \
  "02:00:00:00:ff:01"

ft_case "port security: vm1 may not send from another address"
ip -n "$(ft_ns vm1)" addr add 10.0.0.9/24 dev eth0
ft_check_fails "spoofed source 10.0.0.9 is dropped" \
  ip netns exec "$(ft_ns vm1)" ping -q -c 2 -i 0.2 -W 1 -I 10.0.0.9 10.0.0.2
ip -n "$(ft_ns vm1)" addr del 10.0.0.9/24 dev eth0

ft_case "a stateful ACL: vm2 may not ping vm1, but answers vm1's pings"
ft_check "acl-add (drop icmp from vm2 to sw0 ports)" ovn-nbctl --wait=hv acl-add sw0 to-lport 1001 \
  'ip4 && icmp4 && ip4.src == 10.0.0.2' drop
ft_check "acl-add (allow-related from sw0 ports)" ovn-nbctl --wait=hv acl-add sw0 from-lport 1000 \
  'ip4' allow-related
ft_check_fails "vm2 -> vm1 dropped" ft_ping "$(ft_ns vm2)" 10.0.0.1 2
ft_check "vm1 -> vm3 still fine" ft_ping "$(ft_ns vm1)" 10.1.0.3 2
ft_contains "conntrack holds vm1's connection" "$(ft_appctl dpctl/dump-conntrack)" \
  "icmp,orig=(src=10.0.0.1,dst=10.1.0.3"
ft_eq "still no OpenFlow error" 0 "$(of_errors)"

ft_case "a load balancer VIP: 172.16.1.100:80 (beyond the router) reaches vm3's 8080 (DNAT in conntrack)"
ft_check "lb-add" ovn-nbctl lb-add lb0 172.16.1.100:80 10.1.0.3:8080 tcp
ft_check "ls-lb-add" ovn-nbctl --wait=hv ls-lb-add sw0 lb0
ip netns exec "$(ft_ns vm3)" sh -c "echo ferry-lb | timeout 20 nc -l -p 8080 -q 1" \
  >"$FT_DIR/lb.out" 2>&1 &
FT_PIDS+=($!)
ft_wait_for 10 bash -c "ip netns exec $(ft_ns vm3) ss -ltn | grep -q :8080"
got=$(ip netns exec "$(ft_ns vm1)" timeout 10 nc -w 5 172.16.1.100 80 </dev/null 2>&1)
ft_eq "vm1 got vm3's answer through the VIP" "ferry-lb" "$got"
ft_contains "the DNAT connection" "$(ft_appctl dpctl/dump-conntrack)" \
  "tcp,orig=(src=10.0.0.1,dst=172.16.1.100,sport="
ft_eq "no OpenFlow error at all" 0 "$(of_errors)"

ft_finish
