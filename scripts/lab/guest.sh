#!/usr/bin/env bash
# Ferry's test guest in QEMU: a tiny Linux (scripts/lab/guest-image.sh) with
# 128 MiB of shared memory (memory-backend-memfd,share=on) and a virtio-net
# NIC on a vhost-user socket, QEMU being the server: the socket of a Ferry
# port of type dpdkvhostuserclient (options:vhost-server-path).
#
# One guest per directory DIR (created; the caller removes it):
#   qemu.pid  qemu.log  console.log (the serial console, kernel messages)
#   agent.in agent.out  FIFOs of the virtio-serial port "ferry.agent"
#   agent.log           everything the guest wrote on that port
#   agent-reader.pid    the process copying agent.out into agent.log
#   qmp.sock            QEMU's QMP socket (scripts/lab/qmp.py)
#
#   guest.sh start DIR --vhost SOCK --mac MAC [--ip A.B.C.D/N] [--mem MIB]
#                  [--incoming URI] [--announce guest|qemu] [--append "KERNEL ARGS"]
#                  --announce: who announces the guest after a migration:
#                  the guest itself (VIRTIO_NET_F_GUEST_ANNOUNCE, the
#                  default) or QEMU (guest_announce=off: QEMU's RARP, sent
#                  by the vhost-user back end, VHOST_USER_SEND_RARP); the
#                  same on both ends of a migration
#   guest.sh ready DIR [SECONDS]     waits for the guest's "ready" line
#   guest.sh run DIR ID COMMAND...   starts COMMAND in the guest (busybox sh;
#                                    ferry-guest-agent is in its PATH); ID
#                                    names it, once per guest ("boot" is
#                                    the kernel command line's ferry.run)
#   guest.sh wait DIR ID [SECONDS]   waits for it: prints its output, exits
#                                    with its status (124 on timeout)
#   guest.sh exec DIR COMMAND...     run + wait (60 s)
#   guest.sh stop DIR                stops QEMU and the reader (pidfiles)
#   guest.sh accel                   prints the accelerator start would use
#
# Environment: FERRY_GUEST_ACCEL=kvm|tcg|auto (default auto: KVM when
# /dev/kvm is usable and the CPU has VMX/SVM, else TCG), FERRY_CACHE,
# FERRY_BUILD (as guest-image.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { printf 'guest.sh: %s\n' "$*" >&2; exit 1; }

accel() {
  local a=${FERRY_GUEST_ACCEL:-auto}
  if [ "$a" = auto ]; then
    a=tcg
    # /dev/kvm alone is not enough: nested set-ups without VMX/SVM expose
    # it, and their KVM guests hang.
    [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && a=kvm
  fi
  echo "$a"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  local dir=$1
  shift
  local vhost="" mac="" ip="" mem=128 incoming="" append="" announce=guest
  while [ $# -gt 0 ]; do
    case "$1" in
      --vhost) vhost=$2 ;;
      --mac) mac=$2 ;;
      --ip) ip=$2 ;;
      --mem) mem=$2 ;;
      --incoming) incoming=$2 ;;
      --append) append=$2 ;;
      --announce) announce=$2 ;;
      *) die "start: unknown option $1" ;;
    esac
    shift 2 || die "start: $1 needs a value"
  done
  [ -n "$vhost" ] && [ -n "$mac" ] || die "start: --vhost and --mac are required"
  case "$announce" in guest) announce=on ;; qemu) announce=off ;; *) die "start: --announce guest|qemu" ;; esac
  command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is not installed"
  local kernel="" initrd=""
  eval "$("$here/guest-image.sh" --print)"
  [ -f "$kernel" ] && [ -f "$initrd" ] || die "no guest image"
  mkdir -p "$dir"
  pid_alive "$dir/qemu.pid" && die "a guest already runs in $dir"
  rm -f "$dir/agent.in" "$dir/agent.out" "$dir/qmp.sock"
  mkfifo "$dir/agent.in" "$dir/agent.out"
  : >"$dir/agent.log"
  # Reads the port's output until QEMU closes it (QEMU opens it read-write,
  # so this open waits for QEMU and never blocks it).
  cat "$dir/agent.out" >>"$dir/agent.log" 2>/dev/null </dev/null &
  echo $! >"$dir/agent-reader.pid"
  local cpu=max
  [ "$(accel)" = kvm ] && cpu=host
  local args=(
    -name "guest-$(basename "$dir")" -accel "$(accel)" -cpu "$cpu" -smp 1
    -m "${mem}M" -object "memory-backend-memfd,id=mem,size=${mem}M,share=on"
    -machine "pc,memory-backend=mem"
    -nodefaults -no-user-config -display none -no-reboot
    -kernel "$kernel" -initrd "$initrd"
    -append "console=ttyS0 panic=-1 loglevel=4 ${ip:+ferry.ip=$ip} ferry.mac=$mac $append"
    -serial "file:$dir/console.log"
    -chardev "socket,id=vhu,path=$vhost,server=on,wait=off"
    -netdev "vhost-user,id=net0,chardev=vhu"
    # vectors=0 (INTx, no MSI-X): QEMU 7.2 under TCG crashes (NULL pointer
    # in virtio_pci_set_guest_notifiers -> msix_set_vector_notifiers) when
    # the guest driver starts a vhost-user device with MSI-X.
    -device "virtio-net-pci,netdev=net0,mac=$mac,romfile=,vectors=0,guest_announce=$announce"
    -device virtio-serial-pci
    -chardev "pipe,id=agent,path=$dir/agent"
    -device "virtserialport,chardev=agent,name=ferry.agent"
    -qmp "unix:$dir/qmp.sock,server=on,wait=off"
    -pidfile "$dir/qemu.pid"
  )
  [ -n "$incoming" ] && args+=(-incoming "$incoming")
  # In the background rather than -daemonize: a vhost-user netdev waits for
  # its back end's connection before QEMU would daemonize, and a daemon's
  # later errors would go to /dev/null instead of qemu.log.
  rm -f "$dir/qemu.pid"
  setsid qemu-system-x86_64 "${args[@]}" >"$dir/qemu.log" 2>&1 </dev/null &
  local pid=$!
  for _ in $(seq 100); do
    [ -s "$dir/qemu.pid" ] && return 0
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  kill "$(cat "$dir/agent-reader.pid")" 2>/dev/null || true
  die "QEMU did not start: $(tail -5 "$dir/qemu.log")"
}

ready() {
  local dir=$1 secs=${2:-90}
  local deadline=$((SECONDS + secs))
  until grep -q '^ferry-guest: ready' "$dir/agent.log" 2>/dev/null; do
    pid_alive "$dir/qemu.pid" || die "QEMU exited before the guest was ready ($dir/console.log)"
    [ $SECONDS -ge $deadline ] && die "the guest was not ready within ${secs}s ($dir/console.log)"
    sleep 0.2
  done
}

run() {
  local dir=$1 id=$2
  shift 2
  [[ $id =~ ^[A-Za-z0-9_.-]+$ ]] || die "run: bad id '$id'"
  pid_alive "$dir/qemu.pid" || die "no guest runs in $dir"
  printf 'run %s %s\n' "$id" "$*" >"$dir/agent.in"
}

wait_for() {
  local dir=$1 id=$2 secs=${3:-60}
  local deadline=$((SECONDS + secs)) rc
  until rc=$(awk -v id="$id" '$1 == id && $2 == "exit" {print $3}' "$dir/agent.log" | tail -1) &&
    [ -n "$rc" ]; do
    [ $SECONDS -ge $deadline ] && { echo "guest.sh: $id did not end within ${secs}s" >&2; return 124; }
    sleep 0.1
  done
  awk -v p="$id| " 'index($0, p) == 1 {print substr($0, length(p) + 1)}' "$dir/agent.log"
  return "$rc"
}

stop() {
  local dir=$1 pf pid
  for pf in "$dir/qemu.pid" "$dir/agent-reader.pid"; do
    [ -f "$pf" ] || continue
    pid=$(cat "$pf")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pf"
  done
}

cmd=${1:-}
[ $# -ge 1 ] && shift
case "$cmd" in
  start) [ $# -ge 1 ] || die "start DIR ..."; start "$@" ;;
  ready) [ $# -ge 1 ] || die "ready DIR [SECONDS]"; ready "$@" ;;
  run) [ $# -ge 3 ] || die "run DIR ID COMMAND..."; run "$@" ;;
  wait) [ $# -ge 2 ] || die "wait DIR ID [SECONDS]"; wait_for "$@" ;;
  exec)
    [ $# -ge 2 ] || die "exec DIR COMMAND..."
    id=x$$-$RANDOM
    run "$1" "$id" "${@:2}"
    wait_for "$1" "$id" 60
    ;;
  stop) [ $# -ge 1 ] || die "stop DIR"; stop "$1" ;;
  accel) accel ;;
  *) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
