// IPv6 address and flow label rewrites (set_field on the halves of
// ipv6_src/ipv6_dst, moves through xxregs) and output_trunc on a running
// Datapath: exact bytes out, with the TCP, UDP and ICMPv6 checksums as OVS's
// packet_set_ipv6() leaves them.
#include <catch2/catch.hpp>

#include "lib/flow/field.h"
#include "lib/packet/builder.h"
#include "lib/packet/checksum.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {
namespace {

const Mac kA = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
const Mac kB = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};

enum class L4 { kTcp, kUdp, kIcmp6, kUdpNoCsum };

Frame frame6(const char* src, const char* dst, L4 l4, uint32_t label = 0) {
  FrameBuilder b;
  b.eth(kB, kA).ipv6(ip6(src), ip6(dst)).flow_label(label);
  switch (l4) {
    case L4::kTcp:
      b.tcp(40000, 80, kTcpSyn, 7, 9);
      break;
    case L4::kUdp:
    case L4::kUdpNoCsum:
      b.udp(5000, 53);
      break;
    case L4::kIcmp6:
      b.icmp_echo(7, 1);
      break;
  }
  b.payload("ipv6 rewrite");
  if (l4 == L4::kUdpNoCsum) b.no_checksums();
  return b.build();
}

Action half(Field f, uint64_t v, uint64_t mask = UINT64_MAX) {
  return Action::set_field(static_cast<uint8_t>(f), v, mask);
}

}  // namespace

TEST_CASE("IPv6 address and flow label rewrites keep L4 checksums right", "[dpdk][pipeline]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  // set_field:fc00::2->ipv6_dst, set_field:::3/::ffff->ipv6_src,
  // set_field:0x12345->ipv6_label.
  h.add_flow_in(0, Match().set_in_port(1), 100,
                {half(Field::kIpv6DstHi, 0xfc00000000000000ULL), half(Field::kIpv6DstLo, 2),
                 half(Field::kIpv6SrcLo, 3, 0xffff),
                 Action::set_field(static_cast<uint8_t>(Field::kIpv6Label), 0x12345, 0xfffff),
                 Action::output(2)});
  for (L4 l4 : {L4::kTcp, L4::kUdp, L4::kIcmp6, L4::kUdpNoCsum}) {
    INFO("l4 " << static_cast<int>(l4));
    h.send(1, frame6("fc00::1", "fc00::9", l4, 0xabcde));
    auto out = h.recv(2, 1);
    REQUIRE(out.size() == 1);
    // The builder computes every checksum; a UDP checksum of 0 stays 0.
    CHECK(out[0] == frame6("fc00::3", "fc00::2", l4, 0x12345));
    if (l4 != L4::kUdpNoCsum) CHECK(verify_checksums(out[0]).ok());
  }
  h.quiesce();
  CHECK(h.counters().total_drops() == 0);
}

TEST_CASE("IPv6 rewrites of a later fragment leave its payload alone", "[dpdk][pipeline]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  h.add_flow_in(0, Match().set_in_port(1), 100, {half(Field::kIpv6SrcLo, 5), Action::output(2)});
  auto later = [](const char* src) {
    return FrameBuilder()
        .eth(kB, kA)
        .ipv6(ip6(src), ip6("fc00::2"))
        .fragment(8, false, 77)
        .ip_proto(kIpProtoUdp)
        .payload("0123456789abcdef")
        .build();
  };
  h.send(1, later("fc00::1"));
  auto out = h.recv(2, 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == later("fc00::5"));
}

TEST_CASE("moves through an xxreg copy whole IPv6 addresses between tables", "[dpdk][pipeline]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  // Table 0: move:ipv6_src[]->xxreg1[]; table 1: xxreg1[64..127] (the
  // source's upper half) selects the port, move:xxreg1[]->ipv6_dst[].
  const auto src = static_cast<uint8_t>(Field::kIpv6Src);
  const auto dst = static_cast<uint8_t>(Field::kIpv6Dst);
  const auto xx1 = static_cast<uint8_t>(xxreg_field(1));
  h.add_flow_in(0, Match().set_in_port(1), 100,
                {Action::move(src, 0, xx1, 0, 128), Action::goto_table(1)});
  Match m;
  m.key.regs[4] = 0xfc000000;
  m.mask.regs[4] = UINT32_MAX;
  h.add_flow_in(1, m, 100, {Action::move(xx1, 0, dst, 0, 128), Action::output(2)});
  h.add_flow_in(1, Match(), 1, {Action::output(3)});

  h.send(1, frame6("fc00::1:7", "fc00::9", L4::kTcp));
  auto out = h.recv(2, 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == frame6("fc00::1:7", "fc00::1:7", L4::kTcp));
  CHECK(verify_checksums(out[0]).ok());
  // Another source: another megaflow (the move consulted the source).
  h.send(1, frame6("2001:db8::1", "fc00::9", L4::kTcp));
  auto out3 = h.recv(3, 1);
  REQUIRE(out3.size() == 1);
  CHECK(out3[0] == frame6("2001:db8::1", "fc00::9", L4::kTcp));
  h.quiesce();
  CHECK(h.take(2).empty());
  CHECK(h.sum(&PmdCounters::megaflow_misses) == 2);
}

TEST_CASE("output_trunc sends a cut copy, the packet goes on whole", "[dpdk][pipeline]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  auto r =
      h.add_flow_in(0, Match().set_in_port(1), 100,
                    {Action::output_trunc(2, 100), Action::output(3), Action::output_trunc(1, 20),
                     Action::output_trunc(kOfppFlood, 20), Action::output_trunc(2, 65535)});
  Frame f = FrameBuilder()
                .eth(kB, kA)
                .ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2))
                .udp(5000, 1234)
                .payload_size(200)
                .build();
  REQUIRE(f.size() == 242);
  h.send(1, f);
  auto out2 = h.recv(2, 2);
  REQUIRE(out2.size() == 2);
  CHECK(out2[0] == Frame(f.begin(), f.begin() + 100));
  CHECK(out2[1] == f);
  auto out3 = h.recv(3, 1);
  REQUIRE(out3.size() == 1);
  CHECK(out3[0] == f);
  h.quiesce();
  // To the input port and to FLOOD, output_trunc sends nothing (as OVS).
  CHECK(h.take(1).empty());
  CHECK(h.take(2).empty());
  CHECK(h.take(3).empty());
  CHECK(r->total_packets() == 1);
  CHECK(r->total_bytes() == 242);
  CHECK(h.counters().total_drops() == 0);
}

TEST_CASE("output_trunc cuts the packet as the last output left it (OVS's cutlen)",
          "[dpdk][pipeline]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  // A tag pushed since the last output survives the cut: 64 + 4 bytes. A
  // tag popped since is cut with it: 64 - 4. (Found by the differential
  // tester: ovs-vswitchd's datapath actions are trunc(64),push_vlan,out.)
  h.add_flow_in(0, Match().set_in_port(1), 100,
                {Action::set_vlan_vid(10), Action::output_trunc(2, 64)});
  h.add_flow_in(0, Match().set_in_port(3), 100,
                {Action::strip_vlan(), Action::output_trunc(2, 64), Action::output_trunc(1, 10)});
  auto udp = [](bool tagged) {
    FrameBuilder b;
    b.eth(kB, kA);
    if (tagged) b.vlan(10);
    return b.ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2)).udp(5000, 1234).payload_size(200).build();
  };
  h.send(1, udp(false));
  auto out = h.recv(2, 1);
  REQUIRE(out.size() == 1);
  const Frame tagged = udp(true);
  CHECK(out[0] == Frame(tagged.begin(), tagged.begin() + 68));
  h.send(3, udp(true));
  out = h.recv(2, 1);
  REQUIRE(out.size() == 1);
  const Frame plain = udp(false);
  CHECK(out[0] == Frame(plain.begin(), plain.begin() + 60));
  // The same rule for an untagged packet: another megaflow (the cut
  // depends on the tag), nothing popped, 64 bytes.
  h.send(3, udp(false));
  out = h.recv(2, 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == Frame(plain.begin(), plain.begin() + 64));
  h.recv(1, 1);
  // At most down to the Ethernet header (max_len 10 is 14).
  auto out1 = h.recv(1, 1);
  REQUIRE(out1.size() == 1);
  CHECK(out1[0] == Frame(plain.begin(), plain.begin() + 14));
}

}  // namespace ferry::test
