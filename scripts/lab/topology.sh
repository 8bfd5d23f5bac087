# The migration lab's topology, shared by scripts/lab.sh and
# test/integration/migrate*.sh (source test/integration/lib.sh first, then
# this file, then call lab_build):
#
#              F1 (primary fabric)          F2 (staging fabric)
#            s1  s2  s3                    s1  s2  s3
#   u1 of:   S1  S2  S3          u2 of:    S1  S2  S3
#            |       |
#           a0 (A0)  a1 (A1)
#
# Three hypervisors S1 (source), S2 (destination), S3 (sender) and two
# fabric switches F1, F2 (no learning, static entries), each a
# ferry-vswitchd with its own ovsdb-server in its own namespace; every host
# has one uplink to each fabric switch. VM A0 (10.0.0.10) on S1, A1
# (10.0.0.11) on S3. The fabric and the remote hosts reach each VM through
# F1 by static entries; F2 carries only staged paths. The orchestrator's
# state database runs beside them, and lab_inventory writes the inventory.
#
# With LAB_VLAN=V the VMs are in VLAN V (access ports) and membership is
# explicit (SEEDS 001): the uplinks of S1 and S3 and the fabric ports
# facing them carry VLANs V and 4000, those of S2 only 4000, so the
# orchestrator must add V toward S2 and may prune it from S1.

LAB_A0=02:00:00:00:00:a0
LAB_A1=02:00:00:00:00:a1
LAB_HOSTS="s1 s2 s3"
LAB_FABRIC="f1 f2"
LAB_MIGRATE=${FT_BUILD}/tools/ferry-migrate/ferry-migrate
LAB_SCHEMA=${FT_TOP}/tools/migrate/ferry-migrate.ovsschema

# With LAB_VM=qemu, A0 is a QEMU guest (scripts/lab/guest.sh, the image of
# scripts/lab/guest-image.sh) on a dpdkvhostuserclient port a0 of S1; S2
# has its own port a0 for the destination QEMU, which the orchestrator's
# qemu driver starts there (-incoming defer) and migrates to through QMP.
# Each host's QEMU lives in $FT_DIR/vm-HOST (HOST: S1, S2). After the
# switch-over QEMU announces the guest (its RARP through the vhost-user
# back end: the destination's first frame); LAB_ANNOUNCE=guest leaves it
# to the guest (VIRTIO_NET_F_GUEST_ANNOUNCE), tens of ms later under TCG.
LAB_VM=${LAB_VM:-netns}
LAB_GUEST=${FT_TOP}/scripts/lab/guest.sh
LAB_QMP=${FT_TOP}/scripts/lab/qmp.py

# With LAB_OVS_FABRIC="f1" (fabric switches by name) those fabric switches
# are Open vSwitch's own ovs-vswitchd (userspace datapath, NORMAL with its
# MAC learning below): the inventory names only their OpenFlow socket, and
# the orchestrator programs their entries as flow_mods (priority 1000,
# dl_dst=MAC -> output:PORT), as it would any OpenFlow switch.
LAB_OVS_FABRIC=${LAB_OVS_FABRIC:-}

lab_is_ovs() { [[ " $LAB_OVS_FABRIC " == *" $1 "* ]]; }

# lab_ctl NAME: the node's control socket (ovs-vswitchd's is named by pid).
lab_ctl() {
  if lab_is_ovs "$1"; then
    echo "$FT_DIR/$1/ovs-vswitchd.$(cat "$FT_DIR/$1/ovs-vswitchd.pid").ctl"
  else
    echo "$FT_DIR/$1/ferry-vswitchd.ctl"
  fi
}

# lab_appctl NAME ARGS...: ovs-appctl on the node's switch daemon.
lab_appctl() {
  local n=$1
  shift
  ovs-appctl -t "$(lab_ctl "$n")" "$@"
}

# lab_ovs_node NAME: a fabric switch that is ovs-vswitchd.
lab_ovs_node() {
  local name=$1 d=$FT_DIR/$1
  ft_netns "$name" || return 1
  mkdir -p "$d"
  ft_on "$name" ft_start_ovsdb || return 1
  ip netns exec "$(ft_ns "$name")" env OVS_RUNDIR="$d" OVS_LOGDIR="$d" OVS_DBDIR="$d" \
    ovs-vswitchd "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" --detach --no-chdir \
    --log-file="$d/ovs-vswitchd.log" >"$d/ovs-vswitchd.out" 2>&1 || return 1
  FT_PIDFILES+=("$d/ovs-vswitchd.pid")
  ft_wait_for 20 lab_appctl "$name" version
}

# lab_vlan_match VLAN: the OpenFlow match of a fabric entry's VLAN (as
# ferry-migrate writes it: VLAN 0 is untagged).
lab_vlan_match() {
  if [ "$1" = 0 ]; then echo "vlan_tci=0x0000/0x1fff"; else echo "dl_vlan=$1"; fi
}

# lab_fabric_entry NAME PORT VLAN MAC: a fabric switch's static entry, as
# the orchestrator would make it (a flow on an OpenFlow switch).
lab_fabric_entry() {
  if lab_is_ovs "$1"; then
    ft_on "$1" ovs-ofctl add-flow br0 "priority=1000,$(lab_vlan_match "$3"),dl_dst=$4,actions=output:$2"
  else
    lab_appctl "$1" fdb/add br0 "$2" "$3" "$4" >/dev/null
  fi
}

# lab_build: everything above; returns non-zero (with a message) on failure.
lab_build() {
  local n h f v=${LAB_VLAN:-0}
  for n in $LAB_HOSTS $LAB_FABRIC; do
    if lab_is_ovs "$n"; then
      lab_ovs_node "$n" || { ft_log "lab: ovs-vswitchd $n did not start (see $FT_DIR/$n)"; return 1; }
    else
      ft_node "$n" || { ft_log "lab: node $n did not start (see $FT_DIR/$n)"; return 1; }
    fi
  done
  for h in $LAB_HOSTS; do
    ft_on "$h" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev || return 1
    for f in $LAB_FABRIC; do
      ft_link "$(ft_ns "$h")" "u${f#f}" "$(ft_ns "$f")" "$h" || return 1
      ft_on "$h" ovs-vsctl add-port br0 "u${f#f}" -- set port "u${f#f}" other_config:ferry-role=uplink \
        || return 1
    done
  done
  for f in $LAB_FABRIC; do
    ft_on "$f" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev other_config:mac-learning=false \
      -- add-port br0 s1 -- add-port br0 s2 -- add-port br0 s3 || return 1
    # ovs-vswitchd's bridge port is a tap; only the fabric ports carry traffic.
    lab_is_ovs "$f" && { ip -n "$(ft_ns "$f")" link set br0 down 2>/dev/null || true; }
  done
  if [ "$LAB_VM" = qemu ]; then
    lab_qemu_ports || return 1
  else
    ft_vm "$(ft_ns s1)" a0 $LAB_A0 10.0.0.10/24 || return 1
    ft_on s1 ovs-vsctl add-port br0 a0 || return 1
  fi
  ft_vm "$(ft_ns s3)" a1 $LAB_A1 10.0.0.11/24 || return 1
  ft_on s3 ovs-vsctl add-port br0 a1 || return 1
  if [ "$v" != 0 ]; then
    ft_on s1 ovs-vsctl set port a0 tag=$v || return 1
    ft_on s3 ovs-vsctl set port a1 tag=$v || return 1
    for h in s1 s3; do
      ft_on $h ovs-vsctl set port u1 trunks=$v,4000 -- set port u2 trunks=$v,4000 || return 1
    done
    ft_on s2 ovs-vsctl set port u1 trunks=4000 -- set port u2 trunks=4000 || return 1
    for f in $LAB_FABRIC; do
      ft_on $f ovs-vsctl set port s1 trunks=$v,4000 -- set port s3 trunks=$v,4000 \
        -- set port s2 trunks=4000 || return 1
    done
  fi
  if [ "$LAB_VM" = qemu ]; then
    lab_qemu_boot || return 1
  else
    ip -n "$(ft_ns a0)" neigh replace 10.0.0.11 lladdr $LAB_A1 dev eth0
  fi
  ip -n "$(ft_ns a1)" neigh replace 10.0.0.10 lladdr $LAB_A0 dev eth0
  # The VMs' paths: fabric ports toward their hosts, remote hosts through F1.
  for f in $LAB_FABRIC; do
    lab_fabric_entry "$f" s1 $v $LAB_A0 || return 1
    lab_fabric_entry "$f" s3 $v $LAB_A1 || return 1
  done
  # (S2's uplinks are not in VLAN V yet: its entries come with the migration.)
  for h in s2 s3; do
    [ "$v" != 0 ] && [ $h = s2 ] && continue
    ft_on "$h" ft_appctl fdb/add br0 u1 $v $LAB_A0 >/dev/null || return 1
  done
  for h in s1 s2; do
    [ "$v" != 0 ] && [ $h = s2 ] && continue
    ft_on "$h" ft_appctl fdb/add br0 u1 $v $LAB_A1 >/dev/null || return 1
  done
  ft_migrate_state_db || return 1  # the orchestrator's state database
  lab_inventory >"$FT_DIR/inventory.json"
}

# LAB_VM=qemu: the vhost-user ports a0 of S1 and S2 (QEMU is the server of
# their sockets), and the pidfiles of the QEMUs to come.
lab_qemu_ports() {
  local h H
  for h in s1 s2; do
    H=${h^^}
    mkdir -p "$FT_DIR/vm-$H"
    FT_PIDFILES+=("$FT_DIR/vm-$H/qemu.pid" "$FT_DIR/vm-$H/agent-reader.pid")
    ft_on $h ovs-vsctl add-port br0 a0 -- set Interface a0 type=dpdkvhostuserclient \
      "options:vhost-server-path=$FT_DIR/vm-$H/vhu.sock" || return 1
  done
  "$LAB_GUEST" accel >/dev/null && "$FT_TOP/scripts/lab/guest-image.sh" >/dev/null
}

# lab_qemu_start HOST [ARGS...]: the command starting A0's QEMU on HOST (S1,
# S2), one argument per line (ARGS: more guest.sh start options).
lab_qemu_start() {
  local H=$1
  shift
  printf '%s\n' "$LAB_GUEST" start "$FT_DIR/vm-$H" --vhost "$FT_DIR/vm-$H/vhu.sock" --mac $LAB_A0 \
    --ip 10.0.0.10/24 --announce "${LAB_ANNOUNCE:-qemu}" "$@"
}

# LAB_VM=qemu: A0 boots on S1; its neighbour A1 is permanent (no ARP on the
# wire, as for the namespaces).
lab_qemu_boot() {
  local args
  mapfile -t args < <(lab_qemu_start S1)
  "${args[@]}" || return 1
  "$LAB_GUEST" ready "$FT_DIR/vm-S1" 120 || return 1
  lab_guest S1 "arp -s 10.0.0.11 $LAB_A1" >/dev/null
}

# lab_guest HOST COMMAND...: runs COMMAND in A0's guest on HOST, prints its output.
lab_guest() {
  local H=$1
  shift
  "$LAB_GUEST" exec "$FT_DIR/vm-$H" "$@"
}

# lab_inventory [POOL_COUNT]: the inventory of this lab, on stdout.
lab_inventory() {
  local count=${1:-8} h f sep=""
  printf '{\n  "driver": "%s",\n  "primary_fabric": "F1",\n  "host_entries": true,\n' "$LAB_VM"
  # The staged path crosses F1 too unless LAB_STAGING_FABRIC says otherwise.
  [ -n "${LAB_STAGING_FABRIC:-}" ] && printf '  "staging_fabric": "%s",\n' "$LAB_STAGING_FABRIC"
  printf '  "downtime_ms": %d,\n  "precopy_ms": %d,\n' "${LAB_DOWNTIME_MS:-50}" "${LAB_PRECOPY_MS:-200}"
  printf '  "pktgen": "%s",\n' "$FT_PKTGEN"
  printf '  "vmac_pool": {"first": "0a:00:00:00:00:10", "count": %d},\n  "hosts": [' "$count"
  for h in $LAB_HOSTS; do
    printf '%s\n    {"name": "%s", "ctl": "%s", "db": "unix:%s", "netns": "%s", "mgmt_ip": "192.0.2.%s",\n' \
      "$sep" "${h^^}" "$FT_DIR/$h/ferry-vswitchd.ctl" "$FT_DIR/$h/db.sock" "$(ft_ns "$h")" "${h#s}"
    printf '     "uplinks": {"F1": "u1", "F2": "u2"}}'
    sep=,
  done
  printf '],\n  "fabric": ['
  sep=""
  for f in $LAB_FABRIC; do
    if lab_is_ovs "$f"; then
      printf '%s\n    {"name": "%s", "openflow": "unix:%s", "db": "unix:%s",\n' "$sep" "${f^^}" \
        "$FT_DIR/$f/br0.mgmt" "$FT_DIR/$f/db.sock"
    else
      printf '%s\n    {"name": "%s", "ctl": "%s", "db": "unix:%s",\n' "$sep" "${f^^}" \
        "$(lab_ctl "$f")" "$FT_DIR/$f/db.sock"
    fi
    printf '     "ports": {"S1": "s1", "S2": "s2", "S3": "s3"}}'
    sep=,
  done
  printf '],\n  "vms": [\n'
  if [ "$LAB_VM" = qemu ]; then
    printf '    {"name": "A0", "mac": "%s", "ip": "10.0.0.10", "host": "S1", "port": "a0", "vlan": %d,\n' \
      $LAB_A0 "${LAB_VLAN:-0}"
    printf '     "qemu": {"qmp": "%s", "incoming": "%s", "start": %s}},\n' \
      "$FT_DIR/vm-{host}/qmp.sock" "unix:$FT_DIR/vm-{host}/migrate.sock" \
      "$(lab_qemu_start '{host}' --incoming defer | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().splitlines()))')"
  else
    printf '    {"name": "A0", "mac": "%s", "ip": "10.0.0.10", "host": "S1", "port": "a0", "netns": "%s", "vlan": %d},\n' \
      $LAB_A0 "$(ft_ns a0)" "${LAB_VLAN:-0}"
  fi
  printf '    {"name": "A1", "mac": "%s", "ip": "10.0.0.11", "host": "S3", "port": "a1", "netns": "%s", "vlan": %d}],\n' \
    $LAB_A1 "$(ft_ns a1)" "${LAB_VLAN:-0}"
  printf '  "flows": [{"from": "A1", "to": "A0", "priority": 2}]\n}\n'
}

# lab_migrate ARGS...: ferry-migrate with the lab's inventory.
lab_migrate() { "$LAB_MIGRATE" --inventory "$FT_DIR/inventory.json" "$@"; }

# lab_where: the host (s1/s2) whose namespace holds A0's port.
lab_where() {
  local h
  if [ "$LAB_VM" = qemu ]; then
    for h in s1 s2; do
      "$LAB_QMP" "$FT_DIR/vm-${h^^}/qmp.sock" query-status 2>/dev/null | grep -q '"running": true' &&
        { echo "$h"; return 0; }
    done
    echo none
    return 0
  fi
  for h in $LAB_HOSTS; do
    ip -n "$(ft_ns "$h")" link show a0 >/dev/null 2>&1 && { echo "$h"; return 0; }
  done
  echo none
}

# lab_residue: every conversion and virtual-MAC entry left on any daemon
# (empty when clean).
lab_residue() {
  local n
  for n in $LAB_HOSTS $LAB_FABRIC; do
    if lab_is_ovs "$n"; then
      ft_on "$n" ovs-ofctl dump-flows br0 | grep -i 'dl_dst=0a:00:00:00:00:' | sed "s/^/$n flow: /"
    else
      lab_appctl "$n" vmac/show | tail -n +2 | sed "s/^/$n vmac: /"
    fi
    lab_appctl "$n" fdb/show br0 | grep -i ' 0a:00:00:00:00:' | sed "s/^/$n fdb: /"
  done
}

# lab_migrate_under_traffic NAME ARGS...: migrates A0 while A1 streams UDP to
# it; leaves $FT_DIR/NAME.{json,csv,send} and prints the loss accounting.
lab_migrate_under_traffic() {
  local name=$1
  shift
  rm -f "$FT_DIR/$name.ready"
  ip netns exec "$(ft_ns a0)" "$FT_PKTGEN" udp-recv --port 7000 --until-idle-ms 1500 --duration-ms 30000 \
    --timeline "$FT_DIR/$name.csv" --ready-file "$FT_DIR/$name.ready" --json >"$FT_DIR/$name.recv" 2>&1 &
  local recv=$!
  FT_PIDS+=($recv)
  ft_wait_for 5 test -e "$FT_DIR/$name.ready"
  ip netns exec "$(ft_ns a1)" "$FT_PKTGEN" udp-send --dst 10.0.0.10:7000 --rate "${LAB_RATE:-2000}" \
    --duration-ms 2500 --json >"$FT_DIR/$name.send" 2>&1 &
  local send=$!
  FT_PIDS+=($send)
  sleep 0.5
  lab_migrate migrate A0 "$@" --json >"$FT_DIR/$name.json" 2>"$FT_DIR/$name.progress"
  local rc=$?
  wait $send
  wait $recv
  local sent
  sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' "$FT_DIR/$name.send")
  python3 "$FT_TOP/scripts/lab/analyze.py" "$FT_DIR/$name.csv" "$sent" "$FT_DIR/$name.json"
  return $rc
}
