// Mirrors without a datapath: the copies a translation emits (ingress before
// the rule's actions, egress after an output, each mirror once), their VLAN
// tags, snaplen, the megaflow mask, the counters they ride with, and the
// drop of what arrives on a mirror's output port.
#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include "datapath/mirror.h"
#include "datapath/vswitchd/mirror_config.h"
#include "datapath/xlate.h"
#include "lib/flow/flow_table.h"

namespace ferry {
namespace {

const Mac kX = {0x02, 0, 0, 0, 0, 0xaa};

FlowKey udp_key(uint32_t in_port, uint16_t tci = 0) {
  FlowKey k = zero_key();
  k.in_port = in_port;
  k.vlan_tci = tci ? htons(static_cast<uint16_t>(tci | kVlanCfi)) : 0;
  k.dl_type = htons(kEthTypeIpv4);
  k.nw_proto = kIpProtoUdp;
  k.nw_src = htonl(0x0a000001);
  k.nw_dst = htonl(0x0a000002);
  k.nw_ttl = 64;
  return k;
}

ovs::MirrorConfig row(const std::string& name, std::vector<std::string> src,
                      std::vector<std::string> dst, const std::string& out) {
  ovs::MirrorConfig m;
  m.name = name;
  m.select_src_port = std::move(src);
  m.select_dst_port = std::move(dst);
  m.output_port = out;
  return m;
}

struct Walk {
  FlowTable flows;
  std::map<std::string, MirrorPortInfo> ports{{"vm1", {1, {}}}, {"vm2", {2, {}}}, {"mon", {3, {}}}};
  BridgeMirrors mirrors;
  std::shared_ptr<const MirrorSnapshot> snap;
  std::shared_ptr<const Classifier> cls;
  XlateOut out;
  FlowKey wc = zero_key();

  void flow(uint32_t in_port, ActionList acts) {
    FlowMod fm;
    fm.match = Match().set_in_port(in_port);
    fm.priority = 10;
    fm.actions = std::move(acts);
    REQUIRE(flows.apply(fm, 0).ok());
  }
  void configure(const std::vector<ovs::MirrorConfig>& rows) {
    bool changed = false;
    snap = mirrors.configure("br0", rows, ports, &changed);
    REQUIRE(changed);
  }
  void run(const FlowKey& k) {
    cls = flows.classifier();
    wc = zero_key();
    const Rule* r = cls->lookup(k, &wc);
    XlateParams params;
    params.mirrors = snap.get();
    xlate(*cls, k, r, &wc, &out, params);
  }
  std::vector<Action> actions() const { return {out.actions, out.actions + out.n_actions}; }
};

TEST_CASE("mirror: select_src_port copies before the rule's actions, once") {
  Walk w;
  w.flow(1, {Action::output(2)});
  w.configure({row("m1", {"vm1"}, {"vm2"}, "mon")});
  w.run(udp_key(1));
  REQUIRE(w.actions() == std::vector<Action>{Action::output(3), Action::output(2)});
  CHECK(w.out.n_groups == 1);  // the mirror's counters ride with the translation
  CHECK(w.wc.vlan_tci == 0xffff);
  // From vm2 (not a source; its output goes to vm1, not a destination): nothing.
  w.flow(2, {Action::output(1)});
  w.run(udp_key(2));
  REQUIRE(w.actions() == std::vector<Action>{Action::output(1)});
  CHECK(w.out.n_groups == 0);
}

TEST_CASE("mirror: select_dst_port copies after the output, the packet as sent") {
  Walk w;
  w.flow(1, {Action::set_eth_src(kX), Action::output(2), Action::output(3)});
  w.configure({row("m1", {}, {"vm2"}, "mon")});
  w.run(udp_key(1));
  REQUIRE(w.actions() == std::vector<Action>{Action::set_eth_src(kX), Action::output(2),
                                             Action::output(3), Action::output(3)});
}

TEST_CASE("mirror: an access port's VLAN tags the copy to a trunk; select_vlan filters") {
  Walk w;
  std::string warning;
  w.ports["vm1"].vlan = VlanConfig::from_columns(10, {}, "", &warning);
  w.flow(1, {Action::output(2)});
  auto m = row("m1", {"vm1"}, {}, "mon");
  m.select_vlan = {10};
  w.configure({m});
  w.run(udp_key(1));
  REQUIRE(w.out.n_actions == 5);
  CHECK(w.out.actions[0].type == ActionType::kClone);
  CHECK(w.out.actions[0].u16 == 3);
  CHECK(w.out.actions[1] == Action::set_vlan_vid(10, true));
  CHECK(w.out.actions[2] == Action::set_vlan_pcp(0, true));
  CHECK(w.out.actions[3] == Action::output(3));
  CHECK(w.out.actions[4] == Action::output(2));
  m.select_vlan = {20};
  w.configure({m});
  w.run(udp_key(1));
  REQUIRE(w.actions() == std::vector<Action>{Action::output(2)});
  // A tagged frame on an access port is invalid there: no copy.
  m.select_vlan = {};
  w.configure({m});
  w.run(udp_key(1, 10));
  REQUIRE(w.actions() == std::vector<Action>{Action::output(2)});
}

TEST_CASE("mirror: snaplen truncates the copy; what arrives on the output port is dropped") {
  Walk w;
  w.flow(1, {Action::output(2)});
  w.flow(3, {Action::output(1)});
  auto m = row("m1", {"vm1"}, {}, "mon");
  m.snaplen = 64;
  w.configure({m});
  w.run(udp_key(1));
  REQUIRE(w.out.n_actions == 2);
  CHECK(w.out.actions[0].type == ActionType::kOutputTrunc);
  CHECK(w.out.actions[0].port == 3);
  CHECK(w.out.actions[0].value == 64);
  w.run(udp_key(3));
  CHECK(w.out.n_actions == 0);
  CHECK(w.out.n_rules == 0);
}

TEST_CASE("mirror: two mirrors to one port copy once; select_all; refused rows") {
  Walk w;
  w.flow(1, {Action::output(2)});
  ovs::MirrorConfig all;
  all.name = "all";
  all.select_all = true;
  all.output_port = "mon";
  w.configure({row("m1", {"vm1"}, {}, "mon"), all});
  w.run(udp_key(1));
  REQUIRE(w.actions() == std::vector<Action>{Action::output(3), Action::output(2)});
  bool changed = false;
  auto none = w.mirrors.configure("br0", {row("bad", {"vm1"}, {}, ""), row("gone", {}, {}, "x")},
                                  w.ports, &changed);
  CHECK(changed);
  CHECK(none == nullptr);
  w.mirrors.configure("br0", {row("bad", {"vm1"}, {}, ""), row("gone", {}, {}, "x")}, w.ports,
                      &changed);
  CHECK_FALSE(changed);  // the same rows: nothing to publish again
}

TEST_CASE("mirror: the output tag follows OVS's xvlan_output_translate") {
  std::string warning;
  VlanConfig trunk;
  VlanConfig access = VlanConfig::from_columns(5, {}, "", &warning);
  VlanConfig native = VlanConfig::from_columns(7, {}, "native-untagged", &warning);
  CHECK(mirror_output_tci(trunk, 0, 0) == 0);
  CHECK(mirror_output_tci(trunk, 10, 0) == htons(10 | kVlanCfi));
  CHECK(mirror_output_tci(trunk, 10, 0x6000) == htons(0x6000 | 10 | kVlanCfi));
  CHECK(mirror_output_tci(access, 10, 0x6000) == 0);
  CHECK(mirror_output_tci(native, 7, 0) == 0);
  CHECK(mirror_output_tci(native, 8, 0) == htons(8 | kVlanCfi));
}

}  // namespace
}  // namespace ferry
