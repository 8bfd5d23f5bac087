#!/usr/bin/env bash
# Debian's own ovs-ctl drives Ferry as ovs-vswitchd: start, status,
# restart, stop, exactly as openvswitch-switch's units and init script run
# it. The machine's installed OVS is not touched: ovs-ctl runs with
# OVS_RUNDIR/OVS_LOGDIR/OVS_DBDIR/OVS_SYSCONFDIR in the test's directory and
# OVS_SBINDIR a private directory whose ovs-vswitchd is Ferry (ovs-ctl puts
# $OVS_SBINDIR first in its PATH), inside a network namespace.
#
# Cases: start (ovs-ctl's defaults: --monitor and --mlockall; the process is
# named ovs-vswitchd, its files are OVS's, ovs-appctl without -t reaches it,
# two VMs ping through it), status, restart (ovs-ctl saves the OpenFlow
# tables with ovs-save, holds the new daemon in flow-restore-wait, restores
# the tables, and stops the old one with `ovs-appctl exit`; a staged vMAC
# conversion comes back by itself), a crash under
# the monitor (restarted by it), stop; then the same under the systemd
# unit's options (--no-monitor) and --ovs-user.
source "$(dirname "$0")/lib.sh"
ft_init ovs_ctl

M1=02:00:00:00:00:01
M2=02:00:00:00:00:02
OVS_CTL=/usr/share/openvswitch/scripts/ovs-ctl
export OVS_SBINDIR=$FT_DIR/sbin
mkdir -p "$OVS_SBINDIR"
ln -s "$FT_VSWITCHD" "$OVS_SBINDIR/ovs-vswitchd"
# Ferry needs no kernel module. Where this kernel could load modules and has
# no openvswitch one, ovs-ctl's modprobe would fail: run a copy of Debian's
# scripts whose ovs-kmod-ctl has nothing to insert.
if [ -e /proc/modules ] && [ ! -e /sys/module/openvswitch ] && ! modprobe -n openvswitch 2>/dev/null; then
  mkdir -p "$FT_DIR/scripts"
  cp /usr/share/openvswitch/scripts/{ovs-ctl,ovs-lib,ovs-save} "$FT_DIR/scripts/"
  printf '#!/bin/sh\nexit 0\n' >"$FT_DIR/scripts/ovs-kmod-ctl"
  chmod +x "$FT_DIR/scripts/ovs-kmod-ctl"
  OVS_CTL=$FT_DIR/scripts/ovs-ctl
fi

# ovs-ctl in the hypervisor namespace, with the environment above.
ovs_ctl() { ip netns exec "$HV" "$OVS_CTL" "$@" >>"$FT_DIR/ovs-ctl.out" 2>&1; }
vs_pid() { cat "$OVS_RUNDIR/ovs-vswitchd.pid" 2>/dev/null; }
vs_running() { local p; p=$(vs_pid) && [ -n "$p" ] && [ -d "/proc/$p" ]; }
ping_both() { ft_ping "$(ft_ns vm1)" 10.0.0.2 2 && ft_ping "$(ft_ns vm2)" 10.0.0.1 2; }
# The pid of the running daemon once it differs from $1 (and answers).
new_daemon() { local p; p=$(vs_pid) && [ -n "$p" ] && [ "$p" != "$1" ] && ovs-appctl version; }

ft_case "set-up: ovsdb-server, a netdev bridge with two VMs"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
FT_PIDFILES+=("$FT_DIR/ovs-vswitchd.pid")
ft_check "dpdk config" ovs-vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
  "other_config:dpdk-extra=$(ft_eal_args hv)" other_config:pmd-sleep-max=500
ft_vm "$HV" vm1 $M1 10.0.0.1/24
ft_vm "$HV" vm2 $M2 10.0.0.2/24
ft_check "add-br" ovs-vsctl --no-wait add-br br0 -- set bridge br0 datapath_type=netdev
for p in 1 2; do
  ft_check "add vm$p" ovs-vsctl --no-wait add-port br0 vm$p -- set Interface vm$p type=dpdk \
    "options:dpdk-devargs=net_af_packet$p,iface=vm$p" ofport_request=$p
done

ft_case "ovs-ctl start: Ferry runs as ovs-vswitchd"
ft_check "ovs-ctl start" ovs_ctl --no-ovsdb-server --system-id=random start
PID=$(vs_pid)
ft_check "pidfile ovs-vswitchd.pid" vs_running
ft_eq "process name (ovs-ctl's pid_comm_check)" ovs-vswitchd "$(cat "/proc/$PID/comm" 2>/dev/null)"
ft_check "control socket ovs-vswitchd.PID.ctl" test -S "$FT_DIR/ovs-vswitchd.$PID.ctl"
ft_check "log file ovs-vswitchd.log" test -s "$FT_DIR/ovs-vswitchd.log"
ft_eq "ovs-appctl version (no -t)" "ovs-vswitchd (Open vSwitch) 3.1.0+ferry0.1.0" \
  "$(ovs-appctl version | head -1)"
CMDLINE=$(tr '\0' ' ' <"/proc/$PID/cmdline")
for o in -vconsole:emer -vsyslog:err -vfile:info --mlockall --no-chdir \
  "--log-file=$FT_DIR/ovs-vswitchd.log" "--pidfile=$FT_DIR/ovs-vswitchd.pid" --detach --monitor; do
  ft_contains "ovs-ctl passed $o" "$CMDLINE" " $o"
done
MON=$(awk '{print $4}' "/proc/$PID/stat")
# As OVS's: the monitor names itself "monitor" (daemon-unix.c).
ft_eq "a monitor process" monitor "$(cat "/proc/$MON/comm" 2>/dev/null)"
ft_contains "memory locked (--mlockall)" "$(grep VmLck "/proc/$PID/status")" "kB"
ft_not_contains "memory locked (--mlockall)" "$(grep VmLck "/proc/$PID/status")" " 0 kB"
ft_wait_for 20 ping_both || ft_fail "VMs cannot ping through Ferry"

ft_case "ovs-ctl status"
OUT=$(ip netns exec "$HV" "$OVS_CTL" status 2>&1)
ft_eq "status rc" 0 "$?"
ft_eq "status" "ovsdb-server is running with pid $(cat "$FT_DIR/ovsdb-server.pid")
ovs-vswitchd is running with pid $PID" "$OUT"

ft_case "ovs-ctl restart: flows saved and restored, old daemon exits gracefully"
ft_check "add-flow" ovs-ofctl add-flow br0 "cookie=0x77,priority=300,icmp,nw_dst=10.0.0.99,actions=drop"
FLOWS_BEFORE=$(ovs-ofctl --no-stats dump-flows br0 | sort)
# Ferry's own state comes back too (test/integration/restart_state.sh).
ft_eq "a staged conversion" 1 "$(ovs-appctl vmac/add-tx br0 $M1 0a:00:00:00:00:99 in_port=vm1)"
ft_wait_for 10 sh -c "ovs-vsctl --no-wait get Bridge br0 external_ids | grep -q ferry-vmac-1=" ||
  ft_fail "conversion not in the database"
VMAC_BEFORE=$(ovs-appctl vmac/show)
: >"$FT_DIR/ovs-ctl.out"
ft_check "ovs-ctl restart" ovs_ctl --no-ovsdb-server --system-id=random restart
OUT=$(cat "$FT_DIR/ovs-ctl.out")
ft_contains "flows saved" "$OUT" "Saving flows"
ft_contains "graceful exit" "$OUT" "Exiting ovs-vswitchd ($PID)"
ft_not_contains "no kill needed" "$OUT" "Killing"
ft_contains "flows restored" "$OUT" "Restoring saved flows"
ft_wait_for 20 new_daemon "$PID" || ft_fail "no new daemon"
ft_check_fails "old daemon gone" test -d "/proc/$PID"
PID=$(vs_pid)
ft_eq "flow-restore-wait removed" "" \
  "$(ovs-vsctl --no-wait get Open_vSwitch . other_config:flow-restore-wait 2>/dev/null)"
ft_eq "flows after restart" "$FLOWS_BEFORE" "$(ovs-ofctl --no-stats dump-flows br0 | sort)"
ft_wait_for 10 sh -c "ovs-appctl vmac/show | grep -q staged" || ft_fail "conversion not restored"
ft_eq "vmac/show after restart" "$VMAC_BEFORE" "$(ovs-appctl vmac/show)"
ft_wait_for 20 ping_both || ft_fail "VMs cannot ping after restart"

ft_case "a crash under the monitor: restarted, forwarding again"
# The monitor restarts a daemon that died of an error signal (SIGSEGV,
# SIGABRT ...), as OVS's does; SIGKILL means "stop" to it.
kill -SEGV "$PID"
ft_wait_for 30 new_daemon "$PID" || ft_fail "the monitor did not restart the daemon"
ft_eq "name after restart" ovs-vswitchd "$(cat "/proc/$(vs_pid)/comm" 2>/dev/null)"
ft_wait_for 20 ping_both || ft_fail "VMs cannot ping after the crash"
PID=$(vs_pid)

ft_case "ovs-ctl stop"
: >"$FT_DIR/ovs-ctl.out"
ft_check "ovs-ctl stop" ovs_ctl --no-ovsdb-server stop
ft_check_fails "daemon gone" test -d "/proc/$PID"
ft_check_fails "monitor gone" test -d "/proc/$MON"
ft_check_fails "pidfile removed" test -e "$FT_DIR/ovs-vswitchd.pid"
ft_check_fails "control socket removed" test -e "$FT_DIR/ovs-vswitchd.$PID.ctl"
OUT=$(ip netns exec "$HV" "$OVS_CTL" status 2>&1)
ft_contains "status after stop" "$OUT" "ovs-vswitchd is not running"

ft_case "the systemd unit's options (--no-monitor) and --ovs-user"
# The unit's ExecStart, with the daemon as an unprivileged user. ovs-ctl
# makes the run and log directories only when they are missing, so the
# user gets directories of its own; ovsdb-server's socket is opened to it.
USER_DIR=$FT_DIR/user
export OVS_RUNDIR=$USER_DIR/run OVS_LOGDIR=$USER_DIR/log
mkdir -p "$USER_DIR"
chmod 0755 "$FT_DIR" "$USER_DIR"
chmod 0777 "$FT_DIR/db.sock"
ft_check "ovs-ctl start --ovs-user" ovs_ctl --no-ovsdb-server --no-monitor --system-id=random \
  --no-record-hostname --ovs-user=nobody:nogroup \
  "--db-sock=$FT_DIR/db.sock" start
FT_PIDFILES+=("$OVS_RUNDIR/ovs-vswitchd.pid")
PID=$(vs_pid)
ft_check "running" vs_running
ft_eq "uid" "$(id -u nobody)" "$(awk '/^Uid:/{print $2}' "/proc/$PID/status" 2>/dev/null)"
ft_eq "no monitor" 1 "$(awk '{print $4}' "/proc/$PID/stat" 2>/dev/null)"
ft_wait_for 20 ping_both || ft_fail "VMs cannot ping through Ferry as nobody"
ft_check "ovs-ctl stop" ovs_ctl --no-ovsdb-server stop
ft_check_fails "daemon gone" test -d "/proc/$PID"

ft_finish
