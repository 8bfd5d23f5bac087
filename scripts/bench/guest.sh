# The VM of the PVP benchmark: dpdk-testpmd driving DPDK's virtio guest
# driver (net_virtio_user) as the vhost-user server, the role QEMU plays for
# a dpdkvhostuserclient port, forwarding with macswap on one core.
# vhost-user maps the guest's memory from its hugepage files: its own file
# prefix, --single-file-segments (the files go at cleanup). Sourced after
# lib.sh.
#
#   guest_start DIR SOCK CPU    SOCK: the socket it listens on
#   guest_stop
#
# On failure a function returns 1 with the reason in BENCH_FAIL.

GUEST_DIR=""
GUEST_FD=""

guest_alive() { bench_pid_alive "$GUEST_DIR/guest.pid"; }

guest_start() {
  GUEST_DIR=$1
  local sock=$2 cpu=$3
  mkdir -p "$GUEST_DIR"
  bench_dpdk_prefix "guest$BENCH_SERIAL"
  mkfifo "$GUEST_DIR/cmd" || { BENCH_FAIL="mkfifo failed"; return 1; }
  exec {GUEST_FD}<>"$GUEST_DIR/cmd"
  BENCH_FDS+=("$GUEST_FD")
  bench_track_pidfile "$GUEST_DIR/guest.pid"
  # Both lcores (the command line and the forwarding one) on the guest's
  # CPU; 1024-descriptor rings as a VM's virtio-net has.
  "$BENCH_TESTPMD" --lcores "0@$cpu,1@$cpu" --no-pci --file-prefix="$BENCH_PREFIX" \
    --single-file-segments -m 256 --huge-dir=/dev/hugepages \
    --vdev "net_virtio_user0,path=$sock,server=1,queues=1,queue_size=1024" -- \
    -i --forward-mode=macswap --nb-cores=1 --rxd=1024 --txd=1024 --auto-start \
    --total-num-mbufs=16384 <&"$GUEST_FD" >"$GUEST_DIR/guest.out" 2>&1 &
  echo $! >"$GUEST_DIR/guest.pid"
  # net_virtio_user in server mode listens before it waits for the switch.
  bench_wait_for 30 test -S "$sock" || {
    BENCH_FAIL="guest: no socket $sock: $(tail -3 "$GUEST_DIR/guest.out" | tr '\n' ' ')"
    return 1
  }
}

guest_stop() {
  [ -n "$GUEST_DIR" ] || return 0
  echo quit 1>&"$GUEST_FD" 2>/dev/null
  bench_wait_exit "$(cat "$GUEST_DIR/guest.pid" 2>/dev/null)" 5
  bench_stop_pidfile "$GUEST_DIR/guest.pid" 5
  eval "exec $GUEST_FD>&-" 2>/dev/null
  bench_remove_dpdk_dirs
  GUEST_DIR=""
}
