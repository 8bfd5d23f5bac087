#include "test/fuzz/dp_fuzz_config.h"

#include <algorithm>
#include <optional>
#include <string>

#include "lib/packet/builder.h"

namespace ferry::fuzz {

namespace {

using A = Action;

const Mac kVmac{0x0a, 0, 0, 0, 0, 0x10};
const Mac kReal{0x02, 0, 0, 0, 0, 0xa0};
const Mac kHostB{0x02, 0, 0, 0, 0, 0x02};
const Mac kRouter{0x02, 0, 0, 0, 0, 0xfe};

VlanConfig vlan(std::optional<int64_t> tag, std::vector<int64_t> trunks, const char* mode) {
  std::string warning;
  return VlanConfig::from_columns(tag, trunks, mode, &warning);
}

Match ip(uint8_t proto = 0) {
  Match m;
  m.set_dl_type(kEthTypeIpv4);
  if (proto) m.set_nw_proto(proto);
  return m;
}

Match in(uint32_t port, Match m = Match{}) { return m.set_in_port(port); }

void add(BridgeConfig& c, uint16_t priority, const Match& m, ActionList actions) {
  FlowMod fm;
  fm.match = m;
  fm.priority = priority;
  fm.actions = std::move(actions);
  c.flows.push_back(fm);
}

BridgeConfig full_bridge() {
  BridgeConfig c;
  c.vlans = {vlan({}, {}, "trunk"), vlan(10, {}, "access"), vlan({}, {10, 20}, "trunk"),
             vlan(20, {10, 20}, "native-untagged")};
  add(c, 200, in(1, ip().set_nw_dst(ip4(10, 0, 0, 0), ip4(255, 255, 255, 0))),
      {A::set_eth_dst(kHostB), A::output(2)});
  add(c, 200, in(1).set_vlan_vid(10), {A::strip_vlan(), A::output(3)});
  add(c, 190, in(2, ip()), {A::push_vlan(), A::set_vlan_vid(30), A::set_vlan_pcp(5), A::output(1)});
  add(c, 190, in(3).set_dl_type(kEthTypeIpv6),
      {A::set_vlan_vid(20), A::set_vlan_pcp(3), A::output(4)});
  add(c, 180, Match().set_dl_type(kEthTypeArp), {A::output(kOfppFlood)});
  add(c, 170, in(4, ip(kIpProtoTcp)).set_tp_dst(80), {A::meter(1), A::output(1)});
  add(c, 160, ip(kIpProtoUdp).set_tp_src(53),
      {A::output(kOfppInPort), A::set_eth_src(kRouter), A::output(2), A::output(3)});
  add(c, 150, Match().set_dl_dst(kBroadcastMac), {A::output(kOfppAll)});
  add(c, 140, ip(kIpProtoIcmp), {A::output(kOfppController)});
  add(c, 130, Match().set_dl_type(0x88b5), {A::output(9)});  // no port 9
  add(c, 120, in(4, ip()), {A::output(4)});                  // to the input port
  add(c, 110, in(3, ip()), {A::push_vlan(kEthTypeQinQ), A::push_vlan(), A::output(1)});
  add(c, 100, in(3), {});  // drop
  add(c, 60, Match().set_dl_type(kEthTypeVlan),
      {A::strip_vlan(), A::strip_vlan(), A::output(kOfppNormal)});
  add(c, 50, ip(), {A::set_eth_src(kRouter), A::output(kOfppNormal)});
  add(c, 40, Match().set_dl_type(kEthTypeIpv6), {A::meter(2), A::output(kOfppNormal)});
  add(c, 10, in(1), {A::output(kOfppNormal)});
  add(c, 10, in(2), {A::output(kOfppNormal)});
  add(c, 5, Match().set_dl_src(kReal), {A::output(kOfppNormal)});  // the mirror's copy
  // Port 4's other frames miss the table.

  Conversion rx;  // frames to the virtual MAC continue to the real one
  rx.id = 1;
  rx.dir = ConversionDir::kRx;
  rx.from = kVmac;
  rx.to = kReal;
  rx.in_ports = {1};
  rx.state = ConversionState::kActive;
  Conversion tx;  // duplicate-to-both for priority classes 0-3
  tx.id = 2;
  tx.dir = ConversionDir::kTx;
  tx.from = kReal;
  tx.to = kVmac;
  tx.in_ports = {2, 4};
  tx.has_class = true;
  tx.class_lo = 0;
  tx.class_hi = 3;
  tx.mirror = true;
  tx.state = ConversionState::kActive;
  c.conversions = {rx, tx};
  c.fdb = {{10, kHostB, 2}};
  c.watch_garp = true;
  return c;
}

BridgeConfig simple_bridge() {
  BridgeConfig c;
  c.vlans.assign(6, vlan({}, {}, "trunk"));
  add(c, 100, in(1),
      {A::push_vlan(), A::set_vlan_vid(7), A::set_eth_dst(kHostB), A::meter(1), A::output(2)});
  add(c, 100, in(2), {A::strip_vlan(), A::set_vlan_pcp(6, false), A::output(kOfppInPort)});
  // Port 3 has no rule: every frame misses.
  add(c, 100, in(4), {A::output(1), A::output(2)});             // not batchable: the full path
  add(c, 100, in(5), {A::set_eth_src(kRouter), A::output(9)});  // no port 9
  add(c, 100, in(6), {A::output(6)});                           // to the input port
  return c;
}

}  // namespace

DpFuzzConfig dp_fuzz_config() {
  DpFuzzConfig c;
  c.bridges = {full_bridge(), simple_bridge()};
  MeterConfig pps;
  pps.id = 1;
  pps.pktps = true;
  pps.bands = {{1000, 10}};
  MeterConfig kbps;
  kbps.id = 2;
  kbps.bands = {{100, 8}};
  c.meters = {pps, kbps};
  return c;
}

unsigned max_tag_pushes(const DpFuzzConfig& cfg) {
  unsigned most = 0;
  for (const BridgeConfig& b : cfg.bridges) {
    for (const FlowMod& fm : b.flows) {
      unsigned n = 0;
      for (const Action& a : fm.actions) {
        n += a.type == ActionType::kPushVlan ||
             ((a.type == ActionType::kSetVlanVid || a.type == ActionType::kSetVlanPcp) &&
              (a.flags & Action::kPushIfNeeded)) ||
             (a.type == ActionType::kOutput && a.port == kOfppNormal);
      }
      most = std::max(most, n);
    }
  }
  return most;
}

}  // namespace ferry::fuzz
