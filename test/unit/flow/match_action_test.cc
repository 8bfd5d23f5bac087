// Match operations, action text (as ovs-ofctl prints it) and validation.
#include <catch2/catch.hpp>

#include "lib/flow/action.h"
#include "lib/flow/flow_table.h"
#include "lib/flow/match.h"

using namespace ferry;

namespace {

constexpr Mac kMac = {0xaa, 0xbb, 0xcc, 0x00, 0x11, 0x22};

uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return htonl(static_cast<uint32_t>(a) << 24 | static_cast<uint32_t>(b) << 16 |
               static_cast<uint32_t>(c) << 8 | d);
}

}  // namespace

TEST_CASE("match: matches, subset and overlap", "[match]") {
  FlowKey k = zero_key();
  k.in_port = 1;
  k.dl_type = be16(0x0800);
  k.nw_dst = ip(10, 1, 2, 3);
  k.tp_dst = be16(80);

  Match any;
  Match port1 = Match().set_in_port(1);
  Match net = Match().set_dl_type(0x0800).set_nw_dst(ip(10, 1, 0, 0), ip(255, 255, 0, 0));
  Match host = Match().set_in_port(1).set_dl_type(0x0800).set_nw_dst(ip(10, 1, 2, 3));
  Match other_net = Match().set_dl_type(0x0800).set_nw_dst(ip(10, 2, 0, 0), ip(255, 255, 0, 0));

  CHECK(any.matches(k));
  CHECK(port1.matches(k));
  CHECK(net.matches(k));
  CHECK(host.matches(k));
  CHECK_FALSE(other_net.matches(k));
  k.in_port = 2;
  CHECK_FALSE(port1.matches(k));

  CHECK(host.is_subset_of(any));
  CHECK(host.is_subset_of(port1));
  CHECK(host.is_subset_of(net));
  CHECK(host.is_subset_of(host));
  CHECK_FALSE(net.is_subset_of(host));
  CHECK_FALSE(port1.is_subset_of(net));
  CHECK_FALSE(any.is_subset_of(port1));
  CHECK_FALSE(host.is_subset_of(other_net));

  CHECK(port1.overlaps(net));
  CHECK(host.overlaps(net));
  CHECK_FALSE(net.overlaps(other_net));
  CHECK_FALSE(port1.overlaps(Match().set_in_port(2)));
  CHECK(any.overlaps(other_net));
}

TEST_CASE("match: setters, normalize, equality and hash", "[match]") {
  Match a = Match().set_nw_src(ip(10, 1, 2, 3), ip(255, 255, 255, 0));
  CHECK(a.key.nw_src == ip(10, 1, 2, 0));  // pre-masked
  Match b;
  b.key.nw_src = ip(10, 1, 2, 99);
  b.mask.nw_src = ip(255, 255, 255, 0);
  CHECK(a != b);
  b.normalize();
  CHECK(a == b);
  CHECK(a.hash() == b.hash());
  CHECK(a.hash() != Match().hash());

  Match v = Match().set_vlan_vid(10);
  CHECK(v.key.vlan_tci == be16(0x100a));
  CHECK(v.mask.vlan_tci == be16(0x1fff));
  Match nv = Match().set_no_vlan();
  CHECK(nv.key.vlan_tci == 0);
  CHECK(nv.mask.vlan_tci == 0xffff);
  Match t =
      Match().set_tp_src(1).set_tp_dst(0x1234).set_nw_proto(6).set_dl_src(kMac).set_dl_dst(kMac);
  CHECK(t.key.tp_src == be16(1));
  CHECK(t.key.tp_dst == be16(0x1234));
  CHECK(t.mask.dl_src[5] == 0xff);
}

TEST_CASE("match: to_string", "[match]") {
  CHECK(Match().to_string() == "any");
  Match m = Match()
                .set_in_port(3)
                .set_vlan_vid(10)
                .set_dl_dst(kMac)
                .set_dl_type(0x0800)
                .set_nw_src(ip(10, 0, 0, 0), ip(255, 0, 0, 0))
                .set_nw_proto(17)
                .set_tp_dst(53);
  CHECK(m.to_string() ==
        "in_port=3,vlan_tci=0x100a/0x1fff,dl_dst=aa:bb:cc:00:11:22,dl_type=0x0800,"
        "nw_src=10.0.0.0/255.0.0.0,nw_proto=17,tp_dst=53");
}

TEST_CASE("action: to_string as ovs-ofctl prints it", "[action]") {
  CHECK(Action::output(2).to_string() == "output:2");
  CHECK(Action::output(kOfppInPort).to_string() == "IN_PORT");
  CHECK(Action::output(kOfppFlood).to_string() == "FLOOD");
  CHECK(Action::output(kOfppAll).to_string() == "ALL");
  CHECK(Action::output(kOfppNormal).to_string() == "NORMAL");
  CHECK(Action::output(kOfppLocal).to_string() == "LOCAL");
  CHECK(Action::output(kOfppTable).to_string() == "TABLE");
  CHECK(Action::output(kOfppController, 65535).to_string() == "CONTROLLER:65535");
  CHECK(Action::set_eth_src(kMac).to_string() == "mod_dl_src:aa:bb:cc:00:11:22");
  CHECK(Action::set_eth_dst(kMac).to_string() == "mod_dl_dst:aa:bb:cc:00:11:22");
  CHECK(Action::set_vlan_vid(10).to_string() == "mod_vlan_vid:10");
  CHECK(Action::set_vlan_vid(10, false).to_string() == "set_vlan_vid:10");
  CHECK(Action::set_vlan_pcp(3).to_string() == "mod_vlan_pcp:3");
  CHECK(Action::set_vlan_pcp(3, false).to_string() == "set_vlan_pcp:3");
  CHECK(Action::strip_vlan().to_string() == "strip_vlan");
  CHECK(Action::push_vlan().to_string() == "push_vlan:0x8100");
  CHECK(Action::push_vlan(kEthTypeQinQ).to_string() == "push_vlan:0x88a8");
  CHECK(Action::meter(1).to_string() == "meter:1");
}

TEST_CASE("action: format_actions and actions_output_to", "[action]") {
  CHECK(format_actions({}) == "drop");
  ActionList l = {Action::set_eth_dst(kMac), Action::output(2), Action::output(kOfppFlood)};
  CHECK(format_actions(l) == "mod_dl_dst:aa:bb:cc:00:11:22,output:2,FLOOD");
  CHECK(actions_output_to(l, 2));
  CHECK(actions_output_to(l, kOfppFlood));
  CHECK_FALSE(actions_output_to(l, 3));  // FLOOD does not count as port 3
  CHECK(actions_output_to(l, kOfppNone));
  CHECK(actions_output_to({}, kOfppNone));
  CHECK_FALSE(actions_output_to({}, 2));
  CHECK_FALSE(actions_output_to({Action::meter(2)}, 2));  // a meter id is not a port
}

TEST_CASE("validate: commands, tables and action arguments", "[flow_table]") {
  FlowMod fm;
  fm.actions = {Action::output(1)};
  CHECK(validate(fm).ok());
  fm.table_id = 1;
  CHECK(validate(fm).ok());  // tables 0-254
  fm.actions = {Action::goto_table(1)};
  auto st = validate(fm);
  REQUIRE_FALSE(st.ok());  // OpenFlow: goto_table only goes forward
  CHECK(st.error().code == kErrBadTableId);
  CHECK(st.error().message == "goto_table:1 from table 1: a goto_table must go to a later table");
  fm.actions = {Action::goto_table(2)};
  CHECK(validate(fm).ok());
  fm.actions = {Action::output(1)};
  fm.table_id = kAllTables;
  CHECK(validate(fm).error().code == kErrBadTableId);  // add into every table
  fm.command = FlowModCommand::kDelete;
  CHECK(validate(fm).ok());
  fm.command = FlowModCommand::kModify;
  CHECK(validate(fm).ok());
  fm.command = static_cast<FlowModCommand>(9);
  CHECK(validate(fm).error().code == kErrBadCommand);

  FlowMod bad;
  for (uint32_t port : {kOfppMax, kOfppNone, 0xfff7u, 0x10000u}) {
    bad.actions = {Action::output(port)};
    auto s = validate(bad);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == kErrBadOutPort);
  }
  bad.actions = {Action::output(kOfppMax - 1), Action::output(kOfppInPort),
                 Action::output(kOfppController, 128)};
  CHECK(validate(bad).ok());
  bad.actions = {Action::set_vlan_vid(4096)};
  CHECK(validate(bad).error().message == "mod_vlan_vid:4096 is out of range (0-4095)");
  bad.actions = {Action::set_vlan_pcp(8)};
  CHECK_FALSE(validate(bad).ok());
  bad.actions = {Action::push_vlan(0x0800)};
  CHECK_FALSE(validate(bad).ok());
  // Deletes carry no actions to check.
  bad.command = FlowModCommand::kDelete;
  CHECK(validate(bad).ok());
}
