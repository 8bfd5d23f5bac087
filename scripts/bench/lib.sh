# Shared helpers of Ferry's benchmark scripts (scripts/bench/*.sh): a private
# run directory, a network namespace per system run, processes tracked by
# pidfile, DPDK runtime directories, and a cleanup that undoes all of it on
# exit, on failure and on Ctrl-C. Sourced, never run.
#
# Environment:
#   FERRY_BUILD         build directory of ferry-vswitchd (default <repo>/build)
#   FERRY_PCAPGEN       ferry-pcapgen (default $FERRY_BUILD/tools/ferry-pcapgen/ferry-pcapgen)
#   FERRY_VSWITCHD      ferry-vswitchd (default $FERRY_BUILD/datapath/vswitchd/ferry-vswitchd)
#   OVS_DPDK_VSWITCHD   OVS-DPDK's daemon
#                       (default /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk)
#   TESTPMD             dpdk-testpmd (default: the one in PATH)
#   BENCH_CONTROL_CPU   CPU of the control threads (default 0)
#   BENCH_PMD_CPU       CPU of the one forwarding thread (default 1)
#   FERRY_REPLAY        the traffic source's PMD, loaded with -d into every system
#                       (default $FERRY_BUILD/test/bench/libferry_replay.so)
#   BENCH_KEEP=1        keep the run directory (logs, databases, pcaps)
#   BENCH_SOURCE        replay (default): net_ferry_replay0,pcap=<the case's pcap>
#                       (test/bench/replay_pmd.cc); pcap: DPDK's own
#                       net_pcap0,rx_pcap=<the case's pcap>,infinite_rx=1, which
#                       holds every frame in an mbuf (at most ~250k flows for OVS)
#   BENCH_SRC_DEVARGS   the receiving port (overrides BENCH_SOURCE: a NIC)
#   BENCH_SINK_DEVARGS  the transmitting port (default net_null0,no-rx=1)
#                       (PCI addresses for real NICs: see Documentation/benchmarking.md)

set -u

BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_BUILD=${FERRY_BUILD:-$BENCH_TOP/build}
BENCH_PCAPGEN=${FERRY_PCAPGEN:-$BENCH_BUILD/tools/ferry-pcapgen/ferry-pcapgen}
BENCH_FERRY=${FERRY_VSWITCHD:-$BENCH_BUILD/datapath/vswitchd/ferry-vswitchd}
BENCH_OVS=${OVS_DPDK_VSWITCHD:-/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}
BENCH_TESTPMD=${TESTPMD:-$(command -v dpdk-testpmd || echo dpdk-testpmd)}
BENCH_REPLAY=${FERRY_REPLAY:-$BENCH_BUILD/test/bench/libferry_replay.so}
BENCH_SOURCE=${BENCH_SOURCE:-replay}
BENCH_CTL_CPU=${BENCH_CONTROL_CPU:-0}
BENCH_PMD_CPU=${BENCH_PMD_CPU:-1}
BENCH_PYTHON=/usr/bin/python3  # the distribution's, with python3-matplotlib
BENCH_SRC_DEVARGS=${BENCH_SRC_DEVARGS:-}
BENCH_SINK_DEVARGS=${BENCH_SINK_DEVARGS:-net_null0,no-rx=1}

BENCH_DIR=""
BENCH_NS=""
BENCH_NETNS=()
BENCH_PIDFILES=()
BENCH_DPDK_PREFIXES=()
BENCH_FDS=()
BENCH_PLUGIN_DIR=""
BENCH_CLEANUP_HOOKS=()  # functions the cleanup calls first (orderly stops)

bench_log() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }
bench_die() {
  bench_log "error: $*"
  exit 1
}

# A time in seconds with nanoseconds, for windows and install times.
bench_now() { date +%s.%N; }

# bench_sleep SECONDS: a sleep a trapped signal interrupts at once.
bench_sleep() {
  sleep "$1" &
  wait $! 2>/dev/null
}

# bench_wait_for SECONDS COMMAND...: retries every 0.2 s until it succeeds.
bench_wait_for() {
  local deadline
  deadline=$(($(date +%s) + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

# bench_init NAME: the run directory and the traps. Must run in the main
# shell (not a subshell).
bench_init() {
  BENCH_NAME=$1
  [ "$(id -u)" = 0 ] || bench_die "needs root (network namespace, hugepages)"
  BENCH_DIR=$(mktemp -d "/tmp/ferry-bench-$BENCH_NAME-XXXXXX") || bench_die "mktemp failed"
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  BENCH_TAG=fb$$
  # This shell and every helper it starts (ovs-ofctl, ovs-appctl,
  # ferry-pcapgen, the readers of the counters) stay on the control CPU,
  # off the forwarding core; the daemons put their forwarding threads on
  # BENCH_PMD_CPU themselves.
  taskset -pc "$BENCH_CTL_CPU" $$ >/dev/null || bench_die "cannot pin the script to CPU $BENCH_CTL_CPU"
  bench_log "run directory $BENCH_DIR"
}

# bench_ns_new NAME: a fresh network namespace for one system's run, in
# BENCH_NS. Its daemons' taps (bridges' internal ports; OVS-DPDK leaves
# one behind when it dies) land there and vanish with it, so no run sees
# another's devices. Not in a subshell: it records the namespace.
bench_ns_new() {
  BENCH_NS=${BENCH_TAG}$1
  ip netns add "$BENCH_NS" || return 1
  BENCH_NETNS+=("$BENCH_NS")
  ip -n "$BENCH_NS" link set lo up
  # No IPv6 autoconfiguration: the kernel would send router solicitations
  # into the bridge through its internal port's tap.
  ip netns exec "$BENCH_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
  return 0
}

bench_ns_del() {
  [ -n "$BENCH_NS" ] && ip netns del "$BENCH_NS" 2>/dev/null
  BENCH_NS=""
}

# bench_in_ns COMMAND...: runs COMMAND in the namespace, its control
# threads on the control CPU.
bench_in_ns() { ip netns exec "$BENCH_NS" taskset -c "$BENCH_CTL_CPU" "$@"; }

bench_track_pidfile() { BENCH_PIDFILES+=("$1"); }

# bench_dpdk_prefix NAME: sets BENCH_PREFIX to a DPDK --file-prefix unique
# to this run, whose runtime directory is removed at cleanup (--in-memory
# still creates one). Not in a subshell: it records the prefix.
bench_dpdk_prefix() {
  BENCH_PREFIX="${BENCH_TAG}$1"
  BENCH_DPDK_PREFIXES+=("$BENCH_PREFIX")
}

bench_pid_alive() {
  local pid
  [ -f "$1" ] && pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# bench_stop_pid PID [SECONDS]: waits SECONDS (default 10) for PID to exit
# after SIGTERM, then SIGKILL; returns once it is gone.
bench_stop_pid() {
  local pid=$1 secs=${2:-10} i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  bench_log "pid $pid ignored SIGTERM for ${secs}s: SIGKILL"
  kill -9 "$pid" 2>/dev/null
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
}

# bench_wait_exit PID SECONDS: waits for PID to exit on its own.
bench_wait_exit() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# bench_stop_pidfile PIDFILE [SECONDS]: bench_stop_pid on the pid it holds.
bench_stop_pidfile() {
  local pf=$1
  [ -f "$pf" ] || return 0
  bench_stop_pid "$(cat "$pf" 2>/dev/null)" "${2:-10}"
  rm -f "$pf"
}

# Runtime directories, and the hugepage files of processes that keep
# their memory in files (the PVP guest: scripts/bench/guest.sh).
bench_remove_dpdk_dirs() {
  local p
  for p in "${BENCH_DPDK_PREFIXES[@]}"; do
    [ -n "$p" ] && rm -rf "/var/run/dpdk/$p" && rm -f /dev/hugepages/"$p"map_*
  done
}

bench_cleanup() {
  local rc=$? pf fd fn ns
  trap - EXIT INT TERM
  trap '' INT  # a second Ctrl-C must not cut the cleanup short
  for fn in "${BENCH_CLEANUP_HOOKS[@]}"; do "$fn"; done
  for pf in "${BENCH_PIDFILES[@]}"; do bench_stop_pidfile "$pf" 5; done
  for fd in "${BENCH_FDS[@]}"; do eval "exec $fd>&-" 2>/dev/null; done
  bench_remove_dpdk_dirs
  [ -n "$BENCH_PLUGIN_DIR" ] && rm -rf "$BENCH_PLUGIN_DIR"
  for ns in "${BENCH_NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  if [ -n "$BENCH_DIR" ] && [ -d "$BENCH_DIR" ]; then
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
      bench_log "kept $BENCH_DIR"
    else
      rm -rf "$BENCH_DIR"
    fi
  fi
  exit "$rc"
}

# bench_common_opt ARGS...: the options the comparison scripts share,
# --seconds, --warmup, --repeat and --systems (value as the next word or
# after "="), stored in the caller's variables of those names. Returns 1
# for any other option; sets BENCH_SHIFT to the words used.
bench_common_opt() {
  local name=${1%%=*} value
  case "$name" in --seconds | --warmup | --repeat | --systems) ;; *) return 1 ;; esac
  if [[ $1 == *=* ]]; then
    value=${1#*=}
    BENCH_SHIFT=1
  else
    value=${2:-}
    BENCH_SHIFT=2
  fi
  [ -n "$value" ] || bench_die "$name needs a value"
  printf -v "${name#--}" '%s' "$value"
}

# bench_check_window: --seconds, --warmup and --repeat are whole numbers.
bench_check_window() {
  [[ $seconds =~ ^[1-9][0-9]*$ ]] || bench_die "--seconds must be a whole number >= 1"
  [[ $warmup =~ ^[0-9]+$ ]] || bench_die "--warmup must be a whole number"
  [[ $repeat =~ ^[1-9][0-9]*$ ]] || bench_die "--repeat must be a whole number >= 1"
}

bench_is_pci() { [[ $1 =~ ^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7] ]]; }

# The devargs of the receiving port: the case's pcap unless overridden.
bench_src_devargs() {
  if [ -n "$BENCH_SRC_DEVARGS" ]; then
    echo "$BENCH_SRC_DEVARGS"
  elif [ "$BENCH_SOURCE" = pcap ]; then
    echo "net_pcap0,rx_pcap=$1,infinite_rx=1"
  else
    echo "net_ferry_replay0,pcap=$1"
  fi
}

bench_uses_replay() { [ -z "$BENCH_SRC_DEVARGS" ] && [ "$BENCH_SOURCE" != pcap ]; }

# EAL arguments shared by the three systems: hugepages without files, a
# private prefix, no PCI scan unless a port is a PCI device, and the
# replay source's PMD.
bench_eal_args() {
  local a="--in-memory --file-prefix=$1"
  bench_is_pci "${BENCH_SRC_DEVARGS:-x}" || bench_is_pci "$BENCH_SINK_DEVARGS" || a="$a --no-pci"
  bench_uses_replay && a="$a -d $BENCH_REPLAY"
  echo "$a"
}

# testpmd's option for one port: -a for a PCI device, --vdev otherwise.
bench_testpmd_port() {
  if bench_is_pci "$1"; then echo "-a $1"; else echo "--vdev $1"; fi
}

# A pcap of N flows (cached in the run directory). Prints its path.
# bench_pcap NAME N [ferry-pcapgen options...]
bench_pcap() {
  local name=$1 n=$2
  shift 2
  local f="$BENCH_DIR/pcap/$name.pcap"
  if [ ! -f "$f" ]; then
    mkdir -p "$BENCH_DIR/pcap"
    "$BENCH_PCAPGEN" --flows "$n" --out "$f" --quiet "$@" >&2 || return 1
  fi
  echo "$f"
}

bench_check_tools() {
  local t
  for t in "$BENCH_PCAPGEN" "$BENCH_FERRY"; do
    [ -x "$t" ] ||
      bench_die "$t not found (build it, or set FERRY_BUILD / FERRY_PCAPGEN / FERRY_VSWITCHD)"
  done
  [ -x "$BENCH_OVS" ] || bench_die "$BENCH_OVS not found (package openvswitch-switch-dpdk)"
  case "$BENCH_SOURCE" in replay | pcap) ;; *) bench_die "BENCH_SOURCE is replay or pcap" ;; esac
  if bench_uses_replay && [ ! -f "$BENCH_REPLAY" ]; then
    bench_die "$BENCH_REPLAY not found (build it, or set FERRY_REPLAY; BENCH_SOURCE=pcap uses net_pcap)"
  fi
  command -v "$BENCH_TESTPMD" >/dev/null || bench_die "dpdk-testpmd not found (package dpdk)"
  for t in ovsdb-server ovsdb-tool ovs-vsctl ovs-ofctl ovs-appctl taskset; do
    command -v "$t" >/dev/null || bench_die "$t not found"
  done
  [ -x "$BENCH_PYTHON" ] || bench_die "$BENCH_PYTHON not found"
}

# Copies Ferry's binaries into the run directory, so that a rebuild during
# the run neither breaks it nor mixes two versions in one table.
bench_snapshot_tools() {
  mkdir -p "$BENCH_DIR/bin"
  cp "$BENCH_FERRY" "$BENCH_DIR/bin/ferry-vswitchd" &&
    cp "$BENCH_PCAPGEN" "$BENCH_DIR/bin/ferry-pcapgen" ||
    bench_die "cannot copy Ferry's binaries into $BENCH_DIR/bin"
  # DPDK loads a plugin (-d) only from a path no part of which is world
  # writable, which rules out /tmp: the replay PMD's copy goes to /run.
  if bench_uses_replay; then
    BENCH_PLUGIN_DIR=/run/ferry-bench-$BENCH_TAG
    mkdir -m 0755 -p "$BENCH_PLUGIN_DIR" && cp "$BENCH_REPLAY" "$BENCH_PLUGIN_DIR/" ||
      bench_die "cannot copy $BENCH_REPLAY into $BENCH_PLUGIN_DIR"
    BENCH_REPLAY=$BENCH_PLUGIN_DIR/$(basename "$BENCH_REPLAY")
  fi
  bench_log "ferry-vswitchd: $BENCH_FERRY ($(date -r "$BENCH_FERRY" '+%F %T'))"
  BENCH_FERRY=$BENCH_DIR/bin/ferry-vswitchd
  BENCH_PCAPGEN=$BENCH_DIR/bin/ferry-pcapgen
}

# Warns when something else keeps the CPUs busy: the figures are ratios
# within one run, but a busy neighbour still adds noise. Samples one second.
bench_check_quiet() {
  local busy
  busy=$(top -b -n 2 -d 1 -w 200 2>/dev/null | awk '
    /^top -/ { frame++ }
    frame == 2 && started && $9 + 0 > 20 { printf "%s(%s, %s%%) ", $12, $1, $9 }
    frame == 2 && $1 == "PID" { started = 1 }' | head -c 300)
  [ -n "$busy" ] && bench_log "warning: busy processes besides this benchmark: $busy"
  return 0
}

# bench_thread_ticks PID: "TID TICKS" (user + system clock ticks) for each
# thread of PID.
bench_thread_ticks() {
  local f
  for f in /proc/"$1"/task/*/stat; do
    awk '{ sub(/^.*\) /, ""); print FILENAME, $12 + $13 }' "$f" 2>/dev/null
  done | sed 's|/proc/[0-9]*/task/\([0-9]*\)/stat|\1|'
}

# bench_busiest_share BEFORE AFTER SECONDS: the share of one CPU (percent)
# the busiest thread got between two bench_thread_ticks snapshots. A
# forwarding thread that busy-polls gets ~100 unless something else ran
# on its core.
bench_busiest_share() {
  awk -v secs="$3" -v hz="$(getconf CLK_TCK)" '
    NR == FNR { before[$1] = $2; next }
    ($1 in before) { d = $2 - before[$1]; if (d > max) max = d }
    END { printf "%.0f", 100 * max / hz / secs }' "$1" "$2"
}
