// Parser drop reasons: every truncation point, malformed IPv4/IPv6 headers,
// and random garbage (built with -Db_sanitize=address this also proves no
// read past len: every parse runs on an exact-size heap copy).
#include <random>

#include <catch2/catch.hpp>

#include "lib/packet/parser.h"
#include "test/unit/packet/golden_frames.h"
#include "test/unit/packet/parse_helpers.h"

using namespace ferry;
using ferry::golden::from_hex;
using ferry::test::parse;
using ferry::test::parse_prefix;

namespace {

void set16(std::vector<uint8_t>& f, size_t at, uint16_t v) {
  f[at] = static_cast<uint8_t>(v >> 8);
  f[at + 1] = static_cast<uint8_t>(v);
}

}  // namespace

TEST_CASE("parser: status names", "[parser]") {
  CHECK(std::string(parse_status_name(ParseStatus::kOk)) == "rx_ok");
  CHECK(std::string(parse_status_name(ParseStatus::kRunt)) == "rx_runt");
  CHECK(std::string(parse_status_name(ParseStatus::kTruncatedVlan)) == "rx_truncated_vlan");
  CHECK(std::string(parse_status_name(ParseStatus::kTruncatedL3)) == "rx_truncated_l3");
  CHECK(std::string(parse_status_name(ParseStatus::kBadIpv4)) == "rx_bad_ipv4");
  CHECK(std::string(parse_status_name(ParseStatus::kBadIpv6)) == "rx_bad_ipv6");
  CHECK(std::string(parse_status_name(ParseStatus::kTruncatedL4)) == "rx_truncated_l4");
}

TEST_CASE("parser: every prefix of a TCP frame has its documented status", "[parser]") {
  const auto full = from_hex(golden::kTcpFull);  // 72 bytes, IPv4 total length 58
  REQUIRE(full.size() == 72);
  for (size_t len = 0; len <= full.size(); len++) {
    INFO("prefix length " << len);
    ParseStatus want;
    if (len < 14) {
      want = ParseStatus::kRunt;
    } else if (len < 14 + 20) {
      want = ParseStatus::kTruncatedL3;
    } else if (len < 72) {
      want = ParseStatus::kBadIpv4;  // total length runs past the frame
    } else {
      want = ParseStatus::kOk;
    }
    CHECK(parse_prefix(full, len).status == want);
  }
}

TEST_CASE("parser: every prefix of a tagged UDP frame has its documented status", "[parser]") {
  const auto full = from_hex(golden::kUdpVlan);  // 60 bytes, IPv4 total length 33 at 18
  for (size_t len = 0; len <= full.size(); len++) {
    INFO("prefix length " << len);
    ParseStatus want;
    if (len < 14) {
      want = ParseStatus::kRunt;
    } else if (len < 18) {
      want = ParseStatus::kTruncatedVlan;
    } else if (len < 18 + 20) {
      want = ParseStatus::kTruncatedL3;
    } else if (len < 18 + 33) {
      want = ParseStatus::kBadIpv4;
    } else {
      want = ParseStatus::kOk;  // the rest is Ethernet padding
    }
    CHECK(parse_prefix(full, len).status == want);
  }
}

TEST_CASE("parser: every prefix of IPv6 and ARP frames", "[parser]") {
  const auto v6 = from_hex(golden::kIpv6Udp);  // 66 bytes, payload length 12
  for (size_t len = 0; len <= v6.size(); len++) {
    INFO("IPv6 prefix length " << len);
    ParseStatus want = len < 14   ? ParseStatus::kRunt
                       : len < 54 ? ParseStatus::kTruncatedL3
                       : len < 66 ? ParseStatus::kBadIpv6
                                  : ParseStatus::kOk;
    CHECK(parse_prefix(v6, len).status == want);
  }
  const auto arp = from_hex(golden::kArpRequest);
  for (size_t len = 0; len <= arp.size(); len++) {
    INFO("ARP prefix length " << len);
    ParseStatus want = len < 14        ? ParseStatus::kRunt
                       : len < 14 + 28 ? ParseStatus::kTruncatedL3
                                       : ParseStatus::kOk;
    CHECK(parse_prefix(arp, len).status == want);
  }
}

TEST_CASE("parser: malformed IPv4 header lengths", "[parser]") {
  const auto good = from_hex(golden::kTcpFull);
  SECTION("version 6 in an IPv4 ethertype") {
    auto f = good;
    f[14] = 0x65;
    CHECK(parse(f).status == ParseStatus::kBadIpv4);
  }
  SECTION("IHL below 5") {
    for (uint8_t ihl = 0; ihl < 5; ihl++) {
      auto f = good;
      f[14] = static_cast<uint8_t>(0x40 | ihl);
      CHECK(parse(f).status == ParseStatus::kBadIpv4);
    }
  }
  SECTION("IHL past the frame: options cut short") {
    auto f = good;
    f.resize(14 + 40);
    f[14] = 0x4f;  // 60-byte header, 40 bytes present
    set16(f, 16, 60);
    CHECK(parse(f).status == ParseStatus::kTruncatedL3);
  }
  SECTION("total length below the header length") {
    auto f = good;
    set16(f, 16, 19);
    CHECK(parse(f).status == ParseStatus::kBadIpv4);
    f[14] = 0x46;  // 24-byte header
    set16(f, 16, 20);
    CHECK(parse(f).status == ParseStatus::kBadIpv4);
  }
  SECTION("total length past the frame") {
    auto f = good;
    set16(f, 16, 59);
    CHECK(parse(f).status == ParseStatus::kBadIpv4);
  }
  SECTION("total length shorter than the frame: trailing bytes are padding") {
    auto f = good;
    f.resize(200, 0xee);
    CHECK(parse(f).status == ParseStatus::kOk);
  }
  SECTION("total length too short for the TCP header") {
    auto f = good;
    set16(f, 16, 20 + 19);
    CHECK(parse(f).status == ParseStatus::kTruncatedL4);
    set16(f, 16, 20 + 20);
    CHECK(parse(f).status == ParseStatus::kOk);
  }
  SECTION("UDP and ICMP headers cut short by the total length") {
    auto f = from_hex(golden::kIcmpEcho);
    set16(f, 16, 20 + 3);
    CHECK(parse(f).status == ParseStatus::kTruncatedL4);
    set16(f, 16, 20 + 4);
    CHECK(parse(f).status == ParseStatus::kOk);
    auto u = from_hex(golden::kUdpVlan);
    set16(u, 20, 20 + 7);
    CHECK(parse(u).status == ParseStatus::kTruncatedL4);
  }
  SECTION("a first fragment must carry its L4 header") {
    auto f = from_hex(golden::kFragFirst);
    set16(f, 16, 20 + 7);
    CHECK(parse(f).status == ParseStatus::kTruncatedL4);
  }
}

TEST_CASE("parser: malformed IPv6 headers", "[parser]") {
  const auto good = from_hex(golden::kIpv6Udp);
  auto f = good;
  f[14] = 0x42;  // version 4
  CHECK(parse(f).status == ParseStatus::kBadIpv6);
  f = good;
  set16(f, 18, 13);  // payload length one past the frame
  CHECK(parse(f).status == ParseStatus::kBadIpv6);
  f = good;
  set16(f, 18, 7);  // UDP header cut short by the payload length
  CHECK(parse(f).status == ParseStatus::kTruncatedL4);
  f = good;
  f.resize(100, 0);  // padding after the payload is fine
  CHECK(parse(f).status == ParseStatus::kOk);
}

TEST_CASE("parser: runts and in_port", "[parser]") {
  std::vector<uint8_t> f(13, 0xff);
  CHECK(parse(f).status == ParseStatus::kRunt);
  f.push_back(0x00);  // 14 bytes, ethertype 0xff00: no L3, fine
  auto p = parse(f, 42);
  REQUIRE(p.status == ParseStatus::kOk);
  CHECK(p.key.in_port == 42);
  CHECK(p.key.dl_type == be16(0xff00));
  CHECK(p.off.l3 == 14);
}

TEST_CASE("parser: random garbage never reads past len", "[parser]") {
  std::mt19937 rng(12345);
  const uint16_t types[] = {0x0800, 0x86dd, 0x0806, 0x8035, 0x8100, 0x88a8, 0x0030, 0x1234};
  const uint8_t protos[] = {6, 17, 1, 58, 132, 0, 43, 44, 51, 60, 99};
  size_t ok = 0;
  for (int i = 0; i < 20000; i++) {
    std::vector<uint8_t> f(rng() % 160);
    for (auto& b : f) b = static_cast<uint8_t>(rng());
    if (f.size() >= 14) set16(f, 12, types[rng() % 8]);
    if (f.size() >= 18 && (rng() & 1)) set16(f, 16, types[rng() % 3]);
    // Make the IP headers plausible half of the time so deeper code runs.
    for (size_t l3 : {size_t{14}, size_t{18}}) {
      if (f.size() >= l3 + 40 && (rng() & 1)) {
        if (rng() & 1) {
          f[l3] = static_cast<uint8_t>(0x45 + (rng() % 3));
          set16(f, l3 + 2, static_cast<uint16_t>(f.size() - l3 - (rng() % 8)));
          set16(f, l3 + 6, 0);
          f[l3 + 9] = protos[rng() % 11];
        } else {
          f[l3] = 0x60;
          set16(f, l3 + 4, static_cast<uint16_t>(f.size() - l3 - 40 - (rng() % 8)));
          f[l3 + 6] = protos[rng() % 11];
        }
      }
    }
    auto p = parse_prefix(f, f.size());
    CHECK(static_cast<uint8_t>(p.status) < static_cast<uint8_t>(ParseStatus::kCount));
    if (p.status == ParseStatus::kOk) {
      ok++;
      CHECK(p.off.l3 <= f.size());
      CHECK(p.off.l4 <= f.size());
    }
  }
  CHECK(ok > 1000);  // the generator reaches the success paths too
}
