#include "tools/migrate/openflow_fabric.h"

#include <catch2/catch.hpp>

using namespace ferry::migrate;

TEST_CASE("openflow fabric: an entry is a flow at the fabric priority", "[migrate]") {
  auto a = fabric_change("fdb/add", {"br0", "s2", "0", "0a:00:00:00:00:10"});
  REQUIRE(a);
  CHECK(a->command == "add-flow");
  CHECK(a->spec ==
        "priority=1000,vlan_tci=0x0000/0x1fff,dl_dst=0a:00:00:00:00:10,actions=output:s2");
  CHECK_FALSE(a->strict);
  auto t = fabric_change("fdb/add", {"br0", "s1", "100", "52:54:00:00:00:0a"});
  REQUIRE(t);
  CHECK(t->spec == "priority=1000,dl_vlan=100,dl_dst=52:54:00:00:00:0a,actions=output:s1");
}

TEST_CASE("openflow fabric: a deleted entry is a strict delete of exactly that flow", "[migrate]") {
  auto d = fabric_change("fdb/del", {"br0", "100", "0a:00:00:00:00:10"});
  REQUIRE(d);
  CHECK(d->command == "del-flows");
  CHECK(d->spec == "priority=1000,dl_vlan=100,dl_dst=0a:00:00:00:00:10");
  CHECK(d->strict);
}

TEST_CASE("openflow fabric: what OpenFlow cannot say is refused by name", "[migrate]") {
  auto v = fabric_change("vmac/add-tx", {"br0", "52:54:00:00:00:0a", "0a:00:00:00:00:10"});
  REQUIRE_FALSE(v);
  CHECK(v.error().message.find("vmac/add-tx needs a Ferry daemon") != std::string::npos);
  CHECK_FALSE(fabric_change("fdb/add", {"br0", "s2", "4096", "0a:00:00:00:00:10"}));
  CHECK_FALSE(fabric_change("fdb/add", {"br0", "s2", "x", "0a:00:00:00:00:10"}));
  CHECK_FALSE(fabric_change("fdb/del", {"br0", "0a:00:00:00:00:10"}));
}
