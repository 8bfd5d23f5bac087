# The inputs of a benchmark case: the pcap layout and the OpenFlow rules.
# Sourced after lib.sh. Addresses stay inside the pcap: nothing here is
# ever sent on a network.
#
# Cases are KIND-N with N a number of flows (suffix k = 1000, m = 1000000):
#   simple-N  one rule, in_port=src,actions=mod_dl_dst:...,output:sink;
#             flow i is 10.0.0.1+i -> 10.128.0.1+i, udp 1024 -> 9
#             (ferry-pcapgen's defaults)
#   rules-N   1000 rules over several masks (see rules_many); flow i is
#             172.16.0.1+i -> 10.0.0.1+64*i, udp 1024 -> 9, so each flow
#             has its own /26 and four flows share a /24
#   pipeline-N  the rules-N traffic through a 10-table pipeline of about
#             1000 rules with registers carrying state between tables
#             (see rules_pipeline): what SDN controllers install

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
  local n=${1#*-}
  case "$n" in
    *[kK]) echo $((${n%[kK]} * 1000)) ;;
    *[mM]) echo $((${n%[mM]} * 1000000)) ;;
    *) echo "$n" ;;
  esac
}

case_kind() { echo "${1%%-*}"; }

case_valid() {
  local kind n
  kind=$(case_kind "$1")
  n=${1#*-}
  [ "$kind" = simple ] || [ "$kind" = rules ] || [ "$kind" = pipeline ] || return 1
  [[ $n =~ ^[1-9][0-9]*[kKmM]?$ ]] || return 1
  [ "$(case_flows "$1")" -le 16777216 ]
}

# case_pcapgen_args NAME -> ferry-pcapgen options for the case's layout.
case_pcapgen_args() {
  case "$(case_kind "$1")" in
    simple) echo "" ;;
    rules | pipeline) echo "--src-ip 172.16.0.1 --dst-ip 10.0.0.1 --dst-step 64" ;;
  esac
}

# case_rules NAME FILE: writes the case's rules; prints their number.
case_rules() {
  case "$(case_kind "$1")" in
    simple)
      echo "in_port=src,actions=$RULE_ACTIONS" >"$2"
      echo 1
      ;;
    rules)
      rules_many "$2"
      grep -vc '^#' "$2"
      ;;
    pipeline)
      rules_pipeline "$2"
      grep -vc '^#' "$2"
      ;;
  esac
}

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

# rules_many FILE: 1000 priority-ordered rules over several masks for the
# rules-N layout (flow i: 172.16.0.1+i -> 10.0.0.1+64*i, udp 1024 -> 9).
# Flows 0..899 each hit their own rule, in four families by i mod 4;
# later flows fall to the /16 rules; unreached tcp rules add subtables
# every lookup must search.
#   prio 650  tcp,nw_src=/32,tp_src=80      83 rules, never hit (udp traffic)
#   prio 600  udp,nw_dst=/32,tp_dst=9      225 rules, flows 4k
#   prio 500  ip,nw_src=/32                225 rules, flows 4k+1
#   prio 400  ip,nw_dst=/26                225 rules, flows 4k+2
#   prio 300  ip,nw_dst=/24                225 rules, flows 4k+3 (4k..4k+2 matched above)
#   prio 200  ip,nw_src=/16                 16 rules, 172.16/16 .. 172.31/16
#   prio 1    in_port=src                    1 rule, everything else
rules_many() {
  awk -v act="$RULE_ACTIONS" "$AWK_IP"'
    BEGIN {
      src = 172 * 16777216 + 16 * 65536 + 1   # 172.16.0.1
      dst = 10 * 16777216 + 1                 # 10.0.0.1
      print "# rules-N: 1000 rules (scripts/bench/rules.sh)"
      for (k = 0; k < 83; k++)
        printf "priority=650,tcp,nw_src=%s,tp_src=80,actions=%s\n", ip(src + 4 * k), act
      for (k = 0; k < 225; k++) {
        printf "priority=600,udp,nw_dst=%s,tp_dst=9,actions=%s\n", ip(dst + 64 * (4 * k)), act
        printf "priority=500,ip,nw_src=%s,actions=%s\n", ip(src + 4 * k + 1), act
        printf "priority=400,ip,nw_dst=%s/26,actions=%s\n", ip(dst - 1 + 64 * (4 * k + 2)), act
        printf "priority=300,ip,nw_dst=%s/24,actions=%s\n", ip(dst - 1 + 64 * (4 * k + 3) - 192), act
      }
      for (k = 0; k < 16; k++)
        printf "priority=200,ip,nw_src=172.%d.0.0/16,actions=%s\n", 16 + k, act
      printf "priority=1,in_port=src,actions=%s\n", act
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
