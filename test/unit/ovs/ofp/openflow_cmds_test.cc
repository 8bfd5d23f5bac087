// More ovs-ofctl commands against the FakeSwitch: deletes and modifies in
// OpenFlow 1.0, NXM and 1.3, packet-out, echo, config, table features,
// multipart splitting, and a bundle that fails.
#include <fstream>

#include <catch2/catch.hpp>

#include "test/unit/ovs/ofp/bench.h"

namespace ferry::ovs {
namespace {

const FlowMod& flow_mod(const OfMessage& m) { return std::get<FlowMod>(m.body); }

TEST_CASE("del-flows and mod-flows in OpenFlow 1.0, NXM and 1.3", "[openflow][ofctl]") {
  Bench b;
  REQUIRE(b.ofctl({"del-flows", b.sock, "in_port=1"}).status == 0);
  REQUIRE(b.ofctl({"--strict", "del-flows", b.sock, "priority=5,in_port=1"}).status == 0);
  REQUIRE(b.ofctl({"del-flows", b.sock, "cookie=0x10/0xff"}).status == 0);  // needs NXM
  REQUIRE(
      b.ofctl({"-O", "OpenFlow13", "del-flows", b.sock, "cookie=0x10/0xff,out_port=2"}).status ==
      0);
  REQUIRE(b.ofctl({"mod-flows", b.sock, "in_port=1,actions=output:3"}).status == 0);
  REQUIRE(b.ofctl({"-O", "OpenFlow13", "--strict", "mod-flows", b.sock,
                   "priority=9,in_port=1,actions=output:3"})
              .status == 0);
  auto fms = b.received(OfType::kFlowMod);
  REQUIRE(fms.size() == 6);

  const FlowMod& del = flow_mod(fms[0]);
  CHECK(del.command == FlowModCommand::kDelete);
  CHECK(del.table_id == kAllTables);
  CHECK(del.out_port == kOfppNone);
  CHECK(del.match.key.in_port == 1);
  CHECK(del.new_cookie == kNoNewCookie);

  const FlowMod& strict = flow_mod(fms[1]);
  CHECK(strict.command == FlowModCommand::kDeleteStrict);
  CHECK(strict.priority == 5);

  const FlowMod& nxm = flow_mod(fms[2]);
  CHECK(nxm.command == FlowModCommand::kDelete);
  CHECK(nxm.cookie == 0x10);
  CHECK(nxm.cookie_mask == 0xff);
  CHECK(nxm.match == Match{});

  const FlowMod& of13 = flow_mod(fms[3]);
  CHECK(fms[3].version == 4);
  CHECK(of13.table_id == kAllTables);
  CHECK(of13.cookie == 0x10);
  CHECK(of13.cookie_mask == 0xff);
  CHECK(of13.out_port == 2);

  // OpenFlow 1.0's modify also sets the cookie (to 0 here), as in OVS.
  const FlowMod& mod10 = flow_mod(fms[4]);
  CHECK(mod10.command == FlowModCommand::kModify);
  CHECK(mod10.new_cookie == 0);
  CHECK(mod10.actions == ActionList{Action::output(3)});
  const FlowMod& mod13 = flow_mod(fms[5]);
  CHECK(mod13.command == FlowModCommand::kModifyStrict);
  CHECK(mod13.new_cookie == kNoNewCookie);
  CHECK(mod13.priority == 9);
}

TEST_CASE("packet-out carries in_port, actions and the packet bytes", "[openflow][ofctl]") {
  Bench b;
  std::string frame = "ffffffffffff020000000001080600010800060400010200000000010a000001";
  frame += "0000000000000a000002";
  REQUIRE(b.ofctl({"packet-out", b.sock, "1", "output:2", frame}).status == 0);
  REQUIRE(b.ofctl({"-O", "OpenFlow13", "packet-out", b.sock, "LOCAL",
                   "mod_dl_dst:02:00:00:00:00:05,output:1", frame})
              .status == 0);
  auto pos = b.received(OfType::kPacketOut);
  REQUIRE(pos.size() == 2);
  const auto& po10 = std::get<OfPacketOut>(pos[0].body);
  CHECK(po10.in_port == 1);
  CHECK(po10.actions == ActionList{Action::output(2)});
  REQUIRE(po10.packet.size() == frame.size() / 2);
  CHECK(po10.packet[0] == 0xff);
  CHECK(po10.packet[6] == 0x02);
  CHECK(po10.packet[12] == 0x08);
  CHECK(po10.packet[13] == 0x06);
  CHECK(po10.packet.back() == 0x02);
  const auto& po13 = std::get<OfPacketOut>(pos[1].body);
  CHECK(po13.in_port == kOfppLocal);
  CHECK(po13.actions ==
        ActionList{Action::set_eth_dst({0x02, 0, 0, 0, 0, 0x05}), Action::output(1)});
  CHECK(po13.packet == po10.packet);
}

TEST_CASE("echo, config, tables and table features", "[openflow][ofctl]") {
  Bench b;
  CmdResult probe = b.ofctl({"probe", b.sock});
  CHECK(probe.status == 0);
  CHECK(b.sw->received().empty());  // echo is answered inside recv()

  REQUIRE(b.ofctl({"set-frags", b.sock, "drop"}).status == 0);
  auto sets = b.received(OfType::kSetConfig);
  REQUIRE(sets.size() == 1);
  CHECK(std::get<OfSetConfig>(sets[0].body).flags == 1);  // OFPC_FRAG_DROP
  // A service connection: miss_send_len 0 until it asks (as OVS), sent back as read.
  CHECK(std::get<OfSetConfig>(sets[0].body).miss_send_len == 0);
  CmdResult frags = b.ofctl({"get-frags", b.sock});
  CHECK(frags.out == "drop\n");

  CmdResult tables = b.ofctl({"dump-tables", b.sock});
  REQUIRE(tables.status == 0);
  CHECK_THAT(tables.out, Catch::StartsWith("OFPST_TABLE reply (xid=0x2):\n  table 0:\n"
                                           "    active=2, lookup=1000, matched=900\n"));

  b.sw->clear();
  CmdResult features = b.ofctl({"-O", "OpenFlow13", "dump-table-features", b.sock});
  REQUIRE(features.status == 0);
  CHECK_THAT(features.out,
             Catch::StartsWith("  table 0:\n    metadata: match=0xffffffffffffffff "
                               "write=0xffffffffffffffff\n    max_entries=1000000\n") &&
                 Catch::Contains("next tables: 1-253\n") &&
                 Catch::Contains("instructions: meter apply_actions write_metadata goto_table\n") &&
                 Catch::Contains("actions: output group set_field strip_vlan push_vlan mod_nw_ttl "
                                 "dec_ttl set_mpls_ttl dec_mpls_ttl push_mpls pop_mpls\n") &&
                 Catch::Contains("supported on Set-Field: metadata in_port pkt_mark reg0...reg15"));
  // Tables 0-253, as OVS; the last has nowhere to go.
  CHECK_THAT(features.out,
             Catch::Contains("  table 253:\n") &&
                 Catch::Contains("instructions: meter apply_actions write_metadata\n"));
  CHECK_THAT(features.out, !Catch::Contains("table 254"));
  CHECK(b.sw->received().empty());  // static: answered inside recv()
}

TEST_CASE("a large flow dump is split into multipart replies", "[openflow][ofctl]") {
  Bench b;
  CmdResult r = b.ofctl({"dump-flows", b.sock, "in_port=99"});
  REQUIRE(r.status == 0);
  size_t flows = 0, replies = 0, pos = 0;
  while ((pos = r.out.find('\n', pos)) != std::string::npos) {
    pos++;
    if (r.out.compare(pos, 8, " cookie=") == 0) flows++;
    if (r.out.compare(pos, 15, "NXST_FLOW reply") == 0) replies++;
  }
  if (r.out.rfind("NXST_FLOW reply", 0) == 0) replies++;
  CHECK(flows == FakeSwitch::kManyFlows);
  CHECK(replies > 1);
  CHECK_THAT(r.out, Catch::Contains(" cookie=0x0, duration=0s, table=0, n_packets=2999, "
                                    "n_bytes=191936, priority=100,ip,in_port=99,"
                                    "nw_dst=10.0.11.183 actions=mod_dl_dst:02:00:00:00:00:01,"
                                    "output:1\n"));
}

TEST_CASE("a bundle with a refused flow_mod is discarded", "[openflow][ofctl]") {
  Bench b;
  std::string file = b.dir.path() + "/flows.txt";
  std::ofstream(file) << "priority=5,in_port=1,actions=output:2\n"
                      << "priority=6,ip,actions=bundle(eth_src,0,hrw,ofport,members:1,2)\n";
  CmdResult r = b.ofctl({"--bundle", "add-flows", b.sock, file});
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("Error OFPBAC_BAD_TYPE for: OFPT_FLOW_MOD (OF1.4)"));
  std::vector<std::string> seq;
  for (auto& m : b.sw->received()) {
    if (m.type == OfType::kBundleControl) {
      auto type = std::get<OfBundleControl>(m.body).type;
      seq.push_back(type == OfBundleControl::Type::kOpen      ? "open"
                    : type == OfBundleControl::Type::kDiscard ? "discard"
                                                              : "other");
    } else if (m.type == OfType::kBundleAdd) {
      CHECK(m.version == 5);  // --bundle implies OpenFlow 1.4
      const auto& add = std::get<OfBundleAdd>(m.body);
      seq.push_back(add.refused ? "refused add" : "add " + flow_text(add.flow_mod));
    } else if (m.type == OfType::kBarrierRequest) {
      seq.push_back("barrier");
    }
  }
  // The refused add still reaches the switch (marked), so a commit of that
  // bundle could never succeed without it.
  CHECK(seq == std::vector<std::string>{"open", "add priority=5,in_port=1 actions=output:2",
                                        "refused add", "barrier", "discard"});
}

TEST_CASE("an OpenFlow 1.3 bundle whose commit fails", "[openflow][ofctl]") {
  Bench b;
  std::string file = b.dir.path() + "/flows.txt";
  std::ofstream(file) << "priority=5,in_port=1,actions=output:2\n"
                      << "priority=666,actions=drop\n";
  CmdResult r = b.ofctl({"-O", "OpenFlow13", "--bundle", "add-flows", b.sock, file});
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("Error OFPBFC_MSG_FAILED for: ONFT_BUNDLE_CONTROL (OF1.3)"));
  auto adds = b.received(OfType::kBundleAdd);
  REQUIRE(adds.size() == 2);
  CHECK(adds[0].version == 4);  // ONF's bundle extension
  auto ctrl = b.received(OfType::kBundleControl);
  REQUIRE(ctrl.size() == 2);
  CHECK(std::get<OfBundleControl>(ctrl[1].body).type == OfBundleControl::Type::kCommit);
  CHECK(std::get<OfBundleControl>(ctrl[1].body).bundle_id ==
        std::get<OfBundleControl>(ctrl[0].body).bundle_id);
}

TEST_CASE("meters: add-meter, mod-meter, del-meters, dump-meters, meter-stats, meter-features",
          "[openflow][ofctl][meter]") {
  Bench b;
  REQUIRE(b.ofctl({"-O", "OpenFlow13", "add-meter", b.sock,
                   "meter=1,pktps,burst,stats,band=type=drop,rate=1000,burst_size=100"})
              .status == 0);
  REQUIRE(
      b.ofctl({"-O", "OpenFlow13", "mod-meter", b.sock, "meter=1,kbps,band=type=drop,rate=5000"})
          .status == 0);
  REQUIRE(b.ofctl({"-O", "OpenFlow13", "del-meter", b.sock, "meter=1"}).status == 0);
  auto mods = b.received(OfType::kMeterMod);
  REQUIRE(mods.size() == 3);
  const auto& add = std::get<OfMeterMod>(mods[0].body);
  CHECK(add.command == OfMeterMod::Command::kAdd);
  CHECK(add.meter_id == 1);
  CHECK(add.flags == (kMeterPktps | kMeterBurst | kMeterStats));
  REQUIRE(add.bands.size() == 1);
  CHECK(add.bands[0].type == kMeterBandDrop);
  CHECK(add.bands[0].rate == 1000);
  CHECK(add.bands[0].burst_size == 100);
  const auto& mod = std::get<OfMeterMod>(mods[1].body);
  CHECK(mod.command == OfMeterMod::Command::kModify);
  CHECK(mod.flags == kMeterKbps);
  CHECK(mod.bands[0].rate == 5000);
  CHECK(std::get<OfMeterMod>(mods[2].body).command == OfMeterMod::Command::kDelete);

  CmdResult stats = b.ofctl({"-O", "OpenFlow13", "meter-stats", b.sock});
  REQUIRE(stats.status == 0);
  CHECK_THAT(
      stats.out,
      Catch::Contains("meter:1 flow_count:2 packet_in_count:100 byte_in_count:6400 duration:3s"));
  CHECK_THAT(stats.out, Catch::Contains("0: packet_count:40 byte_count:2560"));
  CmdResult cfg = b.ofctl({"-O", "OpenFlow13", "dump-meters", b.sock});
  REQUIRE(cfg.status == 0);
  CHECK_THAT(cfg.out, Catch::Contains("meter=1 pktps burst stats bands="));
  CHECK_THAT(cfg.out, Catch::Contains("type=drop rate=1000 burst_size=100"));
  CmdResult feat = b.ofctl({"-O", "OpenFlow13", "meter-features", b.sock});
  REQUIRE(feat.status == 0);
  CHECK_THAT(feat.out, Catch::Contains("max_meter:65536"));
  CHECK_THAT(feat.out, Catch::Contains("band_types: drop"));
}

}  // namespace
}  // namespace ferry::ovs
