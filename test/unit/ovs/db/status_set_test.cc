// StatusSet merging and the checks on status values, without a database.
#include "lib/ovs/db/status_set.h"

#include <catch2/catch.hpp>

using ferry::ovs::InterfaceStatus;
using ferry::ovs::StatusSet;

TEST_CASE("interface status merges field by field, newest wins", "[ovsdb-status]") {
  StatusSet set;
  CHECK(set.empty());
  InterfaceStatus a;
  a.name = "p1";
  a.ofport = 5;
  a.link_state = "down";
  a.statistics = std::map<std::string, int64_t>{{"rx_packets", 1}};
  set.set_interface(a);
  InterfaceStatus b;
  b.name = "p1";
  b.link_state = "up";
  b.error = "";
  set.set_interface(b);
  CHECK_FALSE(set.empty());
  REQUIRE(set.interfaces().size() == 1);
  const InterfaceStatus& m = set.interfaces().at("p1");
  CHECK(m.ofport == 5);
  CHECK(m.link_state == "up");
  CHECK(m.error == "");
  CHECK(m.statistics == std::map<std::string, int64_t>{{"rx_packets", 1}});
  CHECK_FALSE(m.admin_state.has_value());
}

TEST_CASE("a set to retry goes under the newer set", "[ovsdb-status]") {
  StatusSet older;
  InterfaceStatus o1;
  o1.name = "p1";
  o1.ofport = 1;
  o1.link_state = "down";
  older.set_interface(o1);
  InterfaceStatus o2;
  o2.name = "p2";
  o2.ofport = 2;
  older.set_interface(o2);
  older.set_cur_cfg(3);
  older.set_bridge_datapath_id("br0", "0000000000000001");
  older.set_bridge_datapath_id("br1", "0000000000000002");

  StatusSet newer;
  InterfaceStatus n1;
  n1.name = "p1";
  n1.link_state = "up";
  newer.set_interface(n1);
  newer.set_bridge_datapath_id("br0", "00000000000000ff");
  newer.absorb_older(std::move(older));

  REQUIRE(newer.interfaces().size() == 2);
  CHECK(newer.interfaces().at("p1").ofport == 1);
  CHECK(newer.interfaces().at("p1").link_state == "up");
  CHECK(newer.interfaces().at("p2").ofport == 2);
  CHECK(newer.cur_cfg() == 3);
  CHECK(newer.datapath_ids() == std::map<std::string, std::string>{{"br0", "00000000000000ff"},
                                                                   {"br1", "0000000000000002"}});

  StatusSet newest;
  newest.set_cur_cfg(4);
  newest.absorb_older(std::move(newer));
  CHECK(newest.cur_cfg() == 4);
}

TEST_CASE("status values the schema would reject are dropped", "[ovsdb-status]") {
  InterfaceStatus s;
  s.name = "p1";
  s.ofport = 0;
  s.admin_state = "sideways";
  s.link_state = "up";
  s.duplex = "triple";
  s.link_speed = -5;
  s.link_resets = 2;
  s.mtu = 1500;
  InterfaceStatus c = ferry::ovs::check_interface_status(s);
  CHECK_FALSE(c.ofport.has_value());
  CHECK_FALSE(c.admin_state.has_value());
  CHECK(c.link_state == "up");
  CHECK_FALSE(c.duplex.has_value());
  CHECK_FALSE(c.link_speed.has_value());
  CHECK(c.link_resets == 2);
  CHECK(c.mtu == 1500);

  s.ofport = -1;  // OVS's "could not attach"
  s.admin_state = "";
  CHECK(ferry::ovs::check_interface_status(s).ofport == -1);
  CHECK(ferry::ovs::check_interface_status(s).admin_state == "");
  s.ofport = 65534;  // OFPP_LOCAL
  CHECK(ferry::ovs::check_interface_status(s).ofport == 65534);
  s.ofport = 65280;
  CHECK_FALSE(ferry::ovs::check_interface_status(s).ofport.has_value());
}
