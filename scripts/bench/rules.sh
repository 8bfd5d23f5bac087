# The inputs of a benchmark case: the pcap layout and the OpenFlow rules.
# Sourced after lib.sh. Addresses stay inside the pcap: nothing here is
# ever sent on a network.
#
# Cases are KIND-N with N a number of flows (suffix k = 1000, m = 1000000):
#   simple-N  one rule, in_port=src,actions=mod_dl_dst:...,output:sink;
#             flow i is 10.0.0.1+i -> 10.128.0.1+i, udp 1024 -> 9
#             (ferry-pcapgen's defaults). Ferry answers a port whose rules
#             depend on in_port alone without parsing or looking up (its
#             simple-match path); OVS-DPDK does its full lookup
#   ip-N      the same with "ip" in the match (in_port=src,ip,...): both
#             switches parse and look up; the like-for-like single rule
#   normal-N  one rule, actions=NORMAL; flow i is the simple-N flow from
#             MAC 02:00:01:00:00:00+i to MAC 02:00:02:00:00:00+i, the N
#             destination MACs installed on port sink with fdb/add before
#             the traffic starts (see case_fdb)
#   rules-N   1000 rules over five masks, each hit by N/1000 flows (see
#             rules_many); flow i has the addresses of flow k = i mod 1000,
#             172.16.0.1+k -> 10.0.0.1+64*k, udp from port 1024 + i/1000
#             to 9
#   l3-N      100k rules, 50k nw_dst=/32 and 50k nw_dst=/24 (see rules_l3);
#             flow i goes to the address of rule i mod 100000, from
#             172.16.0.1+i (mod 100000), udp 1024 + i/100000 -> 9
#   pipeline-N  the rules-N traffic through a 10-table pipeline of about
#             1000 rules with registers carrying state between tables
#             (see rules_pipeline): what SDN controllers install
#   ovn-N     the flows ovn-controller installs for one logical switch with
#             an allow-related ACL (scripts/bench/ovn-flows.sh runs OVN
#             against a stock ovs-vswitchd and dumps them), replayed into
#             both switches; the simple-N flows from the switch port's MAC
#             02:00:00:00:00:01 (src) to the other's, 02:00:00:00:00:02
#             (sink): every packet through OVN's tables and conntrack

RULE_ACTIONS="mod_dl_dst:02:00:00:00:00:02,output:sink"

# An awk function the rule generators share: a 32-bit number as a dotted quad.
AWK_IP='
    function ip(n) {
      return sprintf("%d.%d.%d.%d", int(n / 16777216) % 256, int(n / 65536) % 256,
                     int(n / 256) % 256, n % 256)
    }
'


# case_flows NAME -> the number of flows ("1k" -> 1000).
case_flows() {
  local n=${1##*-}
  case "$n" in
    *[kK]) echo $((${n%[kK]} * 1000)) ;;
    *[mM]) echo $((${n%[mM]} * 1000000)) ;;
    *) echo "$n" ;;
  esac
}

case_kind() { echo "${1%-*}"; }

CASE_KINDS="simple ip normal rules l3 pipeline ovn vxlan-encap vxlan-decap"

case_valid() {
  local kind n
  kind=$(case_kind "$1")
  n=${1##*-}
  [[ " $CASE_KINDS " == *" $kind "* ]] || return 1
  [[ $n =~ ^[1-9][0-9]*[kKmM]?$ ]] || return 1
  [ "$(case_flows "$1")" -le 16777216 ]
}

# The MACs of normal-N's flow i: 02:00:01:00:00:00+i -> 02:00:02:00:00:00+i.
NORMAL_SRC_MAC=02:00:01:00:00:00
NORMAL_DST_MAC=02:00:02:00:00:00

# case_pcapgen_args NAME -> ferry-pcapgen options for the case's layout.
case_pcapgen_args() {
  case "$(case_kind "$1")" in
    simple | ip) echo "" ;;
    normal) echo "--mac-step 1 --src-mac $NORMAL_SRC_MAC --dst-mac $NORMAL_DST_MAC" ;;
    rules | pipeline) echo "--src-ip 172.16.0.1 --dst-ip 10.0.0.1 --dst-step 64 --period 1000" ;;
    l3) echo "--src-ip 172.16.0.1 --dst-ip 10.0.0.1 --dst-step 128 --period 100000" ;;
    ovn) echo "--src-mac 02:00:00:00:00:01 --dst-mac 02:00:00:00:00:02" ;;
    vxlan-encap) echo "" ;;
    vxlan-decap)
      echo "--vxlan $BENCH_TNL_VNI --outer-dst-mac $BENCH_TNL_LOCAL_MAC" \
        "--outer-src-mac $BENCH_TNL_REMOTE_MAC --outer-dst-ip $BENCH_TNL_LOCAL_IP" \
        "--outer-src-ip $BENCH_TNL_REMOTE_IP"
      ;;
  esac
}

# case_rules NAME FILE: writes the case's rules; prints their number.
case_rules() {
  case "$(case_kind "$1")" in
    simple) echo "in_port=src,actions=$RULE_ACTIONS" >"$2" ;;
    ip) echo "in_port=src,ip,actions=$RULE_ACTIONS" >"$2" ;;
    normal) echo "actions=NORMAL" >"$2" ;;
    rules) rules_many "$2" ;;
    l3) rules_l3 "$2" ;;
    pipeline) rules_pipeline "$2" ;;
    ovn) "$(dirname "${BASH_SOURCE[0]}")/ovn-flows.sh" "$2" || return 1 ;;
    # The bridge is its own underlay (its internal port holds the tunnel's
    # address): the outer packet comes back from LOCAL, the VXLAN packets go
    # to LOCAL to be decapsulated, in both switches.
    vxlan-encap) printf '%s\n' "in_port=src,ip,actions=output:vx0" \
      "in_port=LOCAL,actions=output:sink" >"$2" ;;
    vxlan-decap) printf '%s\n' "in_port=src,ip,actions=LOCAL" \
      "in_port=vx0,ip,actions=output:sink" >"$2" ;;
  esac
  grep -vc '^#' "$2"
}

# case_fdb NAME FILE: writes the MAC table entries the case needs before
# its traffic ("PORT VLAN MAC" per line, for fdb/add); prints their number.
case_fdb() {
  : >"$2"
  [ "$(case_kind "$1")" = normal ] || { echo 0; return 0; }
  awk -v n="$(case_flows "$1")" -v base="$NORMAL_DST_MAC" '
    function hex(s,   i, v) {
      v = 0
      for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
      return v
    }
    BEGIN {
      split(base, b, ":"); v = 0
      for (k = 2; k <= 6; k++) v = v * 256 + hex(b[k])
      for (i = 0; i < n; i++) {
        x = v + i; out = b[1]
        for (k = 4; k >= 0; k--) out = out sprintf(":%02x", int(x / 256 ^ k) % 256)
        print "sink 0 " out
      }
    }' >"$2"
  wc -l <"$2"
}

# case_label NAME -> what the case measures, for the table.
case_label() {
  case "$(case_kind "$1")" in
    simple) echo "port-only rule: Ferry's simple-match path (no parse, no lookup)" ;;
    ip) echo "in_port+ip rule: both parse and look up" ;;
    normal) echo "NORMAL, MACs pre-installed" ;;
    rules) echo "1000 rules, 5 masks" ;;
    l3) echo "100k /32 and /24 routes" ;;
    pipeline) echo "10 tables, registers" ;;
    ovn) echo "OVN logical switch + allow-related ACL (ovn-controller's flows, conntrack)" ;;
    vxlan-encap) echo "ip rule to a VXLAN port, the outer packet out of the bridge's underlay" ;;
    vxlan-decap) echo "VXLAN packets decapsulated, the inner ones output by an ip rule" ;;
  esac
}

# The tunnel cases' underlay: the bridge's internal port is the local
# endpoint, the remote one is a static neighbour.
BENCH_TNL_VNI=100
BENCH_TNL_LOCAL_IP=172.31.1.1
BENCH_TNL_REMOTE_IP=172.31.1.2
BENCH_TNL_LOCAL_MAC=02:00:00:00:aa:01
BENCH_TNL_REMOTE_MAC=02:00:00:00:aa:02
case_is_tunnel() { [[ $(case_kind "$1") == vxlan-* ]]; }

# rules_pipeline FILE: a 10-table pipeline of about 1000 rules over the
# rules-N layout, in the shape controllers build (port security, ACLs, an
# L2 lookup, output), registers carrying state between tables:
#   table 0  in_port -> reg0 (port number); everything else dropped
#   table 1  port security: reg0=1, the VM's source MAC, IPv4 -> table 2
#   table 2  ingress ACL on the source: 400 /32 sources -> reg2 = class 1..4,
#            the 172.16/12 rest -> class 0
#   table 3  ACL on the destination: 400 /26 destinations allowed for udp/9,
#            tcp/22 dropped (never hit), the rest allowed at low priority
#   table 4  per-class policy on reg2 -> reg3 (a QoS class)
#   table 5  L2 lookup: 100 destination MACs -> reg1 (the output port)
#   tables 6-8  stages that only match registers (metering and mirroring
#            decisions in a real pipeline)
#   table 9  output by reg1: the rewrite and output:sink
rules_pipeline() {
  awk -v act="$RULE_ACTIONS" "$AWK_IP"'
    BEGIN {
      src = 172 * 16777216 + 16 * 65536 + 1   # 172.16.0.1
      dst = 10 * 16777216 + 1                 # 10.0.0.1
      print "# pipeline-N: a 10-table pipeline (scripts/bench/rules.sh)"
      print "table=0,priority=100,in_port=src,actions=load:1->NXM_NX_REG0[],goto_table:1"
      print "table=0,priority=0,actions=drop"
      print "table=1,priority=100,reg0=1,dl_src=02:00:00:00:00:10,ip,actions=goto_table:2"
      print "table=1,priority=0,actions=drop"
      for (k = 0; k < 400; k++)
        printf "table=2,priority=100,ip,nw_src=%s,actions=load:%d->NXM_NX_REG2[],goto_table:3\n",
               ip(src + 2 * k), 1 + k % 4
      print "table=2,priority=10,ip,nw_src=172.16.0.0/12,actions=goto_table:3"
      print "table=2,priority=0,actions=drop"
      for (k = 0; k < 400; k++)
        printf "table=3,priority=100,udp,nw_dst=%s/26,tp_dst=9,actions=goto_table:4\n",
               ip(dst - 1 + 64 * k)
      for (k = 0; k < 50; k++)
        printf "table=3,priority=200,tcp,nw_dst=%s/26,tp_dst=22,actions=drop\n", ip(dst - 1 + 64 * k)
      print "table=3,priority=1,ip,actions=goto_table:4"
      for (c = 0; c <= 4; c++)
        printf "table=4,priority=100,reg2=%d,actions=load:%d->NXM_NX_REG3[],goto_table:5\n", c, 10 + c
      for (k = 0; k < 99; k++)
        printf "table=5,priority=100,dl_dst=02:00:00:01:%02x:%02x,actions=load:%d->NXM_NX_REG1[],goto_table:6\n",
               int(k / 256), k % 256, 100 + k
      print "table=5,priority=100,dl_dst=02:00:00:00:00:01,actions=load:2->NXM_NX_REG1[],goto_table:6"
      print "table=5,priority=0,actions=drop"
      for (t = 6; t <= 8; t++) {
        printf "table=%d,priority=100,reg3=10,actions=goto_table:%d\n", t, t + 1
        printf "table=%d,priority=90,reg3=11/0xfe,actions=goto_table:%d\n", t, t + 1
        printf "table=%d,priority=1,actions=goto_table:%d\n", t, t + 1
      }
      print "table=9,priority=100,reg1=2,actions=" act
      for (k = 0; k < 99; k++)
        printf "table=9,priority=100,reg1=%d,actions=drop\n", 100 + k
      print "table=9,priority=0,actions=drop"
    }' >"$1"
}

# rules_many FILE: 1000 priority-ordered rules over five masks for the
# rules-N layout (flow i: with k = i mod 1000, 172.16.0.1+k -> 10.0.0.1+64*k,
# udp 1024+i/1000 -> 9), one rule per k, each hit by every flow of its k:
#   prio 650  udp,nw_src=/32,tp_dst=9      200 rules, k = 5j
#   prio 600  udp,nw_dst=/32,tp_dst=9      200 rules, k = 5j+1
#   prio 500  ip,nw_src=/32                200 rules, k = 5j+2
#   prio 400  ip,nw_dst=/26                200 rules, k = 5j+3
#   prio 300  ip,nw_dst=/24                200 rules, k = 5j+4 (the /24 of
#             10.0.0.1+64*k also holds three other k, matched above)
rules_many() {
  awk -v act="$RULE_ACTIONS" "$AWK_IP"'
    BEGIN {
      src = 172 * 16777216 + 16 * 65536 + 1   # 172.16.0.1
      dst = 10 * 16777216 + 1                 # 10.0.0.1
      print "# rules-N: 1000 rules (scripts/bench/rules.sh)"
      for (j = 0; j < 200; j++) {
        k = 5 * j
        printf "priority=650,udp,nw_src=%s,tp_dst=9,actions=%s\n", ip(src + k), act
        printf "priority=600,udp,nw_dst=%s,tp_dst=9,actions=%s\n", ip(dst + 64 * (k + 1)), act
        printf "priority=500,ip,nw_src=%s,actions=%s\n", ip(src + k + 2), act
        printf "priority=400,ip,nw_dst=%s/26,actions=%s\n", ip(dst - 1 + 64 * (k + 3)), act
        printf "priority=300,ip,nw_dst=%s/24,actions=%s\n", ip(int((dst + 64 * (k + 4)) / 256) * 256), act
      }
    }' >"$1"
}

# rules_l3 FILE: a routing table of 100000 rules for the l3-N layout (flow
# i goes to 10.0.0.1+128*q, q = i mod 100000): for r < 50000, the /32
# 10.0.0.1+256*r (priority 200, hit by q = 2r) and its /24 (priority 100,
# hit by q = 2r+1, 10.0.0.129+256*r).
rules_l3() {
  awk -v act="$RULE_ACTIONS" "$AWK_IP"'
    BEGIN {
      net = 10 * 16777216                     # 10.0.0.0
      print "# l3-N: 100000 routes (scripts/bench/rules.sh)"
      for (r = 0; r < 50000; r++) {
        printf "priority=200,ip,nw_dst=%s,actions=%s\n", ip(net + 256 * r + 1), act
        printf "priority=100,ip,nw_dst=%s/24,actions=%s\n", ip(net + 256 * r), act
      }
    }' >"$1"
}

# rules_setup FILE N: N exact 5-tuple rules for flow-setup.sh, all distinct,
# with cookie 0x5e70 so they can be deleted together.
rules_setup() {
  awk -v n="$2" -v act="$RULE_ACTIONS" "$AWK_IP"'
    BEGIN {
      src = 172 * 16777216 + 16 * 65536 + 1
      dst = 10 * 16777216 + 1
      for (i = 0; i < n; i++)
        printf "cookie=0x5e70,priority=200,in_port=src,udp,nw_src=%s,nw_dst=%s,tp_src=1024,tp_dst=9,actions=%s\n",
               ip(src + i), ip(dst + 64 * i), act
    }' >"$1"
}
