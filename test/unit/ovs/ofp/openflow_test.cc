// End to end with the real ovs-ofctl: a FakeSwitch answers on
// punix:DIR/br0.mgmt through OfListener/OfConnection, ovs-ofctl talks to it.
#include <fstream>

#include <catch2/catch.hpp>

#include "test/unit/ovs/ofp/bench.h"

namespace ferry::ovs {
namespace {

TEST_CASE("listener refuses a bad name", "[openflow]") {
  auto l = OfListener::open("punix:/nonexistent-dir/x/br0.mgmt");
  REQUIRE_FALSE(l.ok());
  CHECK_THAT(l.error().message, Catch::Contains("/nonexistent-dir/x/br0.mgmt"));
}

TEST_CASE("ovs-ofctl add-flow reaches the switch as a FlowMod", "[openflow][ofctl]") {
  Bench b;
  CmdResult r = b.ofctl({"add-flow", b.sock, "priority=10,in_port=1,actions=output:2"});
  REQUIRE(r.status == 0);
  // ovs-ofctl looks up table names (table stats in OpenFlow 1.0) and port
  // names (features reply), each on its own connection, then sends the
  // flow_mod and a barrier.
  std::vector<OfType> types;
  for (auto& m : b.sw->received()) types.push_back(m.type);
  CHECK(types == std::vector<OfType>{OfType::kTableStatsRequest, OfType::kFeaturesRequest,
                                     OfType::kFlowMod, OfType::kBarrierRequest});
  auto fms = b.received(OfType::kFlowMod);
  REQUIRE(fms.size() == 1);
  CHECK(fms[0].version == 1);  // ovs-ofctl uses OpenFlow 1.0 unless told otherwise (-O)
  const FlowMod& fm = std::get<FlowMod>(fms[0].body);
  CHECK(fm.command == FlowModCommand::kAdd);
  CHECK(fm.priority == 10);
  CHECK(fm.table_id == 0);
  CHECK(fm.match.key.in_port == 1);
  CHECK(fm.match.mask.in_port == 0xffffffff);
  FlowKey rest = fm.match.mask;
  rest.in_port = 0;
  CHECK(rest == zero_key());
  REQUIRE(fm.actions.size() == 1);
  CHECK(fm.actions[0] == Action::output(2));
  CHECK(fm.cookie == 0);
  CHECK(fm.flags == kFlowResetCounts);  // OpenFlow 1.0 adds always reset counters
  CHECK(b.received(OfType::kBarrierRequest).size() == 1);
}

TEST_CASE("OpenFlow 1.0 and 1.3 flow_mods decode VLAN actions", "[openflow][ofctl]") {
  Bench b;
  REQUIRE(b.ofctl({"-O", "OpenFlow13", "add-flow", b.sock,
                   "priority=11,in_port=1,actions=mod_vlan_vid:20,output:2"})
              .status == 0);
  REQUIRE(b.ofctl({"-O", "OpenFlow13", "add-flow", b.sock,
                   "priority=12,dl_vlan=10,actions=meter:3,mod_vlan_vid:20,output:2"})
              .status == 0);
  REQUIRE(b.ofctl({"-O", "OpenFlow10", "add-flow", b.sock,
                   "priority=13,tcp,tp_dst=80,actions=mod_vlan_vid:5,output:1"})
              .status == 0);
  auto fms = b.received(OfType::kFlowMod);
  REQUIRE(fms.size() == 3);
  CHECK(fms[0].version == 4);
  // OpenFlow 1.3 has no "push if needed": ovs-ofctl sends push_vlan + set_field.
  CHECK(flow_text(std::get<FlowMod>(fms[0].body)) ==
        "priority=11,in_port=1 actions=push_vlan:0x8100,set_vlan_vid:20,output:2");
  CHECK(flow_text(std::get<FlowMod>(fms[1].body)) ==
        "priority=12,dl_vlan=10 actions=meter:3,set_vlan_vid:20,output:2");
  CHECK(fms[2].version == 1);
  const FlowMod& of10 = std::get<FlowMod>(fms[2].body);
  CHECK(flow_text(of10) == "priority=13,tcp,tp_dst=80 actions=mod_vlan_vid:5,output:1");
  CHECK(of10.actions[0] == Action::set_vlan_vid(5, true));
  CHECK(of10.flags == kFlowResetCounts);
}

TEST_CASE("ovs-ofctl --bundle add-flows sends open, adds, commit", "[openflow][ofctl]") {
  Bench b;
  std::string file = b.dir.path() + "/flows.txt";
  std::ofstream(file) << "priority=5,in_port=1,actions=output:2\n"
                      << "priority=6,in_port=2,actions=mod_dl_dst:02:00:00:00:00:07,output:1\n";
  CmdResult r = b.ofctl({"--bundle", "add-flows", b.sock, file});
  REQUIRE(r.status == 0);
  std::vector<std::string> seq;
  for (auto& m : b.sw->received()) {
    if (m.type == OfType::kBundleControl) {
      auto& bc = std::get<OfBundleControl>(m.body);
      seq.push_back(bc.type == OfBundleControl::Type::kOpen     ? "open"
                    : bc.type == OfBundleControl::Type::kCommit ? "commit"
                                                                : "other");
      CHECK(bc.flags == 3);  // atomic | ordered
    } else if (m.type == OfType::kBundleAdd) {
      seq.push_back("add " + flow_text(std::get<OfBundleAdd>(m.body).flow_mod));
    } else if (m.type == OfType::kBarrierRequest) {
      seq.push_back("barrier");
    }
  }
  CHECK(seq == std::vector<std::string>{
                   "open", "add priority=5,in_port=1 actions=output:2",
                   "add priority=6,in_port=2 actions=mod_dl_dst:02:00:00:00:00:07,output:1",
                   "barrier", "commit"});
}

TEST_CASE("ovs-ofctl dump-flows prints the switch's flows", "[openflow][ofctl]") {
  Bench b;
  // OpenFlow 1.0: ovs-ofctl switches to NXM first (NXT_SET_FLOW_FORMAT,
  // answered inside recv()), so the NXST reply carries the idle ages.
  CmdResult r = b.ofctl({"dump-flows", b.sock});
  REQUIRE(r.status == 0);
  CHECK(r.out ==
        "NXST_FLOW reply (xid=0x4):\n"
        " cookie=0x1, duration=5.500s, table=0, n_packets=10, n_bytes=1000, idle_age=2, "
        "priority=10,in_port=1 actions=output:2\n"
        " cookie=0x0, duration=61s, table=0, n_packets=123456789, n_bytes=9876543210, "
        "idle_timeout=30, idle_age=61, priority=20,tcp,dl_vlan=10,tp_dst=80 "
        "actions=strip_vlan,mod_dl_dst:02:00:00:00:00:09,output:3\n");
  auto reqs = b.received(OfType::kFlowStatsRequest);
  REQUIRE(reqs.size() == 1);
  CHECK(std::get<OfFlowStatsRequest>(reqs[0].body).table_id == kAllTables);
  CHECK(std::get<OfFlowStatsRequest>(reqs[0].body).out_port == kOfppNone);
  CHECK(std::get<OfFlowStatsRequest>(reqs[0].body).match == Match{});

  CmdResult r13 = b.ofctl({"-O", "OpenFlow13", "dump-flows", b.sock, "in_port=1"});
  REQUIRE(r13.status == 0);
  CHECK(r13.out ==
        "OFPST_FLOW reply (OF1.3) (xid=0x6):\n"
        " cookie=0x1, duration=5.500s, table=0, n_packets=10, n_bytes=1000, "
        "priority=10,in_port=1 actions=output:2\n"
        " cookie=0x0, duration=61s, table=0, n_packets=123456789, n_bytes=9876543210, "
        "idle_timeout=30, priority=20,tcp,dl_vlan=10,tp_dst=80 "
        "actions=pop_vlan,set_field:02:00:00:00:00:09->eth_dst,output:3\n");
  reqs = b.received(OfType::kFlowStatsRequest);
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[1].version == 4);
  CHECK(std::get<OfFlowStatsRequest>(reqs[1].body).match.key.in_port == 1);
  CHECK(std::get<OfFlowStatsRequest>(reqs[1].body).match.mask.in_port == 0xffffffff);
}

TEST_CASE("ovs-ofctl show, dump-ports, dump-aggregate, dump-desc", "[openflow][ofctl]") {
  Bench b;
  CmdResult show = b.ofctl({"show", b.sock});
  REQUIRE(show.status == 0);
  CHECK(show.out ==
        "OFPT_FEATURES_REPLY (xid=0x2): dpid:0000aabbccddeeff\n"
        "n_tables:1, n_buffers:0\n"
        "capabilities: FLOW_STATS TABLE_STATS PORT_STATS ARP_MATCH_IP\n"
        "actions: output set_vlan_vid set_vlan_pcp strip_vlan mod_dl_src mod_dl_dst mod_nw_src "
        "mod_nw_dst mod_nw_tos mod_tp_src mod_tp_dst\n"
        " 1(p1): addr:02:00:00:00:00:01\n"
        "     config:     0\n"
        "     state:      0\n"
        "     current:    10GB-FD\n"
        "     supported:  10GB-FD\n"
        "     speed: 10000 Mbps now, 10000 Mbps max\n"
        " 2(vm2): addr:02:00:00:00:00:02\n"
        "     config:     0\n"
        "     state:      LINK_DOWN\n"
        "     speed: 0 Mbps now, 0 Mbps max\n"
        "OFPT_GET_CONFIG_REPLY (xid=0x4): frags=normal miss_send_len=0\n");
  CmdResult show13 = b.ofctl({"-O", "OpenFlow13", "show", b.sock});
  REQUIRE(show13.status == 0);
  CHECK_THAT(show13.out, Catch::StartsWith("OFPT_FEATURES_REPLY (OF1.3) (xid=0x2): "
                                           "dpid:0000aabbccddeeff\n") &&
                             Catch::Contains("OFPST_PORT_DESC reply (OF1.3) (xid=0x3):\n"
                                             " 1(p1): addr:02:00:00:00:00:01\n"));

  CmdResult ports = b.ofctl({"dump-ports", b.sock});
  REQUIRE(ports.status == 0);
  CHECK(ports.out ==
        "OFPST_PORT reply (xid=0x2): 2 ports\n"
        "  port  1: rx pkts=100, bytes=6400, drop=1, errs=3, frame=?, over=?, crc=?\n"
        "           tx pkts=200, bytes=12800, drop=2, errs=4, coll=?\n"
        "  port  2: rx pkts=5, bytes=700, drop=0, errs=0, frame=?, over=?, crc=?\n"
        "           tx pkts=6, bytes=800, drop=0, errs=0, coll=?\n");
  CmdResult agg = b.ofctl({"dump-aggregate", b.sock});
  REQUIRE(agg.status == 0);
  CHECK(agg.out ==
        "NXST_AGGREGATE reply (xid=0x4): packet_count=123456799 byte_count=9876544210 "
        "flow_count=2\n");
  CmdResult desc = b.ofctl({"dump-desc", b.sock});
  REQUIRE(desc.status == 0);
  CHECK(desc.out ==
        "OFPST_DESC reply (xid=0x2):\n"
        "Manufacturer: Ferry\n"
        "Hardware: Ferry virtual switch\n"
        "Software: 0.1.0\n"
        "Serial Num: None\n"
        "DP Description: br0\n");
}

TEST_CASE("unsupported requests get OpenFlow errors", "[openflow][ofctl]") {
  Bench b;
  CmdResult act = b.ofctl({"add-flow", b.sock, "actions=bundle(eth_src,0,hrw,ofport,members:1,2)"});
  CHECK(act.status != 0);
  CHECK_THAT(act.err, Catch::Contains("OFPT_ERROR") && Catch::Contains("OFPBAC_BAD_TYPE"));
  CmdResult field = b.ofctl({"add-flow", b.sock, "ipv6,ipv6_label=1,actions=output:2"});
  CHECK(field.status != 0);
  CHECK_THAT(field.err, Catch::Contains("OFPBMC_BAD_FIELD"));
  CmdResult back =
      b.ofctl({"-O", "OpenFlow13", "add-flow", b.sock, "table=3,actions=goto_table:1"});
  CHECK(back.status != 0);  // OVS's check: goto_table only goes forward
  CHECK_THAT(back.err, Catch::Contains("OFPBIC_BAD_TABLE_ID"));

  CmdResult group =
      b.ofctl({"-O", "OpenFlow13", "add-group", b.sock,
               "group_id=1,type=all,bucket=bundle(eth_src,0,hrw,ofport,members:1,2)"});
  CHECK(group.status != 0);  // a bucket's actions are checked as a flow's
  CHECK_THAT(group.err, Catch::Contains("OFPBAC_BAD_TYPE"));
  CmdResult meter = b.ofctl({"-O", "OpenFlow13", "add-meter", b.sock,
                             "meter=1,kbps,band=type=dscp_remark,rate=1000,prec_level=1"});
  CHECK(meter.status == 0);  // decoded and handed on: the switch judges bands
  REQUIRE(b.received(OfType::kMeterMod).size() == 1);
  CHECK(std::get<OfMeterMod>(b.received(OfType::kMeterMod)[0].body).bands[0].type == 2);
  // None of them reached the switch.
  CHECK(b.received(OfType::kFlowMod).empty());

  CmdResult overlap = b.ofctl({"add-flow", b.sock, "priority=666,actions=drop"});
  CHECK(overlap.status != 0);
  CHECK_THAT(overlap.err, Catch::Contains("OFPT_ERROR") && Catch::Contains("OFPFMFC_OVERLAP"));
  CHECK(b.received(OfType::kFlowMod).size() == 1);
}

}  // namespace
}  // namespace ferry::ovs
