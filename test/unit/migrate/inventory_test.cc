#include "tools/migrate/inventory.h"

#include <catch2/catch.hpp>

#include "test/unit/migrate/fixture.h"

using namespace ferry::migrate;

namespace {

std::string parse_error(std::string text) {
  auto j = ferry::rpc::parse_json(text);
  REQUIRE(j.ok());
  auto inv = parse_inventory(*j);
  REQUIRE_FALSE(inv.ok());
  return inv.error().message;
}

}  // namespace

TEST_CASE("inventory: hosts, fabric, links, VMs, pool range", "[migrate]") {
  Inventory inv = test::lab_inventory();
  REQUIRE(inv.nodes.size() == 5);
  CHECK(inv.fabric().size() == 2);
  CHECK(inv.node("S2")->ports.at("F2") == "u2");
  CHECK(inv.node("F1")->ports.at("S3") == "s3");
  CHECK(inv.node("F1")->bridge == "br0");
  CHECK(inv.vm("A0")->mac == "02:00:00:00:00:a0");  // canonical lower case
  CHECK(inv.vm("A1")->port == "a1");
  CHECK(inv.vmac_pool == std::vector<std::string>{"0a:00:00:00:00:10", "0a:00:00:00:00:11",
                                                  "0a:00:00:00:00:12", "0a:00:00:00:00:13"});
  CHECK(inv.flows.size() == 1);
  CHECK(inv.downtime_ms == 50);
  CHECK(inv.retain_hold_ms == 0);  // no path kept back unless asked
}

TEST_CASE("inventory: bad input is named", "[migrate]") {
  CHECK(parse_error(R"({"driver": "xen"})") ==
        "inventory: unknown driver \"xen\" (netns, libvirt, qemu)");
  CHECK(parse_error(R"({"hosts": [{"name": "S1"}]})") == "hosts[0] (S1): missing \"ctl\"");
  CHECK(parse_error(R"({"hosts": [{"name": "S1", "ctl": "x"}, {"name": "S1", "ctl": "y"}]})") ==
        "inventory: duplicate switch name \"S1\"");
  CHECK(parse_error(R"({"hosts": [{"name": "S1", "ctl": "x", "uplinks": {"F9": "u1"}}]})") ==
        "inventory: S1 has a link to \"F9\", which is not a fabric switch");
  CHECK(parse_error(R"({"hosts": [{"name": "S1", "ctl": "x"}],
                        "vms": [{"name": "A0", "mac": "02:00:zz:00:00:01", "host": "S1"}]})") ==
        "vms[0] (A0): \"mac\": malformed MAC \"02:00:zz:00:00:01\"");
  CHECK(parse_error(R"({"vms": [{"name": "A0", "mac": "02:00:00:00:00:01", "host": "S9"}]})") ==
        "inventory: VM A0 is on unknown host \"S9\"");
  CHECK(parse_error(R"({"retain_hold_ms": -1})") ==
        "inventory: \"retain_hold_ms\" must be an integer 0 to 86400000");
  CHECK(parse_error(R"({"vmac_pool": ["0a:00:00:00:00:1"]})") ==
        "vmac_pool: malformed MAC \"0a:00:00:00:00:1\"");
}

TEST_CASE("inventory: a fabric switch may be an OpenFlow switch without a control socket",
          "[migrate]") {
  auto j =
      ferry::rpc::parse_json(R"({"fabric": [{"name": "F1", "openflow": "tcp:192.0.2.9:6653"}]})");
  REQUIRE(j.ok());
  auto inv = parse_inventory(*j);
  REQUIRE(inv.ok());
  CHECK(inv->node("F1")->openflow == "tcp:192.0.2.9:6653");
  CHECK(inv->node("F1")->ctl.empty());
  CHECK(parse_error(R"({"fabric": [{"name": "F1"}]})") == "fabric[0] (F1): missing \"ctl\"");
  CHECK(
      parse_error(R"({"hosts": [{"name": "S1", "ctl": "x", "openflow": "tcp:192.0.2.9:6653"}]})") ==
      "hosts[0] (S1): \"openflow\" is for fabric switches (hosts run Ferry)");
}
