# The traffic generator of scripts/bench/pktgen.sh: Pktgen-DPDK as a DPDK
# process of its own, joined to the switch by shared-memory ports. Pktgen's
# port 0 faces the switch's port src (ofport 1), its port 1 the switch's
# port sink (ofport 2). Sourced after lib.sh and vswitch.sh.
#
# Two wirings (PG_WIRING):
#   vhost  (default) the switch's ports are dpdkvhostuserclient ports,
#          Pktgen's are virtio-user (net_virtio_user, server=1): the VM-side
#          driver a guest's Pktgen uses. Both switches serve a one-queue
#          guest from any number of forwarding threads.
#   memif  the switch's ports are net_memif servers (type=dpdk), Pktgen's
#          net_memif clients. Ferry only: OVS-DPDK's forwarding thread
#          transmits on tx queue 1 (queue 0 is its main thread's), and
#          net_memif connects only the queues the client asked for (one),
#          so OVS-DPDK drops every packet it sends to such a port.
#   nic    real NICs on one host, cabled in a loop: PG_NIC_PORTS holds four
#          PCI addresses, Pktgen's port 0 and port 1, then the switch's src
#          (cabled to Pktgen's port 0) and sink (cabled to its port 1);
#          all four bound to vfio-pci, Pktgen on hugepages.
#
#   pg_find [TARBALL]           sets PG_BIN (scripts/bench/pktgen-build.sh)
#   pg_switch_ports DIR         before vs_start: the ports' sockets go in DIR
#   pg_start DIR PROFILE OUT SECS [VAR=VALUE...]
#                               starts scripts/pktgen/PROFILE.lua with the
#                               settings VAR=VALUE (FERRY_PG_*), at most SECS
#                               seconds; OUT gets its report lines
#                               (scripts/pktgen/common.lua); then joins its
#                               ports to the running switch
#   pg_wait                     waits for the profile's end
#   pg_stop                     stops a Pktgen pg_wait did not wait for
#   pg_run ...                  pg_start and pg_wait
#   pg_cpu_plan                 what runs where, one line
#
# Environment:
#   BENCH_PKTGEN_CPUS  Pktgen's CPUs, comma-separated: its main lcore (CLI,
#                      Lua, statistics) on the first; one more CPU: one
#                      lcore polls both ports; two more: receive on the
#                      second, send on the third (default: the control CPU
#                      alone, both lcores on it)
#   BENCH_PKTGEN_MEM   MB of memory Pktgen gets without hugepages (default
#                      3072: its pools of 10 KB buffers take about 1.3 GB;
#                      memfd-backed, so vhost-user can share it)
#   BENCH_RING_SIZE    descriptors per ring (default 4096): virtio-user's
#                      queue_size or net_memif's, and Pktgen's --rxd and
#                      --txd. Pktgen's receiving lcore shares a CPU: the
#                      rings absorb the time it waits for it
#
# On failure a function returns 1 with the reason in BENCH_FAIL.

PG_BIN=""
PG_SOCK_DIR=""
PG_WIRING=${PG_WIRING:-vhost}
PG_NIC_PORTS=${PG_NIC_PORTS:-}
PG_MAC0=02:00:00:00:01:00  # Pktgen's port 0 (faces src)
PG_MAC1=02:00:00:00:01:01  # Pktgen's port 1 (faces sink)
PG_CPUS=${BENCH_PKTGEN_CPUS:-$BENCH_CTL_CPU}
PG_MEM=${BENCH_PKTGEN_MEM:-3072}
PG_RING=${BENCH_RING_SIZE:-}

pg_find() {
  PG_BIN=$("$BENCH_TOP/scripts/bench/pktgen-build.sh" ${1:+"$1"}) || return 1
  [ -x "$PG_BIN" ] || bench_die "pktgen-build.sh gave $PG_BIN, not an executable"
}

pg_check() {
  [[ $PG_CPUS =~ ^[0-9]+(,[0-9]+){0,2}$ ]] ||
    bench_die "Pktgen's CPUs \"$PG_CPUS\": 1 to 3 CPU numbers, comma-separated"
  case "$PG_WIRING" in
    vhost | memif) ;;
    nic)
      local a n=0
      for a in ${PG_NIC_PORTS//,/ }; do
        bench_is_pci "$a" || bench_die "NIC port \"$a\" is not a PCI address"
        n=$((n + 1))
      done
      [ $n = 4 ] || bench_die "the nic wiring takes 4 PCI addresses: Pktgen's 0 and 1, the switch's src and sink"
      ;;
    *) bench_die "wiring \"$PG_WIRING\": vhost, memif or nic" ;;
  esac
  [ -z "$PG_RING" ] || [[ $PG_RING =~ ^[1-9][0-9]*$ ]] || bench_die "ring size: a number"
}

# Descriptors per ring (Pktgen's own, and the shared ring's).
pg_ring() {
  echo "${PG_RING:-4096}"
}

# net_memif's rsize is log2 of the ring size.
pg_memif_opts() {
  local n l=0
  n=$(pg_ring)
  while [ $((1 << l)) -lt "$n" ]; do l=$((l + 1)); done
  # The sockets are files (socket-abstract=no): an abstract socket would
  # live in the switch's network namespace, out of Pktgen's reach.
  echo "socket-abstract=no,rsize=$l"
}

pg_switch_ports() {
  PG_SOCK_DIR=$1
  local nic
  if [ "$PG_WIRING" = nic ]; then
    IFS=, read -r -a nic <<<"$PG_NIC_PORTS"
    VS_PORTS=""
    BENCH_SRC_DEVARGS=${nic[2]}
    BENCH_SINK_DEVARGS=${nic[3]}
  elif [ "$PG_WIRING" = memif ]; then
    VS_PORTS=""
    BENCH_SRC_DEVARGS="net_memif0,role=server,socket=$1/src.sock,$(pg_memif_opts)"
    BENCH_SINK_DEVARGS="net_memif1,role=server,socket=$1/sink.sock,$(pg_memif_opts)"
  else
    VS_PORTS=none  # added once Pktgen listens (pg_start)
    BENCH_SRC_DEVARGS=unused BENCH_SINK_DEVARGS=unused  # no replay source
  fi
}

# Pktgen's EAL arguments for its ports and memory, one a line. Without
# hugepages its memory is memfd-backed, which vhost-user can map.
pg_eal_ports() {
  local d=$PG_SOCK_DIR nic
  case "$PG_WIRING" in
    nic)
      IFS=, read -r -a nic <<<"$PG_NIC_PORTS"
      printf '%s\n' -a "${nic[0]}" -a "${nic[1]}" --in-memory -m "$PG_MEM"
      ;;
    memif)
      printf '%s\n' --no-pci --no-huge -m "$PG_MEM" \
        --vdev "net_memif0,role=client,socket=$d/src.sock,$(pg_memif_opts),mac=$PG_MAC0" \
        --vdev "net_memif1,role=client,socket=$d/sink.sock,$(pg_memif_opts),mac=$PG_MAC1"
      ;;
    vhost)
      printf '%s\n' --no-pci --no-huge -m "$PG_MEM" \
        --vdev "net_virtio_user0,path=$d/src.sock,server=1,queues=1,queue_size=$(pg_ring),mac=$PG_MAC0" \
        --vdev "net_virtio_user1,path=$d/sink.sock,server=1,queues=1,queue_size=$(pg_ring),mac=$PG_MAC1"
      ;;
  esac
}

# --lcores and -m of Pktgen for PG_CPUS.
pg_lcores() {
  local cpus
  IFS=, read -r -a cpus <<<"$PG_CPUS"
  case ${#cpus[@]} in
    1) echo "0@${cpus[0]},1@${cpus[0]} 1.[0-1]" ;;
    2) echo "0@${cpus[0]},1@${cpus[1]} 1.[0-1]" ;;
    3) echo "0@${cpus[0]},1@${cpus[1]},2@${cpus[2]} [1:2].[0-1]" ;;
  esac
}

pg_cpu_plan() {
  local cpus
  IFS=, read -r -a cpus <<<"$PG_CPUS"
  printf 'switch: forwarding thread on CPU %s, its other threads on CPU %s; ' \
    "$BENCH_PMD_CPU" "$BENCH_CTL_CPU"
  case ${#cpus[@]} in
    1) printf 'Pktgen: main lcore and the lcore polling both ports on CPU %s' "${cpus[0]}" ;;
    2) printf 'Pktgen: main lcore on CPU %s, the lcore polling both ports on CPU %s' \
      "${cpus[0]}" "${cpus[1]}" ;;
    3) printf 'Pktgen: main lcore on CPU %s, receiving lcore on CPU %s, sending lcore on CPU %s' \
      "${cpus[0]}" "${cpus[1]}" "${cpus[2]}" ;;
  esac
  printf '; %s ports\n' "$PG_WIRING"
}

pg_run() {
  pg_start "$@" && pg_wait
}

pg_start() {
  local dir=$1 profile=$2 out=$3 lc eal
  PG_DIR=$1 PG_PROFILE=$2 PG_OUT=$3 PG_SECS=$4
  shift 4
  mkdir -p "$dir"
  : >"$out"
  read -r -a lc <<<"$(pg_lcores)"
  mapfile -t eal < <(pg_eal_ports)
  bench_dpdk_prefix "pg$BENCH_SERIAL"
  bench_track_pidfile "$dir/pktgen.pid"
  # A virtio-user server does not bind over the last one's socket files.
  [ "$PG_WIRING" = vhost ] && rm -f "$PG_SOCK_DIR/src.sock" "$PG_SOCK_DIR/sink.sock"
  # From the top of the repository (the profiles load scripts/pktgen/common.lua);
  # stdin a closed pipe: once the profile is done, or failed, Pktgen's
  # command line sees the hang-up and Pktgen exits.
  (
    cd "$BENCH_TOP" &&
      exec env FERRY_PG_OUT="$out" FERRY_PG_QUIT=1 "$@" "$PG_BIN" --lcores "${lc[0]}" \
        --file-prefix="$BENCH_PREFIX" "${eal[@]}" -- -P -m "${lc[1]}" --rxd "$(pg_ring)" \
        --txd "$(pg_ring)" -f "scripts/pktgen/$profile.lua"
  ) < <(:) >"$dir/pktgen.out" 2>&1 &
  PG_PID=$!
  echo "$PG_PID" >"$dir/pktgen.pid"
  [ "$PG_WIRING" = vhost ] || return 0
  # The switch's vhost-user ports, as Pktgen listens: its virtio-user
  # probe waits for the switch to connect to one port before it creates the
  # next one's socket; the links come up once Pktgen starts its ports. For
  # a second profile, the ports exist and reconnect.
  local port n=1 ports="src sink"
  ovs-vsctl --no-wait get Interface src ofport >/dev/null 2>&1 && ports=""
  for port in $ports; do
    if ! bench_wait_for 60 test -S "$PG_SOCK_DIR/$port.sock"; then
      BENCH_FAIL="Pktgen did not listen on $PG_SOCK_DIR/$port.sock: $(tail -2 "$dir/pktgen.out" | tr '\n' ' ')"
      return 1
    fi
    ovs-vsctl --no-wait add-port "$VS_BRIDGE" "$port" -- set Interface "$port" \
      type=dpdkvhostuserclient "ofport_request=$n" "options:vhost-server-path=$PG_SOCK_DIR/$port.sock" \
      >>"$dir/add-port.out" 2>&1 ||
      { vs_fail "ovs-vsctl add-port $port failed: $(head -c 300 "$dir/add-port.out")"; return 1; }
    n=$((n + 1))
  done
  for port in src sink; do
    bench_wait_for 90 vs_link_up "$port" ||
      { vs_fail "port $port: Pktgen's virtio-user did not come up"; return 1; }
  done
}

# Stops a Pktgen that pg_wait did not see to its end.
pg_stop() {
  [ -n "${PG_DIR:-}" ] && bench_stop_pidfile "$PG_DIR/pktgen.pid" 5
  PG_DIR=""
}

pg_wait() {
  local rc
  if ! bench_wait_exit "$PG_PID" "$PG_SECS"; then
    bench_stop_pid "$PG_PID" 5
    BENCH_FAIL="Pktgen ($PG_PROFILE) did not finish in ${PG_SECS}s"
    return 1
  fi
  wait "$PG_PID"
  rc=$?
  rm -f "$PG_DIR/pktgen.pid"
  if ! grep -q '^done' "$PG_OUT"; then
    BENCH_FAIL="Pktgen ($PG_PROFILE, exit status $rc) did not finish its profile:"
    BENCH_FAIL+=" $(grep -aE 'rror|panic|PANIC|Cannot' "$PG_DIR/pktgen.out" | tail -3 | tr '\n' ' ')"
    return 1
  fi
}
