#!/usr/bin/env bash
# The control socket with the real ovs-appctl, and abuse from raw clients:
# malformed JSON, non-string arguments, wrong argument counts, unknown
# commands, oversized requests, silent clients. Each gets a clear error or
# is dropped; the daemon keeps serving everyone else.
source "$(dirname "$0")/lib.sh"
ft_init control_socket

ft_case "set-up"
ft_netns hv
HV=$(ft_ns hv)
ft_check "ovsdb-server" ft_start_ovsdb
ft_check "ferry-vswitchd" ft_start_ferry "$HV"
ft_check "add-br" ovs-vsctl add-br br0 -- set bridge br0 datapath_type=netdev
SOCK=$FT_DIR/ferry-vswitchd.ctl
ft_check "stable socket name" test -S "$SOCK"
ft_check "per-pid socket" test -S "$FT_DIR/ferry-vswitchd.$(ft_ferry_pid).ctl"

# rpc JSON [WAIT_MS]: sends raw bytes on a fresh connection, prints what comes back.
rpc() {
  python3 - "$SOCK" "$1" "${2:-2000}" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode())
s.settimeout(int(sys.argv[3]) / 1000)
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        if data.count(b"{") and data.strip().endswith(b"}"):
            break
except socket.timeout:
    pass
print(data.decode(errors="replace"))
PY
}

ft_case "list-commands and version through ovs-appctl"
cmds=$(ft_appctl list-commands)
for c in version exit vlog/set vlog/list fdb/show fdb/flush dpctl/dump-flows dpif-netdev/pmd-stats-show \
         dpif-netdev/pmd-stats-clear dpif-netdev/pmd-rxq-show ofproto/trace list-commands; do
  ft_contains "lists $c" "$cmds" "  $c"
done
ft_contains "version" "$(ft_appctl version)" "ferry-vswitchd (Ferry)"

ft_case "unknown commands and wrong argument counts: exit 2 with the OVS texts"
out=$(ft_appctl no/such-command 2>&1); rc=$?
ft_eq "exit code" 2 "$rc"
ft_contains "unknown" "$out" '"no/such-command" is not a valid command'
out=$(ft_appctl fdb/show 2>&1); rc=$?
ft_eq "exit code (too few)" 2 "$rc"
ft_contains "too few" "$out" '"fdb/show" command requires at least 1 arguments'
out=$(ft_appctl version extra 2>&1)
ft_contains "too many" "$out" '"version" command takes at most 0 arguments'
ft_contains "no such bridge" "$(ft_appctl fdb/show nobridge 2>&1)" "no such bridge"
ft_contains "bad flow" "$(ft_appctl ofproto/trace br0 'in_port=1,nonsense=3' 2>&1)" "nonsense"
ft_contains "bad vlog spec (ovs-vswitchd's answer)" "$(ft_appctl vlog/set nomodule:dbg 2>&1)" \
  'no destination, level, or module "nomodule"'
ft_check_fails "bad vlog spec: exit 2" ft_appctl vlog/set nomodule:dbg

ft_case "vlog/set and vlog/list"
ft_check "set" ft_appctl vlog/set bridge:file:dbg
ft_contains "listed at DBG (ovs-vswitchd's table)" "$(ft_appctl vlog/list)" \
  "bridge             OFF        ERR        DBG"
ft_check "an ovs-vswitchd module name" ft_appctl vlog/set ofproto_dpif:file:dbg
ft_contains "listed" "$(ft_appctl vlog/list)" "ofproto_dpif       OFF        ERR        DBG"
ft_check "a libopenvswitch module" ft_appctl vlog/set vconn:file:dbg
ft_contains "listed" "$(ft_appctl vlog/list)" "vconn              OFF        ERR        DBG"

ft_case "raw abuse: non-string argument, malformed JSON, not a request"
out=$(rpc '{"method":"fdb/show","params":[42],"id":7}')
ft_contains "non-string argument" "$out" 'non-string argument'
ft_contains "answers the id" "$out" '"id":7'
out=$(rpc '{"method":"version","params":[],"id":' 500)
ft_check "malformed JSON: still serving" ft_appctl version
out=$(rpc '[1,2,3]')
ft_check "not a request: still serving" ft_appctl version
out=$(rpc '{"method":"version","params":"x","id":3}')
ft_contains "bad params" "$out" '"id":3'

ft_case "an oversized request (over 1 MiB) is refused"
out=$(python3 - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(5)
req = '{"id":9,"method":"version","params":["' + "x" * (1 << 20) + '"]}'
try:
    s.sendall(req.encode())
except OSError:
    pass
data = b""
try:
    while True:
        c = s.recv(65536)
        if not c:
            break
        data += c
except (socket.timeout, OSError):
    pass
print(data.decode(errors="replace"))
PY
)
ft_contains "too large" "$out" "request too large"
ft_check "still serving" ft_appctl version

ft_case "a client that connects and never sends does not block others"
python3 - "$SOCK" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b'{"method":"vers')  # half a request, then silence
time.sleep(20)
PY
silent=$!
FT_PIDS+=($silent)
sleep 0.5
ft_check "served meanwhile" timeout 5 ovs-appctl -t ferry-vswitchd version
ft_check "many clients" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do ovs-appctl -t ferry-vswitchd version >/dev/null || exit 1; done'
kill $silent 2>/dev/null

ft_case "the daemon survived all of it and exits on request"
ft_check "alive" ft_ferry_alive
pid=$(ft_ferry_pid)
ft_check "exit" ft_appctl exit
ft_check "gone" ft_wait_for 10 sh -c "! kill -0 $pid 2>/dev/null"
ft_check "socket removed" test ! -e "$FT_DIR/ferry-vswitchd.$pid.ctl"
ft_check "pidfile removed" test ! -e "$FT_DIR/ferry-vswitchd.pid"
ft_finish
