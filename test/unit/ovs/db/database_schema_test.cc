// Ovsdb against a server whose schema accepts values Ferry's does not.
#include <cstdio>

#include <catch2/catch.hpp>

#include "lib/ovs/database.h"
#include "lib/util/log.h"
#include "test/unit/ovs/db/ovsdb_drive.h"
#include "test/unit/ovs/db/ovsdb_server.h"

using ferry::ovs::Config;
using ferry::ovs::Ovsdb;
using ferry::test::drive;
using ferry::test::OvsdbServer;
using ferry::test::ready_db;

TEST_CASE("a value outside Ferry's schema leaves the field unset, the row kept", "[ovsdb]") {
  // A database whose schema lets VLAN ids go past 4095, as a newer or
  // hand-edited schema might.
  std::string dir = ferry::test::make_temp_dir();
  struct Cleanup {
    std::string dir;
    ~Cleanup() { ferry::test::remove_tree(dir); }
  } cleanup{dir};
  std::string schema = ferry::test::read_file(ferry::test::kVswitchSchema);
  int widened = 0;
  for (size_t at; (at = schema.find("\"maxInteger\": 4095")) != std::string::npos; widened++)
    schema.replace(at, 18, "\"maxInteger\": 8191");
  REQUIRE(widened >= 2);  // Port.tag and Port.trunks among them
  std::string schema_path = dir + "/wide-tag.ovsschema";
  {
    std::FILE* f = std::fopen(schema_path.c_str(), "w");
    REQUIRE(f);
    std::fputs(schema.c_str(), f);
    std::fclose(f);
  }
  std::string log_path = dir + "/ferry.log";
  REQUIRE(ferry::Log::process().open_file(log_path).ok());
  OvsdbServer server(schema_path);
  INFO(server.error());
  REQUIRE(server.ok());
  REQUIRE(server.vsctl({"--no-wait", "init"}).exit_code == 0);
  REQUIRE(ferry::test::add_test_bridge(server) == 0);
  auto db = ready_db(server);
  REQUIRE(db);
  REQUIRE(drive(*db, [&] { return db->config()->bridges.size() == 1; }));
  REQUIRE(db->config()->bridges[0].ports[1].tag == 10);

  auto r = ferry::test::run_program(
      {"ovsdb-client", "transact", server.remote(),
       R"(["Open_vSwitch", {"op": "update", "table": "Port", "where": [["name", "==", "p1"]],)"
       R"( "row": {"tag": 5000, "trunks": ["set", [20, 4500]], "vlan_mode": "trunk"}}])"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(drive(*db, [&] { return db->config()->bridges[0].ports[1].vlan_mode == "trunk"; }));
  Config c = *db->config();
  const auto& p1 = c.bridges[0].ports[1];
  CHECK(p1.name == "p1");
  CHECK_FALSE(p1.tag.has_value());
  CHECK(p1.trunks == std::vector<int64_t>{20});
  REQUIRE(p1.interfaces.size() == 1);
  CHECK(p1.interfaces[0].ofport_request == 5);
  REQUIRE(ferry::Log::process().open_file("").ok());
  std::string log = ferry::test::read_file(log_path);
  CHECK(log.find("port p1: tag 5000 out of range 0..4095, ignored") != std::string::npos);
  CHECK(log.find("port p1: trunk 4500 out of range 0..4095, ignored") != std::string::npos);
}
