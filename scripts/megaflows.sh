#!/usr/bin/env bash
# The megaflow economy of the benchmark's rule tables, without a benchmark:
# for each case, the rules and packets go through build/test/bench/megaflow-sim
# (Ferry's classifier and a simulated megaflow cache) and, with --ovs, through
# a stock ovs-vswitchd (userspace datapath on dummy ports: the same dpif-netdev
# megaflow code as OVS-DPDK), whose installed megaflows are counted with
# `ovs-appctl dpctl/dump-flows`.
#
#   scripts/megaflows.sh [--ovs] [CASE...]
#
# Cases (default: rules-1k rules-100k rules_spread-100k l3-100k l3disj-100k):
#   rules-N         scripts/bench/rules.sh's rules-N: rules_many, ferry-pcapgen
#                   flows 172.16.0.1+i -> 10.0.0.1+64i, udp 1024 -> 9
#   rules_spread-N  the same 1000 rules, flow i aimed at rule i mod 1000
#                   (tcp rules get tcp from port 80, the others udp to 9; the
#                   address bits the rule does not match vary with i)
#   l3-N            100k rules: 50k nw_dst=10.a.b.0/24 (priority 100) and
#                   50k nw_dst=10.a.b.1/32 inside them (priority 200); flow i
#                   goes to network i mod 50k, host 1 + (i / 50k) mod 254
#   l3disj-N        50k nw_dst=/32 hosts in 11/8, 50k /24 networks in 12/8;
#                   even flows to the hosts, odd flows to varying hosts of
#                   the networks
# Prints one line per case: case packets ferry_megaflows ferry_masks
# ferry_lookup_ms (measured time in the classifier's lookups, all misses)
# [ovs_megaflows].
# FERRY_MEGAFLOW_SIM=PATH uses another megaflow-sim (e.g. one built from an
# older classifier, for a before/after comparison).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
sim=${FERRY_MEGAFLOW_SIM:-$top/build/test/bench/megaflow-sim}
pcapgen=$top/build/tools/ferry-pcapgen/ferry-pcapgen
# shellcheck source=bench/rules.sh
source "$top/scripts/bench/rules.sh"

with_ovs=0
if [ "${1:-}" = --ovs ]; then
  with_ovs=1
  shift
fi
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(rules-1k rules-100k rules_spread-100k l3-100k l3disj-100k)
[ -x "$sim" ] || { echo "megaflows.sh: build first (ninja -C build)" >&2; exit 1; }

work=$(mktemp -d /tmp/ferry-megaflows.XXXXXX)
ovs_dir=""
cleanup() {
  if [ -n "$ovs_dir" ]; then
    for p in ovs-vswitchd ovsdb-server; do
      [ -f "$ovs_dir/$p.pid" ] && kill "$(cat "$ovs_dir/$p.pid")" 2>/dev/null || true
    done
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# flows_spread N FILE: flow i aimed at rule i mod 1000 of rules_many.
flows_spread() {
  awk -v n="$1" "$AWK_IP"'
    BEGIN {
      src = 172 * 16777216 + 16 * 65536 + 1; dst = 10 * 16777216 + 1
      for (i = 0; i < n; i++) {
        r = i % 1000; v = int(i / 1000)
        s = src + 300000 + i; d = dst + 64 * (4 * 225 + 1000) + i; proto = "udp"; sp = 1024; dp = 9
        if (r < 83) { s = src + 4 * r; proto = "tcp"; sp = 80; dp = 1024 + v % 60000 }
        else if (r < 83 + 900) {
          k = int((r - 83) / 4); f = (r - 83) % 4
          if (f == 0) d = dst + 64 * (4 * k)
          else if (f == 1) s = src + 4 * k + 1
          else if (f == 2) d = dst - 1 + 64 * (4 * k + 2) + v % 64
          else d = dst - 1 + 64 * (4 * k + 3) - 192 + v % 256
        } else if (r < 999) s = (172 * 256 + 16 + (r - 983)) * 65536 + 256 + v
        printf "%s %s %s %d %d\n", ip(s), ip(d), proto, sp, dp
      }
    }' >"$2"
}

# l3_rules FILE / l3_flows N FILE: the l3-N table and traffic.
l3_rules() {
  awk -v act="$RULE_ACTIONS" "$AWK_IP"'
    BEGIN {
      for (k = 0; k < 50000; k++) {
        net = 10 * 16777216 + k * 256
        printf "priority=100,ip,nw_dst=%s/24,actions=%s\n", ip(net), act
        printf "priority=200,ip,nw_dst=%s,actions=%s\n", ip(net + 1), act
      }
    }' >"$1"
}
l3_flows() {
  awk -v n="$1" "$AWK_IP"'
    BEGIN {
      for (i = 0; i < n; i++)
        printf "%s %s udp 1024 9\n", ip(172 * 16777216 + 16 * 65536 + i % 65536),
               ip(10 * 16777216 + (i % 50000) * 256 + 1 + int(i / 50000) % 254)
    }' >"$2"
}
l3disj_rules() {
  awk -v act="$RULE_ACTIONS" "$AWK_IP"'
    BEGIN {
      for (k = 0; k < 50000; k++) {
        printf "priority=100,ip,nw_dst=%s,actions=%s\n", ip(11 * 16777216 + 1 + 3 * k), act
        printf "priority=100,ip,nw_dst=%s/24,actions=%s\n", ip(12 * 16777216 + 256 * k), act
      }
    }' >"$1"
}
l3disj_flows() {
  awk -v n="$1" "$AWK_IP"'
    BEGIN {
      for (i = 0; i < n; i++) {
        k = int(i / 2) % 50000; v = int(i / 100000)
        d = i % 2 ? 12 * 16777216 + 256 * k + 1 + v % 254 : 11 * 16777216 + 1 + 3 * k
        printf "%s %s udp 1024 9\n", ip(172 * 16777216 + 16 * 65536 + i % 65536), ip(d)
      }
    }' >"$2"
}

# case_input CASE DIR: writes DIR/rules.txt and DIR/flows.txt or DIR/flows.pcap.
case_input() {
  local c=$1 d=$2 n
  n=$(case_flows "$c")
  case "${c%%-*}" in
    rules)
      rules_many "$d/rules.txt"
      # shellcheck disable=SC2046
      "$pcapgen" --quiet --flows "$n" --out "$d/flows.pcap" $(case_pcapgen_args "$c")
      ;;
    rules_spread) rules_many "$d/rules.txt" && flows_spread "$n" "$d/flows.txt" ;;
    l3) l3_rules "$d/rules.txt" && l3_flows "$n" "$d/flows.txt" ;;
    l3disj) l3disj_rules "$d/rules.txt" && l3disj_flows "$n" "$d/flows.txt" ;;
    *) echo "megaflows.sh: unknown case $c" >&2 && return 1 ;;
  esac
}

packets_arg() {
  if [ -f "$1/flows.pcap" ]; then echo "--pcap $1/flows.pcap"; else echo "--flows $1/flows.txt"; fi
}

# ovs_start DIR: ovsdb-server and ovs-vswitchd (a fresh pair per case: the
# upcall handler's state outlives dpctl/del-flows) with bridge br0.
ovs_start() {
  ovs_dir=$1
  mkdir -p "$ovs_dir"
  export OVS_RUNDIR=$ovs_dir OVS_LOGDIR=$ovs_dir OVS_DBDIR=$ovs_dir OVS_SYSCONFDIR=$ovs_dir
  ovsdb-tool create "$ovs_dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  ovsdb-server --detach --no-chdir --pidfile="$ovs_dir/ovsdb-server.pid" \
    --remote=punix:"$ovs_dir/db.sock" --log-file="$ovs_dir/ovsdb-server.log" "$ovs_dir/conf.db"
  ovs-vsctl --no-wait init
  ovs-vsctl --no-wait set Open_vSwitch . other_config:max-idle=3600000 \
    other_config:flow-limit=4000000
  ovs-vswitchd --enable-dummy --disable-system --disable-system-route --detach --no-chdir \
    --pidfile="$ovs_dir/ovs-vswitchd.pid" --log-file="$ovs_dir/ovs-vswitchd.log" 2>/dev/null \
    unix:"$ovs_dir/db.sock"
  ovs-vsctl add-br br0 -- set bridge br0 datapath-type=dummy fail-mode=secure \
    -- add-port br0 src -- set interface src type=dummy ofport_request=1 \
    -- add-port br0 sink -- set interface sink type=dummy ofport_request=2
}

ovs_stop() {
  local p
  for p in ovs-vswitchd ovsdb-server; do
    [ -f "$ovs_dir/$p.pid" ] && kill "$(cat "$ovs_dir/$p.pid")" 2>/dev/null
  done
  ovs_dir=""
}

# ovs_count DIR: the megaflows stock OVS installs for DIR's rules and packets.
ovs_count() {
  local d=$1 sent
  ovs_start "$d/ovs" >"$d/ovs-start.log" 2>&1
  sed 's/in_port=src/in_port=1/; s/output:sink/output:2/' "$d/rules.txt" | grep -v '^#' >"$d/ovs-rules.txt"
  ovs-ofctl add-flows br0 "$d/ovs-rules.txt"
  # shellcheck disable=SC2046
  "$sim" $(packets_arg "$d") --hex 1 >"$d/hex.txt"
  sent=$(wc -l <"$d/hex.txt")
  # netdev-dummy queues at most 100 packets: batches of 90, then wait
  # until the port has counted them.
  local before got i=0
  before=$(ovs_rx)
  while read -r -a batch; do
    ovs-appctl netdev-dummy/receive src "${batch[@]}" >/dev/null
    i=$((i + ${#batch[@]}))
    for _ in $(seq 100); do
      got=$(($(ovs_rx) - before))
      [ "$got" -ge "$i" ] && break
      sleep 0.01
    done
  done < <(xargs -n 90 <"$d/hex.txt")
  got=$(($(ovs_rx) - before))
  [ "$got" = "$sent" ] || echo "megaflows.sh: OVS received $got of $sent packets" >&2
  ovs-appctl dpctl/dump-flows >"$d/ovs-flows.txt"
  ovs_stop
  grep -c "actions:" "$d/ovs-flows.txt" || true
}

kv() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$2"; }

ovs_rx() { ovs-ofctl dump-ports br0 src | sed -n 's/.*rx pkts=\([0-9]*\).*/\1/p' | head -1; }

printf '%-18s %8s %16s %12s %16s %s\n' case packets ferry_megaflows ferry_masks \
  ferry_lookup_ms "$([ "$with_ovs" = 1 ] && echo ovs_megaflows)"
for c in "${cases[@]}"; do
  d=$work/$c
  mkdir -p "$d"
  case_input "$c" "$d"
  # shellcheck disable=SC2046
  out=$("$sim" --rules "$d/rules.txt" $(packets_arg "$d"))
  ovs=""
  [ "$with_ovs" = 1 ] && ovs=$(ovs_count "$d")
  ns=$(kv lookup_ns_total "$out")
  printf '%-18s %8s %16s %12s %16s %s\n' "$c" "$(kv packets "$out")" "$(kv megaflows "$out")" \
    "$(kv masks "$out")" "$((ns / 1000000))" "$ovs"
done
