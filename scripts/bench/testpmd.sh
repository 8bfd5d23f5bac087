# dpdk-testpmd --forward-mode=macswap on the benchmark's two vdevs: the
# ceiling of a MAC rewrite on this I/O path. It runs interactively with its
# commands written to a FIFO, so the window is bounded by two
# "show port stats all" of our own. Sourced after lib.sh.
#
#   tp_start DIR PCAP NFLOWS
#   tp_wait_forwarding
#   tp_measure WARMUP SECS OUT     writes key=value readings to OUT
#   tp_stop
#
# On failure a function returns 1 with the reason in BENCH_FAIL.

TP_DIR=""
TP_FD=""

tp_alive() { bench_pid_alive "$TP_DIR/testpmd.pid"; }

tp_log_tail() {
  local n=${1:-25}
  echo "---- last $n lines of testpmd's output ($TP_DIR/testpmd.out):"
  tail -n "$n" "$TP_DIR/testpmd.out" 2>/dev/null
  echo "----"
}

tp_fail() {
  BENCH_FAIL="testpmd: $*"
  tp_alive || BENCH_FAIL="$BENCH_FAIL (testpmd is not running)"
  return 1
}

tp_start() {
  TP_DIR=$1
  local pcap=$2 nflows=$3 mbufs mbuf_size
  mkdir -p "$TP_DIR"
  bench_dpdk_prefix "testpmd$BENCH_SERIAL"
  # The same 2 KB buffers as the switches' pools. net_pcap's infinite_rx
  # (BENCH_SOURCE=pcap) keeps every frame of the pcap in an mbuf of the
  # pool: the pool then needs room for them besides the rings.
  mbufs=32768
  bench_uses_replay || mbufs=$((nflows + 32768))
  mbuf_size=2176
  bench_ns_new "n$BENCH_SERIAL" || { BENCH_FAIL="cannot create a network namespace"; return 1; }
  mkfifo "$TP_DIR/cmd" || { BENCH_FAIL="mkfifo failed"; return 1; }
  exec {TP_FD}<>"$TP_DIR/cmd"
  BENCH_FDS+=("$TP_FD")
  bench_track_pidfile "$TP_DIR/testpmd.pid"
  # Main lcore (command line) on the control CPU, the forwarding lcore on
  # the PMD CPU; stdbuf makes stdout line-buffered, or the replies would
  # wait in a buffer.
  # shellcheck disable=SC2046  # the EAL and port options are several words
  ip netns exec "$BENCH_NS" stdbuf -oL "$BENCH_TESTPMD" $(bench_eal_args "$BENCH_PREFIX") \
    -l "$BENCH_CTL_CPU,$BENCH_PMD_CPU" --main-lcore "$BENCH_CTL_CPU" \
    $(bench_testpmd_port "$(bench_src_devargs "$pcap")") $(bench_testpmd_port "$BENCH_SINK_DEVARGS") -- \
    -i --forward-mode=macswap --nb-cores=1 --rxq=1 --txq=1 --auto-start --no-flush-rx \
    --record-core-cycles --total-num-mbufs="$mbufs" --mbuf-size="$mbuf_size" \
    <&"$TP_FD" >"$TP_DIR/testpmd.out" 2>&1 &
  echo $! >"$TP_DIR/testpmd.pid"
  # Ready when forwarding has started (--auto-start prints the streams).
  if ! bench_wait_for 60 grep -q "^Start automatic packet forwarding\|packet forwarding - ports=" \
    "$TP_DIR/testpmd.out"; then
    tp_fail "forwarding did not start"
    return 1
  fi
}

# tp_cmd COMMAND END_REGEX [COUNT]: sends COMMAND and prints its output
# once COUNT (default 1) lines match END_REGEX (extended). Polls every
# 20 ms, so the reading is as close as possible to the command's execution.
tp_cmd() {
  local off i
  off=$(stat -c %s "$TP_DIR/testpmd.out")
  echo "$1" 1>&"$TP_FD"
  for ((i = 0; i < 500; i++)); do
    if [ "$(tail -c +$((off + 1)) "$TP_DIR/testpmd.out" | grep -Ec "$2")" -ge "${3:-1}" ]; then
      tail -c +$((off + 1)) "$TP_DIR/testpmd.out"
      return 0
    fi
    sleep 0.02
  done
  return 1
}

# "show port stats all" -> "TX_PACKETS TX_PPS" summed over both ports (only
# the sink transmits: nothing arrives on it); TX_PPS is testpmd's own rate
# since the previous "show port stats".
tp_sink_tx() {
  tp_cmd "show port stats all" "Tx-pps:" 2 |
    awk '/TX-packets:/ { tx += $2 } /Tx-pps:/ { pps += $2 } END { if (NR) print tx, pps }'
}

# "show fwd stats all" -> "CYCLES PACKETS" of the forwarding core.
tp_fwd_cycles() {
  tp_cmd "show fwd stats all" "CPU cycles/packet" |
    sed -n 's/.*total cycles=\([0-9]*\) \/ total [a-z]* packets=\([0-9]*\).*/\1 \2/p' | tail -1
}

tp_forwarding() {
  local a b
  a=$(tp_sink_tx)
  [ -n "$a" ] || return 1
  sleep 0.5
  b=$(tp_sink_tx)
  [ -n "$b" ] && [ "${b% *}" -gt "${a% *}" ]
}

tp_wait_forwarding() {
  bench_wait_for 30 tp_forwarding && return 0
  tp_fail "the sink port transmits nothing after 30 s"
}

tp_measure() {
  local warmup=$1 secs=$2 out=$3 t0 t1 tx0 tx1 c0 c1 pid
  bench_sleep "$warmup"
  tp_alive || { tp_fail "exited during the warm-up"; return 1; }
  pid=$(cat "$TP_DIR/testpmd.pid")
  c0=$(tp_fwd_cycles)
  tx0=$(tp_sink_tx)
  t0=$(bench_now)
  bench_thread_ticks "$pid" >"$TP_DIR/ticks0"
  bench_sleep "$secs"
  bench_thread_ticks "$pid" >"$TP_DIR/ticks1"
  tx1=$(tp_sink_tx)
  t1=$(bench_now)
  c1=$(tp_fwd_cycles)
  tp_alive || { tp_fail "exited during the measurement window"; return 1; }
  [ -n "$tx0" ] && [ -n "$tx1" ] || { tp_fail "cannot read port statistics"; return 1; }
  # The rate is testpmd's own (TSC-timed between the two "show port
  # stats"); the wall-clock rate is kept as a check.
  awk -v a="$t0" -v b="$t1" -v x="$tx0" -v y="$tx1" -v c0="$c0" -v c1="$c1" 'BEGIN {
    split(x, u, " "); split(y, v, " "); split(c0, p, " "); split(c1, q, " ")
    printf "secs=%.3f\ntx=%d\nmpps=%.3f\n", b - a, v[1] - u[1], v[2] / 1e6
    printf "wall_mpps=%.3f\n", (v[1] - u[1]) / (b - a) / 1e6
    if (q[2] > p[2]) printf "cycles_per_packet=%.2f\n", (q[1] - p[1]) / (q[2] - p[2])
  }' >"$out"
  echo "pmd_cpu=$(bench_busiest_share "$TP_DIR/ticks0" "$TP_DIR/ticks1" "$secs")" >>"$out"
}

tp_stop() {
  [ -n "$TP_DIR" ] || return 0
  local pid
  pid=$(cat "$TP_DIR/testpmd.pid" 2>/dev/null)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    echo quit 1>&"$TP_FD"
    bench_wait_exit "$pid" 10
    bench_stop_pid "$pid" 5
  fi
  rm -f "$TP_DIR/testpmd.pid"
  [ -n "$TP_FD" ] && eval "exec $TP_FD>&-"
  TP_FD=""
  bench_remove_dpdk_dirs
  bench_ns_del
  TP_DIR=""
}
