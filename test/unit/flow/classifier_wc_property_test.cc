// Classifier: a megaflow is never wider than correct. Random tables with
// overlapping address prefixes, port masks, metadata and tied priorities;
// random packets near the rules' values. For each packet: look it up with
// wc, then change bits outside wc (one bit, a few bits, all of them) and
// check the same rule wins (against a linear scan, or for conjunctive
// tables against a lookup without wc).
#include <algorithm>
#include <random>

#include <catch2/catch.hpp>

#include "lib/flow/classifier.h"
#include "test/unit/flow/flow_helpers.h"

using namespace ferry;
using ferry::test::make_rule;

namespace {

struct Gen {
  std::mt19937_64 rng;
  explicit Gen(uint64_t seed) : rng(seed) {}
  uint32_t pick(uint32_t n) { return static_cast<uint32_t>(rng() % n); }
  uint32_t prefix(unsigned n) { return n ? UINT32_MAX << (32 - n) : 0; }

  // Addresses from a few /16s, ports from a few values: rules overlap.
  uint32_t addr() { return 0x0a000000u | pick(3) << 16 | pick(4) << 8 | pick(8); }
  uint16_t port() {
    static const uint16_t ports[] = {22, 80, 443, 1024, 1025, 8080, 0x5000};
    return ports[pick(7)];
  }

  OfKey key() {
    OfKey k = zero_of_key();
    k.in_port = 1 + pick(3);
    k.dl_type = pick(6) ? be16(kEthTypeIpv4) : be16(pick(2) ? kEthTypeIpv6 : kEthTypeArp);
    k.vlan_tci = pick(3) ? 0 : be16(static_cast<uint16_t>(kVlanCfi | (10 + pick(2))));
    k.dl_dst[5] = static_cast<uint8_t>(pick(3));
    k.nw_proto = pick(2) ? kIpProtoTcp : kIpProtoUdp;
    k.nw_src = htonl(addr());
    k.nw_dst = htonl(addr());
    k.tp_src = be16(port());
    k.tp_dst = be16(port());
    k.ipv6_dst[0] = 0x20;
    k.ipv6_dst[1] = static_cast<uint8_t>(pick(4));
    k.ipv6_dst[15] = static_cast<uint8_t>(pick(4));
    k.metadata = pick(3);
    k.regs[0] = pick(3);
    return k;
  }

  // A random conjunction of fields, with values from a random key.
  Match match() {
    Match m;
    OfKey& mk = m.mask;
    if (pick(4) == 0) mk.in_port = UINT32_MAX;
    if (pick(6) == 0) mk.vlan_tci = be16(pick(2) ? 0x1fff : kVlanCfi);
    if (pick(8) == 0) std::memset(mk.dl_dst, 0xff, 6);
    if (pick(6) == 0) mk.metadata = pick(2) ? UINT64_MAX : 1;
    if (pick(6) == 0) mk.regs[0] = UINT32_MAX;
    switch (pick(4)) {
      case 0:
        break;
      case 1:  // IPv6 prefix
        mk.dl_type = 0xffff;
        std::memset(mk.ipv6_dst, 0xff, 1 + pick(2));
        if (pick(2)) mk.ipv6_dst[15] = 0xff;  // not CIDR: no trie for this one
        break;
      default: {  // IPv4 prefixes, protocol, ports
        mk.dl_type = 0xffff;
        if (pick(3)) mk.nw_dst = htonl(prefix(pick(33)));
        if (pick(3) == 0) mk.nw_src = htonl(prefix(pick(33)));
        if (pick(5) == 0) mk.nw_dst = htonl(0x00ff00ff);  // not CIDR
        if (pick(2)) {
          mk.nw_proto = 0xff;
          if (pick(2)) mk.tp_dst = pick(3) ? 0xffff : be16(0xff00);
          if (pick(3) == 0) mk.tp_src = pick(2) ? 0xffff : be16(0xfff0);
          if (pick(6) == 0) mk.tp_dst = be16(0x0f0f);  // not a prefix
        }
      }
    }
    m.key = key();
    m.normalize();
    return m;
  }

  // Key k with the bits outside wc changed: one bit, a few, or all.
  OfKey perturb(const OfKey& k, const OfKey& wc) {
    OfKey k2 = k;
    uint64_t* w2 = k2.words();
    const uint64_t* ww = wc.words();
    switch (pick(3)) {
      case 0:
      case 1: {
        const unsigned n = pick(2) ? 1 : 1 + pick(6);
        for (unsigned i = 0; i < n; i++) {
          const unsigned word = pick(OfKey::kWords);
          w2[word] ^= (uint64_t{1} << pick(64)) & ~ww[word];
        }
        break;
      }
      default: {
        const OfKey r = key();
        for (size_t w = 0; w < OfKey::kWords; w++)
          w2[w] = (w2[w] & ww[w]) | (r.words()[w] & ~ww[w]);
      }
    }
    k2.conj_id = 0;
    return k2;
  }
};

const Rule* linear_scan(const std::vector<RulePtr>& rules, uint8_t table, const OfKey& k) {
  const Rule* best = nullptr;
  for (const RulePtr& r : rules) {
    if (r->table_id != table || !r->match.matches(k)) continue;
    if (!best || r->priority > best->priority ||
        (r->priority == best->priority && r->id < best->id))
      best = r.get();
  }
  return best;
}

}  // namespace

TEST_CASE("classifier wc property: no packet agreeing on wc gets another answer",
          "[classifier][wc]") {
  for (uint64_t seed = 1; seed <= 24; seed++) {
    Gen g(seed);
    const size_t n_rules = seed % 4 == 0 ? 2000 : 10 + g.pick(300);
    std::vector<uint64_t> ids(n_rules);  // unique, shuffled: ties go either way
    for (size_t i = 0; i < n_rules; i++) ids[i] = i + 1;
    std::shuffle(ids.begin(), ids.end(), g.rng);
    std::vector<RulePtr> rules;
    for (size_t i = 0; i < n_rules; i++) {
      auto r = std::make_shared<Rule>(
          *make_rule(ids[i], static_cast<uint16_t>(g.pick(6) * 100), g.match()));
      r->table_id = static_cast<uint8_t>(g.pick(2));
      rules.push_back(r);
    }
    Classifier c(rules, 1);
    size_t hits = 0, narrowed = 0;
    for (int i = 0; i < 2000; i++) {
      const OfKey k = g.key();
      const uint8_t table = static_cast<uint8_t>(g.pick(2));
      OfKey wc = zero_of_key();
      const Rule* got = c.lookup(table, k, &wc);
      const Rule* want = linear_scan(rules, table, k);
      INFO("seed " << seed << " key " << k.to_string() << " wc " << wc.to_string());
      REQUIRE(got == want);
      hits += got != nullptr;
      if (got) {
        for (size_t w = 0; w < OfKey::kWords; w++)
          REQUIRE((got->match.mask.words()[w] & ~wc.words()[w]) == 0);
      }
      // How often the mask is narrower than the visited subtables' union
      // would be: the staged lookup and the tries at work.
      narrowed += wc.nw_dst != UINT32_MAX && wc.nw_dst != 0 && wc.nw_dst != htonl(0xffffff00);
      for (int j = 0; j < 8; j++) {
        const OfKey k2 = g.perturb(k, wc);
        INFO("perturbed " << k2.to_string());
        REQUIRE(linear_scan(rules, table, k2) == want);
        OfKey wc2 = zero_of_key();
        REQUIRE(c.lookup(table, k2, &wc2) == want);
      }
    }
    CHECK(hits > 0);
    CHECK(narrowed > 0);
  }
}

TEST_CASE("classifier wc property: conjunctive tables too", "[classifier][wc][conjunction]") {
  for (uint64_t seed = 100; seed < 112; seed++) {
    Gen g(seed);
    std::vector<RulePtr> rules;
    uint64_t id = 1;
    for (int i = 0; i < 150; i++) {
      const uint16_t prio = static_cast<uint16_t>(g.pick(4) * 100);
      switch (g.pick(4)) {
        case 0:  // clause 0: addresses; clause 1: ports (conjunction id 1..3)
        case 1: {
          const uint32_t cid = 1 + g.pick(3);
          const unsigned clause = g.pick(2);
          rules.push_back(make_rule(id++, prio, g.match(), {Action::conjunction(cid, clause, 2)}));
          break;
        }
        case 2: {
          Match m = g.match();
          m.key.conj_id = 1 + g.pick(3);
          m.mask.conj_id = UINT32_MAX;
          m.normalize();
          rules.push_back(make_rule(id++, prio, m, {Action::output(2)}));
          break;
        }
        default:
          rules.push_back(make_rule(id++, prio, g.match(), {Action::output(3)}));
      }
    }
    Classifier c(rules, 1);
    for (int i = 0; i < 2000; i++) {
      const OfKey k = g.key();
      OfKey wc = zero_of_key();
      const Rule* got = c.lookup(0, k, &wc);
      REQUIRE(got == c.lookup(0, k, nullptr));
      for (int j = 0; j < 8; j++) {
        const OfKey k2 = g.perturb(k, wc);
        INFO("seed " << seed << " key " << k.to_string() << " perturbed " << k2.to_string());
        REQUIRE(c.lookup(0, k2, nullptr) == got);
      }
    }
  }
}
