// Ovsdb against a real ovsdb-server: reading what the real ovs-vsctl
// configured, and writing status the real ovs-vsctl reads back.
#include "lib/ovs/database.h"

#include <catch2/catch.hpp>

#include "test/unit/ovs/db/ovsdb_drive.h"
#include "test/unit/ovs/db/ovsdb_server.h"

using ferry::ovs::Config;
using ferry::ovs::InterfaceStatus;
using ferry::ovs::Ovsdb;
using ferry::test::drive;
using ferry::test::OvsdbServer;
using ferry::test::ready_db;
using ferry::test::vsctl_get;

TEST_CASE("Ovsdb connects, takes the lock, and reads what ovs-vsctl configured", "[ovsdb]") {
  OvsdbServer server;
  INFO(server.error());
  REQUIRE(server.ok());
  auto db = Ovsdb::create(server.remote());

  // Connected with contents, but no Open_vSwitch row yet: no config.
  REQUIRE(drive(*db, [&] { return db->connected() && db->has_lock() && db->change_seqno(); }));
  CHECK_FALSE(db->lock_contended());
  CHECK_FALSE(db->config().has_value());

  REQUIRE(server.vsctl({"--no-wait", "init"}).exit_code == 0);
  REQUIRE(drive(*db, [&] { return db->config().has_value(); }));
  CHECK(db->config()->bridges.empty());
  CHECK(db->config()->next_cfg == 0);

  uint64_t seqno = db->change_seqno();
  REQUIRE(ferry::test::add_test_bridge(server) == 0);
  REQUIRE(drive(*db, [&] { return db->config()->bridges.size() == 1; }));
  CHECK(db->change_seqno() != seqno);

  Config c = *db->config();
  CHECK(c.other_config.empty());
  CHECK(c.external_ids.empty());
  const auto& br = c.bridges[0];
  CHECK(br.name == "br0");
  CHECK(br.datapath_type == "netdev");
  CHECK(br.fail_mode.empty());
  CHECK(br.other_config.empty());
  CHECK(br.external_ids.empty());
  CHECK(br.protocols.empty());
  REQUIRE(br.ports.size() == 2);  // the bridge's local port and p1, by name
  CHECK(br.ports[0].name == "br0");
  REQUIRE(br.ports[0].interfaces.size() == 1);
  CHECK(br.ports[0].interfaces[0].name == "br0");
  CHECK(br.ports[0].interfaces[0].type == "internal");
  CHECK_FALSE(br.ports[0].tag.has_value());
  const auto& p1 = br.ports[1];
  CHECK(p1.name == "p1");
  CHECK(p1.tag == 10);
  CHECK(p1.trunks.empty());
  CHECK(p1.vlan_mode.empty());
  CHECK(p1.other_config.empty());
  REQUIRE(p1.interfaces.size() == 1);
  const auto& i1 = p1.interfaces[0];
  CHECK(i1.name == "p1");
  CHECK(i1.type == "dpdk");
  CHECK(i1.options == ferry::ovs::StringMap{{"dpdk-devargs", "net_null0"}});
  CHECK(i1.other_config.empty());
  CHECK(i1.ofport_request == 5);
  CHECK_FALSE(i1.mtu_request.has_value());
  CHECK(i1.mac.empty());

  // Every other column Ferry reads, changed at once.
  seqno = db->change_seqno();
  REQUIRE(server
              .vsctl({"--no-wait",
                      "set",
                      "Open_vSwitch",
                      ".",
                      "other_config:pmd-cpu-mask=0x3",
                      "other_config:dpdk-init=true",
                      "external_ids:system-id=hv1",
                      "--",
                      "set",
                      "Bridge",
                      "br0",
                      "fail_mode=secure",
                      "protocols=OpenFlow13,OpenFlow10",
                      "other_config:hwaddr=02:00:00:00:00:01",
                      "external_ids:owner=ferry",
                      "--",
                      "set",
                      "Port",
                      "p1",
                      "trunks=30,20",
                      "vlan_mode=native-untagged",
                      "other_config:priority-tags=true",
                      "--",
                      "set",
                      "Interface",
                      "p1",
                      "mtu_request=9000",
                      "mac=\"02:aa:bb:cc:dd:ee\"",
                      "other_config:x=y"})
              .exit_code == 0);
  REQUIRE(drive(*db, [&] { return db->config()->bridges[0].fail_mode == "secure"; }));
  CHECK(db->change_seqno() != seqno);
  c = *db->config();
  CHECK(c.other_config == ferry::ovs::StringMap{{"dpdk-init", "true"}, {"pmd-cpu-mask", "0x3"}});
  CHECK(c.external_ids == ferry::ovs::StringMap{{"system-id", "hv1"}});
  CHECK(c.bridges[0].protocols == std::vector<std::string>{"OpenFlow10", "OpenFlow13"});
  CHECK(c.bridges[0].other_config == ferry::ovs::StringMap{{"hwaddr", "02:00:00:00:00:01"}});
  CHECK(c.bridges[0].external_ids == ferry::ovs::StringMap{{"owner", "ferry"}});
  const auto& p = c.bridges[0].ports[1];
  CHECK(p.tag == 10);
  CHECK(p.trunks == std::vector<int64_t>{20, 30});
  CHECK(p.vlan_mode == "native-untagged");
  CHECK(p.other_config == ferry::ovs::StringMap{{"priority-tags", "true"}});
  CHECK(p.interfaces[0].mtu_request == 9000);
  CHECK(p.interfaces[0].mac == "02:aa:bb:cc:dd:ee");
  CHECK(p.interfaces[0].other_config == ferry::ovs::StringMap{{"x", "y"}});

  // A port removed.
  REQUIRE(server.vsctl({"--no-wait", "del-port", "br0", "p1"}).exit_code == 0);
  REQUIRE(drive(*db, [&] { return db->config()->bridges[0].ports.size() == 1; }));
  CHECK(db->config()->bridges[0].ports[0].name == "br0");
}

TEST_CASE("Ovsdb writes status and cur_cfg the OVS tools read back", "[ovsdb]") {
  OvsdbServer server;
  REQUIRE(server.ok());
  REQUIRE(server.vsctl({"--no-wait", "init"}).exit_code == 0);
  REQUIRE(ferry::test::add_test_bridge(server) == 0);
  auto db = ready_db(server);
  REQUIRE(db);
  REQUIRE(drive(*db, [&] { return db->config()->bridges.size() == 1; }));
  uint64_t seqno = db->change_seqno();

  // Two calls for p1 merge; an interface that does not exist is skipped.
  InterfaceStatus a;
  a.name = "p1";
  a.ofport = 5;
  a.error = "could not open network device p1 (No such device)";
  a.statistics = std::map<std::string, int64_t>{{"rx_packets", 10}, {"tx_packets", 20}};
  db->set_interface_status(a);
  InterfaceStatus b;
  b.name = "p1";
  b.link_state = "up";
  b.admin_state = "up";
  b.mtu = 1500;
  b.link_speed = 10000000000;
  b.duplex = "full";
  b.mac_in_use = "02:00:00:00:00:05";
  b.status = ferry::ovs::StringMap{{"driver_name", "net_null"}};
  db->set_interface_status(b);
  InterfaceStatus gone;
  gone.name = "vanished";
  gone.ofport = 9;
  db->set_interface_status(gone);
  db->set_cur_cfg(7);
  db->set_bridge_status("br0", "0000020000000001");
  ferry::ovs::SystemStatus sys;
  sys.ovs_version = "3.1.0";
  sys.dpdk_version = "DPDK 22.11.11";
  sys.dpdk_initialized = true;
  sys.datapath_types = {"netdev"};
  sys.iface_types = {"dpdk", "internal"};
  db->set_system_status(sys);
  CHECK(db->txn_busy());
  REQUIRE(drive(*db, [&] { return !db->txn_busy(); }));

  CHECK(vsctl_get(server, "Interface", "p1", "ofport") == "5\n");
  CHECK(vsctl_get(server, "Interface", "p1", "error") ==
        "\"could not open network device p1 (No such device)\"\n");
  CHECK(vsctl_get(server, "Interface", "p1", "statistics") == "{rx_packets=10, tx_packets=20}\n");
  CHECK(vsctl_get(server, "Interface", "p1", "link_state") == "up\n");
  CHECK(vsctl_get(server, "Interface", "p1", "admin_state") == "up\n");
  CHECK(vsctl_get(server, "Interface", "p1", "mtu") == "1500\n");
  CHECK(vsctl_get(server, "Interface", "p1", "link_speed") == "10000000000\n");
  CHECK(vsctl_get(server, "Interface", "p1", "duplex") == "full\n");
  CHECK(vsctl_get(server, "Interface", "p1", "mac_in_use") == "\"02:00:00:00:00:05\"\n");
  CHECK(vsctl_get(server, "Interface", "p1", "status") == "{driver_name=net_null}\n");
  CHECK(vsctl_get(server, "Open_vSwitch", ".", "cur_cfg") == "7\n");
  CHECK(vsctl_get(server, "Bridge", "br0", "datapath_id") == "\"0000020000000001\"\n");
  CHECK(vsctl_get(server, "Open_vSwitch", ".", "ovs_version") == "\"3.1.0\"\n");
  CHECK(vsctl_get(server, "Open_vSwitch", ".", "dpdk_version") == "\"DPDK 22.11.11\"\n");
  CHECK(vsctl_get(server, "Open_vSwitch", ".", "dpdk_initialized") == "true\n");
  CHECK(vsctl_get(server, "Open_vSwitch", ".", "datapath_types") == "[netdev]\n");
  CHECK(vsctl_get(server, "Open_vSwitch", ".", "iface_types") == "[dpdk, internal]\n");
  // Status is not configuration: writing it did not move change_seqno.
  REQUIRE(drive(
              *db, [] { return false; }, 200) == false);
  CHECK(db->change_seqno() == seqno);

  // Clearing the error; fields not set again keep their values.
  InterfaceStatus clear;
  clear.name = "p1";
  clear.error = "";
  clear.link_state = "down";
  db->set_interface_status(clear);
  REQUIRE(drive(*db, [&] { return !db->txn_busy(); }));
  CHECK(vsctl_get(server, "Interface", "p1", "error") == "[]\n");
  CHECK(vsctl_get(server, "Interface", "p1", "link_state") == "down\n");
  CHECK(vsctl_get(server, "Interface", "p1", "ofport") == "5\n");
}
