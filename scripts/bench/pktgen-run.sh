# The traffic generator of scripts/bench/pktgen.sh: Pktgen-DPDK as a DPDK
# process of its own whose two ports are net_memif clients of the switch's
# two ports (net_memif servers, file sockets in the switch's run
# directory). Pktgen's port 0 faces the switch's port src, its port 1 the
# switch's port sink. Sourced after lib.sh.
#
#   pg_find [TARBALL]           sets PG_BIN (scripts/bench/pktgen-build.sh)
#   pg_switch_ports DIR         the switch's ports: sets BENCH_SRC_DEVARGS and
#                               BENCH_SINK_DEVARGS (vs_start uses them)
#   pg_run DIR PROFILE OUT SECS [VAR=VALUE...]
#                               runs scripts/pktgen/PROFILE.lua with the
#                               settings VAR=VALUE (FERRY_PG_*) to its end,
#                               at most SECS seconds; OUT gets its report
#                               lines (scripts/pktgen/common.lua)
#   pg_start ...; pg_wait       pg_run in two steps (the caller acts between)
#   pg_cpu_plan                 what runs where, one line
#
# Environment:
#   BENCH_PKTGEN_CPUS  Pktgen's CPUs, comma-separated: its main lcore (CLI,
#                      Lua, statistics) on the first; one more CPU: one
#                      lcore polls both ports; two more: receive on the
#                      second, send on the third (default: the control CPU
#                      alone, both lcores on it)
#   BENCH_MEMIF_RSIZE  log2 of the net_memif rings' size (default 12: 4096
#                      slots, about what a NIC's ring holds; at most 14)
#   BENCH_PKTGEN_MEM   MB of memory Pktgen gets without hugepages (default
#                      3072: its pools of 10 KB buffers take about 1.3 GB)
#
# On failure a function returns 1 with the reason in BENCH_FAIL.

PG_BIN=""
PG_SOCK_DIR=""
PG_MAC0=02:00:00:00:01:00  # Pktgen's port 0 (faces src)
PG_MAC1=02:00:00:00:01:01  # Pktgen's port 1 (faces sink)
PG_CPUS=${BENCH_PKTGEN_CPUS:-$BENCH_CTL_CPU}
PG_MEM=${BENCH_PKTGEN_MEM:-3072}
PG_RSIZE=${BENCH_MEMIF_RSIZE:-12}

pg_find() {
  PG_BIN=$("$BENCH_TOP/scripts/bench/pktgen-build.sh" ${1:+"$1"}) || return 1
  [ -x "$PG_BIN" ] || bench_die "pktgen-build.sh gave $PG_BIN, not an executable"
}

# The sockets are files (socket-abstract=no): an abstract socket would
# live in the switch's network namespace, out of Pktgen's reach.
pg_switch_ports() {
  PG_SOCK_DIR=$1
  local o="socket-abstract=no,rsize=$PG_RSIZE"
  BENCH_SRC_DEVARGS="net_memif0,role=server,socket=$1/memif-src.sock,$o"
  BENCH_SINK_DEVARGS="net_memif1,role=server,socket=$1/memif-sink.sock,$o"
}

# --lcores and -m of Pktgen for PG_CPUS.
pg_lcores() {
  local cpus
  IFS=, read -r -a cpus <<<"$PG_CPUS"
  case ${#cpus[@]} in
    1) echo "0@${cpus[0]},1@${cpus[0]} 1.[0-1]" ;;
    2) echo "0@${cpus[0]},1@${cpus[1]} 1.[0-1]" ;;
    3) echo "0@${cpus[0]},1@${cpus[1]},2@${cpus[2]} [1:2].[0-1]" ;;
    *) return 1 ;;
  esac
}

pg_cpu_plan() {
  local cpus
  IFS=, read -r -a cpus <<<"$PG_CPUS"
  printf 'switch: forwarding thread on CPU %s, its other threads on CPU %s; ' \
    "$BENCH_PMD_CPU" "$BENCH_CTL_CPU"
  case ${#cpus[@]} in
    1) printf 'Pktgen: main lcore and the lcore polling both ports on CPU %s\n' "${cpus[0]}" ;;
    2) printf 'Pktgen: main lcore on CPU %s, the lcore polling both ports on CPU %s\n' \
      "${cpus[0]}" "${cpus[1]}" ;;
    3) printf 'Pktgen: main lcore on CPU %s, receiving lcore on CPU %s, sending lcore on CPU %s\n' \
      "${cpus[0]}" "${cpus[1]}" "${cpus[2]}" ;;
  esac
}

pg_check_cpus() {
  [[ $PG_CPUS =~ ^[0-9]+(,[0-9]+){0,2}$ ]] ||
    bench_die "Pktgen's CPUs \"$PG_CPUS\": 1 to 3 CPU numbers, comma-separated"
}

pg_run() {
  pg_start "$@" && pg_wait
}

# pg_start DIR PROFILE OUT SECS [VAR=VALUE...]: pg_run's start; pg_wait
# waits for its end.
pg_start() {
  local dir=$1 profile=$2 out=$3 lc o="socket-abstract=no,rsize=$PG_RSIZE"
  PG_DIR=$1 PG_PROFILE=$2 PG_OUT=$3 PG_SECS=$4
  shift 4
  mkdir -p "$dir"
  : >"$out"
  read -r -a lc <<<"$(pg_lcores)"
  bench_dpdk_prefix "pg$BENCH_SERIAL"
  bench_track_pidfile "$dir/pktgen.pid"
  # From the top of the repository (the profiles load scripts/pktgen/common.lua);
  # stdin a closed pipe: once the profile is done, or failed, Pktgen's
  # command line sees the hang-up and Pktgen exits.
  (
    cd "$BENCH_TOP" &&
      exec env FERRY_PG_OUT="$out" FERRY_PG_QUIT=1 "$@" "$PG_BIN" --lcores "${lc[0]}" \
        --no-pci --no-huge -m "$PG_MEM" --file-prefix="$BENCH_PREFIX" \
        --vdev "net_memif0,role=client,socket=$PG_SOCK_DIR/memif-src.sock,$o,mac=$PG_MAC0" \
        --vdev "net_memif1,role=client,socket=$PG_SOCK_DIR/memif-sink.sock,$o,mac=$PG_MAC1" \
        -- -P -m "${lc[1]}" -f "scripts/pktgen/$profile.lua"
  ) < <(:) >"$dir/pktgen.out" 2>&1 &
  PG_PID=$!
  echo "$PG_PID" >"$dir/pktgen.pid"
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
