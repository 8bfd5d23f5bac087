#include "tools/migrate/discover.h"

#include <catch2/catch.hpp>

#include "test/unit/migrate/fixture.h"

using namespace ferry::migrate;

namespace {

// S2's vlan/show: A0 (moved here) on a0, a new VM on b7 in VLAN 20, a
// vMAC of the pool and a remote MAC on the uplinks, a multicast and a
// port with two MACs (a nested bridge, not a VM).
const char kS2[] = R"({"vlans": [], "ports": [
  {"port": "a0", "vlan": 0, "macs": ["02:00:00:00:00:A0"]},
  {"port": "b7", "vlan": 20, "macs": ["02:00:00:00:00:b7"]},
  {"port": "u1", "vlan": 0, "macs": ["02:00:00:00:00:a1", "0a:00:00:00:00:10"]},
  {"port": "u2", "vlan": 0, "macs": ["02:00:00:00:00:a1"]},
  {"port": "t1", "vlan": 0, "macs": ["02:00:00:00:00:c1"]},
  {"port": "t1", "vlan": 30, "macs": ["02:00:00:00:00:c2"]},
  {"port": "m1", "vlan": 0, "macs": ["01:00:5e:00:00:01"]},
  {"port": "v1", "vlan": 0, "macs": ["0a:00:00:00:00:11"]},
  {"port": "LOCAL", "vlan": 0, "macs": ["02:00:00:00:00:ff"]}]})";

}  // namespace

TEST_CASE("discover: VM ports from vlan/show, uplinks, vMACs and shared ports skipped",
          "[migrate]") {
  Inventory inv = test::lab_inventory();
  Discovered d = discover_from_vlan_show(*inv.node("S2"), kS2, inv.vmac_pool);
  REQUIRE(d.vms.size() == 2);
  CHECK(d.vms[0].name == "a0");
  CHECK(d.vms[0].mac == "02:00:00:00:00:a0");
  CHECK(d.vms[0].host == "S2");
  CHECK(d.vms[1].port == "b7");
  CHECK(d.vms[1].vlan == 20);
  REQUIRE(d.notes.size() == 1);
  CHECK(d.notes[0] == "S2: port t1 has 2 MACs behind it: not a VM port, skipped");
  CHECK(discover_from_vlan_show(*inv.node("S2"), "{}", {}).notes ==
        std::vector<std::string>{"S2: vlan/show: unexpected reply"});
}

TEST_CASE("discover: merge moves listed VMs, adds new ones, asks every host", "[migrate]") {
  Inventory inv = test::lab_inventory();
  std::vector<std::string> asked;
  Discovered d =
      discover_vms(inv,
                   [&](const std::string& node, const std::string& method,
                       const std::vector<std::string>& args) -> ferry::Result<std::string> {
                     asked.push_back(node + " " + method + " " + args.at(0));
                     if (node == "S2") return std::string(kS2);
                     if (node == "S3") return ferry::make_error("S3 is unreachable");
                     return std::string(R"({"ports": []})");
                   });
  CHECK(asked ==
        std::vector<std::string>{"S1 vlan/show br0", "S2 vlan/show br0", "S3 vlan/show br0"});
  CHECK(d.notes.back() == "S3: not discovered: S3 is unreachable");
  std::vector<std::string> changes = merge_discovered(inv, d);
  REQUIRE(changes.size() == 2);
  CHECK(changes[0] == "A0: found on S2 port a0 VLAN 0 (inventory: S1 port a0 VLAN 0)");
  CHECK(changes[1] == "b7: discovered on S2 port b7 VLAN 20 MAC 02:00:00:00:00:b7");
  CHECK(inv.vm("A0")->host == "S2");
  REQUIRE(inv.vm("b7"));
  CHECK(inv.vm("b7")->host == "S2");
  CHECK(inv.vm("A1")->host == "S3");  // not seen: unchanged
  // The same MAC on two hosts is not guessed.
  Discovered twice =
      discover_vms(inv,
                   [&](const std::string&, const std::string&,
                       const std::vector<std::string>&) -> ferry::Result<std::string> {
                     return std::string(
                         R"({"ports": [{"port": "x", "vlan": 0, "macs": ["02:00:00:00:00:99"]}]})");
                   });
  CHECK(twice.vms.empty());
  CHECK(twice.notes.size() == 3);
}

TEST_CASE("discover: an inventory with discover may name discovered VMs in flows", "[migrate]") {
  auto j = ferry::rpc::parse_json(R"({"discover": true, "hosts": [{"name": "S1", "ctl": "x"}],
    "flows": [{"from": "b7", "to": "A0"}]})");
  REQUIRE(j.ok());
  auto inv = parse_inventory(*j);
  REQUIRE(inv.ok());
  CHECK(inv->discover);
  CHECK(inv->flows.size() == 1);
}
