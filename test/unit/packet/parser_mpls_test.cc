// MPLS: real frames (written byte by byte) to exact keys, and the key in
// OVS's datapath flow syntax.
#include <catch2/catch.hpp>

#include "lib/packet/odp_format.h"
#include "lib/packet/parser.h"
#include "test/unit/packet/golden_frames.h"
#include "test/unit/packet/parse_helpers.h"

using namespace ferry;  // NOLINT(google-build-using-namespace)
using ferry::golden::from_hex;
using ferry::golden::kMacA;
using ferry::golden::kMacB;
using ferry::test::eth_key;
using ferry::test::parse;
using ferry::test::parse_prefix;

namespace {

// Ethernet 0x8847, labels 16 (TC 5, TTL 63) and 3 (BoS, TTL 64), then an
// IPv4 header the parser must not read (10.0.0.1 > 10.0.0.2, UDP).
constexpr std::string_view kTwoLabels =
    "525400abcdef525400123456884700010a3f0000314045000021000000004011000000"
    "0a0000010a00000203e807d0000d0000";

// 802.1Q VID 7, then 0x8848 with four labels (1, 2, 3, 4 BoS).
constexpr std::string_view kFourLabels =
    "525400abcdef52540012345681000007884800001040000020400000304000004140";

std::string port(uint32_t p) { return std::to_string(p); }

}  // namespace

TEST_CASE("parser: MPLS label stack, no L3 fields", "[parser][mpls]") {
  auto p = parse(from_hex(kTwoLabels), 2);
  REQUIRE(p.status == ParseStatus::kOk);
  FlowKey e = eth_key(kMacB, kMacA, 0x8847, 2);
  e.set_mpls_lse(0, mpls_lse(16, 5, 0, 63));
  e.set_mpls_lse(1, mpls_lse(3, 0, 1, 64));
  CHECK_KEY(p.key, e);
  CHECK(p.key.mpls_lse(0) == 0x00010a3f);
  CHECK(p.key.mpls_lse(1) == 0x00003140);
  CHECK(p.key.mpls_lse(2) == 0);
  CHECK(p.key.nw_src == 0);  // the payload is not parsed, as OVS
  CHECK(p.off.l3 == 14);
  CHECK(p.off.l4 == 0);
}

TEST_CASE("parser: MPLS keeps the first three entries of a deeper stack", "[parser][mpls]") {
  auto p = parse(from_hex(kFourLabels));
  REQUIRE(p.status == ParseStatus::kOk);
  FlowKey e = eth_key(kMacB, kMacA, 0x8848);
  e.vlan_tci = be16(0x1007);
  e.set_mpls_lse(0, mpls_lse(1, 0, 0, 64));
  e.set_mpls_lse(1, mpls_lse(2, 0, 0, 64));
  e.set_mpls_lse(2, mpls_lse(3, 0, 0, 64));
  CHECK_KEY(p.key, e);
  CHECK(p.off.l3 == 18);
}

TEST_CASE("parser: an MPLS stack cut short is parsed as far as it goes", "[parser][mpls]") {
  const auto f = from_hex(kTwoLabels);
  auto p = parse_prefix(f, 14 + 6);  // one entry and half of the next
  REQUIRE(p.status == ParseStatus::kOk);
  FlowKey e = eth_key(kMacB, kMacA, 0x8847);
  e.set_mpls_lse(0, 0x00010a3f);
  CHECK_KEY(p.key, e);
  auto q = parse_prefix(f, 14);
  REQUIRE(q.status == ParseStatus::kOk);
  CHECK_KEY(q.key, eth_key(kMacB, kMacA, 0x8847));
}

TEST_CASE("datapath flow syntax: MPLS", "[odp][mpls]") {
  auto p = parse(from_hex(kTwoLabels), 2);
  FlowKey m = zero_key();
  m.in_port = 0xffffffff;
  m.dl_type = 0xffff;
  CHECK(format_odp_match(p.key, m, port, false) ==
        "recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth(),eth_type(0x8847)");
  m.set_mpls_lse(0, kMplsLabelMask | kMplsBosMask);
  CHECK(format_odp_match(p.key, m, port, false) ==
        "recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth(),eth_type(0x8847),"
        "mpls(label=16/0xfffff,tc=5/0,ttl=63/0x0,bos=0/1,label=3/0x0,tc=0/0,ttl=64/0x0,bos=1/0)");
  m.set_mpls_lse(0, 0xffffffff);
  m.set_mpls_lse(1, kMplsBosMask);
  CHECK(format_odp_match(p.key, m, port, false) ==
        "recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth(),eth_type(0x8847),"
        "mpls(label=16/0xfffff,tc=5/7,ttl=63/0xff,bos=0/1,label=3/0x0,tc=0/0,ttl=64/0x0,bos=1/1)");
  m.set_mpls_lse(1, 0xffffffff);  // every entry exact: no masks (OVS's is_exact)
  CHECK(format_odp_match(p.key, m, port, false) ==
        "recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth(),eth_type(0x8847),"
        "mpls(label=16,tc=5,ttl=63,bos=0,label=3,tc=0,ttl=64,bos=1)");
}
