// The emulated NIC's switching semantics, through the real rte_flow and
// ethdev APIs: misses go to the representor of the source, transmit on a
// representor reaches the represented wire/VF, rules rewrite and deliver
// exactly, counters count, errors are honest, and a cut-over keeps order.
#include <algorithm>
#include <cstring>
#include <rte_ethdev.h>
#include <rte_flow.h>

#include <catch2/catch.hpp>

#include "offload/eswitch-emu/eswitch_emu.h"
#include "test/unit/offload/esw_fixture.h"

namespace ferry::test {

namespace {

const char* kVm1 = "52:54:00:00:00:01";
const char* kVm2 = "52:54:00:00:00:02";
const char* kGw = "52:54:00:00:00:fe";

struct FlowSpec {
  rte_flow_attr attr{};
  rte_flow_item_ethdev port{};
  rte_flow_item_eth eth{}, eth_mask{};
  std::vector<rte_flow_item> items;
  std::vector<rte_flow_action> actions;
  FlowSpec() { attr.transfer = 1; }
  void from(uint16_t port_id) {
    port.port_id = port_id;
    items.push_back({RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT, &port, nullptr, nullptr});
  }
  void eth_dst(const std::string& mac) {
    auto b = mac_bytes(mac);
    std::memcpy(&eth.dst, b.data(), 6);
    std::memset(&eth_mask.dst, 0xff, 6);
    items.push_back({RTE_FLOW_ITEM_TYPE_ETH, &eth, nullptr, &eth_mask});
  }
  rte_flow* create(uint16_t via, rte_flow_error* err) {
    items.push_back({RTE_FLOW_ITEM_TYPE_END, nullptr, nullptr, nullptr});
    actions.push_back({RTE_FLOW_ACTION_TYPE_END, nullptr});
    return rte_flow_create(via, &attr, items.data(), actions.data(), err);
  }
};

Bytes with_vlan(Bytes f, uint16_t tci) {
  f.insert(f.begin() + 12, {0x81, 0x00, static_cast<uint8_t>(tci >> 8), static_cast<uint8_t>(tci)});
  return f;
}

}  // namespace

TEST_CASE("esw: a miss goes to the source's representor, tx on a representor to its VF") {
  EswFixture f("net_ferry_esw_m", 2);
  REQUIRE(f.ok());
  Bytes from_vm = udp_frame(kGw, kVm1, "10.0.0.1", "10.0.0.9", 1000, 2000);
  f.far_send("vf0", from_vm);
  auto up = f.host_recv("vf0", 1);
  REQUIRE(up.size() == 1);
  CHECK(up[0] == from_vm);
  CHECK(f.host_take("vf1").empty());
  CHECK(f.host_take("pf").empty());
  CHECK(f.xstat(esw::kXstatMissPackets) == 1);
  CHECK(f.xstat(esw::kXstatSwitchedPackets) == 0);

  Bytes to_vm = udp_frame(kVm2, kGw, "10.0.0.9", "10.0.0.2", 2000, 1000);
  f.host_send("vf1", to_vm);
  auto down = f.far_recv("vf1", 1);
  REQUIRE(down.size() == 1);
  CHECK(down[0] == to_vm);
  CHECK(f.far_take("vf0").empty());
  CHECK(f.far_take("pf").empty());

  // From the wire: the uplink representor.
  f.far_send("pf", to_vm);
  REQUIRE(f.host_recv("pf", 1).size() == 1);
  CHECK(f.xstat(esw::kXstatMissPackets) == 2);
}

TEST_CASE("esw: the switch info and representor flags describe one switch domain") {
  EswFixture f("net_ferry_esw_d", 2);
  REQUIRE(f.ok());
  rte_eth_dev_info pf, vf;
  REQUIRE(rte_eth_dev_info_get(f.port("pf"), &pf) == 0);
  REQUIRE(rte_eth_dev_info_get(f.port("vf1"), &vf) == 0);
  CHECK(pf.switch_info.domain_id == vf.switch_info.domain_id);
  CHECK(pf.switch_info.port_id == 0);
  CHECK(vf.switch_info.port_id == 2);
  CHECK(std::string(pf.driver_name) == "net_ferry_esw");
}

TEST_CASE("esw: a rule rewrites MACs, pushes a VLAN and delivers to the wire, counted") {
  EswFixture f("net_ferry_esw_r", 2);
  REQUIRE(f.ok());
  FlowSpec s;
  s.from(f.port("vf0"));
  s.eth_dst(kGw);
  rte_flow_action_set_mac smac{}, dmac{};
  auto a = mac_bytes("02:00:00:00:00:aa"), b = mac_bytes("02:00:00:00:00:bb");
  std::memcpy(smac.mac_addr, a.data(), 6);
  std::memcpy(dmac.mac_addr, b.data(), 6);
  rte_flow_action_of_push_vlan push{RTE_BE16(0x8100)};
  rte_flow_action_of_set_vlan_vid vid{RTE_BE16(100)};
  rte_flow_action_count count{};
  rte_flow_action_ethdev out{f.port("pf")};
  s.actions = {
      {RTE_FLOW_ACTION_TYPE_SET_MAC_SRC, &smac},  {RTE_FLOW_ACTION_TYPE_SET_MAC_DST, &dmac},
      {RTE_FLOW_ACTION_TYPE_OF_PUSH_VLAN, &push}, {RTE_FLOW_ACTION_TYPE_OF_SET_VLAN_VID, &vid},
      {RTE_FLOW_ACTION_TYPE_COUNT, &count},       {RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, &out}};
  rte_flow_error err{};
  rte_flow* flow = s.create(f.port("pf"), &err);
  REQUIRE(flow != nullptr);

  Bytes in = udp_frame(kGw, kVm1, "10.0.0.1", "10.0.0.9", 1000, 2000);
  f.far_send("vf0", in);
  f.far_send("vf0", in);
  auto got = f.far_recv("pf", 2);
  REQUIRE(got.size() == 2);
  Bytes want = in;
  std::copy(b.begin(), b.end(), want.begin());
  std::copy(a.begin(), a.end(), want.begin() + 6);
  want = with_vlan(want, 100);
  CHECK(got[0] == want);
  CHECK(got[1] == want);
  CHECK(f.host_take("vf0").empty());
  CHECK(f.xstat(esw::kXstatSwitchedPackets) == 2);
  CHECK(f.xstat(esw::kXstatMissPackets) == 0);

  rte_flow_query_count q{};
  rte_flow_action qa[] = {{RTE_FLOW_ACTION_TYPE_COUNT, &count},
                          {RTE_FLOW_ACTION_TYPE_END, nullptr}};
  q.reset = 1;
  REQUIRE(rte_flow_query(f.port("pf"), flow, qa, &q, &err) == 0);
  CHECK(q.hits == 2);
  CHECK(q.bytes == 2 * in.size());
  REQUIRE(rte_flow_query(f.port("pf"), flow, qa, &q, &err) == 0);
  CHECK(q.hits == 0);  // reset

  // Another source or destination MAC misses.
  f.far_send("vf1", in);
  f.far_send("vf0", udp_frame(kVm2, kVm1, "10.0.0.1", "10.0.0.2", 1, 2));
  CHECK(f.host_recv("vf1", 1).size() == 1);
  CHECK(f.host_recv("vf0", 1).size() == 1);

  REQUIRE(rte_flow_destroy(f.port("pf"), flow, &err) == 0);
  f.far_send("vf0", in);
  auto back = f.host_recv("vf0", 1);
  REQUIRE(back.size() == 1);
  CHECK(back[0] == in);
  CHECK(f.far_take("pf").empty());
}

TEST_CASE("esw: pop VLAN from the wire to a VF; masks on IPv4 and UDP") {
  EswFixture f("net_ferry_esw_p", 2);
  REQUIRE(f.ok());
  rte_flow_attr attr{};
  attr.transfer = 1;
  rte_flow_item_ethdev from{f.port("pf")};
  rte_flow_item_vlan vlan{}, vlan_mask{};
  vlan.tci = RTE_BE16(100);
  vlan_mask.tci = RTE_BE16(0x0fff);
  rte_flow_item_ipv4 ip{}, ip_mask{};
  ip.hdr.dst_addr = RTE_BE32(0x0a000200);  // 10.0.2.0/24
  ip_mask.hdr.dst_addr = RTE_BE32(0xffffff00);
  rte_flow_item_udp udp{}, udp_mask{};
  udp.hdr.dst_port = RTE_BE16(4789);
  udp_mask.hdr.dst_port = RTE_BE16(0xffff);
  rte_flow_item items[] = {{RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT, &from, nullptr, nullptr},
                           {RTE_FLOW_ITEM_TYPE_ETH, nullptr, nullptr, nullptr},
                           {RTE_FLOW_ITEM_TYPE_VLAN, &vlan, nullptr, &vlan_mask},
                           {RTE_FLOW_ITEM_TYPE_IPV4, &ip, nullptr, &ip_mask},
                           {RTE_FLOW_ITEM_TYPE_UDP, &udp, nullptr, &udp_mask},
                           {RTE_FLOW_ITEM_TYPE_END, nullptr, nullptr, nullptr}};
  rte_flow_action_port_id to{0, 0, f.port("vf1")};
  rte_flow_action actions[] = {{RTE_FLOW_ACTION_TYPE_OF_POP_VLAN, nullptr},
                               {RTE_FLOW_ACTION_TYPE_PORT_ID, &to},
                               {RTE_FLOW_ACTION_TYPE_END, nullptr}};
  rte_flow_error err{};
  REQUIRE(rte_flow_create(f.port("vf0"), &attr, items, actions, &err) != nullptr);

  Bytes plain = udp_frame(kVm2, kGw, "10.0.9.1", "10.0.2.77", 5, 4789);
  f.far_send("pf", with_vlan(plain, 100));
  auto got = f.far_recv("vf1", 1);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == plain);
  // Another VLAN, another subnet, another port, no tag: all miss.
  f.far_send("pf", with_vlan(plain, 101));
  f.far_send("pf", with_vlan(udp_frame(kVm2, kGw, "10.0.9.1", "10.0.3.77", 5, 4789), 100));
  f.far_send("pf", with_vlan(udp_frame(kVm2, kGw, "10.0.9.1", "10.0.2.77", 5, 4790), 100));
  f.far_send("pf", plain);
  CHECK(f.host_recv("pf", 4).size() == 4);
  CHECK(f.far_take("vf1").empty());
}

TEST_CASE("esw: priority, newest among equals, drop, mark to the host, jump") {
  EswFixture f("net_ferry_esw_o", 2);
  REQUIRE(f.ok());
  rte_flow_error err{};
  auto rule = [&](uint32_t group, uint32_t prio, std::vector<rte_flow_action> acts) {
    FlowSpec s;
    s.attr.group = group;
    s.attr.priority = prio;
    s.from(f.port("vf0"));
    s.actions = std::move(acts);
    return s.create(f.port("pf"), &err);
  };
  rte_flow_action_ethdev to_pf{f.port("pf")}, to_vf1{f.port("vf1")}, to_host{f.port("vf0")};
  Bytes in = udp_frame(kGw, kVm1, "10.0.0.1", "10.0.0.9", 1, 2);

  rte_flow* low = rule(0, 5, {{RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, &to_vf1}});
  REQUIRE(low);
  rte_flow* high = rule(0, 1, {{RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, &to_pf}});
  REQUIRE(high);
  f.far_send("vf0", in);
  CHECK(f.far_recv("pf", 1).size() == 1);
  CHECK(f.far_take("vf1").empty());

  // Same priority as `high`, created later: it wins.
  rte_flow* drop = rule(0, 1, {{RTE_FLOW_ACTION_TYPE_DROP, nullptr}});
  REQUIRE(drop);
  f.far_send("vf0", in);
  f.settle();
  CHECK(f.xstat("esw_rule_drops") == 1);
  CHECK(f.far_take("pf").empty());
  REQUIRE(rte_flow_destroy(f.port("pf"), drop, &err) == 0);

  rte_flow_action_mark mark{77};
  rte_flow* marked =
      rule(0, 0,
           {{RTE_FLOW_ACTION_TYPE_MARK, &mark}, {RTE_FLOW_ACTION_TYPE_PORT_REPRESENTOR, &to_host}});
  REQUIRE(marked);
  f.far_send("vf0", in);
  std::vector<uint32_t> marks;
  auto up = f.host_recv("vf0", 1, &marks);
  REQUIRE(up.size() == 1);
  CHECK(marks.at(0) == 77);
  REQUIRE(rte_flow_destroy(f.port("pf"), marked, &err) == 0);

  rte_flow_action_jump jump{1};
  REQUIRE(rte_flow_destroy(f.port("pf"), high, &err) == 0);
  REQUIRE(rte_flow_destroy(f.port("pf"), low, &err) == 0);
  REQUIRE(rule(0, 0, {{RTE_FLOW_ACTION_TYPE_JUMP, &jump}}));
  f.far_send("vf0", in);
  CHECK(f.host_recv("vf0", 1).size() == 1);  // group 1 is empty: a miss
  REQUIRE(rule(1, 0, {{RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, &to_vf1}}));
  f.far_send("vf0", in);
  CHECK(f.far_recv("vf1", 1).size() == 1);
  REQUIRE(rte_flow_flush(f.port("pf"), &err) == 0);
  CHECK(f.xstat("esw_rules") == 0);
}

TEST_CASE("esw: honest errors: ENOSPC past max_rules, ENOTSUP for what it does not do") {
  EswFixture f("net_ferry_esw_e", 1, ",max_rules=2");
  REQUIRE(f.ok());
  rte_flow_error err{};
  rte_flow_action_ethdev to_pf{f.port("pf")};
  auto make = [&](uint16_t sport) {
    FlowSpec s;
    s.from(f.port("vf0"));
    s.actions = {{RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, &to_pf}};
    s.attr.priority = sport;
    return s.create(f.port("pf"), &err);
  };
  REQUIRE(make(1));
  REQUIRE(make(2));
  rte_errno = 0;
  CHECK(make(3) == nullptr);
  CHECK(rte_errno == ENOSPC);
  CHECK(std::string(err.message).find("max_rules=2") != std::string::npos);
  CHECK(f.xstat("esw_rules") == 2);
  CHECK(f.xstat("esw_rules_max") == 2);

  rte_flow_attr ingress{};
  ingress.ingress = 1;
  rte_flow_item items[] = {{RTE_FLOW_ITEM_TYPE_END, nullptr, nullptr, nullptr}};
  rte_flow_action acts[] = {{RTE_FLOW_ACTION_TYPE_DROP, nullptr},
                            {RTE_FLOW_ACTION_TYPE_END, nullptr}};
  CHECK(rte_flow_validate(f.port("pf"), &ingress, items, acts, &err) == -ENOTSUP);
  CHECK(err.type == RTE_FLOW_ERROR_TYPE_ATTR_TRANSFER);

  rte_flow_attr transfer{};
  transfer.transfer = 1;
  rte_flow_item gre[] = {{RTE_FLOW_ITEM_TYPE_GRE, nullptr, nullptr, nullptr},
                         {RTE_FLOW_ITEM_TYPE_END, nullptr, nullptr, nullptr}};
  CHECK(rte_flow_validate(f.port("pf"), &transfer, gre, acts, &err) == -ENOTSUP);
  CHECK(err.type == RTE_FLOW_ERROR_TYPE_ITEM);
  rte_flow_action two_fates[] = {{RTE_FLOW_ACTION_TYPE_DROP, nullptr},
                                 {RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, &to_pf},
                                 {RTE_FLOW_ACTION_TYPE_END, nullptr}};
  CHECK(rte_flow_validate(f.port("pf"), &transfer, items, two_fates, &err) == -ENOTSUP);
  rte_flow_action rss[] = {{RTE_FLOW_ACTION_TYPE_RSS, nullptr},
                           {RTE_FLOW_ACTION_TYPE_END, nullptr}};
  CHECK(rte_flow_validate(f.port("pf"), &transfer, items, rss, &err) == -ENOTSUP);
  rte_flow_action_ethdev foreign{999};
  rte_flow_action elsewhere[] = {{RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, &foreign},
                                 {RTE_FLOW_ACTION_TYPE_END, nullptr}};
  CHECK(rte_flow_validate(f.port("pf"), &transfer, items, elsewhere, &err) == -ENOTSUP);
  CHECK(std::string(err.message).find("not in this switch domain") != std::string::npos);
  // Validation creates nothing.
  CHECK(f.xstat("esw_rules") == 2);
}

TEST_CASE("esw: a rule created while the host still holds earlier frames keeps their order") {
  EswFixture f("net_ferry_esw_h", 1, ",hold_timeout_ms=600000");
  REQUIRE(f.ok());
  Bytes f1 = udp_frame(kGw, kVm1, "10.0.0.1", "10.0.0.9", 1, 2, -1, 1);
  Bytes f2 = udp_frame(kGw, kVm1, "10.0.0.1", "10.0.0.9", 1, 2, -1, 2);
  f.far_send("vf0", f1);
  f.settle();  // f1 waits on the representor: the software path has it
  FlowSpec s;
  s.from(f.port("vf0"));
  rte_flow_action_ethdev to_pf{f.port("pf")};
  s.actions = {{RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, &to_pf}};
  rte_flow_error err{};
  REQUIRE(s.create(f.port("pf"), &err));
  f.far_send("vf0", f2);
  f.settle();
  CHECK(f.xstat(esw::kXstatHeldPackets) == 1);
  CHECK(f.far_take("pf").empty());  // f2 must not overtake f1
  // The host forwards f1 (software path) ...
  auto up = f.host_recv("vf0", 1);
  REQUIRE(up.size() == 1);
  f.host_send("pf", up[0]);
  // ... and comes back for more: f2 is released after it.
  f.host_take("vf0");
  auto got = f.far_recv("pf", 2);
  REQUIRE(got.size() == 2);
  CHECK(got[0] == f1);
  CHECK(got[1] == f2);
  CHECK(f.xstat("esw_hold_timeouts") == 0);
}

}  // namespace ferry::test
