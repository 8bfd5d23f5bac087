// Classifier: priority order, ties, wildcard reporting, and a randomized
// comparison against a linear scan.
#include "lib/flow/classifier.h"

#include <algorithm>
#include <random>

#include <catch2/catch.hpp>

#include "test/unit/flow/flow_helpers.h"

using namespace ferry;
using ferry::test::ip;
using ferry::test::make_rule;

namespace {

FlowKey ipv4_key(uint32_t port, uint32_t dst) {
  FlowKey k = zero_key();
  k.in_port = port;
  k.dl_type = be16(0x0800);
  k.nw_dst = dst;
  return k;
}

Match or_masks(std::initializer_list<Match> ms) {
  Match out;
  for (const Match& m : ms) {
    for (size_t i = 0; i < FlowKey::kWords; i++) out.mask.words()[i] |= m.mask.words()[i];
  }
  return out;
}

}  // namespace

TEST_CASE("classifier: empty", "[classifier]") {
  Classifier c({}, 7);
  FlowKey wc = zero_key();
  CHECK(c.lookup(ipv4_key(1, 0), &wc) == nullptr);
  CHECK(wc == zero_key());
  CHECK(c.size() == 0);
  CHECK(c.n_subtables() == 0);
  CHECK(c.generation() == 7);
}

TEST_CASE("classifier: highest priority wins across subtables", "[classifier]") {
  Match dst = Match().set_dl_type(0x0800).set_nw_dst(ip(10, 0, 0, 1));
  std::vector<RulePtr> rules = {
      make_rule(1, 10, test::in_port(1)),
      make_rule(2, 100, dst),
      make_rule(3, 0, Match::catchall()),
      make_rule(4, 50, Match().set_dl_type(0x0800).set_nw_dst(ip(10, 0, 0, 0), ip(255, 0, 0, 0))),
  };
  Classifier c(rules, 1);
  CHECK(c.size() == 4);
  CHECK(c.n_subtables() == 4);
  CHECK(c.lookup(ipv4_key(1, ip(10, 0, 0, 1)), nullptr)->id == 2);
  CHECK(c.lookup(ipv4_key(1, ip(10, 0, 0, 2)), nullptr)->id == 4);
  CHECK(c.lookup(ipv4_key(1, ip(11, 0, 0, 2)), nullptr)->id == 1);
  CHECK(c.lookup(ipv4_key(2, ip(11, 0, 0, 2)), nullptr)->id == 3);
}

TEST_CASE("classifier: ties go to the lowest id", "[classifier]") {
  Match a = test::in_port(1);
  Match b = Match().set_dl_type(0x0800);
  SECTION("in different subtables, whatever the order") {
    for (int order = 0; order < 2; order++) {
      std::vector<RulePtr> rules = {make_rule(9, 20, a), make_rule(5, 20, b)};
      if (order) std::swap(rules[0], rules[1]);
      Classifier c(rules, 1);
      CHECK(c.lookup(ipv4_key(1, 0), nullptr)->id == 5);
      CHECK(c.lookup(ipv4_key(2, 0), nullptr)->id == 5);
      FlowKey k = ipv4_key(1, 0);
      k.dl_type = be16(0x86dd);
      CHECK(c.lookup(k, nullptr)->id == 9);
    }
  }
  SECTION("with the same masked key") {
    std::vector<RulePtr> rules = {make_rule(7, 20, a), make_rule(3, 20, a), make_rule(8, 20, a),
                                  make_rule(9, 19, a)};
    Classifier c(rules, 1);
    CHECK(c.size() == 4);
    CHECK(c.n_subtables() == 1);
    CHECK(c.lookup(ipv4_key(1, 0), nullptr)->id == 3);
    std::vector<RulePtr> rules2 = {make_rule(1, 5, a), make_rule(2, 6, a)};
    CHECK(Classifier(rules2, 1).lookup(ipv4_key(1, 0), nullptr)->id == 2);
  }
}

// What a missing subtable reports is pinned in classifier_wc_test.cc.
TEST_CASE("classifier: wildcards are the masks a lookup needed", "[classifier]") {
  Match dst = Match().set_dl_type(0x0800).set_nw_dst(ip(10, 0, 0, 1));
  Match port = test::in_port(0);
  std::vector<RulePtr> rules = {make_rule(1, 10, test::in_port(1)),
                                make_rule(2, 10, test::in_port(2)), make_rule(3, 100, dst)};
  Classifier c(rules, 1);

  // Hit in the first subtable: the lower one cannot win, so in_port is not consulted.
  FlowKey wc = zero_key();
  CHECK(c.lookup(ipv4_key(1, ip(10, 0, 0, 1)), &wc)->id == 3);
  CHECK(wc == or_masks({dst}).mask);

  // Miss in the first: its nw_dst trie tells 10.0.0.9 from 10.0.0.1 by
  // the first 29 bits; the second subtable matches on its whole mask.
  Match dst29 = Match().set_dl_type(0x0800).set_nw_dst(0, ip(255, 255, 255, 248));
  wc = zero_key();
  CHECK(c.lookup(ipv4_key(1, ip(10, 0, 0, 9)), &wc)->id == 1);
  CHECK(wc == or_masks({dst29, port}).mask);

  // Total miss: the same, and bits already in wc stay.
  wc = zero_key();
  wc.tp_src = 0xffff;
  CHECK(c.lookup(ipv4_key(3, ip(10, 0, 0, 9)), &wc) == nullptr);
  Match want = or_masks({dst29, port});
  want.mask.tp_src = 0xffff;
  CHECK(wc == want.mask);
}

TEST_CASE("classifier: a tie in max priority still visits the next subtable", "[classifier]") {
  Match dst = Match().set_dl_type(0x0800).set_nw_dst(ip(10, 0, 0, 1));
  std::vector<RulePtr> rules = {make_rule(5, 10, dst), make_rule(2, 10, test::in_port(1))};
  Classifier c(rules, 1);
  FlowKey wc = zero_key();
  CHECK(c.lookup(ipv4_key(1, ip(10, 0, 0, 1)), &wc)->id == 2);
  CHECK(wc == or_masks({dst, test::in_port(0)}).mask);
}

namespace {

// Small value domains so random rules and keys collide often.
struct Gen {
  std::mt19937_64 rng{42};
  uint32_t pick(uint32_t n) { return static_cast<uint32_t>(rng() % n); }

  FlowKey key() {
    FlowKey k = zero_key();
    k.in_port = 1 + pick(4);
    k.dl_type = pick(5) ? be16(0x0800) : be16(0x86dd);
    k.dl_dst[5] = static_cast<uint8_t>(pick(4));
    if (pick(3)) k.vlan_tci = be16(static_cast<uint16_t>(0x1000 | (10 + pick(3))));
    k.nw_src = ip(10, 0, static_cast<uint8_t>(pick(4)), static_cast<uint8_t>(pick(4)));
    k.nw_dst = ip(10, 1, static_cast<uint8_t>(pick(4)), static_cast<uint8_t>(pick(4)));
    k.nw_proto = pick(2) ? 6 : 17;
    k.tp_dst = be16(static_cast<uint16_t>(pick(2) ? 80 : 443));
    k.ipv6_dst[15] = static_cast<uint8_t>(pick(3));
    return k;
  }

  // One of a dozen mask shapes, with values taken from a random key.
  Match match() {
    Match m;
    switch (pick(12)) {
      case 0:
        break;  // catch-all
      case 1:
        m.mask.in_port = UINT32_MAX;
        break;
      case 2:
        m.mask.in_port = UINT32_MAX;
        std::memset(m.mask.dl_dst, 0xff, 6);
        break;
      case 3:
        m.mask.dl_type = 0xffff;
        m.mask.nw_dst = ip(255, 255, 255, 0);
        break;
      case 4:
        m.mask.dl_type = 0xffff;
        m.mask.nw_dst = UINT32_MAX;
        break;
      case 5:
        m.mask.dl_type = 0xffff;
        m.mask.nw_src = ip(255, 255, 0, 0);
        m.mask.nw_proto = 0xff;
        m.mask.tp_dst = 0xffff;
        break;
      case 6:
        m.mask.vlan_tci = be16(0x1fff);
        break;
      case 7:
        m.mask.vlan_tci = be16(0x1000);
        m.mask.in_port = UINT32_MAX;
        break;
      case 8:
        m.mask.nw_src = UINT32_MAX;
        m.mask.nw_dst = UINT32_MAX;
        break;
      case 9:
        m.mask.tp_dst = 0xffff;
        m.mask.nw_proto = 0xff;
        break;
      case 10:
        m.mask.ipv6_dst[15] = 0xff;
        m.mask.dl_type = 0xffff;
        break;
      default:
        m.mask.nw_dst = ip(255, 255, 252, 0);
        m.mask.in_port = 3;  // arbitrary bit masks too
        break;
    }
    m.key = of_key(key());
    m.normalize();
    return m;
  }
};

const Rule* brute_force(const std::vector<RulePtr>& rules, const FlowKey& k) {
  const Rule* best = nullptr;
  for (const RulePtr& r : rules) {
    if (!r->match.matches(k)) continue;
    if (!best || r->priority > best->priority ||
        (r->priority == best->priority && r->id < best->id))
      best = r.get();
  }
  return best;
}

}  // namespace

TEST_CASE("classifier: random rules agree with a linear scan", "[classifier]") {
  Gen g;
  for (size_t n_rules : {1, 10, 300, 3000}) {
    // Unique ids in shuffled order, few priorities: plenty of ties.
    std::vector<uint64_t> ids(n_rules);
    for (size_t i = 0; i < n_rules; i++) ids[i] = i + 1;
    std::shuffle(ids.begin(), ids.end(), g.rng);
    std::vector<RulePtr> rules;
    for (size_t i = 0; i < n_rules; i++) {
      rules.push_back(make_rule(ids[i], static_cast<uint16_t>(g.pick(8) * 10), g.match()));
    }
    Classifier c(rules, 1);
    size_t hits = 0, agreeing_checked = 0;
    for (int i = 0; i < 3000; i++) {
      FlowKey k = g.key();
      FlowKey wc = zero_key();
      const Rule* got = c.lookup(k, &wc);
      const Rule* want = brute_force(rules, k);
      INFO(n_rules << " rules, key " << k.to_string());
      REQUIRE(got == want);
      if (got) {
        hits++;
        // The winning rule's own mask was consulted.
        for (size_t w = 0; w < FlowKey::kWords; w++) {
          REQUIRE((got->match.mask.words()[w] & ~wc.words()[w]) == 0);
        }
      }
      // Any key agreeing with k on the consulted bits gets the same answer.
      for (int j = 0; j < 4; j++) {
        FlowKey k2 = g.key();
        for (size_t w = 0; w < FlowKey::kWords; w++) {
          k2.words()[w] = (k.words()[w] & wc.words()[w]) | (k2.words()[w] & ~wc.words()[w]);
        }
        REQUIRE(brute_force(rules, k2) == want);
        REQUIRE(c.lookup(k2, nullptr) == want);
        agreeing_checked++;
      }
    }
    CHECK(hits > 0);
    CHECK(agreeing_checked == 12000);
  }
}
