// Golden tests for the megaflow -> rte_flow translation: the exact pattern
// and action arrays (read back in testpmd syntax, and by type), and the
// reasons for what stays in software.
#include "offload/translate.h"

#include <map>
#include <rte_ethdev.h>

#include <catch2/catch.hpp>

#include "test/unit/offload/esw_fixture.h"

namespace ferry {

namespace {

// ofports 1-3 are VF representors (DPDK ports 11-13) of switch 7, ofport 4
// the uplink (port 10), ofport 5 a representor of another NIC, 6 a plain port.
std::optional<OffloadPortInfo> ports(uint32_t ofport) {
  static const std::map<uint32_t, OffloadPortInfo> m = {
      {1, {11, 7}}, {2, {12, 7}}, {3, {13, 7}}, {4, {10, 7}}, {5, {20, 8}}};
  auto it = m.find(ofport);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

struct Megaflow {
  FlowKey key = zero_key();
  FlowKey mask = zero_key();
  Megaflow() {
    key.in_port = 1;
    mask.in_port = 0xffffffff;
  }
  void dl_dst(const char* mac) {
    auto m = *parse_mac(mac);
    std::memcpy(key.dl_dst, m.data(), 6);
    std::memset(mask.dl_dst, 0xff, 6);
  }
  void untagged() { mask.vlan_tci = htons(kVlanCfi); }
  void vlan(uint16_t vid) {
    key.vlan_tci = htons(kVlanCfi | vid);
    mask.vlan_tci = htons(0x1fff);
  }
  void udp(const char* src, const char* dst, uint16_t dport) {
    key.dl_type = htons(kEthTypeIpv4);
    mask.dl_type = 0xffff;
    inet_pton(AF_INET, src, &key.nw_src);
    inet_pton(AF_INET, dst, &key.nw_dst);
    mask.nw_src = 0xffffffff;
    mask.nw_dst = htonl(0xffffff00);
    key.nw_dst &= mask.nw_dst;
    key.nw_proto = kIpProtoUdp;
    mask.nw_proto = 0xff;
    key.tp_dst = htons(dport);
    mask.tp_dst = 0xffff;
  }
  Result<std::unique_ptr<RteFlowSpec>> translate(const ActionList& actions,
                                                 OffloadAnswer answer = {}) {
    answer.actions = &actions;
    return translate_megaflow(key, mask, answer, ports);
  }
};

std::string text(const Result<std::unique_ptr<RteFlowSpec>>& r) {
  if (!r) return "ERROR " + r.error().message;
  return (*r)->to_string();
}

Mac mac(const char* s) { return *parse_mac(s); }

}  // namespace

TEST_CASE("translate: MAC rewrite and output, exact arrays") {
  Megaflow f;
  f.dl_dst("52:54:00:00:00:02");
  auto r = f.translate({Action::set_eth_src(mac("02:00:00:00:00:01")), Action::output(2)});
  CHECK(text(r) ==
        "transfer priority 0 pattern represented_port ethdev_port_id is 11 / eth dst spec "
        "52:54:00:00:00:02 dst mask ff:ff:ff:ff:ff:ff / end actions set_mac_src mac_addr "
        "02:00:00:00:00:01 / count / represented_port ethdev_port_id 12 / end");
  REQUIRE(r);
  const RteFlowSpec& s = **r;
  CHECK(s.attr.transfer == 1);
  CHECK(s.attr.ingress == 0);
  CHECK(s.proxy_port == 11);
  REQUIRE(s.items.size() == 3);
  CHECK(s.items[0].type == RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT);
  CHECK(s.items[1].type == RTE_FLOW_ITEM_TYPE_ETH);
  CHECK(s.items[2].type == RTE_FLOW_ITEM_TYPE_END);
  auto* eth_mask = static_cast<const rte_flow_item_eth*>(s.items[1].mask);
  CHECK(eth_mask->type == 0);
  CHECK(eth_mask->src.addr_bytes[0] == 0);
  REQUIRE(s.actions.size() == 4);
  CHECK(s.actions[0].type == RTE_FLOW_ACTION_TYPE_SET_MAC_SRC);
  CHECK(s.actions[1].type == RTE_FLOW_ACTION_TYPE_COUNT);
  CHECK(s.actions[2].type == RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT);
  CHECK(static_cast<const rte_flow_action_ethdev*>(s.actions[2].conf)->port_id == 12);
  CHECK(s.actions[3].type == RTE_FLOW_ACTION_TYPE_END);
}

TEST_CASE("translate: VLAN push on untagged frames, pop on tagged ones") {
  Megaflow push;
  push.untagged();
  CHECK(text(push.translate({Action::set_vlan_vid(100), Action::output(4)})) ==
        "transfer priority 0 pattern represented_port ethdev_port_id is 11 / eth has_vlan is 0 / "
        "end actions of_push_vlan ethertype 0x8100 / of_set_vlan_vid vlan_vid 100 / count / "
        "represented_port ethdev_port_id 10 / end");
  CHECK(text(push.translate({Action::set_vlan_pcp(5), Action::output(4)})) ==
        "transfer priority 0 pattern represented_port ethdev_port_id is 11 / eth has_vlan is 0 / "
        "end actions of_push_vlan ethertype 0x8100 / of_set_vlan_vid vlan_vid 0 / of_set_vlan_pcp "
        "vlan_pcp 5 / count / represented_port ethdev_port_id 10 / end");

  Megaflow pop;
  pop.key.in_port = 4;
  pop.vlan(100);
  pop.key.dl_type = htons(kEthTypeIpv4);
  pop.mask.dl_type = 0xffff;
  CHECK(text(pop.translate({Action::strip_vlan(), Action::output(3)})) ==
        "transfer priority 0 pattern represented_port ethdev_port_id is 10 / eth / vlan tci spec "
        "0x0064 tci mask 0x0fff inner_type spec 0x0800 inner_type mask 0xffff / ipv4 / end actions "
        "of_pop_vlan / count / represented_port ethdev_port_id 13 / end");
  // mod_vlan_vid on a tagged frame rewrites the tag in place.
  CHECK(text(pop.translate({Action::set_vlan_vid(200), Action::output(3)})) ==
        "transfer priority 0 pattern represented_port ethdev_port_id is 10 / eth / vlan tci spec "
        "0x0064 tci mask 0x0fff inner_type spec 0x0800 inner_type mask 0xffff / ipv4 / end actions "
        "of_set_vlan_vid vlan_vid 200 / count / represented_port ethdev_port_id 13 / end");
  // push_vlan on a tagged frame: a new outer tag with VID 0 and PCP 0.
  CHECK(text(pop.translate({Action::push_vlan(kEthTypeQinQ), Action::output(3)})) ==
        "transfer priority 0 pattern represented_port ethdev_port_id is 10 / eth / vlan tci spec "
        "0x0064 tci mask 0x0fff inner_type spec 0x0800 inner_type mask 0xffff / ipv4 / end actions "
        "of_push_vlan ethertype 0x88a8 / of_set_vlan_vid vlan_vid 0 / of_set_vlan_pcp vlan_pcp 0 / "
        "count / represented_port ethdev_port_id 13 / end");
}

TEST_CASE("translate: IPv4/UDP fields with masks, drop, hairpin, the vMAC conversion") {
  Megaflow f;
  f.untagged();
  f.udp("10.0.0.1", "10.0.2.77", 4789);
  CHECK(text(f.translate({Action::output(2)})) ==
        "transfer priority 0 pattern represented_port ethdev_port_id is 11 / eth type spec 0x0800 "
        "type mask 0xffff has_vlan is 0 / ipv4 src spec 10.0.0.1 src mask 255.255.255.255 dst spec "
        "10.0.2.0 dst mask 255.255.255.0 proto spec 17 proto mask 255 / udp dst spec 4789 dst mask "
        "0xffff / end actions count / represented_port ethdev_port_id 12 / end");
  // No output: a drop (rewrites before it are pointless).
  CHECK(text(f.translate({Action::set_eth_dst(mac("02:00:00:00:00:09"))})) ==
        "transfer priority 0 pattern represented_port ethdev_port_id is 11 / eth type spec 0x0800 "
        "type mask 0xffff has_vlan is 0 / ipv4 src spec 10.0.0.1 src mask 255.255.255.255 dst spec "
        "10.0.2.0 dst mask 255.255.255.0 proto spec 17 proto mask 255 / udp dst spec 4789 dst mask "
        "0xffff / end actions count / drop / end");

  Megaflow h;
  CHECK(text(h.translate({Action::output(kOfppInPort)})) ==
        "transfer priority 0 pattern represented_port ethdev_port_id is 11 / eth / end actions "
        "count / represented_port ethdev_port_id 11 / end");

  // An active rx conversion: the destination MAC is rewritten first, then
  // the rule's actions apply.
  Megaflow c;
  c.key.in_port = 4;
  c.dl_dst("0a:00:00:00:00:01");
  OffloadAnswer conv;
  conv.has_conversion = true;
  conv.conversion_to = mac("52:54:00:00:00:01");
  CHECK(text(c.translate({Action::output(1)}, conv)) ==
        "transfer priority 0 pattern represented_port ethdev_port_id is 10 / eth dst spec "
        "0a:00:00:00:00:01 dst mask ff:ff:ff:ff:ff:ff / end actions set_mac_dst mac_addr "
        "52:54:00:00:00:01 / count / represented_port ethdev_port_id 11 / end");
}

TEST_CASE("translate: what stays in software, with the reason") {
  Megaflow f;
  f.dl_dst("52:54:00:00:00:02");
  CHECK(text(f.translate({Action::output(kOfppNormal)})) ==
        "ERROR output to NORMAL (MAC learning) needs the software switch");
  CHECK(text(f.translate({Action::output(kOfppFlood)})) ==
        "ERROR output to FLOOD needs the software switch");
  CHECK(text(f.translate({Action::output(2), Action::output(3)})) ==
        "ERROR more than one output (the NIC does not mirror)");
  CHECK(text(f.translate({Action::meter(1), Action::output(2)})) == "ERROR a meter");
  CHECK(text(f.translate({Action::output(6)})) ==
        "ERROR output port 6 is not on an embedded switch");
  CHECK(text(f.translate({Action::output(5)})) ==
        "ERROR output port 5 is on another switch than input port 1");
  CHECK(text(f.translate({Action::set_vlan_vid(7), Action::output(2)})) ==
        "ERROR a VLAN rewrite on a flow that does not match the tag's presence");
  OffloadAnswer mirror;
  mirror.has_conversion = true;
  mirror.conversion_mirror = true;
  CHECK(text(f.translate({Action::output(2)}, mirror)) ==
        "ERROR a mirror conversion duplicates frames");
  CHECK(text(translate_megaflow(f.key, f.mask, OffloadAnswer{}, ports)) == "ERROR table miss");

  Megaflow arp;
  arp.key.dl_type = htons(kEthTypeArp);
  arp.mask.dl_type = 0xffff;
  arp.mask.nw_dst = 0xffffffff;
  CHECK(text(arp.translate({Action::output(2)})) == "ERROR ARP fields are matched");
  Megaflow icmp;
  icmp.key.dl_type = htons(kEthTypeIpv4);
  icmp.mask.dl_type = 0xffff;
  icmp.key.nw_proto = kIpProtoIcmp;
  icmp.mask.nw_proto = 0xff;
  icmp.mask.tp_src = 0xffff;
  CHECK(text(icmp.translate({Action::output(2)})) == "ERROR ICMP type/code are matched");
  Megaflow plain;
  plain.key.in_port = 6;
  CHECK(text(plain.translate({Action::output(2)})) ==
        "ERROR input port 6 is not on an embedded switch");
}

}  // namespace ferry

namespace ferry {

TEST_CASE("translate: a translated rule installs on the emulated NIC and does what software does") {
  test::EswFixture nic("net_ferry_esw_x", 2);
  REQUIRE(nic.ok());
  rte_eth_dev_info info;
  REQUIRE(rte_eth_dev_info_get(nic.port("pf"), &info) == 0);
  uint16_t domain = info.switch_info.domain_id;
  // ofport 1 = vf0, 2 = vf1, 3 = uplink.
  OffloadPortLookup lookup = [&](uint32_t ofport) -> std::optional<OffloadPortInfo> {
    const char* names[] = {"", "vf0", "vf1", "pf"};
    if (ofport < 1 || ofport > 3) return std::nullopt;
    return OffloadPortInfo{nic.port(names[ofport]), domain};
  };
  Megaflow f;
  f.untagged();
  f.dl_dst("52:54:00:00:00:fe");
  ActionList acts = {Action::set_eth_dst(mac("02:00:00:00:00:bb")), Action::set_vlan_vid(42),
                     Action::output(3)};
  OffloadAnswer answer;
  answer.actions = &acts;
  auto spec = translate_megaflow(f.key, f.mask, answer, lookup);
  REQUIRE(spec);
  rte_flow_error err{};
  rte_flow* flow = rte_flow_create((*spec)->proxy_port, &(*spec)->attr, (*spec)->items.data(),
                                   (*spec)->actions.data(), &err);
  REQUIRE(flow != nullptr);
  test::Bytes in =
      test::udp_frame("52:54:00:00:00:fe", "52:54:00:00:00:01", "10.0.0.1", "10.0.0.2", 1, 2);
  nic.far_send("vf0", in);
  auto got = nic.far_recv("pf", 1);
  REQUIRE(got.size() == 1);
  test::Bytes want = in;
  auto bb = test::mac_bytes("02:00:00:00:00:bb");
  std::copy(bb.begin(), bb.end(), want.begin());
  want.insert(want.begin() + 12, {0x81, 0x00, 0x00, 42});
  CHECK(got[0] == want);
  // A tagged frame does not match (the megaflow matched untagged frames).
  nic.far_send("vf0", test::udp_frame("52:54:00:00:00:fe", "52:54:00:00:00:01", "10.0.0.1",
                                      "10.0.0.2", 1, 2, 5));
  CHECK(nic.host_recv("vf0", 1).size() == 1);
}

}  // namespace ferry
