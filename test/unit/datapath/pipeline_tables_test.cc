// The multi-table pipeline on a running Datapath: goto_table, resubmit,
// registers, move, IP/L4 rewrites with checksums, dec_ttl; exact bytes out,
// rule statistics in every table, and one megaflow per translated answer.
#include <catch2/catch.hpp>

#include "lib/flow/field.h"
#include "lib/packet/builder.h"
#include "lib/packet/checksum.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {
namespace {

const Mac kA = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
const Mac kB = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
const Mac kX = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};

struct Tcp {
  uint32_t src = ip4(10, 0, 0, 1);
  uint32_t dst = ip4(10, 0, 0, 2);
  uint16_t sport = 40000;
  uint16_t dport = 80;
  uint8_t ttl = 64;
  uint8_t tos = 0;
  Mac dl_dst = kB;
};

Frame tcp(const Tcp& t) {
  return FrameBuilder()
      .eth(t.dl_dst, kA)
      .ipv4(t.src, t.dst)
      .ttl(t.ttl)
      .tos(t.tos)
      .tcp(t.sport, t.dport, kTcpSyn, 7, 9)
      .payload("multi-table")
      .build();
}

Frame udp(uint32_t src, uint16_t sport, uint16_t dport) {
  return FrameBuilder()
      .eth(kB, kA)
      .ipv4(src, ip4(10, 0, 0, 2))
      .udp(sport, dport)
      .payload("udp payload")
      .build();
}

Match in_port(uint32_t p) { return Match().set_in_port(p); }

Action set_reg(unsigned n, uint32_t v) {
  return Action::set_field(static_cast<uint8_t>(reg_field(n)), v, UINT32_MAX);
}
Action set_ip(Field f, uint64_t v, unsigned bits) {
  return Action::set_field(static_cast<uint8_t>(f), v, low_bits(bits));
}

}  // namespace

TEST_CASE("goto_table carries registers; IP rewrites keep checksums right", "[dpdk][pipeline]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  auto r0 = h.add_flow_in(0, in_port(1), 100, {set_reg(0, 5), Action::goto_table(1)});
  auto r1 = h.add_flow_in(1, Match().set_reg(0, 5), 100,
                          {set_ip(Field::kIpDst, 0x0a000063, 32), set_ip(Field::kIpDscp, 10, 6),
                           Action::dec_ttl(), Action::output(2)});
  auto r6 = h.add_flow_in(1, Match().set_reg(0, 6), 100, {Action::output(3)});

  h.send(1, tcp({}));
  Tcp want;
  want.dst = ip4(10, 0, 0, 99);
  want.ttl = 63;
  want.tos = 10 << 2;
  auto out = h.recv(2, 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == tcp(want));  // the builder computes both checksums
  CHECK(verify_checksums(out[0]).ok());
  h.quiesce();
  CHECK(h.take(3).empty());
  CHECK(r0->total_packets() == 1);
  CHECK(r1->total_packets() == 1);
  CHECK(r6->total_packets() == 0);
  CHECK(h.counters().total_drops() == 0);
}

TEST_CASE("one megaflow per translated answer; a move unwildcards its source", "[dpdk][pipeline]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  // Table 0 copies the IP source into reg1; table 1 sends 10.0.0.1 to port
  // 2 and anything else to port 3.
  Action mv = Action::move(static_cast<uint8_t>(Field::kIpSrc), 0,
                           static_cast<uint8_t>(reg_field(1)), 0, 32);
  h.add_flow_in(0, in_port(1), 100, {mv, Action::goto_table(1)});
  h.add_flow_in(1, Match().set_reg(1, 0x0a000001), 100, {Action::output(2)});
  h.add_flow_in(1, Match(), 1, {Action::output(3)});

  // Ten connections from 10.0.0.1 (different ports): one megaflow.
  for (uint16_t i = 0; i < 10; i++) {
    Tcp t;
    t.sport = static_cast<uint16_t>(1000 + i);
    h.send(1, tcp(t));
  }
  CHECK(h.recv(2, 10).size() == 10);
  // Another source takes the other branch: the first megaflow must not
  // answer for it (it matches on nw_src because of the move).
  Tcp other;
  other.src = ip4(10, 0, 0, 7);
  h.send(1, tcp(other));
  auto out3 = h.recv(3, 1);
  REQUIRE(out3.size() == 1);
  CHECK(out3[0] == tcp(other));
  h.quiesce();
  CHECK(h.take(2).empty());
  CHECK(h.sum(&PmdCounters::megaflow_misses) == 2);
}

TEST_CASE("resubmit runs another table and comes back", "[dpdk][pipeline]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  h.add_flow_in(0, in_port(1), 100,
                {Action::resubmit(kOfppInPort, 1), Action::resubmit(kOfppInPort, 2),
                 Action::set_eth_src(kX), Action::output(3)});
  auto t1 = h.add_flow_in(1, in_port(1), 100, {Action::output(2)});
  auto t2 = h.add_flow_in(2, Match(), 100, {Action::set_eth_dst(kX)});
  // resubmit(5,3): the lookup sees in_port 5; table 3 has no rule for 1.
  h.add_flow_in(3, in_port(5), 100, {Action::output(2)});
  h.send(1, tcp({}));
  auto at2 = h.recv(2, 1);
  auto at3 = h.recv(3, 1);
  REQUIRE(at2.size() == 1);
  REQUIRE(at3.size() == 1);
  CHECK(at2[0] == tcp({}));  // output in table 1 sends the frame as it was then
  Tcp rewritten;
  rewritten.dl_dst = kX;
  Frame want = tcp(rewritten);
  std::copy(kX.begin(), kX.end(), want.begin() + 6);
  CHECK(at3[0] == want);
  h.quiesce();  // rule statistics are pulled from the megaflow
  CHECK(t1->total_packets() == 1);
  CHECK(t2->total_packets() == 1);

  h.clear_flows();
  h.add_flow_in(0, in_port(1), 100, {Action::resubmit(5, 3)});
  h.add_flow_in(3, in_port(5), 100, {Action::output(2)});
  h.send(1, tcp({}));
  CHECK(h.recv(2, 1).size() == 1);
}

TEST_CASE("dec_ttl drops an expiring packet; mod_tp_* rewrite UDP with its checksum",
          "[dpdk][pipeline]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  h.add_flow_in(0, in_port(1), 100, {Action::goto_table(4)});
  h.add_flow_in(4, Match(), 100,
                {Action::dec_ttl(), set_ip(Field::kTpSrc, 53, 16), set_ip(Field::kTpDst, 5353, 16),
                 Action::output(2)});
  Tcp expiring;
  expiring.ttl = 1;
  h.send(1, tcp(expiring));
  h.quiesce();
  CHECK(h.take(2).empty());
  CHECK(h.drops("ttl_expired") == 1);

  h.send(1, udp(ip4(10, 0, 0, 1), 1111, 2222));
  auto out = h.recv(2, 1);
  REQUIRE(out.size() == 1);
  Frame want = FrameBuilder()
                   .eth(kB, kA)
                   .ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2))
                   .ttl(63)
                   .udp(53, 5353)
                   .payload("udp payload")
                   .build();
  CHECK(out[0] == want);
}

TEST_CASE("a flow_mod in a later table reaches packets of a cached walk", "[dpdk][pipeline]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  h.add_flow_in(0, in_port(1), 100, {Action::goto_table(1)});
  h.add_flow_in(1, Match(), 100, {Action::output(2)});
  h.send(1, tcp({}));
  CHECK(h.recv(2, 1).size() == 1);
  h.add_flow_in(1, Match(), 100, {Action::output(3)});  // replaces the rule
  h.send(1, tcp({}));
  CHECK(h.recv(3, 1).size() == 1);
  h.quiesce();
  CHECK(h.take(2).empty());
}

TEST_CASE("rules deleted under their megaflows keep every packet they answered",
          "[dpdk][pipeline][stats]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  auto t0 = h.add_flow_in(0, in_port(1), 100, {set_reg(0, 5), Action::goto_table(1)});
  auto t1 = h.add_flow_in(1, Match().set_reg(0, 5), 100, {Action::output(2)});
  for (int i = 0; i < 4; i++) h.send(1, tcp({}));
  CHECK(h.recv(2, 4).size() == 4);
  // Hits count on the megaflow: the rules learn of them when pulled.
  CHECK(h.sum(&PmdCounters::megaflow_hits) == 3);
  // Deleted before anything pulled them; the snapshot that held the rules
  // retires through the control loop's grace periods.
  h.clear_flows();
  h.add_flow_in(0, in_port(1), 100, {Action::output(3)});
  h.send(1, tcp({}));
  CHECK(h.recv(3, 1).size() == 1);
  for (int i = 0; i < 3; i++) {
    h.dp().run();
    h.dp().commit_and_sync();
  }
  h.quiesce();
  CHECK(t0->total_packets() == 4);
  CHECK(t1->total_packets() == 4);
  CHECK(t1->total_bytes() == 4 * tcp({}).size());
}

}  // namespace ferry::test

namespace ferry::test {

TEST_CASE("IP rewrites in a single-table rule (the untranslated path)", "[dpdk][pipeline]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(
      in_port(1), 100,
      {set_ip(Field::kIpSrc, 0x0a0a0a0a, 32), set_ip(Field::kTpDst, 8080, 16), Action::output(2)});
  for (int i = 0; i < 3; i++) h.send(1, tcp({}));
  Tcp want;
  want.src = ip4(10, 10, 10, 10);
  want.dport = 8080;
  auto out = h.recv(2, 3);
  REQUIRE(out.size() == 3);
  for (const Frame& f : out) CHECK(f == tcp(want));
}

TEST_CASE("clone sends a rewritten copy; the packet continues unchanged", "[dpdk][pipeline]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  // clone(mod_dl_dst:X, mod_nw_dst:10.0.0.99, output:3), output:2
  h.add_flow(in_port(1), 100,
             {Action::clone(3), Action::set_eth_dst(kX), set_ip(Field::kIpDst, 0x0a000063, 32),
              Action::output(3), Action::output(2)});
  h.send(1, tcp({}));
  auto at2 = h.recv(2, 1);
  auto at3 = h.recv(3, 1);
  REQUIRE(at2.size() == 1);
  REQUIRE(at3.size() == 1);
  CHECK(at2[0] == tcp({}));
  Tcp copy;
  copy.dl_dst = kX;
  copy.dst = ip4(10, 0, 0, 99);
  CHECK(at3[0] == tcp(copy));

  // In a translated walk: the clone's register write does not leak out.
  h.clear_flows();
  h.add_flow_in(0, in_port(1), 100,
                {Action::clone(2), set_reg(3, 3), Action::resubmit(kOfppInPort, 1), set_reg(3, 2),
                 Action::resubmit(kOfppInPort, 1)});
  h.add_flow_in(1, Match().set_reg(3, 3), 100, {Action::output(3)});
  h.add_flow_in(1, Match().set_reg(3, 2), 100, {Action::output(2)});
  h.send(1, tcp({}));
  CHECK(h.recv(3, 1).size() == 1);
  CHECK(h.recv(2, 1).size() == 1);
}

TEST_CASE("output to a port held in a register", "[dpdk][pipeline]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  h.add_flow_in(
      0, in_port(1), 100,
      {set_reg(15, 0x30000), Action::output_field(static_cast<uint8_t>(reg_field(15)), 16, 16)});
  h.add_flow_in(0, in_port(2), 100,
                {set_reg(15, 2), Action::output_field(static_cast<uint8_t>(reg_field(15)), 0, 16)});
  h.send(1, tcp({}));
  CHECK(h.recv(3, 1).size() == 1);
  h.quiesce();
  CHECK(h.take(2).empty());
  h.send(2, tcp({}));
  h.quiesce();
  CHECK(h.take(2).empty());  // register says port 2, the input port: dropped
  // As OVS's translation: the output is skipped, the megaflow has no action.
  CHECK(h.drops("action_drop") == 1);
  CHECK(h.drops("output_to_in_port") == 0);
}

}  // namespace ferry::test

namespace ferry::test {

namespace {

Frame from_hex(const std::string& hex) {
  Frame f;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    f.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return f;
}

}  // namespace

TEST_CASE("an SCTP port rewrite recomputes the CRC32c as ovs-vswitchd does", "[dpdk][pipeline]") {
  // Found by the differential tester (test/differential): the frame and
  // what stock ovs-vswitchd sent for it, byte for byte.
  const Frame in = from_hex(
      "0200000000010200000000048100400a08004503003a12344000408414050a0000020a00000300000000112233"
      "4400000000fd46445400032717030a11181f262d343b424950575e656c737a");
  const Frame ovs = from_hex(
      "0200000000013333000000018100400a08004503003a123440003f8415050a0000020a000003ffff000011223344"
      "7409c12ffd46445400032717030a11181f262d343b424950575e656c737a");
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(in_port(1), 100,
             {Action::set_eth_src({0x33, 0x33, 0, 0, 0, 1}), Action::dec_ttl(),
              set_ip(Field::kTpSrc, 65535, 16), Action::output(2)});
  h.send(1, in);
  auto out = h.recv(2, 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == ovs);
}

}  // namespace ferry::test

namespace ferry::test {

TEST_CASE("IPv4 protocol 0: IP rewrites change the flow, not the frame (as OVS)",
          "[dpdk][pipeline]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(in_port(1), 100,
             {set_ip(Field::kIpDst, 0x0a000063, 32), set_ip(Field::kIpDscp, 10, 6),
              Action::dec_ttl(), Action::output(2)});
  Frame f = FrameBuilder()
                .eth(kB, kA)
                .ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2))
                .ip_proto(0)
                .payload("proto zero")
                .build();
  h.send(1, f);
  auto out = h.recv(2, 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == f);
}

}  // namespace ferry::test

namespace ferry::test {

// As OVS (and as OVN's "loopback" flows do): once the pipeline set in_port
// to something else, an output to the packet's own port sends it back.
TEST_CASE("output to the input port after the pipeline changed in_port", "[dpdk][pipeline]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  h.add_flow_in(0, in_port(1), 100,
                {Action::set_field(static_cast<uint8_t>(Field::kInPort), 0xffff, 0xffff),
                 Action::output(1), Action::output(2)});
  h.add_flow_in(0, in_port(2), 100, {Action::output(2), Action::output(3)});
  h.send(1, tcp({}));
  CHECK(h.recv(1, 1).size() == 1);
  CHECK(h.recv(2, 1).size() == 1);
  h.quiesce();
  CHECK(h.drops("output_to_in_port") == 0);
  h.send(2, tcp({}));
  CHECK(h.recv(3, 1).size() == 1);
  h.quiesce();
  CHECK(h.take(2).empty());  // in_port unchanged: the output to it was skipped
}

}  // namespace ferry::test
