#!/usr/bin/env bash
# Ports and bridges added and removed at run time under traffic: the
# daemon never stops forwarding the traffic it should, nor crashes when the
# port carrying a stream goes away.
source "$(dirname "$0")/lib.sh"
ft_init port_churn

ft_case "set-up"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
ft_vm "$HV" vm1 02:00:00:00:00:01 10.0.0.1/24
ft_vm "$HV" vm2 02:00:00:00:00:02 10.0.0.2/24
ft_vm "$HV" vm3 02:00:00:00:00:03 10.0.0.3/24
ft_check "add-br" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
for p in vm1 vm2 vm3; do ft_check "add $p" ovs-vsctl add-port br0 $p; done
ft_check "learn" ft_ping "$(ft_ns vm1)" 10.0.0.2 2

ft_case "removing and re-adding other ports and bridges loses nothing of a running stream"
ip netns exec "$(ft_ns vm2)" "$FT_PKTGEN" udp-recv --port 9000 --until-idle-ms 3000 --ready-file "$FT_DIR/recv.ready" \
  --json >"$FT_DIR/recv.json" 2>"$FT_DIR/recv.err" &
recv=$!
FT_PIDS+=($recv)
ft_wait_for 5 test -e "$FT_DIR/recv.ready"
ip netns exec "$(ft_ns vm1)" "$FT_PKTGEN" udp-send --dst 10.0.0.2:9000 --rate 5000 --duration-ms 6000 --json \
  >"$FT_DIR/send.json" 2>&1 &
send=$!
FT_PIDS+=($send)
for i in 1 2 3; do
  ft_check "del vm3 ($i)" ovs-vsctl del-port br0 vm3
  ft_check "add br$i" ovs-vsctl add-br "br$i" -- set bridge "br$i" datapath_type=netdev
  ft_check "add vm3 ($i)" ovs-vsctl add-port br0 vm3
  ft_check "del br$i" ovs-vsctl del-br "br$i"
done
wait $send
wait $recv
sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$FT_DIR/send.json")
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["streams"][0]; print(s["received"], s["lost"], s["duplicated"], s["reordered"])' "$FT_DIR/recv.json")
ft_eq "received, lost, duplicated, reordered" "$sent 0 0 0" "$got"

ft_case "deleting the port a stream flows to does not hurt the daemon"
ip netns exec "$(ft_ns vm1)" "$FT_PKTGEN" udp-send --dst 10.0.0.2:9000 --rate 20000 --duration-ms 3000 >/dev/null 2>&1 &
send=$!
FT_PIDS+=($send)
sleep 1
ft_check "del vm2 under traffic" ovs-vsctl del-port br0 vm2
sleep 0.5
ft_check "re-add vm2" ovs-vsctl add-port br0 vm2
wait $send
ft_check "alive" ft_ferry_alive
ft_check "vm1 -> vm2 again" ft_ping "$(ft_ns vm1)" 10.0.0.2 3
ft_check "vm3 -> vm2" ft_ping "$(ft_ns vm3)" 10.0.0.2 2
ft_finish
