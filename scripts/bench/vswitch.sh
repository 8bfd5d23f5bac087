# One vswitchd under test -- Ferry's ferry-vswitchd or OVS-DPDK's
# ovs-vswitchd -- with its own ovsdb-server in a scratch directory, a netdev
# bridge br0 with the two benchmark ports, and the readings of one
# measurement window. Sourced after lib.sh.
#
#   vs_start SYSTEM DIR PCAP    SYSTEM is ferry, ovs or ovs-tuned (OVS-DPDK
#                               with emc-insert-inv-prob=0, smc-enable=true);
#                               PCAP feeds port src (unless BENCH_SRC_DEVARGS
#                               names another device); with VS_PORTS=none,
#                               the bridge alone (the caller adds the ports)
#   vs_add_vhost_port NAME SOCK OFPORT   a vhost-user port to a guest (PVP)
#   vs_add_flows FILE           ovs-ofctl --bundle add-flows; sets VS_ADD_SECS
#   vs_add_fdb FILE             ovs-appctl fdb/add br0 PORT VLAN MAC per line,
#                               then checks the MAC table holds them
#   vs_del_flows MATCH          ovs-ofctl del-flows; sets VS_DEL_SECS
#   vs_wait_forwarding          until port sink transmits
#   vs_measure WARMUP SECS OUT  writes key=value readings to OUT
#   vs_stop
#
# On failure a function returns 1 with the reason in BENCH_FAIL.

# shellcheck disable=SC2034  # VS_ADD_SECS and VS_DEL_SECS are for the caller

VS_SYS=""
VS_DIR=""
VS_BRIDGE=br0

vs_label() {
  case "$1" in
    ferry) echo Ferry ;;
    ovs) echo "OVS-DPDK" ;;
    ovs-tuned) echo "OVS-DPDK (tuned)" ;;
    *) echo "$1" ;;
  esac
}

vs_binary() { case "$1" in ferry) echo "$BENCH_FERRY" ;; ovs | ovs-tuned) echo "$BENCH_OVS" ;; esac; }

# What an operator sets for many flows: no EMC insertion (every packet
# would miss it anyway), the signature match cache on.
VS_OVS_TUNING="other_config:emc-insert-inv-prob=0 other_config:smc-enable=true"

# Every OVS tool finds the daemon, the database and br0.mgmt from these.
vs_env() {
  export OVS_RUNDIR=$1 OVS_LOGDIR=$1 OVS_DBDIR=$1 OVS_SYSCONFDIR=$1
}

vs_appctl() { ovs-appctl --timeout=30 -t "$VS_DIR/vswitchd.ctl" "$@"; }
vs_vsctl() { ovs-vsctl --timeout=60 "$@"; }
vs_alive() { bench_pid_alive "$VS_DIR/vswitchd.pid"; }

# The last lines of the daemon's log (for failure reports).
vs_log_tail() {
  local n=${1:-25}
  echo "---- last $n lines of $(vs_label "$VS_SYS")'s log ($VS_DIR/vswitchd.log):"
  tail -n "$n" "$VS_DIR/vswitchd.log" 2>/dev/null
  if [ -s "$VS_DIR/vswitchd.out" ]; then
    echo "---- its stdout/stderr:"
    tail -n 10 "$VS_DIR/vswitchd.out"
  fi
  echo "----"
}

vs_fail() {
  local err
  BENCH_FAIL="$(vs_label "$VS_SYS"): $*"
  if ! vs_alive; then
    # A dead daemon's last logged error usually says why.
    err=$(grep -E '\|(ERR|EMER)\|' "$VS_DIR/vswitchd.log" 2>/dev/null | tail -1 | cut -d'|' -f5-)
    BENCH_FAIL="$BENCH_FAIL; the daemon has exited${err:+, its last error: $err}"
  fi
  return 1
}

vs_start() {
  VS_SYS=$1
  VS_DIR=$2
  local pcap=$3 bin prefix mask
  bin=$(vs_binary "$VS_SYS")
  mkdir -p "$VS_DIR"
  vs_env "$VS_DIR"
  ovsdb-tool create "$VS_DIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema >/dev/null ||
    { BENCH_FAIL="ovsdb-tool create failed"; return 1; }
  bench_track_pidfile "$VS_DIR/ovsdb-server.pid"
  ovsdb-server "$VS_DIR/conf.db" --remote="punix:$VS_DIR/db.sock" \
    --pidfile="$VS_DIR/ovsdb-server.pid" --detach --no-chdir \
    --log-file="$VS_DIR/ovsdb-server.log" 2>>"$VS_DIR/ovsdb-server.out" ||
    { BENCH_FAIL="ovsdb-server did not start"; return 1; }
  ovs-vsctl --no-wait init || { BENCH_FAIL="ovs-vsctl init failed"; return 1; }

  bench_dpdk_prefix "$VS_SYS$BENCH_SERIAL"
  prefix=$BENCH_PREFIX
  mask=$(printf '0x%x' $((1 << BENCH_PMD_CPU)))
  # The same configuration for both: one PMD on the PMD CPU, DPDK's main
  # lcore and every other thread on the control CPU, busy polling.
  ovs-vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
    "other_config:dpdk-lcore-mask=$(printf '0x%x' $((1 << BENCH_CTL_CPU)))" \
    "other_config:pmd-cpu-mask=$mask" \
    "other_config:dpdk-extra=$(bench_eal_args "$prefix")" ||
    { BENCH_FAIL="ovs-vsctl set other_config failed"; return 1; }
  if [ "$VS_SYS" = ovs-tuned ]; then
    # shellcheck disable=SC2086  # two settings
    ovs-vsctl --no-wait set Open_vSwitch . $VS_OVS_TUNING ||
      { BENCH_FAIL="ovs-vsctl set (tuning) failed"; return 1; }
  fi

  bench_ns_new "n$BENCH_SERIAL" || { BENCH_FAIL="cannot create a network namespace"; return 1; }
  bench_track_pidfile "$VS_DIR/vswitchd.pid"
  bench_in_ns "$bin" "unix:$VS_DIR/db.sock" --pidfile="$VS_DIR/vswitchd.pid" --detach \
    --no-chdir --log-file="$VS_DIR/vswitchd.log" --unixctl="$VS_DIR/vswitchd.ctl" \
    >"$VS_DIR/vswitchd.out" 2>&1 || { vs_fail "$bin did not start"; return 1; }
  bench_wait_for 60 vs_appctl version || { vs_fail "no answer on $VS_DIR/vswitchd.ctl"; return 1; }

  # fail_mode=secure: no default NORMAL flow, so nothing floods the
  # bridge's internal port before the rules arrive.
  if ! vs_vsctl add-br "$VS_BRIDGE" -- set Bridge "$VS_BRIDGE" datapath_type=netdev \
    fail_mode=secure >"$VS_DIR/add-br.out" 2>&1; then
    vs_fail "ovs-vsctl add-br failed: $(head -c 500 "$VS_DIR/add-br.out")"
    return 1
  fi
  # ovs-vsctl reports an interface error (say, of the internal port) and
  # still succeeds: say so, the run goes on.
  if grep -q . "$VS_DIR/add-br.out"; then
    bench_log "warning: $(vs_label "$VS_SYS"): $(head -c 300 "$VS_DIR/add-br.out" | tr '\n' ' ')"
  fi
  [ "${VS_PORTS:-}" = none ] && return 0
  # --no-wait, then a poll that also watches the daemon: a daemon that dies
  # while adding a port fails the run at once, not after a timeout.
  ovs-vsctl --no-wait add-port "$VS_BRIDGE" src -- set Interface src type=dpdk ofport_request=1 \
    "options:dpdk-devargs=$(bench_src_devargs "$pcap")" \
    -- add-port "$VS_BRIDGE" sink -- set Interface sink type=dpdk ofport_request=2 \
    "options:dpdk-devargs=$BENCH_SINK_DEVARGS" >"$VS_DIR/add-port.out" 2>&1 ||
    { vs_fail "ovs-vsctl add-port failed: $(head -c 500 "$VS_DIR/add-port.out")"; return 1; }
  local port ofport err
  for port in src sink; do
    if ! bench_wait_for 60 vs_port_settled "$port" || ! vs_port_ready "$port"; then
      if ! vs_alive; then
        vs_fail "port $port did not come up"
        return 1
      fi
      ofport=$(ovs-vsctl --no-wait get Interface "$port" ofport 2>/dev/null)
      err=$(ovs-vsctl --no-wait get Interface "$port" error 2>/dev/null)
      vs_fail "port $port did not come up (ofport ${ofport:-?}, error ${err:-?})"
      return 1
    fi
  done
  return 0
}

# Up, refused (ofport -1 with an error) or the daemon gone.
vs_port_settled() {
  vs_port_ready "$1" && return 0
  vs_alive || return 0
  [ "$(ovs-vsctl --no-wait get Interface "$1" ofport 2>/dev/null)" = -1 ] &&
    [ -n "$(ovs-vsctl --no-wait get Interface "$1" error 2>/dev/null | tr -d '[]"')" ]
}

vs_port_ready() {
  local ofport err
  ofport=$(ovs-vsctl --no-wait get Interface "$1" ofport) || return 1
  err=$(ovs-vsctl --no-wait get Interface "$1" error 2>/dev/null)
  [ -n "$ofport" ] && [ "$ofport" -gt 0 ] 2>/dev/null && { [ -z "$err" ] || [ "$err" = "[]" ]; }
}

# vs_add_vhost_port NAME SOCK OFPORT: a dpdkvhostuserclient port to the
# guest listening on SOCK (PVP); returns once the guest's link is up.
vs_add_vhost_port() {
  ovs-vsctl --no-wait add-port "$VS_BRIDGE" "$1" -- set Interface "$1" type=dpdkvhostuserclient \
    "ofport_request=$3" "options:vhost-server-path=$2" >"$VS_DIR/add-vhost.out" 2>&1 ||
    { vs_fail "ovs-vsctl add-port $1 failed: $(head -c 500 "$VS_DIR/add-vhost.out")"; return 1; }
  bench_wait_for 60 vs_link_up "$1" && return 0
  vs_fail "port $1: the guest did not connect (link $(ovs-vsctl --no-wait get Interface "$1" \
    link_state 2>/dev/null), error $(ovs-vsctl --no-wait get Interface "$1" error 2>/dev/null))"
}

vs_link_up() { [ "$(ovs-vsctl --no-wait get Interface "$1" link_state 2>/dev/null)" = up ]; }

# ovs-ofctl --bundle add-flows FILE: all rules in one transaction, timed
# until the command returns (the commit and its barrier included).
# VS_ADD_CLIENT_CPU: the CPU seconds (user + system) ovs-ofctl itself used.
vs_add_flows() {
  local t0 t1
  t0=$(bench_now)
  if ! (
    timeout 600 ovs-ofctl --bundle add-flows "$VS_BRIDGE" "$1" >"$VS_DIR/add-flows.out" 2>&1
    rc=$?
    times >"$VS_DIR/add-flows.times"
    exit $rc
  ); then
    vs_fail "ovs-ofctl --bundle add-flows failed: $(head -c 500 "$VS_DIR/add-flows.out")"
    return 1
  fi
  t1=$(bench_now)
  VS_ADD_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  # times: the shell's user/system, then its children's ("0m0.512s 0m0.080s").
  VS_ADD_CLIENT_CPU=$(awk 'NR == 2 {
      n = split($0, f, " "); t = 0
      for (i = 1; i <= n; i++) { split(f[i], p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
      printf "%.3f", t }' "$VS_DIR/add-flows.times")
}

# vs_add_fdb FILE: "PORT VLAN MAC" per line, each added with the real
# ovs-appctl fdb/add as a static entry (the MAC table is first made large
# enough for them and as many learned ones); then the table must show them
# all as static, or the run fails.
vs_add_fdb() {
  local n port vlan mac have
  n=$(wc -l <"$1")
  [ "$n" -gt 0 ] || return 0
  vs_vsctl set Bridge "$VS_BRIDGE" "other_config:mac-table-size=$((2 * n + 8192))" ||
    { vs_fail "ovs-vsctl set Bridge other_config:mac-table-size failed"; return 1; }
  while read -r port vlan mac; do
    vs_appctl fdb/add "$VS_BRIDGE" "$port" "$vlan" "$mac" >>"$VS_DIR/fdb-add.out" 2>&1 ||
      { vs_fail "fdb/add $port $vlan $mac failed: $(tail -c 300 "$VS_DIR/fdb-add.out")"; return 1; }
  done <"$1"
  have=$(vs_appctl fdb/show "$VS_BRIDGE" | grep -c ' static$')
  [ "$have" = "$n" ] && return 0
  vs_fail "fdb/show lists $have static entries after $n fdb/add"
}

# vs_add_tunnel: the tunnel cases' set-up (scripts/bench/rules.sh): the
# internal port gets the local endpoint's MAC and address, a VXLAN port vx0
# (ofport 3) points at the remote endpoint, a static neighbour for it; then
# the switch's route table must know the underlay.
vs_add_tunnel() {
  vs_vsctl set Bridge "$VS_BRIDGE" "other_config:hwaddr=\"$BENCH_TNL_LOCAL_MAC\"" \
    -- set Interface "$VS_BRIDGE" "mac=\"$BENCH_TNL_LOCAL_MAC\"" \
    -- add-port "$VS_BRIDGE" vx0 -- set Interface vx0 type=vxlan ofport_request=3 \
    "options:remote_ip=$BENCH_TNL_REMOTE_IP" "options:key=$BENCH_TNL_VNI" \
    >>"$VS_DIR/tunnel.out" 2>&1 || { vs_fail "adding vx0 failed: $(tail -c 300 "$VS_DIR/tunnel.out")"; return 1; }
  bench_wait_for 20 vs_internal_mac_is "$BENCH_TNL_LOCAL_MAC" ||
    { vs_fail "the internal port did not take $BENCH_TNL_LOCAL_MAC"; return 1; }
  bench_in_ns ip addr add "$BENCH_TNL_LOCAL_IP/24" dev "$VS_BRIDGE" &&
    bench_in_ns ip link set "$VS_BRIDGE" up ||
    { vs_fail "cannot address the internal port $VS_BRIDGE"; return 1; }
  bench_wait_for 20 vs_route_known ||
    { vs_fail "ovs/route/show never listed $BENCH_TNL_LOCAL_IP"; return 1; }
  vs_appctl tnl/neigh/set "$VS_BRIDGE" "$BENCH_TNL_REMOTE_IP" "$BENCH_TNL_REMOTE_MAC" \
    >>"$VS_DIR/tunnel.out" 2>&1 || { vs_fail "tnl/neigh/set failed"; return 1; }
}
vs_internal_mac_is() { bench_in_ns ip link show "$VS_BRIDGE" 2>/dev/null | grep -q "ether $1"; }
vs_route_known() { vs_appctl ovs/route/show 2>/dev/null | grep -q "SRC $BENCH_TNL_LOCAL_IP"; }

vs_del_flows() {
  local t0 t1
  t0=$(bench_now)
  if ! timeout 600 ovs-ofctl del-flows "$VS_BRIDGE" "$1" >"$VS_DIR/del-flows.out" 2>&1; then
    vs_fail "ovs-ofctl del-flows failed: $(head -c 500 "$VS_DIR/del-flows.out")"
    return 1
  fi
  t1=$(bench_now)
  VS_DEL_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

vs_n_flows() { ovs-ofctl dump-aggregate "$VS_BRIDGE" | sed -n 's/.*flow_count=\([0-9]*\).*/\1/p'; }

# A port's transmitted packets, live from the daemon (OpenFlow port
# statistics; the Interface statistics column is only refreshed every 5 s).
vs_port_tx() {
  ovs-ofctl dump-ports "$VS_BRIDGE" "$1" 2>/dev/null |
    sed -n 's/^ *tx pkts=\([0-9]*\),.*/\1/p' | head -1
}

vs_sink_tx() { vs_port_tx sink; }

vs_forwarding() {
  local a b
  a=$(vs_sink_tx)
  [ -n "$a" ] || return 1
  sleep 0.5
  b=$(vs_sink_tx)
  [ -n "$b" ] && [ "$b" -gt "$a" ]
}

vs_wait_forwarding() {
  bench_wait_for 30 vs_forwarding && return 0
  local tx
  tx=$(vs_sink_tx)
  vs_fail "port sink transmits nothing (tx packets ${tx:-unknown} after 30 s)"
}

# pmd-stats-show -> key=value for the PMD on the PMD CPU.
vs_parse_pmd_stats() {
  awk -v core="core_id $BENCH_PMD_CPU:" '
    /^pmd thread/ { inblock = index($0, core) > 0; next }
    /^main thread/ { inblock = 0; next }
    !inblock { next }
    function num(s) { gsub(/[^0-9.]/, "", s); return s }
    /packets received:/ { print "pmd_rx=" num($3) }
    /emc hits:/ { print "emc_hits=" num($3) }
    /smc hits:/ { print "smc_hits=" num($3) }
    /^ *megaflow hits:/ { print "megaflow_hits=" num($3) }
    /avg. subtable lookups per megaflow hit:/ { print "subtable_lookups=" num($7) }
    /miss with success upcall:/ { print "upcalls=" num($5) }
    /miss with failed upcall:/ { print "failed_upcalls=" num($5) }
    /^ *avg cycles per packet:/ { print "cycles_per_packet=" num($5) }
    /avg processing cycles per packet:/ { print "proc_cycles_per_packet=" num($6) }
  '
}

# Upper bound (s) of vs_settle; 0: no settling.
VS_SETTLE_MAX=${VS_SETTLE_MAX:-0}

# vs_settle MAX: until the switch is in its steady state, i.e. its caches
# hold the traffic: 1 s samples of the PMD's counters until at most 1 in
# 1000 packets received was an upcall, for at most MAX seconds. (OVS-DPDK
# starts with a megaflow limit of 10000 and raises it by 1000 per
# revalidator round: 100k megaflows take it about a minute, during which
# most packets take the slow path.) Sets VS_SETTLED (seconds, "N+" when
# MAX ran out) and VS_SETTLE_UPCALLS (in the last sample).
vs_settle() {
  local t=0 rx up
  VS_SETTLED=0
  VS_SETTLE_UPCALLS=""
  while [ "$t" -lt "$1" ]; do
    vs_appctl dpif-netdev/pmd-stats-clear >/dev/null || return 1
    bench_sleep 1
    t=$((t + 1))
    vs_appctl dpif-netdev/pmd-stats-show >"$VS_DIR/settle.txt" 2>&1 || return 1
    rx=$(vs_parse_pmd_stats <"$VS_DIR/settle.txt" | sed -n 's/^pmd_rx=//p')
    up=$(vs_parse_pmd_stats <"$VS_DIR/settle.txt" |
      awk -F= '$1 == "upcalls" || $1 == "failed_upcalls" { n += $2 } END { print n + 0 }')
    VS_SETTLE_UPCALLS=$up
    if [ -n "$rx" ] && [ "$rx" -gt 0 ] && [ $((up * 1000)) -le "$rx" ]; then
      VS_SETTLED=$t
      return 0
    fi
  done
  VS_SETTLED="$t+"
}

# vs_measure WARMUP SECONDS OUT: after WARMUP seconds of traffic (and
# vs_settle VS_SETTLE_MAX), a window of SECONDS: the PMD counters are
# cleared at its start and read at its end; the sink's tx counter is read
# at both ends.
vs_measure() {
  local warmup=$1 secs=$2 out=$3 t0 t1 tx0 tx1 lt0 lt1 pid
  bench_sleep "$warmup"
  vs_alive || { vs_fail "crashed during the warm-up"; return 1; }
  VS_SETTLED=0
  VS_SETTLE_UPCALLS=""
  if [ "$VS_SETTLE_MAX" -gt 0 ]; then
    vs_settle "$VS_SETTLE_MAX" || { vs_fail "pmd-stats-show failed while settling"; return 1; }
  fi
  pid=$(cat "$VS_DIR/vswitchd.pid")
  vs_appctl dpif-netdev/pmd-stats-clear >/dev/null || { vs_fail "pmd-stats-clear failed"; return 1; }
  tx0=$(vs_sink_tx)
  lt0=$(vs_port_tx LOCAL)
  t0=$(bench_now)
  bench_thread_ticks "$pid" >"$VS_DIR/ticks0"
  bench_sleep "$secs"
  bench_thread_ticks "$pid" >"$VS_DIR/ticks1"
  tx1=$(vs_sink_tx)
  lt1=$(vs_port_tx LOCAL)
  t1=$(bench_now)
  vs_appctl dpif-netdev/pmd-stats-show >"$VS_DIR/pmd-stats.txt" 2>&1 ||
    { vs_fail "pmd-stats-show failed"; return 1; }
  vs_alive || { vs_fail "crashed during the measurement window"; return 1; }
  [ -n "$tx0" ] && [ -n "$tx1" ] || { vs_fail "cannot read port sink's statistics"; return 1; }
  {
    awk -v a="$t0" -v b="$t1" -v x="$tx0" -v y="$tx1" \
      'BEGIN { printf "secs=%.3f\ntx=%d\nmpps=%.3f\n", b - a, y - x, (y - x) / (b - a) / 1e6 }'
    vs_parse_pmd_stats <"$VS_DIR/pmd-stats.txt"
    echo "pmd_cpu=$(bench_busiest_share "$VS_DIR/ticks0" "$VS_DIR/ticks1" "$secs")"
    echo "settle_secs=$VS_SETTLED"
    echo "settle_upcalls=$VS_SETTLE_UPCALLS"
    # Packets the bridge's own port was sent in the window.
    [ -n "$lt0" ] && [ -n "$lt1" ] && echo "local_tx=$((lt1 - lt0))"
  } >"$out"
  # After the window (a dump of a million megaflows takes a while).
  echo "megaflows=$(ovs-appctl --timeout=300 -t "$VS_DIR/vswitchd.ctl" dpctl/dump-flows 2>/dev/null |
    grep -c 'actions:')" >>"$out"
}

vs_stop() {
  [ -n "$VS_DIR" ] || return 0
  local pid
  vs_env "$VS_DIR"
  pid=$(cat "$VS_DIR/vswitchd.pid" 2>/dev/null)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    # Removing the bridge first makes OVS-DPDK delete its internal port's
    # tap; the namespace catches anything left.
    ovs-vsctl --timeout=20 --if-exists del-br "$VS_BRIDGE" >/dev/null 2>&1
    vs_appctl exit >/dev/null 2>&1
    bench_wait_exit "$pid" 10
    bench_stop_pid "$pid" 5
  fi
  rm -f "$VS_DIR/vswitchd.pid"
  bench_stop_pidfile "$VS_DIR/ovsdb-server.pid" 5
  bench_remove_dpdk_dirs
  bench_ns_del
  VS_DIR=""
}
