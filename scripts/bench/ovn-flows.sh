#!/usr/bin/env bash
# ovn-flows.sh OUT: the OpenFlow flows ovn-controller installs for one
# logical switch with an ACL, as the ovn-N benchmark case replays them into
# both switches (scripts/bench/rules.sh). OVN's own central (ovsdb-servers,
# ovn-northd) and ovn-controller run against a stock ovs-vswitchd (userspace
# datapath, dummy ports) whose br-int has ports src (ofport 1, logical port
# lsp1) and sink (ofport 2, lsp2), the numbers the benchmark bridge uses.
# The switch: lsp1 02:00:00:00:00:01, lsp2 02:00:00:00:00:02 (addresses,
# no port security); ACLs: from-lport 'ip4' allow-related (every flow goes
# through conntrack, committed once), to-lport drop of tcp/22.
set -u
out=${1:?usage: ovn-flows.sh OUT}
exec 3>&2 2>/dev/null  # the daemons' start-up lines; errors go to fd 3
dir=$(mktemp -d /tmp/ferry-ovn-flows-XXXXXX)
export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir
export OVN_RUNDIR=$dir OVN_LOGDIR=$dir OVN_DBDIR=$dir
export OVN_NB_DB=unix:$dir/nb.sock OVN_SB_DB=unix:$dir/sb.sock
cleanup() {
  local pf
  for pf in "$dir"/*.pid; do [ -f "$pf" ] && kill "$(cat "$pf")" 2>/dev/null; done
  sleep 0.5
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "ovn-flows: $*" >&3; exit 1; }

for d in conf:/usr/share/openvswitch/vswitch.ovsschema nb:/usr/share/ovn/ovn-nb.ovsschema \
  sb:/usr/share/ovn/ovn-sb.ovsschema; do
  name=${d%%:*}
  ovsdb-tool create "$dir/$name.db" "${d#*:}" || fail "ovsdb-tool"
  sock=$dir/$name.sock
  [ "$name" = conf ] && sock=$dir/db.sock
  ovsdb-server "$dir/$name.db" --remote="punix:$sock" --pidfile="$dir/ovsdb-$name.pid" --detach \
    --no-chdir --log-file="$dir/ovsdb-$name.log" --unixctl="$dir/ovsdb-$name.ctl" ||
    fail "ovsdb-server $name"
done
ovs-vsctl --no-wait init && ovn-nbctl init && ovn-sbctl init || fail "init"
ovn-northd --pidfile="$dir/northd.pid" --detach --no-chdir --log-file="$dir/northd.log" ||
  fail "ovn-northd"
ovs-vswitchd --enable-dummy --disable-system --disable-system-route "unix:$dir/db.sock" \
  --pidfile="$dir/ovs-vswitchd.pid" --detach --no-chdir --log-file="$dir/ovs-vswitchd.log" ||
  fail "ovs-vswitchd"
ovs-vsctl set Open_vSwitch . external_ids:system-id=bench "external_ids:ovn-remote=$OVN_SB_DB" \
  external_ids:ovn-encap-type=geneve external_ids:ovn-encap-ip=127.0.0.1 \
  external_ids:ovn-bridge-datapath-type=netdev &&
  ovs-vsctl add-br br-int -- set bridge br-int datapath_type=netdev fail_mode=secure \
    other_config:disable-in-band=true || fail "br-int"
ovn-controller "unix:$dir/db.sock" --pidfile="$dir/ovn-controller.pid" --detach --no-chdir \
  --log-file="$dir/ovn-controller.log" || fail "ovn-controller"
ovn-nbctl ls-add sw0 &&
  ovn-nbctl lsp-add sw0 lsp1 -- lsp-set-addresses lsp1 "02:00:00:00:00:01" &&
  ovn-nbctl lsp-add sw0 lsp2 -- lsp-set-addresses lsp2 "02:00:00:00:00:02" &&
  ovn-nbctl acl-add sw0 from-lport 1000 'ip4' allow-related &&
  ovn-nbctl acl-add sw0 to-lport 1001 'tcp && tcp.dst == 22' drop || fail "logical switch"
ovs-vsctl add-port br-int src -- set Interface src type=dummy ofport_request=1 \
  external_ids:iface-id=lsp1 -- add-port br-int sink -- set Interface sink type=dummy \
  ofport_request=2 external_ids:iface-id=lsp2 || fail "ports"
ovn-nbctl --wait=hv --timeout=60 sync || fail "ovn-controller did not catch up"
# As ovs-ofctl dump-flows prints them, in add-flows syntax.
ovs-ofctl -O OpenFlow15 dump-flows br-int --no-stats |
  sed -n 's/^ *//; s/reset_counts //; /^cookie=\|^table=\|^priority=/p' >"$out" ||
  fail "dump-flows"
[ -s "$out" ] || fail "no flows"
for what in dump-groups dump-meters; do
  n=$(ovs-ofctl -O OpenFlow15 "$what" br-int | grep -c '_id=')
  [ "$n" = 0 ] || fail "$what: $n (the case replays flows only)"
done
