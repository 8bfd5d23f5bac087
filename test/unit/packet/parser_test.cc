// Parser golden tests: real frames (written byte by byte) to exact keys.
#include "lib/packet/parser.h"

#include <catch2/catch.hpp>

#include "test/unit/packet/golden_frames.h"
#include "test/unit/packet/parse_helpers.h"

using namespace ferry;
using ferry::golden::from_hex;
using ferry::golden::kMacA;
using ferry::golden::kMacB;
using ferry::test::eth_key;
using ferry::test::parse;

namespace {

uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return be32(static_cast<uint32_t>(a) << 24 | static_cast<uint32_t>(b) << 16 |
              static_cast<uint32_t>(c) << 8 | d);
}

constexpr Mac kBcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void set_ip6(uint8_t* dst, uint8_t last) {
  const uint8_t prefix[16] = {0x20, 0x01, 0x0d, 0xb8};
  std::memcpy(dst, prefix, 16);
  dst[15] = last;
}

}  // namespace

TEST_CASE("parser: IPv4 TCP SYN", "[parser]") {
  auto p = parse(from_hex(golden::kTcpSyn), 3);
  REQUIRE(p.status == ParseStatus::kOk);
  FlowKey e = eth_key(kMacB, kMacA, 0x0800, 3);
  e.nw_src = ip(10, 0, 0, 1);
  e.nw_dst = ip(10, 0, 0, 2);
  e.nw_proto = 6;
  e.nw_ttl = 64;
  e.tp_src = be16(12345);
  e.tp_dst = be16(80);
  e.tcp_flags = be16(0x002);
  CHECK_KEY(p.key, e);
  CHECK(p.off.l3 == 14);
  CHECK(p.off.l4 == 34);
}

TEST_CASE("parser: IPv4 TCP with payload, TOS byte and flags", "[parser]") {
  auto p = parse(from_hex(golden::kTcpFull));
  REQUIRE(p.status == ParseStatus::kOk);
  FlowKey e = eth_key(kMacB, kMacA, 0x0800);
  e.nw_src = ip(10, 0, 0, 1);
  e.nw_dst = ip(10, 0, 0, 2);
  e.nw_proto = 6;
  e.nw_tos = 0xb8;  // the whole byte: DSCP 46 (EF), ECN 0
  e.nw_ttl = 63;
  e.tp_src = be16(12345);
  e.tp_dst = be16(80);
  e.tcp_flags = be16(0x018);  // PSH|ACK
  CHECK_KEY(p.key, e);
}

TEST_CASE("parser: TCP flags keep the NS bit and drop the data offset", "[parser]") {
  auto f = from_hex(golden::kTcpSyn);
  f[14 + 20 + 12] = 0x51;  // data offset 5, NS set
  f[14 + 20 + 13] = 0xff;  // every flag
  auto p = parse(f);
  REQUIRE(p.status == ParseStatus::kOk);
  CHECK(p.key.tcp_flags == be16(0x1ff));
}

TEST_CASE("parser: 802.1Q tagged UDP", "[parser]") {
  auto p = parse(from_hex(golden::kUdpVlan));
  REQUIRE(p.status == ParseStatus::kOk);
  FlowKey e = eth_key(kMacB, kMacA, 0x0800);
  e.vlan_tci = be16(0x1000 | 3 << 13 | 10);
  e.nw_src = ip(192, 168, 1, 10);
  e.nw_dst = ip(192, 168, 1, 20);
  e.nw_proto = 17;
  e.nw_ttl = 5;
  e.tp_src = be16(1000);
  e.tp_dst = be16(2000);
  CHECK_KEY(p.key, e);
  CHECK(p.key.vlan_vid() == 10);
  CHECK(p.key.vlan_pcp() == 3);
  CHECK(p.off.l3 == 18);
  CHECK(p.off.l4 == 38);
}

TEST_CASE("parser: VLAN tag with the DEI bit still has CFI set in vlan_tci", "[parser]") {
  auto f = from_hex(golden::kUdpVlan);
  f[14] = 0x70;  // PCP 3, DEI 1, VID 10
  auto p = parse(f);
  REQUIRE(p.status == ParseStatus::kOk);
  CHECK(p.key.vlan_tci == be16(0x700a));
  CHECK(p.key.vlan_vid() == 10);
}

TEST_CASE("parser: ICMP echo puts type and code in tp_src/tp_dst", "[parser]") {
  auto p = parse(from_hex(golden::kIcmpEcho));
  REQUIRE(p.status == ParseStatus::kOk);
  FlowKey e = eth_key(kMacB, kMacA, 0x0800);
  e.nw_src = ip(10, 1, 1, 1);
  e.nw_dst = ip(10, 1, 1, 2);
  e.nw_proto = 1;
  e.nw_ttl = 64;
  e.tp_src = be16(8);
  e.tp_dst = be16(0);
  CHECK_KEY(p.key, e);
}

TEST_CASE("parser: IPv4 options are skipped by IHL", "[parser]") {
  auto p = parse(from_hex(golden::kIpv4OptsUdp));
  REQUIRE(p.status == ParseStatus::kOk);
  FlowKey e = eth_key(kMacB, kMacA, 0x0800);
  e.nw_src = ip(10, 0, 0, 1);
  e.nw_dst = ip(224, 0, 0, 22);
  e.nw_proto = 17;
  e.nw_ttl = 1;
  e.tp_src = be16(5000);
  e.tp_dst = be16(5001);
  CHECK_KEY(p.key, e);
  CHECK(p.off.l4 == 14 + 28);
}

TEST_CASE("parser: IPv6 UDP with traffic class", "[parser]") {
  auto p = parse(from_hex(golden::kIpv6Udp));
  REQUIRE(p.status == ParseStatus::kOk);
  FlowKey e = eth_key(kMacB, kMacA, 0x86dd);
  set_ip6(e.ipv6_src, 1);
  set_ip6(e.ipv6_dst, 2);
  e.nw_proto = 17;
  e.nw_tos = 0x2e;
  e.nw_ttl = 255;
  e.tp_src = be16(546);
  e.tp_dst = be16(547);
  CHECK_KEY(p.key, e);
  CHECK(p.off.l4 == 54);
}

TEST_CASE("parser: ICMPv6 echo", "[parser]") {
  auto p = parse(from_hex(golden::kIcmpv6Echo));
  REQUIRE(p.status == ParseStatus::kOk);
  FlowKey e = eth_key(kMacB, kMacA, 0x86dd);
  set_ip6(e.ipv6_src, 1);
  set_ip6(e.ipv6_dst, 2);
  e.nw_proto = 58;
  e.nw_ttl = 64;
  e.tp_src = be16(128);
  CHECK_KEY(p.key, e);
}

TEST_CASE("parser: ARP request, reply, gratuitous ARP", "[parser]") {
  Mac zero{};
  struct Case {
    std::string_view hex;
    Mac dst, sha, tha;
    uint8_t op;
    uint32_t spa, tpa;
  } cases[] = {
      {golden::kArpRequest, kBcast, kMacA, zero, 1, ip(10, 0, 0, 1), ip(10, 0, 0, 2)},
      {golden::kArpReply, kMacA, kMacB, kMacA, 2, ip(10, 0, 0, 2), ip(10, 0, 0, 1)},
      {golden::kGarp, kBcast, kMacA, zero, 1, ip(10, 0, 0, 1), ip(10, 0, 0, 1)},
  };
  for (const Case& c : cases) {
    auto p = parse(from_hex(c.hex));
    REQUIRE(p.status == ParseStatus::kOk);
    FlowKey e = eth_key(c.dst, c.sha, 0x0806);
    e.nw_proto = c.op;
    e.nw_src = c.spa;
    e.nw_dst = c.tpa;
    std::memcpy(e.arp_sha, c.sha.data(), 6);
    std::memcpy(e.arp_tha, c.tha.data(), 6);
    CHECK_KEY(p.key, e);
    CHECK(p.off.l3 == 14);
    CHECK(p.off.l4 == 0);
  }
}

TEST_CASE("parser: RARP as QEMU announces a migrated VM", "[parser]") {
  auto p = parse(from_hex(golden::kRarp));
  REQUIRE(p.status == ParseStatus::kOk);
  FlowKey e = eth_key(kBcast, kMacA, 0x8035);
  e.nw_proto = 3;
  std::memcpy(e.arp_sha, kMacA.data(), 6);
  std::memcpy(e.arp_tha, kMacA.data(), 6);
  CHECK_KEY(p.key, e);
}

TEST_CASE("parser: ARP that is not Ethernet/IPv4 leaves L3 zero", "[parser]") {
  auto f = from_hex(golden::kArpRequest);
  f[15] = 6;  // hardware type IEEE 802
  auto p = parse(f);
  REQUIRE(p.status == ParseStatus::kOk);
  CHECK_KEY(p.key, eth_key(kBcast, kMacA, 0x0806));
  f = from_hex(golden::kArpRequest);
  f[14 + 6] = 0x01;  // opcode 0x0101 does not fit nw_proto
  p = parse(f);
  REQUIRE(p.status == ParseStatus::kOk);
  CHECK(p.key.nw_proto == 0);
  CHECK(p.key.nw_src == ip(10, 0, 0, 1));
}

TEST_CASE("parser: IPv4 fragments", "[parser]") {
  auto first = parse(from_hex(golden::kFragFirst));
  REQUIRE(first.status == ParseStatus::kOk);
  FlowKey e = eth_key(kMacB, kMacA, 0x0800);
  e.nw_src = ip(10, 0, 0, 1);
  e.nw_dst = ip(10, 0, 0, 2);
  e.nw_proto = 17;
  e.nw_ttl = 64;
  e.nw_frag = kFragAny;
  e.tp_src = be16(53);
  e.tp_dst = be16(53);
  CHECK_KEY(first.key, e);
  CHECK(first.off.l4 == 34);

  auto later = parse(from_hex(golden::kFragLater));
  REQUIRE(later.status == ParseStatus::kOk);
  e.nw_frag = kFragAny | kFragLater;
  e.tp_src = e.tp_dst = 0;
  CHECK_KEY(later.key, e);
  CHECK(later.off.l4 == 0);

  // A later fragment is never "truncated L4": it has no L4 header.
  auto f = from_hex(golden::kFragLater);
  f[16] = 0;
  f[17] = 20;  // total length = header only
  f[24] = f[25] = 0;
  CHECK(parse(f).status == ParseStatus::kOk);
}

TEST_CASE("parser: DF alone is not a fragment", "[parser]") {
  auto p = parse(from_hex(golden::kTcpSyn));  // DF set
  REQUIRE(p.status == ParseStatus::kOk);
  CHECK(p.key.nw_frag == 0);
}

TEST_CASE("parser: 802.3 frame has dl_type 0x05ff and nothing else", "[parser]") {
  // STP configuration BPDU: 802.3 length 0x0026, LLC 42 42 03.
  auto f = from_hex(
      "0180c2000000525400123456002642420300000000008000525400123456000000008000525400123456800100"
      "0014000200000000000000000000");
  auto p = parse(f);
  REQUIRE(p.status == ParseStatus::kOk);
  CHECK_KEY(p.key, eth_key({0x01, 0x80, 0xc2, 0, 0, 0}, kMacA, 0x05ff));
  CHECK(p.off.l3 == 14);
  CHECK(p.off.l4 == 0);
}

TEST_CASE("parser: LLC/SNAP with OUI 0 carries an ethertype (as OVS)", "[parser]") {
  // 802.3 length, aa aa 03 00 00 00 08 00, then the IPv4 ICMP echo of kIcmpEcho.
  auto icmp = from_hex(golden::kIcmpEcho);
  std::vector<uint8_t> f(icmp.begin(), icmp.begin() + 12);
  const uint8_t llc[] = {0x00, 0x2c, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00};
  f.insert(f.end(), llc, llc + sizeof llc);
  f.insert(f.end(), icmp.begin() + 14, icmp.begin() + 14 + 36);
  auto p = parse(f);
  REQUIRE(p.status == ParseStatus::kOk);
  auto q = parse(icmp);
  CHECK_KEY(p.key, q.key);
  CHECK(p.off.l3 == 22);
  // A non-zero OUI is not decoded.
  f[19] = 0x0c;
  p = parse(f);
  REQUIRE(p.status == ParseStatus::kOk);
  CHECK(p.key.dl_type == be16(0x05ff));
  CHECK(p.key.nw_proto == 0);
}

TEST_CASE("parser: QinQ records the outer tag and stops", "[parser]") {
  // 88a8 VID 100, 8100 VID 10 PCP 5, then IPv4 UDP.
  auto inner = from_hex(golden::kUdpVlan);
  std::vector<uint8_t> f(inner.begin(), inner.begin() + 12);
  const uint8_t tags[] = {0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0xa0, 0x0a};
  f.insert(f.end(), tags, tags + sizeof tags);
  f.insert(f.end(), inner.begin() + 16, inner.end());
  auto p = parse(f);
  REQUIRE(p.status == ParseStatus::kOk);
  FlowKey e = eth_key(kMacB, kMacA, 0x8100);
  e.vlan_tci = be16(0x1000 | 100);
  CHECK_KEY(p.key, e);
  CHECK(p.off.l3 == 18);
}

TEST_CASE("parser: a single 802.1ad tag is parsed like 802.1Q", "[parser]") {
  auto f = from_hex(golden::kUdpVlan);
  f[12] = 0x88;
  f[13] = 0xa8;
  auto p = parse(f);
  REQUIRE(p.status == ParseStatus::kOk);
  CHECK(p.key.vlan_tci == be16(0x1000 | 3 << 13 | 10));
  CHECK(p.key.tp_dst == be16(2000));
}

TEST_CASE("parser: IPv6 fragment header", "[parser]") {
  // IPv6 header (next header 44) + fragment header (next 17) + UDP 7 > 9.
  const std::string ip6_hdr =
      "525400abcdef52540012345686dd6000000000172c4020010db8000000000000000000000001"
      "20010db8000000000000000000000002";
  auto first = from_hex(ip6_hdr + "1100000112345678" + "00070009000f000068656c6c6f2121");
  auto p = parse(first);
  REQUIRE(p.status == ParseStatus::kOk);
  CHECK(p.key.nw_proto == 17);
  CHECK(p.key.nw_frag == kFragAny);
  CHECK(p.key.tp_src == be16(7));
  CHECK(p.key.tp_dst == be16(9));
  CHECK(p.off.l4 == 14 + 40 + 8);

  auto later = from_hex(ip6_hdr + "110005a812345678" + "00070009000f000068656c6c6f2121");
  p = parse(later);
  REQUIRE(p.status == ParseStatus::kOk);
  CHECK(p.key.nw_proto == 44);  // as OVS: later fragments report the fragment header
  CHECK(p.key.nw_frag == (kFragAny | kFragLater));
  CHECK(p.key.tp_src == 0);
  CHECK(p.off.l4 == 0);

  // An "atomic" fragment header (offset 0, no M flag) is not a fragment.
  auto atomic = from_hex(ip6_hdr + "1100000012345678" + "00070009000f000068656c6c6f2121");
  p = parse(atomic);
  REQUIRE(p.status == ParseStatus::kOk);
  CHECK(p.key.nw_frag == 0);
  CHECK(p.key.tp_dst == be16(9));
}

TEST_CASE("parser: IPv6 hop-by-hop header is walked", "[parser]") {
  // MLDv2 report: hop-by-hop (router alert) then ICMPv6 type 143.
  auto f = from_hex(
      "333300000016525400123456"
      "86dd"
      "6000000000240001"
      "fe800000000000005054"
      "00fffe123456"
      "ff020000000000000000000000000016"
      "3a00050200000100"
      "8f00000000000001"
      "04000000ff020000"
      "000000000000000000000001");
  auto p = parse(f);
  REQUIRE(p.status == ParseStatus::kOk);
  CHECK(p.key.nw_proto == 58);
  CHECK(p.key.nw_ttl == 1);
  CHECK(p.key.tp_src == be16(143));
  CHECK(p.off.l4 == 14 + 40 + 8);
  // The same header running past the payload length.
  f[14 + 5] = 4;  // payload length 4 < 8
  f.resize(14 + 40 + 4);
  CHECK(parse(f).status == ParseStatus::kTruncatedL3);
}

namespace {

// An ICMPv6 Neighbour Discovery frame: fe80::1 -> ff02::1:ff00:2, type,
// target fe80::2, then the given options.
std::vector<uint8_t> nd_frame(uint8_t type, const std::vector<uint8_t>& options) {
  std::vector<uint8_t> f = {0x33, 0x33, 0xff, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd};
  const uint16_t plen = static_cast<uint16_t>(24 + options.size());
  const uint8_t ip6[8] = {
      0x60, 0, 0, 0, static_cast<uint8_t>(plen >> 8), static_cast<uint8_t>(plen), 58, 255};
  f.insert(f.end(), ip6, ip6 + 8);
  const uint8_t src[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const uint8_t dst[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2};
  f.insert(f.end(), src, src + 16);
  f.insert(f.end(), dst, dst + 16);
  const uint8_t icmp[8] = {type, 0, 0, 0, 0, 0, 0, 0};
  f.insert(f.end(), icmp, icmp + 8);
  const uint8_t target[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  f.insert(f.end(), target, target + 16);
  f.insert(f.end(), options.begin(), options.end());
  return f;
}

FlowKey nd_key(uint8_t type) {
  FlowKey e = eth_key({0x33, 0x33, 0xff, 0, 0, 2}, {2, 0, 0, 0, 0, 1}, 0x86dd);
  e.nw_proto = 58;
  e.nw_ttl = 255;
  const uint8_t src[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const uint8_t dst[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2};
  std::memcpy(e.ipv6_src, src, 16);
  std::memcpy(e.ipv6_dst, dst, 16);
  e.tp_src = be16(type);
  return e;
}

const uint8_t kTarget[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

}  // namespace

// As OVS's parse_icmpv6(): the target, and the link-layer option a match
// can name (nd_sll for a solicitation, nd_tll for an advertisement).
TEST_CASE("parser: IPv6 neighbour solicitation and advertisement", "[parser]") {
  const std::vector<uint8_t> sll = {1, 1, 2, 0, 0, 0, 0, 9};
  const std::vector<uint8_t> tll = {2, 1, 2, 0, 0, 0, 0, 8};
  auto ns = parse(nd_frame(135, sll));
  REQUIRE(ns.status == ParseStatus::kOk);
  FlowKey e = nd_key(135);
  std::memcpy(e.nd_target(), kTarget, 16);
  const uint8_t mac9[6] = {2, 0, 0, 0, 0, 9};
  std::memcpy(e.nd_ll(), mac9, 6);
  CHECK_KEY(ns.key, e);

  // An advertisement: its TLL (the SLL option before it is not kept).
  std::vector<uint8_t> both = sll;
  both.insert(both.end(), tll.begin(), tll.end());
  auto na = parse(nd_frame(136, both));
  REQUIRE(na.status == ParseStatus::kOk);
  e = nd_key(136);
  std::memcpy(e.nd_target(), kTarget, 16);
  const uint8_t mac8[6] = {2, 0, 0, 0, 0, 8};
  std::memcpy(e.nd_ll(), mac8, 6);
  CHECK_KEY(na.key, e);

  // A solicitation without options (duplicate address detection).
  auto dad = parse(nd_frame(135, {}));
  e = nd_key(135);
  std::memcpy(e.nd_target(), kTarget, 16);
  CHECK_KEY(dad.key, e);
}

TEST_CASE("parser: malformed ND options leave the ND fields zero", "[parser]") {
  const std::vector<uint8_t> twice = {1, 1, 2, 0, 0, 0, 0, 9, 1, 1, 2, 0, 0, 0, 0, 7};
  const std::vector<uint8_t> zero_len = {1, 0, 2, 0, 0, 0, 0, 9};
  for (const auto& opts : {twice, zero_len}) {
    auto p = parse(nd_frame(135, opts));
    REQUIRE(p.status == ParseStatus::kOk);
    CHECK_KEY(p.key, nd_key(135));
  }
  // Not ND: an echo request keeps nothing there.
  auto echo = parse(nd_frame(128, {}));
  CHECK_KEY(echo.key, nd_key(128));
}
