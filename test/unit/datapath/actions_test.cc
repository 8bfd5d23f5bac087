// OpenFlow actions on a running Datapath: rewrites, VLAN push/strip,
// flood/all, multi-output, and the named drop counters.
#include <catch2/catch.hpp>

#include "lib/packet/builder.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {
namespace {

const Mac kA = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
const Mac kB = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
const Mac kX = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};

Frame tcp(const Mac& dst, const Mac& src, int vid = -1, uint8_t pcp = 0) {
  FrameBuilder b;
  b.eth(dst, src);
  if (vid >= 0) b.vlan(static_cast<uint16_t>(vid), pcp);
  return b.ipv4(ip4(192, 168, 0, 1), ip4(192, 168, 0, 2))
      .tcp(40000, 80, kTcpSyn | kTcpAck, 7, 9)
      .payload("exact bytes, please")
      .pad_to(0)
      .build();
}

Match in_port(uint32_t p) { return Match().set_in_port(p); }

void require_silent(DpHarness& h, std::initializer_list<uint32_t> ports) {
  for (uint32_t p : ports) {
    INFO("port " << p);
    CHECK(h.take(p).empty());
  }
}

}  // namespace

TEST_CASE("mod_dl_dst then output rewrites exactly the destination", "[dpdk][actions]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(in_port(1), 100, {Action::set_eth_dst(kX), Action::output(2)});
  h.send(1, tcp(kB, kA));
  CHECK(h.recv(2, 1) == std::vector<Frame>{tcp(kX, kA)});
  h.quiesce();
  require_silent(h, {1, 2, 3});

  // A tagged frame keeps its tag.
  h.send(1, tcp(kB, kA, 33, 6));
  CHECK(h.recv(2, 1) == std::vector<Frame>{tcp(kX, kA, 33, 6)});
  CHECK(h.counters().tx_packets.get() == 2);
  CHECK(h.counters().total_drops() == 0);
}

TEST_CASE("mod_vlan_vid pushes a tag on an untagged frame", "[dpdk][actions][vlan]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(in_port(1), 100, {Action::set_vlan_vid(42), Action::output(2)});
  h.send(1, tcp(kB, kA));
  CHECK(h.recv(2, 1) == std::vector<Frame>{tcp(kB, kA, 42, 0)});

  // On a tagged frame only the VID changes; the PCP stays.
  h.send(1, tcp(kB, kA, 7, 3));
  CHECK(h.recv(2, 1) == std::vector<Frame>{tcp(kB, kA, 42, 3)});

  // Without push-if-needed (OpenFlow 1.1+ set_field) an untagged frame is left alone.
  h.clear_flows();
  h.add_flow(in_port(1), 100, {Action::set_vlan_vid(42, false), Action::output(2)});
  h.send(1, tcp(kB, kA));
  CHECK(h.recv(2, 1) == std::vector<Frame>{tcp(kB, kA)});
  h.quiesce();
  require_silent(h, {1, 2});
}

TEST_CASE("strip_vlan pops the tag", "[dpdk][actions][vlan]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(in_port(2), 100, {Action::strip_vlan(), Action::output(1)});
  h.send(2, tcp(kA, kB, 7, 5));
  CHECK(h.recv(1, 1) == std::vector<Frame>{tcp(kA, kB)});
  h.send(2, tcp(kA, kB));  // untagged: unchanged
  CHECK(h.recv(1, 1) == std::vector<Frame>{tcp(kA, kB)});
  h.quiesce();
  require_silent(h, {1, 2});
}

TEST_CASE("flood and all send to every port but the input", "[dpdk][actions]") {
  DpHarness h(4);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(in_port(1), 100, {Action::output(kOfppFlood)});
  h.add_flow(in_port(3), 100, {Action::output(kOfppAll)});
  Frame f = tcp(kB, kA);
  h.send(1, f);
  for (uint32_t p : {2u, 3u, 4u}) {
    INFO("port " << p);
    CHECK(h.recv(p, 1) == std::vector<Frame>{f});
  }
  h.quiesce();
  require_silent(h, {1, 2, 3, 4});

  Frame g = tcp(kA, kB, 12, 1);
  h.send(3, g);
  for (uint32_t p : {1u, 2u, 4u}) {
    INFO("port " << p);
    CHECK(h.recv(p, 1) == std::vector<Frame>{g});
  }
  h.quiesce();
  require_silent(h, {1, 2, 3, 4});
  CHECK(h.counters().tx_packets.get() == 6);
}

TEST_CASE("output to the input port needs IN_PORT", "[dpdk][actions]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(in_port(1), 100, {Action::output(kOfppInPort)});
  h.add_flow(in_port(2), 100, {Action::output(2)});
  Frame f = tcp(kB, kA);
  h.send(1, f);
  CHECK(h.recv(1, 1) == std::vector<Frame>{f});
  h.send(2, f);
  h.quiesce();
  require_silent(h, {1, 2});
  CHECK(h.drops("output_to_in_port") == 1);
}

TEST_CASE("drops are counted by reason", "[dpdk][actions]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(in_port(1), 100, {Action::output(9)});  // no port 9 on the bridge
  h.add_flow(in_port(2), 100, {});                   // drop

  SECTION("output to a port that does not exist") {
    h.send(1, tcp(kB, kA));
    h.quiesce();
    require_silent(h, {1, 2, 3});
    CHECK(h.drops("bad_out_port") == 1);
    CHECK(h.counters().total_drops() == 1);
  }
  SECTION("a rule without outputs") {
    h.send(2, tcp(kB, kA));
    h.quiesce();
    require_silent(h, {1, 2, 3});
    CHECK(h.drops("action_drop") == 1);
    CHECK(h.counters().total_drops() == 1);
  }
  SECTION("a table miss, also when cached") {
    h.send(3, tcp(kB, kA));
    h.send(3, tcp(kA, kB));
    h.quiesce();
    require_silent(h, {1, 2, 3});
    CHECK(h.drops("flow_table_miss") == 2);
    CHECK(h.counters().total_drops() == 2);
    // Only in_port rules on the bridge: the miss is a simple-match answer.
    CHECK(h.counters().simple_hits.get() == 2);
    CHECK(h.counters().megaflow_misses.get() == 0);
  }
  SECTION("a runt frame") {
    h.send(1, Frame{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x00});
    h.send(1, Frame(13, 0x01));
    h.quiesce();
    require_silent(h, {1, 2, 3});
    CHECK(h.drops("rx_runt") == 2);
    CHECK(h.counters().total_drops() == 2);
    CHECK(h.counters().rx_packets.get() == 2);
    CHECK(h.counters().megaflow_misses.get() == 0);
  }
  SECTION("a truncated VLAN tag") {
    Frame f = tcp(kB, kA, 5, 0);
    f.resize(16);
    h.send(1, f);
    h.quiesce();
    require_silent(h, {1, 2, 3});
    CHECK(h.drops("rx_truncated_vlan") == 1);
  }
}

TEST_CASE("multi-output: a copy never carries later rewrites", "[dpdk][actions]") {
  DpHarness h(4);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(in_port(1), 100,
             {Action::output(2), Action::set_eth_dst(kX), Action::output(3),
              Action::set_vlan_vid(77), Action::output(4)});
  Frame f = tcp(kB, kA);
  h.send(1, f);
  CHECK(h.recv(2, 1) == std::vector<Frame>{f});
  CHECK(h.recv(3, 1) == std::vector<Frame>{tcp(kX, kA)});
  CHECK(h.recv(4, 1) == std::vector<Frame>{tcp(kX, kA, 77, 0)});
  h.quiesce();
  require_silent(h, {1, 2, 3, 4});

  // Stripping after an output leaves the first copy tagged.
  h.clear_flows();
  h.add_flow(in_port(1), 100,
             {Action::output(2), Action::strip_vlan(), Action::output(3), Action::output(4)});
  Frame tagged = tcp(kB, kA, 9, 2);
  h.send(1, tagged);
  CHECK(h.recv(2, 1) == std::vector<Frame>{tagged});
  CHECK(h.recv(3, 1) == std::vector<Frame>{tcp(kB, kA)});
  CHECK(h.recv(4, 1) == std::vector<Frame>{tcp(kB, kA)});
  h.quiesce();
  require_silent(h, {1, 2, 3, 4});
  CHECK(h.counters().total_drops() == 0);
  CHECK(h.counters().tx_packets.get() == 6);
}

TEST_CASE("a VLAN tag the device stripped is put back before switching", "[dpdk][actions][vlan]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(in_port(1), 100, {Action::output(2)});
  h.add_flow(Match().set_in_port(3).set_vlan_vid(10), 100,
             {Action::strip_vlan(), Action::output(2)});
  h.send(1, tcp(kB, kA), static_cast<uint16_t>(3 << 13 | 10));
  CHECK(h.recv(2, 1) == std::vector<Frame>{tcp(kB, kA, 10, 3)});
  // The restored tag is matched on.
  h.send(3, tcp(kB, kA), 10);
  CHECK(h.recv(2, 1) == std::vector<Frame>{tcp(kB, kA)});
  h.quiesce();
  require_silent(h, {1, 2, 3});
  CHECK(h.counters().total_drops() == 0);
}

}  // namespace ferry::test
