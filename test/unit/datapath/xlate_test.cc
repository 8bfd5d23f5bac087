// Translation without a datapath: the walk over a bridge's tables, the
// megaflow mask it reports, and the arena that keeps translations in a
// megaflow cache.
#include "datapath/xlate.h"

#include <arpa/inet.h>

#include <cstring>
#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include "datapath/ct_exec.h"
#include "datapath/megaflow_cache.h"
#include "datapath/xlate_arena.h"
#include "lib/conntrack/conntrack.h"
#include "lib/flow/ct_action.h"
#include "lib/flow/field.h"
#include "lib/flow/flow_table.h"
#include "lib/flow/learn.h"
#include "test/unit/datapath/xlate_tables.h"

namespace ferry {
namespace {

using test::Tables;

FlowKey udp_key(uint32_t in_port, uint32_t src, uint8_t ttl) {
  FlowKey k = zero_key();
  k.in_port = in_port;
  k.dl_type = htons(kEthTypeIpv4);
  k.nw_proto = kIpProtoUdp;
  k.nw_src = htonl(src);
  k.nw_dst = htonl(0x0a000002);
  k.nw_ttl = ttl;
  k.tp_src = htons(1000);
  k.tp_dst = htons(53);
  return k;
}

Action reg_load(unsigned n, uint32_t v) {
  return Action::set_field(static_cast<uint8_t>(reg_field(n)), v, UINT32_MAX);
}

}  // namespace

TEST_CASE("xlate: a walk's actions, rules and mask", "[xlate]") {
  Tables tb;
  tb.add(0, Match().set_in_port(1), 10, {reg_load(0, 7), Action::goto_table(2)});
  tb.add(2, Match().set_reg(0, 7), 10,
         {Action::set_field(static_cast<uint8_t>(Field::kIpDst), 0x0a000063, UINT32_MAX),
          Action::resubmit(kOfppInPort, 5), Action::output(3)});
  tb.add(5, Match().set_reg(0, 7).set_tp_dst(53), 10, {Action::dec_ttl(), Action::output(4)});
  auto cls = tb.t.classifier();
  FlowKey k = udp_key(1, 0x0a000001, 9);
  FlowKey wc = zero_key();
  const Rule* first = cls->lookup(k, &wc);
  REQUIRE(first);
  XlateOut out;
  xlate(*cls, k, *first, &wc, &out);
  REQUIRE(out.n_actions == 4);
  CHECK(out.actions[0].type == ActionType::kSetField);
  CHECK(out.actions[0].value == 0x0a000063);
  CHECK(out.actions[1] == Action::set_field(static_cast<uint8_t>(Field::kIpTtl), 8, 0xff));
  CHECK(out.actions[2] == Action::output(4));
  CHECK(out.actions[3] == Action::output(3));
  CHECK(out.n_rules == 3);
  CHECK_FALSE(out.stopped);
  // Consulted: in_port (table 0), tp_dst (table 5), dl_type and all of the
  // TTL (dec_ttl); not nw_src, not tp_src.
  CHECK(wc.in_port == UINT32_MAX);
  CHECK(wc.tp_dst == 0xffff);
  CHECK(wc.nw_ttl == 0xff);
  CHECK(wc.dl_type == 0xffff);
  CHECK(wc.nw_src == 0);
  CHECK(wc.tp_src == 0);
}

TEST_CASE("xlate: output:IN_PORT after in_port changed goes to the changed port", "[xlate]") {
  // As ovs-vswitchd (ofproto/trace, stock 3.1): in_port=1,
  // load:2->NXM_OF_IN_PORT[],output:IN_PORT sends out port 2; and
  // output:2 is then skipped (the flow's in_port) while output:3 (the
  // packet's own input port) goes out as IN_PORT.
  Tables tb;
  const auto in_port = static_cast<uint8_t>(Field::kInPort);
  tb.add(0, Match().set_in_port(1), 10,
         {Action::set_field(in_port, 2, UINT32_MAX), Action::output(kOfppInPort)});
  tb.add(0, Match().set_in_port(3), 10,
         {Action::set_field(in_port, 2, UINT32_MAX), Action::output(2), Action::output(3)});
  tb.add(0, Match().set_in_port(4), 10, {Action::output(kOfppInPort)});
  auto cls = tb.t.classifier();
  auto walk = [&](uint32_t port) {
    FlowKey k = udp_key(port, 0x0a000001, 9);
    FlowKey wc = zero_key();
    const Rule* r = cls->lookup(k, &wc);
    REQUIRE(r);
    auto out = std::make_unique<XlateOut>();
    xlate(*cls, k, *r, &wc, out.get());
    std::vector<Action> outputs;
    for (uint16_t i = 0; i < out->n_actions; i++)
      if (out->actions[i].type == ActionType::kOutput) outputs.push_back(out->actions[i]);
    return outputs;
  };
  auto one = walk(1);
  REQUIRE(one.size() == 1);
  CHECK(one[0].port == 2);
  auto three = walk(3);
  REQUIRE(three.size() == 1);
  CHECK(three[0].port == kOfppInPort);  // the packet's own port, as IN_PORT
  auto four = walk(4);                  // in_port unchanged: IN_PORT stays IN_PORT
  REQUIRE(four.size() == 1);
  CHECK(four[0].port == kOfppInPort);
}

TEST_CASE("xlate: dec_ttl on TTL 1 ends its action list, resubmit loops are cut", "[xlate]") {
  Tables tb;
  tb.add(0, Match().set_in_port(1), 10, {Action::output(2), Action::dec_ttl(), Action::output(3)});
  // In a resubmitted list, only that list ends (found by the differential
  // tester: ovs-vswitchd still runs the caller's actions after it).
  tb.add(0, Match().set_in_port(7), 10, {Action::resubmit(kOfppInPort, 3), Action::output(4)});
  tb.add(3, Match(), 10, {Action::dec_ttl(), Action::output(3)});
  tb.add(0, Match().set_in_port(5), 10, {Action::resubmit(kOfppInPort, 0xff)});
  auto cls = tb.t.classifier();
  FlowKey k = udp_key(1, 0x0a000001, 1);
  FlowKey wc = zero_key();
  XlateOut out;
  xlate(*cls, k, *cls->lookup(k, &wc), &wc, &out);
  CHECK_FALSE(out.stopped);
  CHECK(out.ttl_expired);
  REQUIRE(out.n_actions == 1);  // what came before dec_ttl still happens, not what follows
  CHECK(out.actions[0] == Action::output(2));

  FlowKey nested = udp_key(7, 0x0a000001, 1);
  XlateOut out3;
  xlate(*cls, nested, *cls->lookup(nested, &wc), &wc, &out3);
  CHECK(out3.ttl_expired);
  REQUIRE(out3.n_actions == 1);
  CHECK(out3.actions[0] == Action::output(4));

  FlowKey loop = udp_key(5, 0x0a000001, 64);
  XlateOut out2;
  xlate(*cls, loop, *cls->lookup(loop, &wc), &wc, &out2);
  CHECK(out2.stopped);  // resubmit into its own table: depth limit
  CHECK(out2.n_actions == 0);
}

TEST_CASE("xlate arena: blocks are reused and the cache releases them", "[xlate]") {
  XlateArena arena(4096);
  Action acts[3] = {Action::output(1), Action::output(2), Action::dec_ttl()};
  const Rule* rules[2] = {nullptr, nullptr};
  Translation t;
  t.actions = acts;
  t.rules = rules;
  t.n_actions = 3;
  t.n_rules = 2;
  const Translation* a = arena.store(t);
  REQUIRE(a);
  CHECK(a->n_actions == 3);
  CHECK(a->actions[1] == Action::output(2));
  CHECK(arena.in_use() == 256);  // header + 3 actions + 2 rules rounds up to 256
  arena.release(a);
  CHECK(arena.in_use() == 0);
  const Translation* b = arena.store(t);
  CHECK(b == a);  // the freed block comes back first
  // Full: 4096 bytes hold 16 such blocks.
  int n = 1;
  while (arena.store(t)) n++;
  CHECK(n == 16);

  // A megaflow cache frees an entry's translation when the entry goes.
  MegaflowCache cache(4);
  auto rule = std::make_shared<Rule>();
  rule->actions = std::make_shared<const ActionList>();
  rule->stats = std::make_shared<RuleStats>();
  Classification c;
  c.rule = rule.get();
  c.xlate = &t;
  FlowKey k = udp_key(1, 0x0a000001, 9);
  FlowKey mask = zero_key();
  mask.in_port = UINT32_MAX;
  MegaflowCache::Entry* e = cache.insert(k, mask, c);
  REQUIRE(e);
  REQUIRE(e->cls.xlate);
  CHECK(e->cls.xlate != &t);  // a copy
  CHECK(e->cls.xlate->actions[2] == Action::dec_ttl());
  bool seen = false;
  cache.for_each([&](const MegaflowCache::EntryCopy& copy) {
    seen = true;
    CHECK(copy.xlate_actions.size() == 3);
  });
  CHECK(seen);
  cache.flush();
  CHECK(cache.size() == 0);
  // Full cache, full arena: insert refuses rather than keep half an answer.
  MegaflowCache tiny(1);
  Action many[kMaxXlateActions];
  for (auto& x : many) x = Action::output(1);
  Translation big = t;
  big.actions = many;
  big.n_actions = kMaxXlateActions;
  c.xlate = &big;
  CHECK(tiny.insert(k, mask, c) == nullptr);  // 64 actions need a 4 KB block; 1 entry has 256 B
}

}  // namespace ferry

namespace ferry {

TEST_CASE("xlate: the NXAST stack carries values across tables", "[xlate]") {
  Tables tb;
  const auto ip_src = static_cast<uint8_t>(Field::kIpSrc);
  const auto r1 = static_cast<uint8_t>(reg_field(1));
  // Push the source address's low byte, resubmit, pop it into reg1 there;
  // a pop with nothing on the stack changes nothing.
  tb.add(0, Match().set_in_port(1), 10,
         {Action::stack(true, ip_src, 0, 8), Action::resubmit(kOfppInPort, 1)});
  tb.add(1, Match(), 10,
         {Action::stack(false, r1, 8, 8), Action::stack(false, r1, 0, 8),
          Action::resubmit(kOfppInPort, 2)});
  tb.add(2, Match().set_reg(1, 0x0700, 0xffff), 10, {Action::output(7)});
  tb.add(2, Match(), 1, {Action::output(9)});
  auto cls = tb.t.classifier();
  FlowKey k = udp_key(1, 0x0a000007, 9);
  FlowKey wc = zero_key();
  XlateOut out;
  xlate(*cls, k, *cls->lookup(k, &wc), &wc, &out);
  REQUIRE(out.n_actions == 1);
  CHECK(out.actions[0] == Action::output(7));
  CHECK(ntohl(wc.nw_src) == 0xff);  // the pushed bits only

  // Popping into a packet field rewrites it.
  Tables tb2;
  const auto tp_dst = static_cast<uint8_t>(Field::kTpDst);
  tb2.add(0, Match(), 10,
          {Action::stack(true, static_cast<uint8_t>(Field::kTpSrc), 0, 16),
           Action::stack(false, tp_dst, 0, 16), Action::output(2)});
  auto cls2 = tb2.t.classifier();
  XlateOut out2;
  FlowKey wc2 = zero_key();
  xlate(*cls2, k, *cls2->lookup(k, &wc2), &wc2, &out2);
  REQUIRE(out2.n_actions == 2);
  CHECK(out2.actions[0] == Action::set_field(tp_dst, 1000, 0xffff));
  CHECK(out2.actions[1] == Action::output(2));
}

TEST_CASE("xlate: write_actions runs at the end of the pipeline, in set order", "[xlate]") {
  Tables tb;
  Mac m{0x02, 0, 0, 0, 0, 0x42};
  // Table 0 writes an output and a MAC rewrite, then outputs directly;
  // table 1 overrides the output; the set runs last: rewrite, then output.
  tb.add(0, Match().set_in_port(1), 10,
         {Action::write_actions(2), Action::output(5), Action::set_eth_dst(m), Action::output(3),
          Action::goto_table(1)});
  tb.add(1, Match(), 10, {Action::write_actions(1), Action::output(6)});
  // Port 2: clear_actions empties the set; port 4: no final action, no set.
  tb.add(0, Match().set_in_port(2), 10,
         {Action::write_actions(1), Action::output(5), Action::clear_actions(), Action::output(3)});
  tb.add(0, Match().set_in_port(4), 10,
         {Action::write_actions(1), Action::set_eth_dst(m), Action::output(3)});
  auto cls = tb.t.classifier();
  auto walk = [&](uint32_t port, XlateOut* out) {
    FlowKey k = udp_key(port, 0x0a000001, 9);
    FlowKey wc = zero_key();
    xlate(*cls, k, *cls->lookup(k, &wc), &wc, out);
  };
  XlateOut a;
  walk(1, &a);
  REQUIRE(a.n_actions == 3);
  CHECK(a.actions[0] == Action::output(3));
  CHECK(a.actions[1] == Action::set_eth_dst(m));
  CHECK(a.actions[2] == Action::output(6));
  XlateOut b;
  walk(2, &b);
  REQUIRE(b.n_actions == 1);
  CHECK(b.actions[0] == Action::output(3));
  XlateOut c;
  walk(4, &c);
  REQUIRE(c.n_actions == 1);
  CHECK(c.actions[0] == Action::output(3));
}

TEST_CASE("xlate: a learn unwildcards its sources and reaches only the control side", "[xlate]") {
  Tables tb;
  LearnParams p;
  p.table = 5;
  p.flags = kLearnWriteResult;
  p.limit = 1;
  p.result_field = static_cast<uint8_t>(reg_field(3));
  p.result_ofs = 0;
  ActionList acts{learn_header(p, 1),
                  learn_spec(LearnDst::kMatch, static_cast<uint8_t>(Field::kIpSrc), 0, 0,
                             static_cast<uint8_t>(Field::kIpDst), 0, 32),
                  Action::resubmit(kOfppInPort, 2)};
  tb.add(0, Match(), 10, acts);
  tb.add(2, Match().set_reg(3, 1), 10, {Action::output(1)});
  tb.add(2, Match(), 1, {Action::output(2)});
  auto cls = tb.t.classifier();
  FlowKey k = udp_key(3, 0x0a000005, 9);
  FlowKey wc = zero_key();
  XlateOut out;
  struct Seen : XlateLearns {
    void learn(const Action* head, const OfKey& flow) override {
      n++;
      match = learn_match(head, flow);
    }
    int n = 0;
    Match match;
  } seen;
  out.learns = &seen;
  xlate(*cls, k, *cls->lookup(k, &wc), &wc, &out);
  CHECK(out.has_learn);
  CHECK(seen.n == 1);
  CHECK(seen.match == Match().set_nw_dst(htonl(0x0a000005)));
  CHECK(wc.nw_src == 0xffffffff);
  // Under the limit (table 5 is empty): result 1.
  REQUIRE(out.n_actions == 1);
  CHECK(out.actions[0] == Action::output(1));
  // Table 5 full (one flow with cookie 0 already): result 0.
  tb.add(5, Match().set_nw_dst(htonl(0x0a000009)), kDefaultPriority, {});
  auto cls2 = tb.t.classifier();
  XlateOut out2;
  xlate(*cls2, k, *cls2->lookup(k, &wc), &wc, &out2);
  REQUIRE(out2.n_actions == 1);
  CHECK(out2.actions[0] == Action::output(2));
}

TEST_CASE("xlate arena: a kept translation's ct() is decoded once, beside its actions", "[xlate]") {
  CtSpec spec;
  spec.flags = CtSpec::kCommit | CtSpec::kSetLabel | CtSpec::kNat;
  spec.zone = 7;
  spec.label[0] = 0x1122, spec.label_mask[0] = 0xffff;
  spec.nat_flags = CtSpec::kNatSrc | CtSpec::kNatAddrRange | CtSpec::kNatPortRange;
  const uint8_t a[4] = {10, 0, 0, 100}, b[4] = {10, 0, 0, 101};
  std::memcpy(spec.nat_min, a, 4);
  std::memcpy(spec.nat_max, b, 4);
  spec.port_min = 2000, spec.port_max = 2001;
  ActionList acts;
  append_ct(&acts, spec);
  CtSpec plain;
  plain.zone = 9;
  append_ct(&acts, plain);
  acts.push_back(Action::output(2));
  for (const Action& x : acts) REQUIRE(prepared_ct(x) == nullptr);  // never in a rule's list

  XlateArena arena(4096);
  Translation t;
  t.actions = acts.data();
  t.n_actions = static_cast<uint16_t>(acts.size());
  const Translation* kept = arena.store(t);
  REQUIRE(kept);
  const Action& first = kept->actions[0];
  const Action& second = kept->actions[1 + first.n_data()];
  REQUIRE(second.type == ActionType::kCt);
  const ct::CtAction* p1 = prepared_ct(first);
  const ct::CtAction* p2 = prepared_ct(second);
  REQUIRE(p1);
  REQUIRE(p2);
  // In the translation's own block, after its actions.
  CHECK(arena.contains(p1, sizeof *p1));
  CHECK(reinterpret_cast<const void*>(p1) >= kept->actions + kept->n_actions);
  CHECK(p2 == p1 + 1);
  // The same as decoding the action each time.
  ct::CtAction d1, d2;
  prepare_ct(&acts[0], acts.size(), &d1);
  prepare_ct(&acts[1 + acts[0].n_data()], acts.size() - 1 - acts[0].n_data(), &d2);
  CHECK(p1->zone == 7);
  CHECK(p1->commit);
  CHECK(p1->set_label);
  CHECK(p1->label.lo == 0x1122);
  CHECK(p1->label_mask.lo == 0xffff);
  CHECK(p1->nat);
  CHECK(p1->nat_spec.kind == ct::NatSpec::kSrc);
  CHECK(std::memcmp(p1->nat_spec.min.b, a, 4) == 0);
  CHECK(std::memcmp(p1->nat_spec.max.b, b, 4) == 0);
  CHECK(p1->nat_spec.port_min == 2000);
  CHECK(p1->nat_spec.port_max == 2001);
  CHECK((d1.zone == p1->zone && d1.commit == p1->commit && d1.label.lo == p1->label.lo &&
         d1.nat_spec.port_max == p1->nat_spec.port_max));
  CHECK(p2->zone == 9);
  CHECK(!p2->commit);
  CHECK(!p2->nat);
  CHECK((d2.zone == p2->zone && d2.commit == p2->commit && d2.nat == p2->nat));
  // The actions other than the kCts are the list's, byte for byte.
  for (size_t i = 0; i < acts.size(); i++) {
    if (acts[i].type == ActionType::kCt) continue;
    CHECK(kept->actions[i] == acts[i]);
  }
}

}  // namespace ferry
