// The NORMAL action through a running Datapath: learning, flooding and
// 802.1Q port modes, with exact output bytes.
#include <catch2/catch.hpp>

#include "lib/packet/builder.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {
namespace {

const Mac kA = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
const Mac kB = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
const Mac kC = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0c};

// An IPv4/UDP frame of 82 bytes untagged (no padding involved).
Frame udp(const Mac& dst, const Mac& src, int vid = -1, uint8_t pcp = 0) {
  FrameBuilder b;
  b.eth(dst, src);
  if (vid >= 0) b.vlan(static_cast<uint16_t>(vid), pcp);
  return b.ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2))
      .udp(1000, 2000)
      .payload_size(40)
      .pad_to(0)
      .build();
}

VlanConfig vlan_cfg(std::optional<int64_t> tag, std::vector<int64_t> trunks, const char* mode) {
  std::string warning;
  VlanConfig c = VlanConfig::from_columns(tag, trunks, mode, &warning);
  REQUIRE(warning.empty());
  return c;
}

void add_normal(DpHarness& h) { h.add_flow(Match::catchall(), 0, {Action::output(kOfppNormal)}); }

}  // namespace

TEST_CASE("NORMAL floods the first frame and sends the reply to the learned port",
          "[dpdk][normal]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  add_normal(h);

  Frame ab = udp(kB, kA);
  h.send(1, ab);
  CHECK(h.recv(2, 1) == std::vector<Frame>{ab});
  CHECK(h.recv(3, 1) == std::vector<Frame>{ab});
  h.quiesce();
  CHECK(h.take(1).empty());
  CHECK(h.take(2).empty());
  CHECK(h.take(3).empty());
  CHECK(h.fdb().size() == 0);  // learning is the control thread's, in run()

  h.learn();
  REQUIRE(h.fdb().find(0, kA));
  CHECK(h.fdb().find(0, kA)->ofport == 1);
  CHECK(h.fdb().size() == 1);

  Frame ba = udp(kA, kB);
  h.send(2, ba);
  CHECK(h.recv(1, 1) == std::vector<Frame>{ba});
  h.quiesce();
  CHECK(h.take(3).empty());
  CHECK(h.take(2).empty());

  h.learn();
  REQUIRE(h.fdb().find(0, kB));
  CHECK(h.fdb().find(0, kB)->ofport == 2);
  CHECK(h.fdb().size() == 2);
  CHECK(h.fdb().stats().learned == 2);

  // Now both are known: A -> B goes to port 2 only.
  h.send(1, ab);
  CHECK(h.recv(2, 1) == std::vector<Frame>{ab});
  h.quiesce();
  CHECK(h.take(3).empty());

  const PmdCounters& c = h.counters();
  CHECK(c.rx_packets.get() == 3);
  CHECK(c.tx_packets.get() == 4);
  CHECK(c.total_drops() == 0);
}

TEST_CASE("NORMAL follows a MAC that moves to another port", "[dpdk][normal]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  add_normal(h);
  h.send(1, udp(kB, kA));
  h.send(2, udp(kA, kB));
  h.learn();
  h.take(1);
  h.take(2);
  h.take(3);
  REQUIRE(h.fdb().find(0, kA));
  CHECK(h.fdb().find(0, kA)->ofport == 1);

  h.send(3, udp(kB, kA));  // A appears on port 3
  CHECK(h.recv(2, 1).size() == 1);
  h.learn();
  REQUIRE(h.fdb().find(0, kA));
  CHECK(h.fdb().find(0, kA)->ofport == 3);
  CHECK(h.fdb().stats().moved == 1);

  Frame ba = udp(kA, kB);
  h.send(2, ba);
  CHECK(h.recv(3, 1) == std::vector<Frame>{ba});
  h.quiesce();
  CHECK(h.take(1).empty());
}

TEST_CASE("NORMAL tags and untags between access and trunk ports", "[dpdk][normal][vlan]") {
  // p1 access 10, p2 trunk (all), p3 access 20, p4 trunk of VLAN 20 only.
  DpHarness h(4, {vlan_cfg(10, {}, ""), vlan_cfg(std::nullopt, {}, ""), vlan_cfg(20, {}, ""),
                  vlan_cfg(std::nullopt, {20}, "trunk")});
  if (!h.ok()) FAIL(h.error());
  add_normal(h);

  // Untagged in on access VLAN 10: out of the trunk only, tagged VID 10,
  // nothing else changed.
  Frame in1 = udp(kB, kA);
  REQUIRE(in1.size() == 82);
  h.send(1, in1);
  std::vector<Frame> out = h.recv(2, 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == udp(kB, kA, 10, 0));
  CHECK(out[0].size() == 86);
  h.quiesce();
  CHECK(h.take(1).empty());
  CHECK(h.take(3).empty());
  CHECK(h.take(4).empty());
  h.learn();
  REQUIRE(h.fdb().find(10, kA));
  CHECK(h.fdb().find(10, kA)->ofport == 1);
  CHECK(h.fdb().find(0, kA) == nullptr);

  // Tagged VID 10 in on the trunk, to the learned A: out of p1 untagged.
  h.send(2, udp(kA, kB, 10, 0));
  CHECK(h.recv(1, 1) == std::vector<Frame>{udp(kA, kB)});
  h.quiesce();
  CHECK(h.take(3).empty());
  CHECK(h.take(4).empty());

  // Tagged VID 20, PCP 5, in on the trunk to an unknown MAC: VLAN 20 is p3
  // (untagged) and p4 (tagged, the priority kept).
  h.send(2, udp(kC, kB, 20, 5));
  CHECK(h.recv(3, 1) == std::vector<Frame>{udp(kC, kB)});
  CHECK(h.recv(4, 1) == std::vector<Frame>{udp(kC, kB, 20, 5)});
  h.quiesce();
  CHECK(h.take(1).empty());
  CHECK(h.take(2).empty());

  // Untagged in on access VLAN 20: tagged 20 on both trunks.
  h.send(3, udp(kC, kA));
  CHECK(h.recv(2, 1) == std::vector<Frame>{udp(kC, kA, 20, 0)});
  CHECK(h.recv(4, 1) == std::vector<Frame>{udp(kC, kA, 20, 0)});
  h.quiesce();
  CHECK(h.take(1).empty());
  CHECK(h.counters().total_drops() == 0);
}

TEST_CASE("NORMAL drops frames whose VLAN the input port does not carry", "[dpdk][normal][vlan]") {
  DpHarness h(3, {vlan_cfg(10, {}, ""), vlan_cfg(std::nullopt, {}, ""),
                  vlan_cfg(std::nullopt, {20}, "trunk")});
  if (!h.ok()) FAIL(h.error());
  add_normal(h);

  h.send(1, udp(kB, kA, 10, 0));  // tagged on an access port, even with its own VID
  h.send(1, udp(kB, kA, 30, 0));
  h.send(3, udp(kB, kA, 10, 0));  // VID 10 on a trunk of VLAN 20 only
  h.send(3, udp(kB, kA));         // untagged (VLAN 0) on that trunk
  h.quiesce();
  for (uint32_t p = 1; p <= 3; p++) CHECK(h.take(p).empty());
  CHECK(h.drops("vlan_invalid") == 4);
  CHECK(h.counters().total_drops() == 4);
  CHECK(h.counters().rx_packets.get() == 4);
  h.learn();
  CHECK(h.fdb().size() == 0);  // nothing learned from dropped frames
}

TEST_CASE("NORMAL drops reserved multicast without forward-bpdu", "[dpdk][normal]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  add_normal(h);
  const Mac stp = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};
  h.send(1, udp(stp, kA));
  h.quiesce();
  CHECK(h.take(2).empty());
  CHECK(h.drops("reserved_multicast") == 1);

  // Broadcast is flooded as usual.
  Frame bcast = udp(kBroadcastMac, kA);
  h.send(1, bcast);
  CHECK(h.recv(2, 1) == std::vector<Frame>{bcast});
}

TEST_CASE("NORMAL drops a frame to a MAC learned on its input port", "[dpdk][normal]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  add_normal(h);
  h.send(1, udp(kBroadcastMac, kA));
  h.learn();
  h.take(2);
  h.send(1, udp(kA, kB));  // A is behind port 1 itself
  h.quiesce();
  CHECK(h.take(1).empty());
  CHECK(h.take(2).empty());
  CHECK(h.drops("output_to_in_port") == 1);
}

// ofproto-dpif.c bundle_set takes VLAN 0 out of a native port's trunks, so
// an untagged frame from a trunk port (VLAN 0) is not flooded to it: leaving
// a native-untagged port untagged, it would land in that port's native VLAN.
TEST_CASE("VLAN 0 from a trunk does not leak into a native port's VLAN", "[dpdk][normal][vlan]") {
  DpHarness h(3, {vlan_cfg(std::nullopt, {}, ""), vlan_cfg(10, {}, "native-untagged"),
                  vlan_cfg(10, {}, "")});
  if (!h.ok()) FAIL(h.error());
  add_normal(h);
  h.send(1, udp(kBroadcastMac, kA));
  h.quiesce();
  CHECK(h.take(2).empty());
  CHECK(h.take(3).empty());
  CHECK(h.drops("flood_no_members") == 1);

  // The native VLAN itself does go there: untagged out of p2, tagged
  // out of the trunk.
  h.send(3, udp(kBroadcastMac, kB));
  CHECK(h.recv(2, 1) == std::vector<Frame>{udp(kBroadcastMac, kB)});
  CHECK(h.recv(1, 1) == std::vector<Frame>{udp(kBroadcastMac, kB, 10, 0)});
}

TEST_CASE("NORMAL never floods from one uplink to another (split horizon)", "[dpdk][normal]") {
  DpHarness h(4);
  if (!h.ok()) FAIL(h.error());
  // Ports 1 and 2 are uplinks (ferry-role=uplink), 3 and 4 VM ports.
  std::vector<BridgePortSpec> specs;
  for (uint32_t of = 1; of <= 4; of++) {
    BridgePortSpec s;
    s.port_id = h.port_id(of);
    s.ofport = of;
    s.name = "p" + std::to_string(of);
    s.uplink = of <= 2;
    specs.push_back(s);
  }
  h.dp().set_bridge_ports(h.slot(), specs);
  h.dp().commit_and_sync();
  add_normal(h);
  const Mac bcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

  Frame from_uplink = udp(bcast, kA);
  h.send(1, from_uplink);
  CHECK(h.recv(3, 1) == std::vector<Frame>{from_uplink});
  CHECK(h.recv(4, 1) == std::vector<Frame>{from_uplink});
  h.quiesce();
  CHECK(h.take(2).empty());  // not back into the fabric through the other uplink

  Frame unknown = udp(kC, kB);
  h.send(2, unknown);
  CHECK(h.recv(3, 1) == std::vector<Frame>{unknown});
  CHECK(h.recv(4, 1) == std::vector<Frame>{unknown});
  h.quiesce();
  CHECK(h.take(1).empty());

  Frame from_vm = udp(bcast, kC);
  h.send(3, from_vm);
  CHECK(h.recv(1, 1) == std::vector<Frame>{from_vm});
  CHECK(h.recv(2, 1) == std::vector<Frame>{from_vm});
  CHECK(h.recv(4, 1) == std::vector<Frame>{from_vm});
}

}  // namespace ferry::test
