// Classifier: the bits a lookup reports (a megaflow's mask). Exact masks for
// a small table, worked out from OVS's algorithm (staged lookup, prefix
// tries, ports trie) and checked against stock ovs-vswitchd's megaflows
// (test/integration/megaflow_masks.sh); and a randomized property: any
// packet agreeing on the reported bits gets the same answer.
#include <random>

#include <catch2/catch.hpp>

#include "lib/flow/classifier.h"
#include "test/unit/flow/flow_helpers.h"

using namespace ferry;
using ferry::test::ip;
using ferry::test::make_rule;

namespace {

uint32_t plen_mask(unsigned n) { return htonl(n ? UINT32_MAX << (32 - n) : 0); }

FlowKey packet(uint32_t port, uint16_t dl_type, uint8_t proto, uint32_t dst, uint16_t tp_dst) {
  FlowKey k = zero_key();
  k.in_port = port;
  k.dl_type = be16(dl_type);
  k.nw_proto = proto;
  k.nw_src = ip(192, 168, 0, 1);
  k.nw_dst = dst;
  k.nw_ttl = 64;
  k.tp_src = be16(1024);
  k.tp_dst = be16(tp_dst);
  return k;
}

// The mask a test expects, field by field.
struct Want {
  uint32_t in_port = 0;
  uint16_t dl_type = 0;
  uint8_t nw_proto = 0;
  unsigned nw_dst_bits = 0;
  uint16_t tp_dst = 0;  // host order
  FlowKey mask() const {
    FlowKey m = zero_key();
    m.in_port = in_port;
    m.dl_type = dl_type;
    m.nw_proto = nw_proto;
    m.nw_dst = plen_mask(nw_dst_bits);
    m.tp_dst = htons(tp_dst);
    return m;
  }
};

// R1..R5 of the pinned table.
std::vector<RulePtr> pinned_rules() {
  auto dst = [](uint32_t addr, unsigned bits) {
    return Match().set_dl_type(kEthTypeIpv4).set_nw_dst(addr, plen_mask(bits));
  };
  return {
      make_rule(1, 100, dst(ip(10, 0, 0, 0), 8)),
      make_rule(2, 200, dst(ip(10, 1, 0, 0), 16)),
      make_rule(3, 300, dst(ip(10, 1, 2, 0), 24)),
      make_rule(4, 400, Match().set_dl_type(kEthTypeIpv4).set_nw_proto(kIpProtoTcp).set_tp_dst(80)),
      make_rule(5, 50, test::in_port(1)),
  };
}

}  // namespace

// ovs-ofctl: ip,nw_dst=10.0.0.0/8 (100), ip,nw_dst=10.1.0.0/16 (200),
// ip,nw_dst=10.1.2.0/24 (300), tcp,tp_dst=80 (400), in_port=1 (50).
TEST_CASE("classifier wc: pinned masks for a small table", "[classifier][wc]") {
  const auto rules = pinned_rules();
  Classifier c(rules, 1);
  struct Case {
    const char* what;
    FlowKey key;
    uint64_t rule;  // 0: miss
    Want want;
  };
  const uint16_t ip4 = kEthTypeIpv4, tcp = kIpProtoTcp, udp = kIpProtoUdp;
  const std::vector<Case> cases = {
      // The first subtable (tcp,tp_dst=80) matches: its mask, nothing else.
      {"tcp 10.1.2.3:80 hits R4", packet(1, ip4, tcp, ip(10, 1, 2, 3), 80), 4,
       Want{0, 0xffff, 0xff, 0, 0xffff}},
      // R4 misses on the port in its last stage: of tp_dst only the leading
      // bits that tell 443 (0x01bb) from 80 (0x0050) apart, the first 8.
      // The /24 trie walk finds 10.1.2/24: R3 matches (its whole mask).
      {"tcp 10.1.2.3:443 hits R3", packet(1, ip4, tcp, ip(10, 1, 2, 3), 443), 3,
       Want{0, 0xffff, 0xff, 24, 0xff00}},
      // R4 misses at its L3 stage (nw_proto 17 is not in its index): no
      // port bits. The trie walk for 10.1.3.3 leaves 10.1.2/24 at bit 24,
      // so R3 is skipped with /24; R2 matches with its /16.
      {"udp 10.1.3.3 hits R2", packet(1, ip4, udp, ip(10, 1, 3, 3), 80), 2,
       Want{0, 0xffff, 0xff, 24, 0}},
      // 10.200.0.1 leaves the trie after 10/8 at bit 9 (10.1/16 has bit 8
      // clear): R3 and R2 are skipped with /9, R1 matches with /8.
      {"udp 10.200.0.1 hits R1", packet(1, ip4, udp, ip(10, 200, 0, 1), 80), 1,
       Want{0, 0xffff, 0xff, 9, 0}},
      // 11.0.0.1 differs from 10/8 in bit 8: every prefix subtable is
      // skipped with /8; in_port=1 matches.
      {"udp 11.0.0.1 hits R5", packet(1, ip4, udp, ip(11, 0, 0, 1), 80), 5,
       Want{UINT32_MAX, 0xffff, 0xff, 8, 0}},
      {"udp 11.0.0.1 from port 2 misses", packet(2, ip4, udp, ip(11, 0, 0, 1), 80), 0,
       Want{UINT32_MAX, 0xffff, 0xff, 8, 0}},
      // Not IPv4: every IP subtable fails at its L2 stage (dl_type).
      {"arp misses all but R5", packet(1, kEthTypeArp, 1, ip(10, 1, 2, 3), 0), 5,
       Want{UINT32_MAX, 0xffff, 0, 0, 0}},
  };
  for (const Case& t : cases) {
    INFO(t.what);
    FlowKey wc = zero_key();
    const Rule* r = c.lookup(t.key, &wc);
    CHECK((r ? r->id : 0) == t.rule);
    CHECK(wc.to_string() == t.want.mask().to_string());
    CHECK(wc == t.want.mask());
  }
}

TEST_CASE("classifier wc: a tie this subtable would lose is not looked at", "[classifier][wc]") {
  // Both match everything IPv4 at priority 10; id 1 wins whatever the
  // second subtable holds, so its mask (in_port) is not consulted.
  std::vector<RulePtr> rules = {make_rule(1, 10, Match().set_dl_type(kEthTypeIpv4)),
                                make_rule(2, 10, test::in_port(1))};
  Classifier c(rules, 1);
  FlowKey wc = zero_key();
  CHECK(c.lookup(packet(1, kEthTypeIpv4, kIpProtoUdp, ip(1, 2, 3, 4), 9), &wc)->id == 1);
  FlowKey want = zero_key();
  want.dl_type = 0xffff;
  CHECK(wc == want);
}

TEST_CASE("classifier wc: IPv6 prefixes are tracked too", "[classifier][wc]") {
  Match m = Match().set_dl_type(kEthTypeIpv6);
  const uint8_t net[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
  std::memcpy(m.key.ipv6_dst, net, 16);
  std::memset(m.mask.ipv6_dst, 0xff, 6);  // 2001:db8:1::/48
  std::vector<RulePtr> rules = {make_rule(1, 100, m), make_rule(2, 1, Match::catchall())};
  Classifier c(rules, 1);
  FlowKey k = zero_key();
  k.dl_type = be16(kEthTypeIpv6);
  std::memcpy(k.ipv6_dst, net, 16);
  k.ipv6_dst[2] = 0x8d;  // 2001:8db8:...: differs in bit 16
  FlowKey wc = zero_key();
  CHECK(c.lookup(k, &wc)->id == 2);
  FlowKey want = zero_key();
  want.dl_type = 0xffff;
  want.ipv6_dst[0] = want.ipv6_dst[1] = 0xff;  // the first 17 bits
  want.ipv6_dst[2] = 0x80;
  CHECK(wc == want);
}
