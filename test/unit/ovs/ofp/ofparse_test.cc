// Flow strings through libopenvswitch's parser into Ferry's FlowMod and back
// through its formatter: the text must be what ovs-ofctl prints for the same
// flow (checked against hard-coded strings and against the real
// `ovs-ofctl parse-flow`).
#include "lib/ovs/ofparse.h"

#include <catch2/catch.hpp>

#include "lib/flow/field.h"
#include "lib/ovs/openflow.h"
#include "test/unit/ovs/ofp/subprocess.h"

namespace ferry::ovs {
namespace {

std::string format_flow(const FlowMod& fm, const PortNames& ports = {}) {
  std::string match = format_match(fm.match, fm.priority, ports);
  return (match.empty() ? "" : match + " ") + "actions=" + ovs::format_actions(fm.actions, ports);
}

struct RoundTrip {
  const char* input;
  const char* printed;  // what ovs-ofctl prints for it
  bool compare_live;    // ovs-ofctl parse-flow picks OpenFlow 1.0 or NXM for it
};

const RoundTrip kRoundTrips[] = {
    {"priority=10,in_port=1,actions=output:2", "priority=10,in_port=1 actions=output:2", true},
    {"in_port=1,dl_vlan=10,actions=strip_vlan,output:2",
     "in_port=1,dl_vlan=10 actions=strip_vlan,output:2", true},
    {"priority=100,dl_vlan=0xffff,actions=mod_vlan_vid:10,output:3",
     "priority=100,vlan_tci=0x0000 actions=mod_vlan_vid:10,output:3", true},
    {"dl_vlan=7,dl_vlan_pcp=3,actions=mod_vlan_pcp:5,output:1",
     "dl_vlan=7,dl_vlan_pcp=3 actions=mod_vlan_pcp:5,output:1", true},
    {"arp,arp_spa=10.0.0.1,arp_tpa=10.0.0.0/24,arp_op=1,arp_sha=00:11:22:33:44:55,"
     "arp_tha=00:00:00:00:00:00,actions=NORMAL",
     "arp,arp_spa=10.0.0.1,arp_tpa=10.0.0.0/24,arp_op=1,arp_sha=00:11:22:33:44:55,"
     "arp_tha=00:00:00:00:00:00 actions=NORMAL",
     true},
    {"tcp6,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::/32,tp_dst=80,actions=drop",
     "tcp6,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::/32,tp_dst=80 actions=drop", true},
    {"tcp,tcp_flags=+syn-ack,actions=CONTROLLER:65535",
     "tcp,tcp_flags=+syn-ack actions=CONTROLLER:65535", true},
    {"ip,nw_src=192.168.0.0/16,nw_dst=10.1.2.3,nw_tos=16,nw_ecn=1,nw_ttl=64,ip_frag=first,"
     "actions=LOCAL",
     "ip,nw_src=192.168.0.0/16,nw_dst=10.1.2.3,nw_tos=16,nw_ecn=1,nw_ttl=64,nw_frag=first "
     "actions=LOCAL",
     true},
    {"icmp,icmp_type=8,icmp_code=0,actions=FLOOD,ALL,IN_PORT",
     "icmp,icmp_type=8,icmp_code=0 actions=FLOOD,ALL,IN_PORT", true},
    {"udp,dl_src=00:00:00:00:00:01/01:00:00:00:00:00,dl_dst=aa:bb:cc:dd:ee:ff,tp_src=53,"
     "actions=mod_dl_src:02:00:00:00:00:01,mod_dl_dst:02:00:00:00:00:02,output:1",
     "udp,dl_src=00:00:00:00:00:00/01:00:00:00:00:00,dl_dst=aa:bb:cc:dd:ee:ff,tp_src=53 "
     "actions=mod_dl_src:02:00:00:00:00:01,mod_dl_dst:02:00:00:00:00:02,output:1",
     true},
    {"actions=set_field:00:11:22:33:44:55->eth_src,pop_vlan,output:1",
     "actions=mod_dl_src:00:11:22:33:44:55,strip_vlan,output:1", true},
    {"priority=0,actions=controller", "priority=0 actions=CONTROLLER:65535", true},
    {"in_port=LOCAL,actions=output:1", "in_port=LOCAL actions=output:1", true},
    // OpenFlow 1.1+ only: ovs-ofctl prints these with OpenFlow 1.3 spellings.
    {"actions=push_vlan:0x88a8,mod_vlan_vid:20,output:1",
     "actions=push_vlan:0x88a8,mod_vlan_vid:20,output:1", false},
    {"dl_vlan=1,actions=set_field:4196->vlan_vid,set_field:2->vlan_pcp,output:1",
     "dl_vlan=1 actions=set_vlan_vid:100,set_vlan_pcp:2,output:1", false},
    {"actions=meter:5,output:2", "actions=meter:5,output:2", false},
};

TEST_CASE("parse_flow_mod then format prints what ovs-ofctl prints", "[ofparse]") {
  for (const RoundTrip& rt : kRoundTrips) {
    INFO(rt.input);
    auto fm = parse_flow_mod(rt.input, FlowModCommand::kAdd);
    REQUIRE(fm.ok());
    CHECK(format_flow(*fm) == rt.printed);
  }
}

TEST_CASE("format agrees with the real ovs-ofctl parse-flow", "[ofparse][ofctl]") {
  for (const RoundTrip& rt : kRoundTrips) {
    if (!rt.compare_live) continue;
    INFO(rt.input);
    CmdResult r = run_command({"ovs-ofctl", "parse-flow", rt.input});
    REQUIRE(r.status == 0);
    // Last line: "OFPT_FLOW_MOD (xid=0x1): ADD <match> actions=<actions>".
    std::string out = r.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    auto add = out.rfind(": ADD ");
    REQUIRE(add != std::string::npos);
    auto fm = parse_flow_mod(rt.input, FlowModCommand::kAdd);
    REQUIRE(fm.ok());
    CHECK(out.substr(add + 6) == format_flow(*fm));
  }
}

TEST_CASE("parse_flow_mod maps every FlowMod field", "[ofparse]") {
  auto fm = parse_flow_mod(
      "cookie=0x5,idle_timeout=10,hard_timeout=20,priority=7,send_flow_rem,check_overlap,"
      "udp,tp_src=53,actions=output:1",
      FlowModCommand::kAdd);
  REQUIRE(fm.ok());
  CHECK(fm->command == FlowModCommand::kAdd);
  CHECK(fm->priority == 7);
  CHECK(fm->table_id == 0);  // OpenFlow's "any table" is table 0 for an add
  CHECK(fm->cookie == 5);
  CHECK(fm->new_cookie == 5);
  CHECK(fm->cookie_mask == 0);
  CHECK(fm->idle_timeout == 10);
  CHECK(fm->hard_timeout == 20);
  CHECK(fm->flags == (kFlowSendFlowRem | kFlowCheckOverlap));
  CHECK(fm->match.key.dl_type == be16(kEthTypeIpv4));
  CHECK(fm->match.mask.dl_type == 0xffff);
  CHECK(fm->match.key.nw_proto == kIpProtoUdp);
  CHECK(fm->match.key.tp_src == be16(53));
  CHECK(fm->match.mask.tp_src == 0xffff);
  CHECK(fm->match.mask.in_port == 0);
  REQUIRE(fm->actions.size() == 1);
  CHECK(fm->actions[0] == Action::output(1));

  auto del = parse_flow_mod("cookie=0x10/0xff,out_port=3,in_port=2", FlowModCommand::kDelete);
  REQUIRE(del.ok());
  CHECK(del->command == FlowModCommand::kDelete);
  CHECK(del->table_id == kAllTables);
  CHECK(del->cookie == 0x10);
  CHECK(del->cookie_mask == 0xff);
  CHECK(del->new_cookie == kNoNewCookie);
  CHECK(del->out_port == 3);
  CHECK(del->match.key.in_port == 2);
  CHECK(del->match.mask.in_port == 0xffffffff);
  CHECK(del->actions.empty());

  auto mod = parse_flow_mod("in_port=2,actions=output:4", FlowModCommand::kModifyStrict);
  REQUIRE(mod.ok());
  CHECK(mod->command == FlowModCommand::kModifyStrict);
  CHECK(mod->new_cookie == kNoNewCookie);  // a modify without cookie= keeps cookies
  auto mod2 = parse_flow_mod("cookie=9,in_port=2,actions=output:4", FlowModCommand::kModify);
  REQUIRE(mod2.ok());
  CHECK(mod2->new_cookie == 9);
}

TEST_CASE("actions keep VLAN push semantics and exact values", "[ofparse]") {
  auto fm = parse_flow_mod(
      "actions=meter:7,mod_vlan_vid:10,mod_vlan_pcp:3,push_vlan:0x88a8,CONTROLLER:100",
      FlowModCommand::kAdd);
  REQUIRE(fm.ok());
  REQUIRE(fm->actions.size() == 5);
  CHECK(fm->actions[0] == Action::meter(7));
  CHECK(fm->actions[1] == Action::set_vlan_vid(10, true));
  CHECK(fm->actions[2] == Action::set_vlan_pcp(3, true));
  CHECK(fm->actions[3] == Action::push_vlan(0x88a8));
  CHECK(fm->actions[4] == Action::output(kOfppController, 100));
  auto sf = parse_flow_mod("dl_vlan=1,actions=set_field:4196->vlan_vid", FlowModCommand::kAdd);
  REQUIRE(sf.ok());
  REQUIRE(sf->actions.size() == 1);
  CHECK(sf->actions[0] == Action::set_vlan_vid(100, false));
}

TEST_CASE("unsupported fields and actions are refused with clear text", "[ofparse]") {
  struct Refusal {
    const char* input;
    const char* says;
  };
  const Refusal refusals[] = {
      {"ipv6,ipv6_label=5,actions=drop", "Ferry cannot match on ipv6_label=0x00005"},
      {"actions=learn(table=0,fin_idle_timeout=5,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[])",
       "Ferry does not support action learn with fin_idle_timeout or fin_hard_timeout"},
      {"ipv6,actions=learn(table=1,eth_type=0x86dd,NXM_NX_IPV6_SRC[]=NXM_NX_IPV6_DST[])",
       "Ferry does not support action learn on this field"},
      {"actions=push:NXM_NX_XXREG0[32..95]",
       "Ferry does not support action push on this part of a 128-bit field"},
      {"ip,actions=ct(commit,exec(move:NXM_NX_XXREG0[]->NXM_NX_CT_LABEL[]))",
       "Ferry does not support action move inside ct(exec(...)) (a move into ct_mark or "
       "ct_label from a field)"},
      {"icmp6,icmp_type=135,actions=set_field:::1->nd_target",
       "Ferry does not support action set_field (set_field:::1->nd_target)"},
      {"ipv6,actions=move:NXM_NX_IPV6_LABEL[]->NXM_NX_REG0[0..19]",
       "Ferry does not support action move on this field"},
      {"icmp6,icmp_type=135,actions=pop:NXM_NX_ND_SLL[]",
       "Ferry does not support action pop on this field"},
      {"in_port=1,actions=bogus", "unknown action bogus"},
  };
  for (const Refusal& r : refusals) {
    INFO(r.input);
    auto fm = parse_flow_mod(r.input, FlowModCommand::kAdd);
    REQUIRE_FALSE(fm.ok());
    CHECK_THAT(fm.error().message, Catch::Contains(r.says));
  }
}

TEST_CASE("pipeline fields and actions round-trip in OVS's syntax", "[ofparse]") {
  const char* flows[] = {
      "priority=7,reg0=0x5,reg15=0x1/0xff,metadata=0x2a actions=goto_table:9",
      "reg1=0x1 actions=load:0x2a->NXM_NX_REG2[],set_field:0x7->reg3,resubmit(,4)",
      "metadata=0x1/0x3 actions=move:NXM_OF_ETH_SRC[0..15]->NXM_NX_REG4[16..31],resubmit:3",
      "ip actions=mod_nw_src:10.1.2.3,mod_nw_dst:10.3.2.1,mod_nw_tos:16,dec_ttl,output:2",
      "tcp actions=mod_tp_src:1000,mod_tp_dst:2000,set_field:9->nw_ttl,output:2",
      "pkt_mark=0x9 actions=write_metadata:0x10/0xff,goto_table:2",
      "actions=resubmit(3,7),set_field:0xa0/0xf0->reg9",
      "ip actions=clone(mod_nw_dst:10.0.0.9,output:3),clone(clone(output:4)),output:2",
      "actions=output:NXM_NX_REG15[0..15],output:NXM_NX_REG1[16..31]",
      "ip,nw_src=10.0.0.1 actions=conjunction(7,1/2),conjunction(8,2/3)",
      "conj_id=7,ip actions=output:2",
      "actions=note:01.02.03.04.05.06.07.08.09.0a.0b.0c.0d.0e.0f.10.11.12.13.14.15.16.17.18.19.1a."
      "1b.1c.1d.1e,output:1",
      "tcp actions=push:NXM_NX_REG0[],push:NXM_OF_ETH_SRC[0..15],pop:NXM_NX_REG1[16..31],"
      "pop:NXM_OF_TCP_DST[]",
      "actions=clear_actions,write_actions(mod_dl_dst:aa:bb:cc:dd:ee:ff,output:3),"
      "goto_table:2",
      "actions=learn(table=10,idle_timeout=30,hard_timeout=60,priority=5,cookie=0x99,"
      "NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],"
      "load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15],output:NXM_OF_IN_PORT[]),resubmit(,10)",
      "actions=learn(table=2,send_flow_rem,delete_learned,eth_type=0x800,ip_dst=10.0.0.1,"
      "load:0x5->NXM_NX_REG3[])",
      "ip actions=learn(table=3,limit=10,result_dst=NXM_NX_REG4[0],eth_type=0x800,"
      "NXM_OF_IP_SRC[])",
      // Tunnels.
      "tun_id=0x64,tun_src=172.31.1.2,in_port=3 actions=set_tunnel:0x65,output:4",
      "tun_dst=10.0.0.1,tun_flags=+oam actions=set_tunnel64:0x5,output:1",
      "tun_id=0x5/0xff actions=set_field:172.31.1.9->tun_dst,set_field:0x7->tun_id,output:2",
      "ip actions=move:NXM_NX_REG0[]->NXM_NX_TUN_ID[0..31],output:2",
      // Geneve's tun_metadata0 as OVN writes and reads it (64 bits kept).
      "actions=set_field:0x1/0xffffff->tun_id,set_field:0x8004/0xffffffff->tun_metadata0,"
      "move:NXM_NX_REG14[0..14]->NXM_NX_TUN_METADATA0[16..30],output:1",
      "in_port=1 actions=move:NXM_NX_TUN_METADATA0[16..30]->NXM_NX_REG14[0..14],"
      "move:NXM_NX_TUN_METADATA0[0..15]->NXM_NX_REG15[0..15],resubmit(,40)",
      "tun_metadata0=0x1020304 actions=set_field:0x5->tun_metadata0",
      // What ovn-controller installs: an ARP responder, a commit that
      // moves a register into the label.
      "arp,arp_op=1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:2->arp_op,"
      "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],output:2",
      "ip actions=ct(commit,zone=NXM_NX_REG13[0..15],exec(set_field:0/0x1->ct_mark,"
      "move:NXM_NX_XXREG0[0..31]->NXM_NX_CT_LABEL[96..127]))",
      // A continuation (ovn-controller's pinctrl: DHCP and others).
      "udp,tp_dst=67 actions=controller(userdata=00.00.00.02.00.00.00.00,pause),resubmit(,29)",
      // IPv6 Neighbour Discovery.
      "icmp6,icmp_type=135,icmp_code=0,nd_target=fe80::ff:fe00:ff01,nd_sll=02:00:00:00:00:01 "
      "actions=drop",
      "icmp6,icmp_type=136,icmp_code=0,nd_target=fe80::1,nd_tll=00:00:00:00:00:00 actions=drop",
      // The stack on 128-bit fields, whole and a part of one half.
      "ipv6 actions=push:NXM_NX_XXREG0[],push:NXM_NX_IPV6_SRC[],push:NXM_NX_XXREG0[96..127],"
      "pop:NXM_NX_XXREG1[96..127],pop:NXM_NX_IPV6_DST[],pop:NXM_NX_XXREG0[],push:NXM_NX_XXREG2[0.."
      "31]",
      "icmp6,icmp_type=136,icmp_code=0 actions=push:NXM_NX_ND_TLL[],push:NXM_NX_ND_TARGET[],"
      "pop:NXM_NX_XXREG0[],pop:NXM_OF_ETH_SRC[]",
  };
  for (const char* text : flows) {
    INFO(text);
    auto fm = parse_flow_mod(text, FlowModCommand::kAdd);
    INFO((fm.ok() ? std::string() : fm.error().message));
    REQUIRE(fm.ok());
    CHECK(format_flow(*fm) == text);
  }
  // tun_metadata0: Ferry keeps 64 bits of an option; more is refused.
  auto md = parse_flow_mod("tun_metadata0=0x5 actions=set_field:0x1/0xff->tun_metadata0",
                           FlowModCommand::kAdd);
  REQUIRE(md.ok());
  CHECK(md->match.key.tun_md0 == 5);
  CHECK(md->match.key.tun_md_present == 1);
  CHECK(md->actions[0].u8 == static_cast<uint8_t>(Field::kTunMetadata0));
  CHECK(md->actions[0].mask == 0xff);
  CHECK(!parse_flow_mod("actions=set_field:0x1020304050607080900->tun_metadata0",
                        FlowModCommand::kAdd)
             .ok());
  CHECK(!parse_flow_mod("actions=move:NXM_NX_TUN_METADATA0[60..70]->NXM_NX_REG1[0..10]",
                        FlowModCommand::kAdd)
             .ok());
  auto fm =
      parse_flow_mod("table=2,reg5=0x11/0xf1,actions=load:0x3->NXM_NX_REG6[4..5],goto_table:7",
                     FlowModCommand::kAdd);
  REQUIRE(fm.ok());
  CHECK(fm->table_id == 2);
  CHECK(fm->match.key.regs[5] == 0x11);
  CHECK(fm->match.mask.regs[5] == 0xf1);
  REQUIRE(fm->actions.size() == 2);
  CHECK(fm->actions[0].type == ActionType::kSetField);
  CHECK(fm->actions[0].u8 == static_cast<uint8_t>(reg_field(6)));
  CHECK(fm->actions[0].value == 0x30);
  CHECK(fm->actions[0].mask == 0x30);
  CHECK(fm->actions[1] == Action::goto_table(7));
}

TEST_CASE("128-bit fields, flow labels and output_trunc round-trip in OVS's syntax", "[ofparse]") {
  const char* flows[] = {
      "ipv6 actions=set_field:fc00::2->ipv6_dst,set_field:2001:db8::1->ipv6_src,output:2",
      "ipv6 actions=set_field:::1/::ffff->ipv6_src,set_field:0x12345->ipv6_label,output:1",
      "ipv6 actions=load:0x1->NXM_NX_IPV6_DST[0..63],output:1",
      "ipv6 "
      "actions=move:NXM_NX_IPV6_SRC[]->NXM_NX_XXREG0[],move:NXM_NX_XXREG0[]->NXM_NX_IPV6_DST[]",
      "actions=set_field:0x1->xxreg1,move:NXM_NX_XXREG1[32..95]->NXM_NX_XXREG2[0..63]",
      "icmp6 actions=set_field:129->icmpv6_type,set_field:1->icmpv6_code,output:2",
      "actions=output(port=2,max_len=100),output:4,output(port=4,max_len=65535)",
      "actions=multipath(symmetric_l4,50,modulo_n,2,0,NXM_NX_REG0[0..1]),resubmit(,1)",
      "ip actions=multipath(eth_src,0,hrw,12,0,NXM_NX_REG1[16..31]),"
      "multipath(symmetric_l3l4+udp,1024,iter_hash,5,4,NXM_NX_XXREG1[0..15])",
  };
  for (const char* text : flows) {
    INFO(text);
    auto fm = parse_flow_mod(text, FlowModCommand::kAdd);
    REQUIRE(fm.ok());
    CHECK(format_flow(*fm) == text);
  }
  // An xxreg match is a match on its four registers, printed so (as OVS).
  auto xm = parse_flow_mod(
      "xxreg0=0x1/0xffff,xxreg3=0xfc000000000000000000000000000002,"
      "actions=output:1",
      FlowModCommand::kAdd);
  REQUIRE(xm.ok());
  CHECK(format_flow(*xm) ==
        "reg3=0x1/0xffff,reg12=0xfc000000,reg13=0,reg14=0,reg15=0x2 actions=output:1");
  CHECK(xm->match.key.regs[12] == 0xfc000000);
  CHECK(xm->match.mask.regs[14] == UINT32_MAX);
  // OpenFlow 1.0 sends a 128-bit load as two 64-bit ones (low half first):
  // each prints as it came, never merged with its neighbour.
  auto two = parse_flow_mod(
      "ipv6,actions=load:0x1->NXM_NX_IPV6_SRC[0..63],load:0x2->NXM_NX_IPV6_SRC[64..127],"
      "load:0x3->NXM_NX_IPV6_SRC[0..63],load:0x4->NXM_NX_IPV6_SRC[64..127]",
      FlowModCommand::kAdd);
  REQUIRE(two.ok());
  CHECK(format_flow(*two) ==
        "ipv6 actions=load:0x1->NXM_NX_IPV6_SRC[0..63],load:0x2->NXM_NX_IPV6_SRC[64..127],"
        "load:0x3->NXM_NX_IPV6_SRC[0..63],load:0x4->NXM_NX_IPV6_SRC[64..127]");
  // A 128-bit set_field is two set_fields on the field's halves.
  auto fm = parse_flow_mod("ipv6,actions=set_field:fc00::2->ipv6_dst", FlowModCommand::kAdd);
  REQUIRE(fm.ok());
  REQUIRE(fm->actions.size() == 2);
  CHECK(fm->actions[0].u8 == static_cast<uint8_t>(Field::kIpv6DstHi));
  CHECK(fm->actions[0].value == 0xfc00000000000000ULL);
  CHECK(fm->actions[0].mask == UINT64_MAX);
  CHECK(fm->actions[1].u8 == static_cast<uint8_t>(Field::kIpv6DstLo));
  CHECK(fm->actions[1].value == 2);
  CHECK((fm->actions[1].flags & Action::kWideLo) != 0);
  auto xx = parse_flow_mod("actions=set_field:0x10000000000000002->xxreg3", FlowModCommand::kAdd);
  REQUIRE(xx.ok());
  REQUIRE(xx->actions.size() == 2);
  CHECK(xx->actions[0].u8 == static_cast<uint8_t>(xreg_field(6)));
  CHECK(xx->actions[0].value == 1);
  CHECK(xx->actions[1].u8 == static_cast<uint8_t>(xreg_field(7)));
  CHECK(xx->actions[1].value == 2);
  auto tr = parse_flow_mod("actions=output(port=3,max_len=100)", FlowModCommand::kAdd);
  REQUIRE(tr.ok());
  REQUIRE(tr->actions.size() == 1);
  CHECK(tr->actions[0] == Action::output_trunc(3, 100));
  // The flow label cannot be read (Ferry's key has none).
  CHECK(!parse_flow_mod("ipv6,actions=move:NXM_NX_IPV6_LABEL[]->NXM_NX_REG0[0..19]",
                        FlowModCommand::kAdd)
             .ok());
}

TEST_CASE("port names are used for parsing and printing", "[ofparse]") {
  PortNames ports = {{"vm1", 1}, {"vm2", 2}};
  auto fm = parse_flow_mod("in_port=vm1,actions=output:vm2", FlowModCommand::kAdd, ports);
  REQUIRE(fm.ok());
  CHECK(fm->match.key.in_port == 1);
  CHECK(fm->actions[0] == Action::output(2));
  CHECK(format_flow(*fm, ports) == "in_port=vm1 actions=output:vm2");
  CHECK(format_flow(*fm) == "in_port=1 actions=output:2");
}

TEST_CASE("parse_flow gives an exact key with unspecified fields zero", "[ofparse]") {
  auto key = parse_flow("in_port=vm1,dl_vlan=10,tcp,nw_src=10.0.0.1,tp_dst=80,tcp_flags=0x002",
                        {{"vm1", 3}});
  REQUIRE(key.ok());
  FlowKey want = zero_key();
  want.in_port = 3;
  want.vlan_tci = be16(kVlanCfi | 10);
  want.dl_type = be16(kEthTypeIpv4);
  want.nw_proto = kIpProtoTcp;
  want.nw_src = be32(0x0a000001);
  want.tp_dst = be16(80);
  want.tcp_flags = be16(2);
  CHECK(*key == want);

  auto none = parse_flow("");
  REQUIRE(none.ok());
  CHECK(*none == zero_key());

  auto bad = parse_flow("reg3=7");
  REQUIRE_FALSE(bad.ok());  // packets enter the pipeline with zero metadata
  CHECK_THAT(bad.error().message, Catch::Contains("reg3"));
  CHECK_FALSE(parse_flow("nosuchfield=1").ok());
}

TEST_CASE("format_actions prints drop for no actions", "[ofparse]") {
  CHECK(ovs::format_actions({}) == "drop");
  CHECK(format_match(Match{}, kDefaultPriority).empty());
  CHECK(format_match(Match{}, 0) == "priority=0");
}

TEST_CASE("flow table errors map to OpenFlow errors", "[openflow]") {
  CHECK(flow_table_error_to_of(kErrBadTableId) == OfError::kBadTableId);
  CHECK(flow_table_error_to_of(kErrOverlap) == OfError::kFlowModOverlap);
  CHECK(flow_table_error_to_of(kErrTableFull) == OfError::kFlowModTableFull);
  CHECK(flow_table_error_to_of(kErrBadCommand) == OfError::kFlowModBadCommand);
  CHECK(flow_table_error_to_of(kErrBadOutPort) == OfError::kBadOutPort);
  CHECK(flow_table_error_to_of(kErrBadBundle) == OfError::kBundleBadId);
  CHECK(flow_table_error_to_of(12345) == OfError::kEperm);
}

TEST_CASE("MPLS matches and actions round-trip in OVS's syntax", "[ofparse][mpls]") {
  const char* flows[] = {
      "ip actions=push_mpls:0x8847,set_mpls_label(3),set_mpls_tc(5),set_mpls_ttl(9),output:2",
      "mpls,mpls_label=3,mpls_tc=1,mpls_bos=1 actions=pop_mpls:0x0800,resubmit(,1)",
      "mplsm,mpls_ttl=1 actions=dec_mpls_ttl,pop_mpls:0x8848,output:1",
      "mpls actions=load:0x7->OXM_OF_MPLS_TC[],load:0x11->OXM_OF_MPLS_LABEL[],push_mpls:0x8848",
  };
  for (const char* text : flows) {
    INFO(text);
    auto fm = parse_flow_mod(text, FlowModCommand::kAdd);
    REQUIRE(fm.ok());
    CHECK(format_flow(*fm) == text);
  }
  auto fm = parse_flow_mod("mpls,mpls_label=3,actions=set_mpls_label:4", FlowModCommand::kAdd);
  REQUIRE(fm.ok());
  CHECK(field_get(fm->match.key, Field::kMplsLabel) == 3);
  CHECK(fm->match.key.mpls_lse(0) == 3u << kMplsLabelShift);
  CHECK(fm->match.mask.mpls_lse(0) == kMplsLabelMask);
  REQUIRE(fm->actions.size() == 1);
  CHECK(fm->actions[0].type == ActionType::kSetField);
  CHECK(fm->actions[0].u8 == static_cast<uint8_t>(Field::kMplsLabel));
  CHECK(fm->actions[0].value == 4);
  auto bos = parse_flow_mod("mpls,actions=set_field:1->mpls_bos", FlowModCommand::kAdd);
  CHECK_FALSE(bos.ok());  // read-only, as in OVS
}

}  // namespace
}  // namespace ferry::ovs
