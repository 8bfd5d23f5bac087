// Frame SPECs against frames written byte by byte (independently of
// FrameBuilder; most are the golden frames of test/unit/packet, whose
// checksums tcpdump reports as correct).
#include "tools/ferry-pktgen/frame_spec.h"

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "lib/packet/hexdump.h"
#include "lib/util/text.h"
#include "tools/ferry-pktgen/spec_syntax.h"

using ferry::pktgen::build_frame_from_spec;
using ferry::pktgen::parse_hex_bytes;

namespace {

#define MACS "dst=52:54:00:ab:cd:ef,src=52:54:00:12:34:56"

std::string built_hex(std::string_view spec) {
  auto f = build_frame_from_spec(spec);
  if (!f) FAIL("spec rejected: " << f.error().message);
  return ferry::hex(f->data(), f->size());
}

std::string error_of(std::string_view spec) {
  auto f = build_frame_from_spec(spec);
  if (f) FAIL("spec accepted: " << spec);
  return f.error().message;
}

}  // namespace

TEST_CASE("802.1Q UDP with text or hex payload", "[spec]") {
  const std::string want =
      "525400abcdef5254001234568100600a080045000021000000000511325ec0a8010ac0a8011403e807d0000d2cdb"
      "68656c6c6f000000000000000000";
  CHECK(built_hex("eth(" MACS "),vlan(vid=10,pcp=3),ipv4(src=192.168.1.10,dst=192.168.1.20,ttl=5),"
                  "udp(sport=1000,dport=2000),payload(text=hello)") == want);
  CHECK(built_hex(" eth( " MACS " ) , vlan(vid=0xa,pcp=3),ipv4(src=192.168.1.10,dst=192.168.1.20,"
                  "ttl=5),udp(sport=1000,dport=2000),payload(hex=68:65:6c:6c:6f)") == want);
}

TEST_CASE("TCP with id, DF, flags, sequence numbers and TOS", "[spec]") {
  CHECK(built_hex("eth(" MACS "),ipv4(src=10.0.0.1,dst=10.0.0.2,id=0x1234,df),"
                  "tcp(sport=12345,dport=80,seq=1)") ==
        "525400abcdef525400123456080045000028123440004006149a0a0000010a0000023039005000000001000000"
        "005002ffff6b560000000000000000");
  CHECK(built_hex("eth(" MACS "),ipv4(src=10.0.0.1,dst=10.0.0.2,tos=0xb8,ttl=63,id=7),"
                  "tcp(sport=12345,dport=80,flags=PA,seq=0x01020304,ack=0x0a0b0c0d),"
                  "payload(hex=474554202f20485454502f312e300d0a0d0a)") ==
        "525400abcdef525400123456080045b8003a000700003f0666fd0a0000010a00000230390050010203040a0b0c"
        "0d5018ffff72710000474554202f20485454502f312e300d0a0d0a");
  // Numeric flags are the same bits.
  CHECK(built_hex("eth(" MACS "),ipv4(src=10.0.0.1,dst=10.0.0.2,id=0x1234,df),"
                  "tcp(sport=12345,dport=80,flags=0x2,seq=1)") ==
        built_hex("eth(" MACS "),ipv4(src=10.0.0.1,dst=10.0.0.2,id=0x1234,df),"
                  "tcp(sport=12345,dport=80,flags=S,seq=1)"));
}

TEST_CASE("ICMP echo and other ICMP messages", "[spec]") {
  CHECK(
      built_hex("eth(" MACS "),ipv4(src=10.1.1.1,dst=10.1.1.2,id=0x100),icmp(echo,id=0x1d,seq=1),"
                "payload(len=8)") ==
      "525400abcdef52540012345608004500002401000000400163d50a0101010a0101020800ebd1001d000100010203"
      "0405060700000000000000000000");
  CHECK(built_hex("eth(" MACS "),ipv4(src=10.0.0.1,dst=10.0.0.2),icmp(type=3,code=1)") ==
        "525400abcdef52540012345608004500001c00000000400166df0a0000010a0000020301fcfe000000000000"
        "00000000000000000000000000000000");
}

TEST_CASE("IPv6 UDP with traffic class, flow label and hop limit", "[spec]") {
  CHECK(
      built_hex("eth(" MACS "),ipv6(src=2001:db8::1,dst=2001:db8::2,tc=0x2e,label=0x12345,"
                "hlim=255),udp(sport=546,dport=547),payload(text=dhcp)") ==
      "525400abcdef52540012345686dd62e12345000c11ff20010db800000000000000000000000120010db800000000"
      "000000000000000202220223000cd84364686370");
}

TEST_CASE("ARP, gratuitous ARP and RARP set their own Ethernet header", "[spec]") {
  CHECK(built_hex("arp(op=request,sha=52:54:00:12:34:56,spa=10.0.0.1,tpa=10.0.0.2)") ==
        "ffffffffffff525400123456080600010800060400015254001234560a0000010000000000000a0000020000"
        "00000000000000000000000000000000");
  CHECK(built_hex("arp(op=reply,sha=52:54:00:ab:cd:ef,spa=10.0.0.2,tha=52:54:00:12:34:56,"
                  "tpa=10.0.0.1)") ==
        "525400123456525400abcdef08060001080006040002525400abcdef0a0000025254001234560a0000010000"
        "00000000000000000000000000000000");
  CHECK(built_hex("garp(mac=52:54:00:12:34:56,ip=10.0.0.1)") ==
        "ffffffffffff525400123456080600010800060400015254001234560a0000010000000000000a0000010000"
        "00000000000000000000000000000000");
  CHECK(built_hex("rarp(mac=52:54:00:12:34:56)") ==
        "ffffffffffff525400123456803500010800060400035254001234560000000052540012345600000000000000"
        "000000000000000000000000000000");
  // An explicit eth() wins (here: a unicast "gratuitous" ARP).
  CHECK(built_hex("eth(dst=52:54:00:ab:cd:ef,src=52:54:00:12:34:56),garp(mac=52:54:00:12:34:56,"
                  "ip=10.0.0.1)")
            .substr(0, 24) == "525400abcdef525400123456");
}

TEST_CASE("QinQ tags, IP without L4, raw ethertype and padding control", "[spec]") {
  CHECK(built_hex("eth(" MACS "),vlan(vid=100,tpid=0x88a8),vlan(vid=10,pcp=3),"
                  "ipv4(src=10.0.0.1,dst=10.0.0.2),payload(text=ab)") ==
        "525400abcdef52540012345688a800648100600a08004500001600000000403b66ab0a0000010a0000026162"
        "00000000000000000000000000000000");
  CHECK(built_hex("eth(" MACS ",type=0x88b5),payload(hex=0102),pad(to=0)") ==
        "525400abcdef52540012345688b50102");
  CHECK(built_hex("eth(" MACS "),ipv4(src=10.0.0.1,dst=10.0.0.2,tos=0x10),udp(sport=1,dport=2),"
                  "payload(len=4),pad(to=0)") ==
        "525400abcdef52540012345608004510002000000000401166bb0a0000010a00000200010002000ce9cc000102"
        "03");
  auto big = build_frame_from_spec("eth(" MACS "),pad(to=128)");
  REQUIRE(big);
  CHECK(big->size() == 128);
}

TEST_CASE("malformed specs are rejected with a message naming the problem", "[spec]") {
  CHECK(error_of("") == "empty item in frame spec");
  CHECK(error_of("eth(" MACS "),bogus(x=1)") == "unknown item \"bogus\" in frame spec");
  CHECK(error_of("eth(" MACS ",color=red)") == "eth(): unknown key color");
  CHECK(error_of("eth(dst=52:54:00:ab:cd:ef)") == "eth(): missing src=");
  CHECK(error_of("eth(dst=52:54:00:ab:cd,src=52:54:00:12:34:56)") ==
        "eth(): dst=52:54:00:ab:cd: not a MAC address");
  CHECK(error_of("ipv4(src=10.0.0.1,dst=10.0.0.2)") == "missing eth(dst=..,src=..)");
  CHECK(error_of("eth(" MACS "),udp(sport=1,dport=2)") ==
        "udp(): needs ipv4() or ipv6() before it");
  CHECK(error_of("eth(" MACS "),ipv4(src=10.0.0.1,dst=10.0.0.2),vlan(vid=1)")
            .find("vlan(): out of order") == 0);
  CHECK(error_of("eth(" MACS "),ipv4(src=10.0.0.1,dst=10.0.0.2),ipv4(src=10.0.0.1,dst=10.0.0.2)")
            .find("ipv4(): out of order or repeated") == 0);
  CHECK(error_of("eth(" MACS "),garp(mac=52:54:00:12:34:56,ip=10.0.0.1),udp(sport=1,dport=2)") ==
        "udp(): needs ipv4() or ipv6() before it");
  CHECK(error_of("eth(" MACS "),vlan(vid=4096)") ==
        "vlan(): vid=4096: expected a number up to 4095");
  CHECK(error_of("eth(" MACS "),vlan(pcp=1)") == "vlan(): missing vid=");
  CHECK(error_of("eth(" MACS "),ipv4(src=10.0.0.300,dst=10.0.0.2)") ==
        "ipv4(): src=10.0.0.300: not an IPv4 address");
  CHECK(error_of("eth(" MACS ",type=0x800),ipv4(src=10.0.0.1,dst=10.0.0.2)") ==
        "eth(): type= only applies without an L3 item");
  CHECK(error_of("eth(" MACS "),ipv4(src=10.0.0.1,dst=10.0.0.2),tcp(sport=1,dport=2,flags=SX)") ==
        "tcp(): flags=SX: expected a number up to 511");
  CHECK(error_of("eth(" MACS "),payload(hex=01,len=2)") ==
        "payload(): needs exactly one of hex=, len=, text=");
  CHECK(error_of("eth(" MACS "),payload(hex=012)") == "payload(): hex=: odd number of hex digits");
  CHECK(error_of("eth(" MACS "),ipv4(src=10.0.0.1,dst=10.0.0.2),icmp(code=1)") ==
        "icmp(): needs echo, echo-reply or type=");
  CHECK(error_of("eth(" MACS "") == "unbalanced '(' in frame spec");
  CHECK(error_of("eth(" MACS "))") == "unbalanced ')' in frame spec");
  CHECK(error_of("eth(" MACS ",dst=52:54:00:ab:cd:ef)") == "eth(): dst given twice");
  CHECK(error_of("eth(" MACS "),ipv4(src,dst=10.0.0.2)") == "ipv4(): src needs a value");
}

TEST_CASE("hex bytes with optional separators", "[spec]") {
  auto b = parse_hex_bytes("0a:0B 0c-0d0E");
  REQUIRE(b);
  CHECK(*b == std::vector<uint8_t>{0x0a, 0x0b, 0x0c, 0x0d, 0x0e});
  CHECK(parse_hex_bytes("")->empty());
  CHECK(parse_hex_bytes("abc").error().message == "odd number of hex digits");
  CHECK(parse_hex_bytes("zz").error().message == "bad hex character 'z'");
  CHECK(parse_hex_bytes("0:a").error().message == "bad hex character ':'");
}
