// FrameBuilder against frames written byte by byte (checksums verified by
// tcpdump), checksum helpers against published values, and the dumps.
#include "lib/packet/builder.h"

#include <catch2/catch.hpp>

#include "lib/packet/checksum.h"
#include "lib/packet/hexdump.h"
#include "test/unit/packet/golden_frames.h"

using namespace ferry;
using ferry::golden::from_hex;
using ferry::golden::kMacA;
using ferry::golden::kMacB;

namespace {

void check_same(const std::vector<uint8_t>& want, const std::vector<uint8_t>& got) {
  INFO(diff_frames(want, got));
  CHECK(want == got);
}

}  // namespace

TEST_CASE("builder: TCP frames match the golden bytes", "[builder]") {
  check_same(from_hex(golden::kTcpSyn), FrameBuilder()
                                            .eth(kMacB, kMacA)
                                            .ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2))
                                            .ip_id(0x1234)
                                            .dont_fragment()
                                            .tcp(12345, 80, kTcpSyn, 1)
                                            .build());
  check_same(from_hex(golden::kTcpFull),
             FrameBuilder()
                 .eth(kMacB, kMacA)
                 .ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2))
                 .tos(0xb8)
                 .ttl(63)
                 .ip_id(7)
                 .tcp(12345, 80, kTcpPsh | kTcpAck, 0x01020304, 0x0a0b0c0d)
                 .payload("GET / HTTP/1.0\r\n\r\n")
                 .build());
}

TEST_CASE("builder: VLAN UDP, ICMP echo and IPv4 options match the golden bytes", "[builder]") {
  check_same(from_hex(golden::kUdpVlan), FrameBuilder()
                                             .eth(kMacB, kMacA)
                                             .vlan(10, 3)
                                             .ipv4(ip4(192, 168, 1, 10), ip4(192, 168, 1, 20))
                                             .ttl(5)
                                             .udp(1000, 2000)
                                             .payload("hello")
                                             .build());
  check_same(from_hex(golden::kIcmpEcho), FrameBuilder()
                                              .eth(kMacB, kMacA)
                                              .ipv4(ip4(10, 1, 1, 1), ip4(10, 1, 1, 2))
                                              .ip_id(0x100)
                                              .icmp_echo(0x1d, 1)
                                              .payload_size(8)
                                              .build());
  check_same(from_hex(golden::kIpv4OptsUdp), FrameBuilder()
                                                 .eth(kMacB, kMacA)
                                                 .ipv4(ip4(10, 0, 0, 1), ip4(224, 0, 0, 22))
                                                 .ttl(1)
                                                 .ip_options({0x94, 4, 0, 0, 1, 1, 1})
                                                 .udp(5000, 5001)
                                                 .payload("x")
                                                 .build());
}

TEST_CASE("builder: IPv6 UDP and ICMPv6 echo match the golden bytes", "[builder]") {
  check_same(from_hex(golden::kIpv6Udp), FrameBuilder()
                                             .eth(kMacB, kMacA)
                                             .ipv6(ip6("2001:db8::1"), ip6("2001:db8::2"))
                                             .tos(0x2e)
                                             .ttl(255)
                                             .flow_label(0x12345)
                                             .udp(546, 547)
                                             .payload("dhcp")
                                             .build());
  check_same(from_hex(golden::kIcmpv6Echo), FrameBuilder()
                                                .eth(kMacB, kMacA)
                                                .ipv6(ip6("2001:db8::1"), ip6("2001:db8::2"))
                                                .icmp_echo(7, 9)
                                                .payload("ping")
                                                .build());
}

TEST_CASE("builder: ARP, gratuitous ARP and RARP match the golden bytes", "[builder]") {
  check_same(from_hex(golden::kArpRequest),
             FrameBuilder().arp_request(kMacA, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2)).build());
  check_same(from_hex(golden::kArpReply),
             FrameBuilder().arp_reply(kMacB, ip4(10, 0, 0, 2), kMacA, ip4(10, 0, 0, 1)).build());
  check_same(from_hex(golden::kGarp),
             FrameBuilder().gratuitous_arp(kMacA, ip4(10, 0, 0, 1)).build());
  check_same(from_hex(golden::kRarp), FrameBuilder().rarp(kMacA).build());
}

TEST_CASE("builder: IPv4 fragments match the golden bytes", "[builder]") {
  check_same(from_hex(golden::kFragFirst), FrameBuilder()
                                               .eth(kMacB, kMacA)
                                               .ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2))
                                               .ip_id(0x4242)
                                               .fragment(0, true)
                                               .udp(53, 53)
                                               .payload(std::vector<uint8_t>(24, 0))
                                               .build());
  check_same(from_hex(golden::kFragLater), FrameBuilder()
                                               .eth(kMacB, kMacA)
                                               .ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2))
                                               .ip_id(0x4242)
                                               .fragment(1480, false)
                                               .ip_proto(17)
                                               .payload_size(16)
                                               .build());
}

TEST_CASE("builder: padding, raw ethertype, QinQ tags", "[builder]") {
  auto f = FrameBuilder().eth(kMacB, kMacA).ethertype(0x88b5).payload("ab").build();
  REQUIRE(f.size() == 60);
  CHECK(f[12] == 0x88);
  CHECK(f[13] == 0xb5);
  CHECK(f[14] == 'a');
  CHECK(f[59] == 0);
  f = FrameBuilder().eth(kMacB, kMacA).payload("ab").pad_to(0).build();
  CHECK(f.size() == 16);
  f = FrameBuilder()
          .eth(kMacB, kMacA)
          .vlan(100, 0, kEthTypeQinQ)
          .vlan(10, 5, kEthTypeVlan, true)
          .ethertype(0x0800)
          .pad_to(0)
          .build();
  const std::vector<uint8_t> tags = {0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0xb0, 0x0a, 0x08, 0x00};
  CHECK(std::vector<uint8_t>(f.begin() + 12, f.end()) == tags);
}

TEST_CASE("builder: IPv6 fragment header", "[builder]") {
  auto f = FrameBuilder()
               .eth(kMacB, kMacA)
               .ipv6(ip6("2001:db8::1"), ip6("2001:db8::2"))
               .fragment(1448, true, 0x12345678)
               .ip_proto(17)
               .payload_size(8)
               .build();
  REQUIRE(f.size() == 14 + 40 + 8 + 8);
  CHECK(f[20] == 44);  // next header: fragment
  CHECK(f[19] == 16);  // payload length
  const std::vector<uint8_t> frag = {17, 0, 0x05, 0xa9, 0x12, 0x34, 0x56, 0x78};
  CHECK(std::vector<uint8_t>(f.begin() + 54, f.begin() + 62) == frag);
}

TEST_CASE("checksum: RFC 1071 and the classic IPv4 header example", "[checksum]") {
  // RFC 1071 section 3: the sum of 0001 f203 f4f5 f6f7 is ddf2.
  const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  CHECK(checksum_finish(checksum_add(0, rfc, sizeof rfc)) == static_cast<uint16_t>(~0xddf2));
  // A widely published IPv4 header whose checksum is 0xb861.
  auto hdr = from_hex("450000730000400040110000c0a80001c0a800c7");
  CHECK(inet_checksum(hdr.data(), hdr.size()) == 0xb861);
  hdr[10] = 0xb8;
  hdr[11] = 0x61;
  CHECK(inet_checksum(hdr.data(), hdr.size()) == 0);
  // Odd length pads with a zero byte.
  const uint8_t odd[] = {0x12, 0x34, 0x56};
  CHECK(checksum_finish(checksum_add(0, odd, 3)) == static_cast<uint16_t>(~(0x1234 + 0x5600)));
  // The builder produces that same header.
  auto f = FrameBuilder()
               .ipv4(ip4(192, 168, 0, 1), ip4(192, 168, 0, 199))
               .dont_fragment()
               .ip_proto(17)
               .payload_size(0x73 - 20)
               .build();
  CHECK(std::vector<uint8_t>(f.begin() + 14, f.begin() + 34) == hdr);
}

TEST_CASE("checksum: verify_checksums accepts good frames and names bad ones", "[checksum]") {
  for (auto hex : {golden::kTcpSyn, golden::kTcpFull, golden::kUdpVlan, golden::kIcmpEcho,
                   golden::kIpv6Udp, golden::kIcmpv6Echo, golden::kIpv4OptsUdp, golden::kFragFirst,
                   golden::kFragLater, golden::kArpRequest}) {
    auto st = verify_checksums(from_hex(hex));
    INFO(hex << ": " << (st ? "" : st.error().message));
    CHECK(st.ok());
  }
  auto f = from_hex(golden::kTcpFull);
  f.back() ^= 1;
  auto st = verify_checksums(f);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message == "TCP checksum is 0x7271, expected 0x7270");
  f = from_hex(golden::kTcpFull);
  f[22] = 62;  // TTL changed without fixing the header checksum
  st = verify_checksums(f);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message == "IPv4 header checksum is 0x66fd, expected 0x67fd");
  f = from_hex(golden::kIpv6Udp);
  f[60] ^= 0xff;
  CHECK_FALSE(verify_checksums(f).ok());
  f = from_hex(golden::kIcmpv6Echo);
  f[56] = 0;
  st = verify_checksums(f);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.rfind("ICMPv6 checksum is 0x0063", 0) == 0);
  // no_checksums() really leaves them zero.
  auto z = FrameBuilder().ipv4(1, 2).udp(1, 2).no_checksums().build();
  CHECK(z[24] == 0);
  CHECK(z[25] == 0);
  CHECK(z[40] == 0);
  CHECK(z[41] == 0);
}

TEST_CASE("hexdump: exact layout", "[hexdump]") {
  std::vector<uint8_t> b;
  for (int i = 0; i < 20; i++) b.push_back(static_cast<uint8_t>(0x40 + i));
  CHECK(hexdump(b) ==
        "0000  40 41 42 43 44 45 46 47  48 49 4a 4b 4c 4d 4e 4f  |@ABCDEFGHIJKLMNO|\n"
        "0010  50 51 52 53                                       |PQRS|\n");
  CHECK(diff_frames(b, b) == "identical");
  auto c = b;
  c[3] = 0;
  CHECK(diff_frames(b, c).rfind("byte 3: expected 0x43, got 0x00\n", 0) == 0);
  auto d = describe_frame(from_hex(golden::kArpRequest));
  CHECK(d.rfind("60 bytes, in_port=0,dl_src=52:54:00:12:34:56,dl_dst=ff:ff:ff:ff:ff:ff,"
                "dl_type=0x0806,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2",
                0) == 0);
}

TEST_CASE("builder: address helpers", "[builder]") {
  CHECK(ip4(10, 1, 2, 3) == htonl(0x0a010203));
  CHECK(parse_ipv4("10.1.2.3") == ip4(10, 1, 2, 3));
  CHECK_FALSE(parse_ipv4("10.1.2"));
  auto a = parse_ipv6("fe80::1");
  REQUIRE(a);
  CHECK((*a)[0] == 0xfe);
  CHECK((*a)[15] == 1);
  CHECK_FALSE(parse_ipv6("fe80:::1"));
}
