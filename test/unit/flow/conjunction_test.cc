// Conjunctive matches (conjunction actions, conj_id) in the classifier, as
// OVS's: dimensions, priorities, fallback to identical lower-priority rules,
// and the consulted bits.
#include <catch2/catch.hpp>

#include "lib/flow/classifier.h"
#include "test/unit/flow/flow_helpers.h"

using namespace ferry;
using ferry::test::make_rule;

namespace {

FlowKey tcp_key(uint32_t src, uint16_t dport) {
  FlowKey k = zero_key();
  k.in_port = 1;
  k.dl_type = be16(0x0800);
  k.nw_proto = 6;
  k.nw_src = htonl(src);
  k.tp_dst = be16(dport);
  return k;
}

Match src_is(uint32_t a) { return Match().set_dl_type(0x0800).set_nw_src(htonl(a)); }
Match dport_is(uint16_t p) { return Match().set_dl_type(0x0800).set_nw_proto(6).set_tp_dst(p); }
Match conj_id(uint32_t id) {
  Match m;
  m.key.conj_id = id;
  m.mask.conj_id = UINT32_MAX;
  return m;
}

struct Rules {
  std::vector<RulePtr> v;
  uint64_t next = 1;
  const Rule* add(uint16_t prio, const Match& m, ActionList acts) {
    v.push_back(make_rule(next++, prio, m, std::move(acts)));
    return v.back().get();
  }
};

}  // namespace

TEST_CASE("conjunction: every dimension must match", "[classifier][conjunction]") {
  Rules rs;
  const Rule* hit = rs.add(100, conj_id(7), {Action::output(2)});
  rs.add(100, src_is(0x0a000001), {Action::conjunction(7, 0, 2)});
  rs.add(100, src_is(0x0a000004), {Action::conjunction(7, 0, 2)});
  rs.add(100, dport_is(80), {Action::conjunction(7, 1, 2)});
  rs.add(100, dport_is(443), {Action::conjunction(7, 1, 2)});
  const Rule* miss = rs.add(1, Match(), {Action::output(9)});
  Classifier cls(rs.v, 1);

  CHECK(cls.lookup(tcp_key(0x0a000001, 80), nullptr) == hit);
  CHECK(cls.lookup(tcp_key(0x0a000004, 443), nullptr) == hit);
  CHECK(cls.lookup(tcp_key(0x0a000002, 80), nullptr) == miss);  // one dimension only
  CHECK(cls.lookup(tcp_key(0x0a000001, 22), nullptr) == miss);
  // A conjunctive rule is never the answer itself.
  FlowKey wc = zero_key();
  CHECK(cls.lookup(tcp_key(0x0a000004, 80), &wc) == hit);
  // Both dimensions' bits were consulted.
  CHECK(wc.nw_src == 0xffffffff);
  CHECK(wc.tp_dst == 0xffff);
}

TEST_CASE("conjunction: priorities and hard matches", "[classifier][conjunction]") {
  Rules rs;
  const Rule* conj = rs.add(50, conj_id(1), {Action::output(2)});
  rs.add(100, src_is(0x0a000001), {Action::conjunction(1, 0, 2)});
  rs.add(100, dport_is(80), {Action::conjunction(1, 1, 2)});
  // An ordinary rule of higher priority than the conjunction's clauses wins.
  const Rule* high = rs.add(200, dport_is(22), {Action::output(3)});
  // One of lower priority loses to a complete conjunction.
  const Rule* low = rs.add(90, src_is(0x0a000001), {Action::output(4)});
  Classifier cls(rs.v, 1);
  CHECK(cls.lookup(tcp_key(0x0a000001, 80), nullptr) == conj);
  CHECK(cls.lookup(tcp_key(0x0a000001, 22), nullptr) == high);
  // Clause 2 fails: the identical lower-priority ordinary rule answers (the
  // soft match falls back along rules with the same match, as OVS).
  CHECK(cls.lookup(tcp_key(0x0a000001, 25), nullptr) == low);
  CHECK(cls.lookup(tcp_key(0x0a000009, 80), nullptr) == nullptr);
}

TEST_CASE("conjunction: a rule in several conjunctions; ids by clause count",
          "[classifier][conjunction]") {
  Rules rs;
  const Rule* a = rs.add(10, conj_id(1), {Action::output(1)});
  const Rule* b = rs.add(10, conj_id(2), {Action::output(2)});
  rs.add(100, src_is(0x0a000001), {Action::conjunction(1, 0, 2), Action::conjunction(2, 0, 3)});
  rs.add(100, dport_is(80), {Action::conjunction(1, 1, 2), Action::conjunction(2, 1, 3)});
  rs.add(100, Match().set_dl_type(0x0800).set_nw_proto(6), {Action::conjunction(2, 2, 3)});
  Classifier cls(rs.v, 1);
  // Three clauses of id 2 match, id 1 is complete too: either is OVS's
  // answer; a packet that only completes id 2's third clause without id 1's
  // second takes neither.
  const Rule* r = cls.lookup(tcp_key(0x0a000001, 80), nullptr);
  CHECK((r == a || r == b));
  CHECK(cls.lookup(tcp_key(0x0a000001, 81), nullptr) == nullptr);
  // No conj_id rule for a complete id: nothing.
  Rules rs2;
  rs2.add(100, src_is(0x0a000001), {Action::conjunction(5, 0, 2)});
  rs2.add(100, dport_is(80), {Action::conjunction(5, 1, 2)});
  Classifier cls2(rs2.v, 1);
  CHECK(cls2.lookup(tcp_key(0x0a000001, 80), nullptr) == nullptr);
}
