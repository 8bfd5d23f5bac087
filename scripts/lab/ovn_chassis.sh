# A live migration under OVN, shared by test/integration/ovn_migrate.sh and
# scripts/lab/ovn_migrate.sh (source test/integration/lib.sh first, then
# this file, then call ovnmig_build):
#
#   OVN central (NB, SB, ovn-northd)
#   hv1 (172.16.0.1) ==== underlay, Geneve ==== hv2 (172.16.0.2)
#   vm1 10.0.0.1 (lsp1, sw0)                     vm2 10.0.0.2 (lsp2, sw0)
#   vm3 10.1.0.3 (lsp3, sw1, behind lr0)
#
# Two Ferry hypervisors, each in its own namespace with its own database
# and ovn-controller, as test/integration/ovn_geneve.sh builds them. vm1's
# port is a plain port of br-int bound by external_ids:iface-id, as the
# netns driver of ferry-migrate re-creates it on the destination. vm2
# streams numbered UDP to vm1 (ferry-pktgen) while ferry-migrate moves vm1
# between the chassis (plan baseline: there is no fabric to stage; OVN's
# tunnels are the network and ovn-controller re-points them).

OVNMIG_MIGRATE=${FT_BUILD}/tools/ferry-migrate/ferry-migrate

# ovnmig_build: everything above; returns non-zero (with a message) on failure.
ovnmig_build() {
  local h n=1
  ft_ovn_central || { ft_log "OVN central did not start"; return 1; }
  for h in hv1 hv2; do
    ft_node $h || { ft_log "hypervisor $h did not start (see $FT_DIR/$h)"; return 1; }
  done
  ft_link "$(ft_ns hv1)" ul "$(ft_ns hv2)" ul || return 1
  for h in hv1 hv2; do
    ft_on $h ovs-vsctl add-br br-phy -- set bridge br-phy datapath_type=netdev \
      -- add-port br-phy ul || return 1
    ip -n "$(ft_ns $h)" addr add 172.16.0.$n/24 dev br-phy
    ip -n "$(ft_ns $h)" link set br-phy up
    ft_on $h ft_ovn_chassis $h 172.16.0.$n || return 1
    n=$((n + 1))
  done
  ft_ovn_topology "$(ft_ns hv1)" "$(ft_ns hv2)" "$(ft_ns hv1)" || return 1
  ft_on hv1 ovs-vsctl add-port br-int vm1 -- set Interface vm1 external_ids:iface-id=lsp1 || return 1
  ft_on hv2 ovs-vsctl add-port br-int vm2 -- set Interface vm2 external_ids:iface-id=lsp2 || return 1
  ft_on hv1 ovs-vsctl add-port br-int vm3 -- set Interface vm3 external_ids:iface-id=lsp3 || return 1
  for n in 1 2 3; do ft_wait_for 30 ft_ovn_bound lsp$n || { ft_log "lsp$n not bound"; return 1; }; done
  ovn-nbctl --wait=hv --timeout=30 sync || return 1
  # The stream needs no ARP (the VMs' neighbours are permanent).
  ip -n "$(ft_ns vm2)" neigh replace 10.0.0.1 lladdr 02:00:00:00:00:01 dev eth0
  ip -n "$(ft_ns vm1)" neigh replace 10.0.0.2 lladdr 02:00:00:00:00:02 dev eth0
  ft_migrate_state_db || return 1  # the orchestrator's state database
  ovnmig_inventory >"$FT_DIR/inventory.json"
}

# ovnmig_inventory: ferry-migrate's inventory of the two chassis (no fabric:
# plan baseline only). No switch-over gate (nothing for the orchestrator
# to switch), and QEMU's five announcement rounds: OVN's rarp activation
# needs a RARP once ovn-controller's flows for the new port are in.
ovnmig_inventory() {
  local h sep=""
  printf '{\n  "driver": "netns", "precopy_ms": 200, "downtime_ms": %d, "switchover_wait_ms": 0,\n' \
    "${OVNMIG_DOWNTIME_MS:-50}"
  printf '  "announce_rounds": %d, "pktgen": "%s",\n  "hosts": [' "${OVNMIG_ANNOUNCE_ROUNDS:-5}" "$FT_PKTGEN"
  for h in hv1 hv2; do
    printf '%s\n    {"name": "%s", "ctl": "%s", "db": "unix:%s", "bridge": "br-int", "netns": "%s"}' \
      "$sep" $h "$FT_DIR/$h/ferry-vswitchd.ctl" "$FT_DIR/$h/db.sock" "$(ft_ns $h)"
    sep=,
  done
  printf '],\n  "vms": [\n'
  printf '    {"name": "vm1", "mac": "02:00:00:00:00:01", "ip": "10.0.0.1", "host": "hv1", "port": "vm1", "netns": "%s"},\n' \
    "$(ft_ns vm1)"
  printf '    {"name": "vm2", "mac": "02:00:00:00:00:02", "ip": "10.0.0.2", "host": "hv2", "port": "vm2", "netns": "%s"}],\n' \
    "$(ft_ns vm2)"
  printf '  "flows": [{"from": "vm2", "to": "vm1"}]\n}\n'
}

# ovnmig_mode rarp|baseline: OVN's live-migration options on lsp1 for a
# move from FROM to TO (rarp: requested-chassis=FROM,TO and
# activation-strategy=rarp; baseline: none, the port is bound wherever
# it appears), then waits until both chassis have it.
ovnmig_mode() {
  local mode=$1 from=${2:-} to=${3:-}
  if [ "$mode" = rarp ]; then
    ovn-nbctl lsp-set-options lsp1 requested-chassis=$from,$to activation-strategy=rarp || return 1
  else
    ovn-nbctl lsp-set-options lsp1 || return 1
  fi
  ovn-nbctl --wait=hv --timeout=30 sync
}

# ovnmig_finish TO: the CMS's last step after the move (rarp mode): the
# destination alone is requested.
ovnmig_finish() { ovn-nbctl --wait=hv --timeout=30 lsp-set-options lsp1 requested-chassis=$1; }

# ovnmig_chassis: the chassis lsp1 is bound to (its name; empty: none).
ovnmig_chassis() {
  local uuid
  uuid=$(ovn-sbctl --bare --columns chassis find Port_Binding logical_port=lsp1)
  [ -n "$uuid" ] && ovn-sbctl --bare --columns name list Chassis "$uuid"
}

# ovnmig_where: the chassis (hv1, hv2) whose namespace holds vm1's port.
ovnmig_where() {
  local h
  for h in hv1 hv2; do
    ip -n "$(ft_ns $h)" link show vm1 >/dev/null 2>&1 && { echo $h; return 0; }
  done
  echo none
}

# ovnmig_under_traffic NAME TO [RATE]: moves vm1 to TO while vm2 streams UDP
# to it; leaves $FT_DIR/NAME.{json,csv,send,progress} and prints the loss
# accounting (scripts/lab/analyze.py: lost, lost_outside_pause, duplicated,
# reordered, blackout_ms, pause_ms). Returns ferry-migrate's status.
ovnmig_under_traffic() {
  local name=$1 to=$2 rate=${3:-2000}
  rm -f "$FT_DIR/$name.ready"
  ip netns exec "$(ft_ns vm1)" "$FT_PKTGEN" udp-recv --port 7000 --until-idle-ms 1500 \
    --duration-ms 30000 --timeline "$FT_DIR/$name.csv" --ready-file "$FT_DIR/$name.ready" --json \
    >"$FT_DIR/$name.recv" 2>&1 &
  local recv=$!
  FT_PIDS+=($recv)
  ft_wait_for 5 test -e "$FT_DIR/$name.ready"
  ip netns exec "$(ft_ns vm2)" "$FT_PKTGEN" udp-send --dst 10.0.0.1:7000 --rate "$rate" \
    --duration-ms 3000 --json >"$FT_DIR/$name.send" 2>&1 &
  local send=$!
  FT_PIDS+=($send)
  sleep 0.5
  "$OVNMIG_MIGRATE" --inventory "$FT_DIR/inventory.json" migrate vm1 --to "$to" --plan baseline \
    --json -v >"$FT_DIR/$name.json" 2>"$FT_DIR/$name.progress"
  local rc=$?
  wait $send
  wait $recv
  local sent
  sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$FT_DIR/$name.send")
  tail -1 "$FT_DIR/$name.json" >"$FT_DIR/$name.report"
  python3 "$FT_TOP/scripts/lab/analyze.py" "$FT_DIR/$name.csv" "$sent" "$FT_DIR/$name.report"
  return $rc
}
