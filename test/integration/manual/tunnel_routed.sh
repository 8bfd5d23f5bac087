#!/usr/bin/env bash
# Two Ferry hypervisors on different subnets of a routed underlay (a Linux
# router between 10.10.1.0/24 and 10.10.2.0/24), their VMs on one overlay
# segment: VXLAN, then Geneve, with user routes through the router's
# addresses and the next hop's MAC resolved by Ferry's own ARP requests.
# Real pings and a TCP stream (iperf3) across.
#
# Manual (not in scripts/test.sh): it passed 3 runs of 4 on this machine;
# the failing run had host b drop frames as output_to_in_port after both
# neighbours were resolved, cause not found yet. Run it as
#   bash test/integration/manual/tunnel_routed.sh
source "$(dirname "$0")/../lib.sh"
ft_init tunnel_routed

MA=02:00:00:00:0a:01
MB=02:00:00:00:0b:01

ft_case "set-up: hypervisors a and b, a router between their underlays"
ft_check "hypervisor a" ft_node a
ft_check "hypervisor b" ft_node b
ft_netns r0
R0=$(ft_ns r0)
A=$(ft_ns a)
B=$(ft_ns b)
ft_check "a's underlay link" ft_link "$A" ul "$R0" ea
ft_check "b's underlay link" ft_link "$B" ul "$R0" eb
ip -n "$R0" addr add 10.10.1.254/24 dev ea
ip -n "$R0" addr add 10.10.2.254/24 dev eb
ip netns exec "$R0" sysctl -qw net.ipv4.ip_forward=1
ft_vm "$A" vma "$MA" 10.20.0.1/24
ft_vm "$B" vmb "$MB" 10.20.0.2/24
for h in a b; do
  ft_check "$h: br-int" ft_on $h ovs-vsctl add-br br-int -- set bridge br-int datapath_type=netdev
  ft_check "$h: br-phy" ft_on $h ovs-vsctl add-br br-phy -- set bridge br-phy datapath_type=netdev \
    -- add-port br-phy ul
done
ft_check "a: vma" ft_on a ovs-vsctl add-port br-int vma
ft_check "b: vmb" ft_on b ovs-vsctl add-port br-int vmb
ip -n "$A" addr add 10.10.1.1/24 dev br-phy
ip -n "$A" link set br-phy up
ip -n "$B" addr add 10.10.2.1/24 dev br-phy
ip -n "$B" link set br-phy up
has_route() { ft_on "$1" ft_appctl ovs/route/show | grep -q "Cached: $2"; }
ft_check "a sees its underlay" ft_wait_for 10 has_route a 10.10.1.0/24
ft_check "b sees its underlay" ft_wait_for 10 has_route b 10.10.2.0/24
ft_check "a: route to b's subnet through the router" \
  ft_on a ft_appctl ovs/route/add 10.10.2.0/24 br-phy 10.10.1.254
ft_check "b: route to a's subnet through the router" \
  ft_on b ft_appctl ovs/route/add 10.10.1.0/24 br-phy 10.10.2.254
ft_eq "a's route lookup" "$(printf 'src 10.10.1.1\ngateway 10.10.1.254\ndev br-phy')" \
  "$(ft_on a ft_appctl ovs/route/lookup 10.10.2.1)"

ft_case "VXLAN across the router"
ft_check "a: vx0" ft_on a ovs-vsctl add-port br-int vx0 -- set interface vx0 type=vxlan \
  options:remote_ip=10.10.2.1 options:key=5
ft_check "b: vx0" ft_on b ovs-vsctl add-port br-int vx0 -- set interface vx0 type=vxlan \
  options:remote_ip=10.10.1.1 options:key=5
if ! ft_check "vma -> vmb" ft_wait_for 20 ft_ping "$(ft_ns vma)" 10.20.0.2 1; then
  for h in a b; do  # what the failure needs to be understood
    ft_log "$h: $(ft_on $h ft_appctl tnl/neigh/show; ft_on $h ft_appctl ovs/route/show)"
    ft_log "$h: $(ft_on $h ft_appctl dpif-netdev/pmd-stats-show | grep -A12 drops)"
  done
fi
ft_check "three more, every one answered" ft_ping "$(ft_ns vma)" 10.20.0.2 3
ft_check "vmb -> vma" ft_ping "$(ft_ns vmb)" 10.20.0.1 3
ft_contains "a resolved the router's MAC itself (tnl/neigh)" "$(ft_on a ft_appctl tnl/neigh/show)" \
  "$(printf '%-46s%s   br-phy' 10.10.1.254 "$(ip -n "$R0" link show ea | awk '/ether/ {print $2}')")"
ft_check "the router forwarded the tunnel packets" \
  test "$(ip -n "$R0" -s link show eb | awk '/TX:/ {getline; print $2}')" -gt 5

ft_case "a TCP stream (iperf3) over VXLAN"
ip netns exec "$(ft_ns vmb)" iperf3 -s -1 -p 5201 -D --pidfile "$FT_DIR/iperf3.pid" \
  --logfile "$FT_DIR/iperf3-server.log"
FT_PIDFILES+=("$FT_DIR/iperf3.pid")
ft_check "the server listens" ft_wait_for 5 test -s "$FT_DIR/iperf3.pid"
sleep 0.5
out=$(ip netns exec "$(ft_ns vma)" iperf3 -c 10.20.0.2 -p 5201 -t 2 -M 1350 -J 2>&1)
bytes=$(python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bytes"]))' <<<"$out" 2>/dev/null || echo 0)
ft_log "iperf3: $bytes bytes received in 2 s"
ft_check "bytes went through" test "${bytes:-0}" -gt 100000

ft_case "Geneve across the router (VXLAN removed)"
ft_check "a: vxlan out, geneve in" ft_on a ovs-vsctl del-port br-int vx0 -- add-port br-int gn0 \
  -- set interface gn0 type=geneve options:remote_ip=10.10.2.1 options:key=6
ft_check "b: vxlan out, geneve in" ft_on b ovs-vsctl del-port br-int vx0 -- add-port br-int gn0 \
  -- set interface gn0 type=geneve options:remote_ip=10.10.1.1 options:key=6
ft_check "vma -> vmb over Geneve" ft_wait_for 20 ft_ping "$(ft_ns vma)" 10.20.0.2 1
ft_check "three more" ft_ping "$(ft_ns vma)" 10.20.0.2 3
ft_eq "b listens on Geneve's port only" "$(printf 'Listening ports:\ngeneve_sys_6081 (6081) ref_cnt=1')" \
  "$(ft_on b ft_appctl tnl/ports/show)"
ft_check "both daemons alive" sh -c "kill -0 \$(cat $FT_DIR/a/ferry-vswitchd.pid) && kill -0 \$(cat $FT_DIR/b/ferry-vswitchd.pid)"

ft_finish
