# Shared helpers for Ferry's integration tests: a private run directory, a
# real ovsdb-server, ferry-vswitchd in its own "hypervisor" network
# namespace, VM namespaces on veth pairs, and named test cases.
#
# Every test sources this file, calls ft_init NAME, and ends with ft_finish.
# Whatever happens, the EXIT trap stops the processes it started (by their
# pidfiles), deletes its namespaces and its run directory.
#
# Environment: FERRY_BUILD (default <repo>/build), FERRY_KEEP=1 keeps the
# run directory for inspection.

set -u

FT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FT_BUILD=${FERRY_BUILD:-$FT_TOP/build}
FT_VSWITCHD=$FT_BUILD/datapath/vswitchd/ferry-vswitchd
FT_PKTGEN=$FT_BUILD/tools/ferry-pktgen/ferry-pktgen
FT_CASES_PASSED=0
FT_CASES_FAILED=0
FT_CASE=""
FT_CASE_FAILED=0
FT_NETNS=()
FT_PIDFILES=()
FT_PIDS=()

ft_log() { printf '%s\n' "$*" >&2; }

ft_init() {
  FT_NAME=$1
  # A short unique tag for interface and namespace names (IFNAMSIZ is 16).
  FT_TAG=$(printf 'f%04x' $(( ($$ + RANDOM) % 65536 )))
  FT_DIR=$(mktemp -d "/tmp/ferry-it-$FT_NAME-XXXXXX")
  export OVS_RUNDIR=$FT_DIR OVS_LOGDIR=$FT_DIR OVS_DBDIR=$FT_DIR OVS_SYSCONFDIR=$FT_DIR
  trap ft_cleanup EXIT
  trap 'exit 130' INT TERM
  ft_log "== $FT_NAME (run directory $FT_DIR)"
}

ft_cleanup() {
  local rc=$?
  local pf pid
  for pid in "${FT_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pf in "${FT_PIDFILES[@]}"; do
    [ -f "$pf" ] || continue
    pid=$(cat "$pf" 2>/dev/null)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
  done
  # Give daemons a moment for an orderly exit, then insist.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    local alive=0
    for pf in "${FT_PIDFILES[@]}"; do
      [ -f "$pf" ] && pid=$(cat "$pf" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && alive=1
    done
    [ $alive = 0 ] && break
    sleep 0.3
  done
  for pf in "${FT_PIDFILES[@]}"; do
    [ -f "$pf" ] && pid=$(cat "$pf" 2>/dev/null) && [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  done
  for pid in "${FT_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  local ns
  for ns in "${FT_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  # DPDK runtime directories and hugepage files of this run's processes
  # (file prefixes ferry-$FT_TAG-*: ft_eal_args, ft_guest).
  [ -n "${FT_TAG:-}" ] && rm -rf /var/run/dpdk/ferry-"$FT_TAG"-* /dev/hugepages/ferry-"$FT_TAG"-*
  if [ "${FERRY_KEEP:-0}" = 1 ] || { [ "$FT_CASES_FAILED" != 0 ] && [ "${FERRY_KEEP_FAILED:-0}" = 1 ]; }; then
    ft_log "kept $FT_DIR"
  else
    rm -rf "$FT_DIR"
  fi
  exit $rc
}

# --- test cases ----------------------------------------------------------

ft_case() {
  ft_end_case
  FT_CASE=$1
  FT_CASE_FAILED=0
}

ft_end_case() {
  [ -n "$FT_CASE" ] || return 0
  if [ "$FT_CASE_FAILED" = 0 ]; then
    FT_CASES_PASSED=$((FT_CASES_PASSED + 1))
    printf 'PASS %s: %s\n' "$FT_NAME" "$FT_CASE"
  else
    FT_CASES_FAILED=$((FT_CASES_FAILED + 1))
    printf 'FAIL %s: %s\n' "$FT_NAME" "$FT_CASE"
  fi
  FT_CASE=""
}

ft_fail() {
  FT_CASE_FAILED=1
  ft_log "  FAILED [$FT_CASE]: $*"
}

# ft_check DESCRIPTION COMMAND...: the command must succeed.
# Runs in this shell (not a subshell), so helpers it calls may record
# processes and namespaces for cleanup.
ft_check() {
  local what=$1
  shift
  if ! "$@" >"$FT_DIR/.check.out" 2>&1; then
    ft_fail "$what: '$*' failed: $(head -c 2000 "$FT_DIR/.check.out")"
    return 1
  fi
  return 0
}

# ft_check_fails DESCRIPTION COMMAND...: the command must fail.
ft_check_fails() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then
    ft_fail "$what: '$*' succeeded but should have failed"
    return 1
  fi
  return 0
}

# ft_eq DESCRIPTION EXPECTED ACTUAL
ft_eq() {
  if [ "$2" != "$3" ]; then
    ft_fail "$1: expected [$2], got [$3]"
    return 1
  fi
  return 0
}

# ft_contains DESCRIPTION HAYSTACK NEEDLE
ft_contains() {
  case "$2" in
    *"$3"*) return 0 ;;
  esac
  ft_fail "$1: [$3] not found in: $2"
  return 1
}

ft_not_contains() {
  case "$2" in
    *"$3"*) ft_fail "$1: [$3] unexpectedly found in: $2"; return 1 ;;
  esac
  return 0
}

# ft_wait_for SECONDS COMMAND...: retries until the command succeeds.
ft_wait_for() {
  local secs=$1
  shift
  local deadline=$((SECONDS + secs))
  while ! "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge "$deadline" ] && return 1
    sleep 0.1
  done
  return 0
}

ft_finish() {
  ft_end_case
  printf 'RESULT %s %d passed, %d failed\n' "$FT_NAME" "$FT_CASES_PASSED" "$FT_CASES_FAILED"
  [ "$FT_CASES_FAILED" = 0 ]
}

# --- processes -------------------------------------------------------------

# Starts ovsdb-server in $OVS_RUNDIR (the test's run directory, or a
# node's: see ft_node).
ft_start_ovsdb() {
  local d=$OVS_RUNDIR
  ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema >/dev/null
  ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" --pidfile="$d/ovsdb-server.pid" \
    --detach --no-chdir --log-file="$d/ovsdb-server.log" || return 1
  FT_PIDFILES+=("$d/ovsdb-server.pid")
  ovs-vsctl --no-wait init
}

# ft_ovs COMMAND...: runs COMMAND with the OVS tools pointed at the stock
# Open vSwitch that ft_start_stock_ovs started (run directory $FT_DIR/ovs).
ft_ovs() {
  local d=$FT_DIR/ovs
  OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d OVS_SYSCONFDIR=$d "$@"
}

# ft_stock_dummy_rules RULES_FILE [P2_OPTION...]: stock ovs-vswitchd with
# dummy ports (no kernel devices) and bridge br0 (fail_mode=secure, ports
# p1 = 1 and p2 = 2, p2 given P2_OPTIONs such as options:tx_pcap=FILE),
# loaded with RULES_FILE; each step a check of the current case.
ft_stock_dummy_rules() {
  local rules=$1
  shift
  ft_check "ovs: ovsdb-server and ovs-vswitchd" ft_start_stock_ovs "" --enable-dummy \
    --disable-system --disable-system-route
  ft_check "ovs: bridge" ft_ovs ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy \
    fail_mode=secure -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1 \
    -- add-port br0 p2 -- set interface p2 type=dummy ofport_request=2 "$@"
  ft_check "ovs: rules" ft_ovs ovs-ofctl add-flows br0 "$rules"
}

# ft_start_stock_ovs [NETNS [OPTION...]]: Open vSwitch's own ovsdb-server
# and ovs-vswitchd (the reference; userspace datapath) in $FT_DIR/ovs, with
# ovs-vswitchd inside NETNS when it is not empty and given the extra
# OPTIONs (e.g. --enable-dummy). Reach it with ft_ovs.
ft_start_stock_ovs() {
  local ns=${1:-} d=$FT_DIR/ovs
  [ $# -gt 0 ] && shift
  mkdir -p "$d" || return 1
  ft_ovs ft_start_ovsdb || return 1
  local cmd=(ovs-vswitchd "$@" --detach --no-chdir --pidfile="$d/ovs-vswitchd.pid"
             --log-file="$d/ovs-vswitchd.log" "unix:$d/db.sock")
  [ -n "$ns" ] && cmd=(ip netns exec "$ns" "${cmd[@]}")
  FT_PIDFILES+=("$d/ovs-vswitchd.pid")
  ft_ovs "${cmd[@]}"
}

# --- OVN (test/integration/ovn.sh, scripts/lab/ovn.sh) ----------------------

# ft_ovn_central: NB and SB ovsdb-servers and ovn-northd in the run directory.
ft_ovn_central() {
  export OVN_RUNDIR=$FT_DIR OVN_LOGDIR=$FT_DIR OVN_DBDIR=$FT_DIR
  local d
  for d in nb sb; do
    ovsdb-tool create "$FT_DIR/$d.db" "/usr/share/ovn/ovn-$d.ovsschema" || return 1
    ovsdb-server "$FT_DIR/$d.db" --remote="punix:$FT_DIR/$d.sock" --pidfile="$FT_DIR/ovsdb-$d.pid" \
      --detach --no-chdir --log-file="$FT_DIR/ovsdb-$d.log" --unixctl="$FT_DIR/ovsdb-$d.ctl" ||
      return 1
    FT_PIDFILES+=("$FT_DIR/ovsdb-$d.pid")
  done
  export OVN_NB_DB=unix:$FT_DIR/nb.sock OVN_SB_DB=unix:$FT_DIR/sb.sock
  ovn-nbctl init && ovn-sbctl init || return 1
  ovn-northd --ovnnb-db="$OVN_NB_DB" --ovnsb-db="$OVN_SB_DB" --pidfile="$FT_DIR/northd.pid" \
    --detach --no-chdir --log-file="$FT_DIR/northd.log" || return 1
  FT_PIDFILES+=("$FT_DIR/northd.pid")
}

# ft_ovn_chassis NAME IP: this host's Open_vSwitch row as an OVN chassis, br-int
# made by hand (netdev, secure), and ovn-controller started on it (its pidfile
# and log in $OVS_RUNDIR: ft_on NODE ft_ovn_chassis ... for one of several).
ft_ovn_chassis() {
  ovs-vsctl set Open_vSwitch . "external_ids:system-id=$1" "external_ids:ovn-remote=$OVN_SB_DB" \
    external_ids:ovn-encap-type=geneve "external_ids:ovn-encap-ip=$2" \
    external_ids:ovn-bridge-datapath-type=netdev || return 1
  ovs-vsctl add-br br-int -- set bridge br-int datapath_type=netdev fail_mode=secure \
    other_config:disable-in-band=true || return 1
  ovn-controller "unix:$OVS_RUNDIR/db.sock" --pidfile="$OVS_RUNDIR/ovn-controller.pid" --detach \
    --no-chdir --log-file="$OVS_RUNDIR/ovn-controller.log" || return 1
  FT_PIDFILES+=("$OVS_RUNDIR/ovn-controller.pid")
}

# ft_ovn_topology HVNS [HVNS2 [HVNS3]]: VMs vm1, vm2 (10.0.0.1-2, switch sw0;
# vm1 with port security) and vm3 (10.1.0.3, switch sw1) as namespaces on
# veths into HVNS (vm2 into HVNS2, vm3 into HVNS3 when given), and the
# logical router lr0 between the switches (10.0.0.254, 10.1.0.254), the VMs'
# default gateway. The VMs are not bound yet.
ft_ovn_topology() {
  local hv=$1 hv2=${2:-$1} hv3=${3:-${2:-$1}}
  ft_vm "$hv" vm1 02:00:00:00:00:01 10.0.0.1/24 || return 1
  ft_vm "$hv2" vm2 02:00:00:00:00:02 10.0.0.2/24 || return 1
  ft_vm "$hv3" vm3 02:00:00:00:00:03 10.1.0.3/24 || return 1
  ip -n "$(ft_ns vm1)" route add default via 10.0.0.254
  ip -n "$(ft_ns vm2)" route add default via 10.0.0.254
  ip -n "$(ft_ns vm3)" route add default via 10.1.0.254
  ovn-nbctl ls-add sw0
  ovn-nbctl lsp-add sw0 lsp1 -- lsp-set-addresses lsp1 "02:00:00:00:00:01 10.0.0.1" \
    -- lsp-set-port-security lsp1 "02:00:00:00:00:01 10.0.0.1"
  ovn-nbctl lsp-add sw0 lsp2 -- lsp-set-addresses lsp2 "02:00:00:00:00:02 10.0.0.2"
  ovn-nbctl ls-add sw1
  ovn-nbctl lsp-add sw1 lsp3 -- lsp-set-addresses lsp3 "02:00:00:00:00:03 10.1.0.3"
  ovn-nbctl lr-add lr0
  ovn-nbctl lrp-add lr0 lr0-sw0 02:00:00:00:ff:01 10.0.0.254/24
  ovn-nbctl lrp-add lr0 lr0-sw1 02:00:00:00:ff:02 10.1.0.254/24
  ovn-nbctl lsp-add sw0 sw0-lr0 -- lsp-set-type sw0-lr0 router \
    -- lsp-set-addresses sw0-lr0 router -- lsp-set-options sw0-lr0 router-port=lr0-sw0
  ovn-nbctl lsp-add sw1 sw1-lr0 -- lsp-set-type sw1-lr0 router \
    -- lsp-set-addresses sw1-lr0 router -- lsp-set-options sw1-lr0 router-port=lr0-sw1 || return 1
}

# ft_migrate_state_db: ferry-migrate's state database (its own schema) in
# $FT_DIR/migrate, served by an ovsdb-server stopped with the test;
# exports FERRY_MIGRATE_DB.
ft_migrate_state_db() {
  local d=$FT_DIR/migrate
  mkdir -p "$d"
  ovsdb-tool create "$d/state.db" "$FT_TOP/tools/migrate/ferry-migrate.ovsschema" >/dev/null ||
    return 1
  ovsdb-server "$d/state.db" --remote="punix:$d/db.sock" --pidfile="$d/ovsdb-server.pid" \
    --detach --no-chdir --log-file="$d/ovsdb-server.log" || return 1
  FT_PIDFILES+=("$d/ovsdb-server.pid")
  export FERRY_MIGRATE_DB=unix:$d/db.sock
}

# ft_ovn_bound LSP: the logical port is bound to a chassis.
ft_ovn_bound() { ovn-sbctl --bare --columns chassis find Port_Binding "logical_port=$1" | grep -q .; }

# The OpenFlow errors ovn-controller logged (it logs each one it gets).
ft_ovn_of_errors() {
  grep -c "OpenFlow error\|refused to allocate\|OFPT_ERROR" "$OVS_RUNDIR/ovn-controller.log"
}

# EAL arguments for one daemon: hugepages when there are free ones,
# otherwise no hugepages; always a private file prefix, ferry-$FT_TAG-NAME
# (its DPDK runtime directory holds the daemon's telemetry socket).
ft_eal_args() {
  local free
  free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
  if [ "$free" -ge 128 ]; then
    echo "--in-memory --no-pci -m 192 --file-prefix=ferry-$FT_TAG-$1"
  else
    echo "--no-huge -m 256 --no-pci --file-prefix=ferry-$FT_TAG-$1"
  fi
}

# ft_start_ferry [NETNS]: configures DPDK in the database and starts
# ferry-vswitchd (inside NETNS when given).
ft_start_ferry() {
  local ns=${1:-} d=$OVS_RUNDIR
  ovs-vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
    "other_config:dpdk-extra=$(ft_eal_args "${ns:-root}")" other_config:pmd-sleep-max=500
  local cmd=("$FT_VSWITCHD" "unix:$d/db.sock" --pidfile="$d/ferry-vswitchd.pid" --detach
             --no-chdir --log-file="$d/ferry-vswitchd.log")
  if [ -n "$ns" ]; then
    ip netns exec "$ns" "${cmd[@]}" >"$d/ferry-vswitchd.out" 2>&1 || return 1
  else
    "${cmd[@]}" >"$d/ferry-vswitchd.out" 2>&1 || return 1
  fi
  FT_PIDFILES+=("$d/ferry-vswitchd.pid")
  ft_wait_for 20 ovs-appctl -t ferry-vswitchd version
}

ft_ferry_pid() { cat "$OVS_RUNDIR/ferry-vswitchd.pid" 2>/dev/null; }
ft_ferry_alive() { local p; p=$(ft_ferry_pid) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
ft_appctl() { ovs-appctl -t ferry-vswitchd "$@"; }

# --- several hosts -----------------------------------------------------------

# ft_node NAME: a host with its own ovsdb-server and ferry-vswitchd, in
# namespace $(ft_ns NAME), run directory $FT_DIR/NAME.
ft_node() {
  local name=$1
  ft_netns "$name" || return 1
  mkdir -p "$FT_DIR/$name"
  ft_on "$name" ft_start_ovsdb || return 1
  ft_on "$name" ft_start_ferry "$(ft_ns "$name")"
}

# ft_on NAME COMMAND...: runs COMMAND with the OVS tools pointed at node NAME.
ft_on() {
  local name=$1
  shift
  OVS_RUNDIR=$FT_DIR/$name OVS_LOGDIR=$FT_DIR/$name OVS_DBDIR=$FT_DIR/$name "$@"
}

# ft_link NS1 IF1 NS2 IF2: a veth pair between two namespaces.
ft_link() {
  ip link add "${FT_TAG}x$2" type veth peer name "${FT_TAG}y$4" || return 1
  ip link set "${FT_TAG}x$2" netns "$1"
  ip link set "${FT_TAG}y$4" netns "$3"
  ip -n "$1" link set "${FT_TAG}x$2" name "$2"
  ip -n "$3" link set "${FT_TAG}y$4" name "$4"
  ip -n "$1" link set "$2" up
  ip -n "$3" link set "$4" up
  ip netns exec "$1" ethtool -K "$2" tx off rx off >/dev/null 2>&1
  ip netns exec "$3" ethtool -K "$4" tx off rx off >/dev/null 2>&1
  return 0
}

# --- namespaces and VMs ----------------------------------------------------

# The namespace name for NAME (unique to this run). Pure: no side effects.
ft_ns() { echo "$FT_TAG$1"; }

# ft_netns NAME: creates namespace $(ft_ns NAME). Not in a subshell: it
# records the namespace for cleanup.
ft_netns() {
  local ns="$FT_TAG$1"
  ip netns add "$ns" || return 1
  FT_NETNS+=("$ns")
  # Only the test's own traffic: no IPv6 autoconfiguration chatter.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    >/dev/null 2>&1
  ip -n "$ns" link set lo up
}

# ft_vm HVNS NAME MAC IP/PREFIX: a VM namespace $(ft_ns NAME) with eth0
# (MAC, IP), wired by a veth pair to interface NAME in namespace HVNS.
ft_vm() {
  local hv=$1 name=$2 mac=$3 ip=$4
  local ns="$FT_TAG$name"
  ft_netns "$name" || return 1
  ip link add "$FT_TAG-$name" type veth peer name "${FT_TAG}h$name" || return 1
  ip link set "$FT_TAG-$name" netns "$ns"
  ip link set "${FT_TAG}h$name" netns "$hv"
  ip -n "$hv" link set "${FT_TAG}h$name" name "$name"
  ip -n "$ns" link set "$FT_TAG-$name" name eth0
  ip -n "$ns" link set eth0 address "$mac"
  ip -n "$ns" addr add "$ip" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$hv" link set "$name" up
  # No checksum offload: frames cross a software switch, not the kernel's.
  ip netns exec "$ns" ethtool -K eth0 tx off rx off >/dev/null 2>&1
  ip netns exec "$hv" ethtool -K "$name" tx off rx off >/dev/null 2>&1
  return 0
}

# ft_ping NS DST [COUNT]: quiet ping, success when every reply came back.
ft_ping() {
  ip netns exec "$1" ping -q -c "${3:-3}" -i 0.2 -W 2 "$2" >/dev/null 2>&1
}

# ft_three_vms: the set-up case of the pipeline tests: ovsdb-server,
# ferry-vswitchd in namespace "hv" (HV), VMs vm1..vm3 (MACs $M1..$M3,
# 10.0.0.1-3/24) on ports 1-3 of the netdev bridge br0.
ft_three_vms() {
  ft_case "set-up: three VMs on br0"
  ft_netns hv
  HV=$(ft_ns hv)
  ft_check "ovsdb-server" ft_start_ovsdb
  ft_check "ferry-vswitchd" ft_start_ferry "$HV"
  ft_vm "$HV" vm1 "$M1" 10.0.0.1/24
  ft_vm "$HV" vm2 "$M2" 10.0.0.2/24
  ft_vm "$HV" vm3 "$M3" 10.0.0.3/24
  ft_check "add-br" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
  local n=1 p
  for p in vm1 vm2 vm3; do
    ft_check "add $p" ovs-vsctl add-port br0 $p -- set interface $p ofport_request=$n
    n=$((n + 1))
  done
}

# ft_controller_bridge: a hypervisor namespace (HV) with ovsdb-server,
# ferry-vswitchd, VMs vm1 (10.0.0.1) and vm2 (10.0.0.2) on af_packet ports 1
# and 2 of br0 (fail_mode secure: no flows of its own), and CTL_PORT, a free
# TCP port for a controller. For the controller tests.
ft_controller_bridge() {
  ft_netns hv
  HV=$(ft_ns hv)
  CTL_PORT=$((20000 + RANDOM % 20000))
  ft_check "ovsdb-server" ft_start_ovsdb
  ft_check "ferry-vswitchd" ft_start_ferry "$HV"
  ft_vm "$HV" vm1 02:00:00:00:00:01 10.0.0.1/24
  ft_vm "$HV" vm2 02:00:00:00:00:02 10.0.0.2/24
  ft_check "add-br" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev fail_mode=secure
  ft_check "add vm1" ovs-vsctl add-port br0 vm1 -- set Interface vm1 type=dpdk \
    options:dpdk-devargs=net_af_packet0,iface=vm1
  ft_check "add vm2" ovs-vsctl add-port br0 vm2 -- set Interface vm2 type=dpdk \
    options:dpdk-devargs=net_af_packet1,iface=vm2
}
# ft_controller_is ROW true|false: the Controller row's is_connected.
ft_controller_is() { [ "$(ft_db_get Controller "$1" is_connected)" = "$2" ]; }

# The value of a column, unquoted.
ft_db_get() { ovs-vsctl --no-wait get "$@" | tr -d '"'; }

# ft_json_get JSON PATH: one field of a JSON document (a tool's --json
# report), PATH a key or a dotted path like streams.0.lost (digits index
# lists). Prints nothing when the field is missing.
ft_json_get() {
  python3 -c 'import json, sys
d = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    d = d[int(k)] if k.isdigit() else d[k]
print(d)' "$1" "$2" 2>/dev/null
}

# --- frames ----------------------------------------------------------------

# ft_frame SPEC: the hex of the frame ferry-pktgen builds from SPEC.
ft_frame() { "$FT_PKTGEN" send --iface lo --frame "$1" --print | tail -1 | tr -d ' \n'; }

# ft_capture_start NS IF NAME [pktgen capture options...]: captures in the
# background into $FT_DIR/NAME.cap (hex, one frame per line); returns once
# the socket is bound.
ft_capture_start() {
  local ns=$1 ifc=$2 name=$3
  shift 3
  rm -f "$FT_DIR/$name.ready"
  ip netns exec "$ns" "$FT_PKTGEN" capture --iface "$ifc" --ready-file "$FT_DIR/$name.ready" "$@" \
    >"$FT_DIR/$name.cap" 2>"$FT_DIR/$name.err" &
  FT_PIDS+=($!)
  eval "FT_CAP_$name=$!"
  ft_wait_for 5 test -e "$FT_DIR/$name.ready"
}

# ft_capture_wait NAME: waits for the capture to end; prints its frames.
ft_capture_wait() {
  local pid
  eval "pid=\$FT_CAP_$1"
  # Polled rather than `wait`ed: callers use $(...), a subshell, whose
  # `wait` returns at once (the capture is not its child).
  while [ -n "$pid" ] && [ -e "/proc/$pid" ] && [ "$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
    sleep 0.05
  done
  grep -E '^[0-9a-f]+$' "$FT_DIR/$1.cap"
}
ft_capture_frames() { ft_capture_wait "$@"; }

# ft_send_hex NS IF HEX: sends one frame, these bytes.
ft_send_hex() { ip netns exec "$1" "$FT_PKTGEN" send --iface "$2" --hex "$3" >/dev/null; }

# ft_ping_size NS DST SIZE: three pings of SIZE bytes of payload (fragmented
# when larger than the MTU), success when every reply came back.
ft_ping_size() {
  ip netns exec "$1" ping -q -c 3 -i 0.3 -W 2 -s "$3" "$2" >/dev/null 2>&1
}

# ft_send NS IF SPEC [options]: sends one frame built from SPEC.
ft_send() {
  local ns=$1 ifc=$2 spec=$3
  shift 3
  ip netns exec "$ns" "$FT_PKTGEN" send --iface "$ifc" --frame "$spec" "$@" >/dev/null
}

# --- virtio guests (vhost-user peers) ----------------------------------------

# ft_guest NAME PATH QUEUES SERVER [testpmd options...]: a virtio guest:
# dpdk-testpmd driving DPDK's net_virtio_user on the vhost-user socket PATH
# (SERVER=1: the guest listens, as QEMU does for dpdkvhostuserclient ports;
# 0: it connects to Ferry's dpdkvhostuser socket), forwarding with macswap
# unless told otherwise. Interactive: ft_guest_cmd sends it commands.
# vhost-user shares the guest's memory through hugepage files: a file
# prefix of its own and --single-file-segments; the files go at cleanup.
ft_guest() {
  local name=$1 path=$2 queues=$3 server=$4
  shift 4
  local opts=("$@")
  [ ${#opts[@]} -gt 0 ] || opts=(--forward-mode=macswap)
  local prefix="ferry-$FT_TAG-$name"  # removed at cleanup
  rm -f "$FT_DIR/$name.in"
  mkfifo "$FT_DIR/$name.in" || return 1
  sleep 100000 >"$FT_DIR/$name.in" &  # keeps the guest's stdin open
  FT_PIDS+=($!)
  eval "FT_GUEST_HOLD_$name=$!"
  nice -n 5 dpdk-testpmd -l 0,1 --no-pci --file-prefix="$prefix" --single-file-segments -m 64 \
    --huge-dir=/dev/hugepages \
    "--vdev=net_virtio_user0,path=$path,server=$server,queues=$queues" -- -i --auto-start \
    --total-num-mbufs=4096 --rxq="$queues" --txq="$queues" --nb-cores=1 "${opts[@]}" \
    <"$FT_DIR/$name.in" >"$FT_DIR/$name.out" 2>&1 &
  FT_PIDS+=($!)
  eval "FT_GUEST_$name=$!"
  return 0
}

# ft_guest_cmd NAME COMMAND: a testpmd command (start, stop, ...).
ft_guest_cmd() { echo "$2" >"$FT_DIR/$1.in"; }

# ft_guest_stop NAME: stops the guest (as a VM that shuts down).
ft_guest_stop() {
  local pid hold
  eval "pid=\${FT_GUEST_$1:-}; hold=\${FT_GUEST_HOLD_$1:-}"
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
  [ -n "$hold" ] && kill "$hold" 2>/dev/null
  wait "$pid" "$hold" 2>/dev/null
  rm -f /dev/hugepages/"ferry-$FT_TAG-$1"map_* 2>/dev/null
  return 0
}
