// convert_config() on hand-made fo_db rows: sorting, bad values dropped and
// logged, duplicates kept once.
#include "lib/ovs/db/config_convert.h"

#include <catch2/catch.hpp>

#include "lib/ovs/db/fo-db.h"
#include "lib/util/log.h"
#include "test/unit/ovs/db/ovsdb_server.h"

namespace {

struct Map {
  std::vector<const char*> keys, values;
  fo_smap view() { return fo_smap{keys.size(), keys.data(), values.data()}; }
};

fo_db_iface iface(const char* name, const char* type = "", const char* mac = "") {
  fo_db_iface i{};
  i.name = name;
  i.type = type;
  i.mac = mac;
  return i;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("convert_config: nullptr is no config", "[ovsdb-config]") {
  CHECK_FALSE(ferry::ovs::convert_config(nullptr).has_value());
}

TEST_CASE("convert_config keeps rows with bad values, those fields unset, and logs them",
          "[ovsdb-config]") {
  std::string dir = ferry::test::make_temp_dir();
  std::string log_path = dir + "/ferry.log";
  REQUIRE(ferry::Log::process().open_file(log_path).ok());

  Map opts{{"dpdk-devargs"}, {"net_null0"}};
  const int64_t bad_ofport = 0, bad_mtu = 70000, ok_ofport = 7, bad_tag = 5000;
  const int64_t trunks[] = {30, 4096, -1, 30, 3};
  fo_db_iface p1_ifaces[2] = {iface("p1b", "dpdk", "zz:zz"), iface("p1a")};
  p1_ifaces[0].options = opts.view();
  p1_ifaces[0].ofport_request = &bad_ofport;
  p1_ifaces[0].n_ofport_request = 1;
  p1_ifaces[0].mtu_request = &bad_mtu;
  p1_ifaces[0].n_mtu_request = 1;
  // p1a again, the one p0 keeps (p0 sorts before p1).
  fo_db_iface dup_iface[1] = {iface("p1a", "", "02:00:00:00:00:0a")};
  dup_iface[0].ofport_request = &ok_ofport;
  dup_iface[0].n_ofport_request = 1;

  fo_db_port b_ports[2] = {};
  b_ports[0].name = "p1";
  b_ports[0].vlan_mode = "bogus";
  b_ports[0].tag = &bad_tag;
  b_ports[0].n_tag = 1;
  b_ports[0].trunks = trunks;
  b_ports[0].n_trunks = 5;
  b_ports[0].ifaces = p1_ifaces;
  b_ports[0].n_ifaces = 2;
  b_ports[1].name = "p0";
  b_ports[1].vlan_mode = "";
  b_ports[1].ifaces = dup_iface;
  b_ports[1].n_ifaces = 1;
  fo_db_port a_ports[1] = {};
  a_ports[0].name = "p1";  // also in bridge "b": "a" sorts first and keeps it
  a_ports[0].vlan_mode = "access";
  const char* protocols[] = {"OpenFlow13", "OpenFlow99", "OpenFlow10"};

  fo_db_bridge bridges[2] = {};
  bridges[0].name = "b";
  bridges[0].datapath_type = "netdev";
  bridges[0].fail_mode = "weird";
  bridges[0].protocols = protocols;
  bridges[0].n_protocols = 3;
  bridges[0].ports = b_ports;
  bridges[0].n_ports = 2;
  bridges[1].name = "a";
  bridges[1].datapath_type = "";
  bridges[1].fail_mode = "secure";
  bridges[1].ports = a_ports;
  bridges[1].n_ports = 1;
  Map other{{"pmd-cpu-mask"}, {"0x3"}};
  fo_db_config c{};
  c.next_cfg = 4;
  c.other_config = other.view();
  c.bridges = bridges;
  c.n_bridges = 2;

  auto cfg = ferry::ovs::convert_config(&c);
  REQUIRE(cfg.has_value());
  CHECK(cfg->next_cfg == 4);
  CHECK(cfg->other_config == ferry::ovs::StringMap{{"pmd-cpu-mask", "0x3"}});
  REQUIRE(cfg->bridges.size() == 2);
  const auto& a = cfg->bridges[0];
  CHECK(a.name == "a");
  CHECK(a.fail_mode == "secure");
  REQUIRE(a.ports.size() == 1);
  CHECK(a.ports[0].name == "p1");
  CHECK(a.ports[0].vlan_mode == "access");
  const auto& b = cfg->bridges[1];
  CHECK(b.name == "b");
  CHECK(b.datapath_type == "netdev");
  CHECK(b.fail_mode.empty());
  CHECK(b.protocols == std::vector<std::string>{"OpenFlow10", "OpenFlow13"});
  REQUIRE(b.ports.size() == 1);  // b's p1 went to bridge a
  CHECK(b.ports[0].name == "p0");
  REQUIRE(b.ports[0].interfaces.size() == 1);
  CHECK(b.ports[0].interfaces[0].name == "p1a");
  CHECK(b.ports[0].interfaces[0].ofport_request == 7);
  CHECK(b.ports[0].interfaces[0].mac == "02:00:00:00:00:0a");

  // Without bridge a, b's p1 (every bad value) is kept; its p1a is p0's.
  c.n_bridges = 1;
  cfg = ferry::ovs::convert_config(&c);
  REQUIRE(cfg.has_value());
  REQUIRE(cfg->bridges[0].ports.size() == 2);
  const auto& p1 = cfg->bridges[0].ports[1];
  CHECK(p1.name == "p1");
  CHECK_FALSE(p1.tag.has_value());
  CHECK(p1.trunks == std::vector<int64_t>{3, 30});
  CHECK(p1.vlan_mode.empty());
  REQUIRE(p1.interfaces.size() == 1);
  const auto& p1b = p1.interfaces[0];
  CHECK(p1b.name == "p1b");
  CHECK(p1b.type == "dpdk");
  CHECK(p1b.options == ferry::ovs::StringMap{{"dpdk-devargs", "net_null0"}});
  CHECK_FALSE(p1b.ofport_request.has_value());
  CHECK_FALSE(p1b.mtu_request.has_value());
  CHECK(p1b.mac.empty());

  REQUIRE(ferry::Log::process().open_file("").ok());
  std::string log = ferry::test::read_file(log_path);
  ferry::test::remove_tree(dir);
  CHECK(contains(log, "port p1: tag 5000 out of range 0..4095, ignored"));
  CHECK(contains(log, "port p1: trunk 4096 out of range"));
  CHECK(contains(log, "port p1: trunk -1 out of range"));
  CHECK(contains(log, "port p1: unknown vlan_mode \"bogus\""));
  CHECK(contains(log, "interface p1b: ofport_request 0 out of range 1..65279"));
  CHECK(contains(log, "interface p1b: mtu_request 70000 out of range"));
  CHECK(contains(log, "interface p1b: mac \"zz:zz\" is not an Ethernet address"));
  CHECK(contains(log, "bridge b: unknown fail_mode \"weird\""));
  CHECK(contains(log, "bridge b: unknown protocol \"OpenFlow99\""));
  CHECK(contains(log, "bridge b: port p1 is already in another bridge"));
  CHECK(contains(log, "port p1: interface p1a is already in another port"));
  CHECK(contains(log, "|ovsdb_config|WARN|"));
}
