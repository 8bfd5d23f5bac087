// FlowTable: OpenFlow add/modify/delete semantics as Open vSwitch applies them.
#include "lib/flow/flow_table.h"

#include <catch2/catch.hpp>

#include "test/unit/flow/flow_helpers.h"

using namespace ferry;
using test::add;
using test::flow_mod;
using test::in_port;

namespace {

constexpr Mac kMac = {0x02, 0, 0, 0, 0, 1};

RulePtr find(const FlowTable& t, const Match& m, uint16_t priority) {
  for (const RulePtr& r : t.all_rules()) {
    if (r->match == m && r->priority == priority) return r;
  }
  return nullptr;
}

FlowKey key_on_port(uint32_t port) {
  FlowKey k = zero_key();
  k.in_port = port;
  return k;
}

}  // namespace

TEST_CASE("flow table: add, lookup through the classifier, ids", "[flow_table]") {
  FlowTable t;
  REQUIRE(t.apply(add(in_port(1), 10, {Action::output(2)}), 100).ok());
  REQUIRE(t.apply(add(in_port(2), 10, {Action::output(1)}), 100).ok());
  REQUIRE(t.apply(add(Match::catchall(), 0), 100).ok());
  CHECK(t.size() == 3);
  auto rules = t.all_rules();
  REQUIRE(rules.size() == 3);
  CHECK(rules[0]->id == 1);
  CHECK(rules[1]->id == 2);
  CHECK(rules[2]->id == 3);
  CHECK(rules[2]->priority == 0);
  CHECK(rules[0]->created_ms == 100);
  CHECK(rules[0]->modified_ms == 100);
  auto c = t.classifier();
  CHECK(c->size() == 3);
  CHECK(c->lookup(key_on_port(1), nullptr)->id == 1);
  CHECK(c->lookup(key_on_port(7), nullptr)->id == 3);
  CHECK(format_actions(*c->lookup(key_on_port(2), nullptr)->actions) == "output:1");
}

TEST_CASE("flow table: add replaces an identical rule, keeping id and stats", "[flow_table]") {
  FlowTable t;
  REQUIRE(t.apply(add(in_port(1), 10, {Action::output(2)}, 0x11), 100).ok());
  RulePtr first = find(t, in_port(1), 10);
  first->stats->add(3, 180, 150);
  const uint64_t gen = t.generation();

  FlowMod fm = add(in_port(1), 10, {Action::output(3)}, 0x22);
  fm.idle_timeout = 7;
  REQUIRE(t.apply(fm, 200).ok());
  CHECK(t.size() == 1);
  CHECK(t.generation() == gen + 1);
  RulePtr second = find(t, in_port(1), 10);
  REQUIRE(second);
  CHECK(second != first);
  CHECK(second->id == first->id);
  CHECK(second->stats == first->stats);
  CHECK(second->stats->packets == 3);
  CHECK(second->cookie == 0x22);
  CHECK(second->idle_timeout == 7);  // an add takes the new timeouts
  CHECK(second->created_ms == 200);
  CHECK(format_actions(*second->actions) == "output:3");
  CHECK(format_actions(*first->actions) == "output:2");  // old rule object untouched

  // Same match, other priority: a second rule.
  REQUIRE(t.apply(add(in_port(1), 11), 300).ok());
  CHECK(t.size() == 2);

  // reset_counts: fresh statistics, same id.
  fm.flags = kFlowResetCounts;
  REQUIRE(t.apply(fm, 400).ok());
  RulePtr third = find(t, in_port(1), 10);
  CHECK(third->id == first->id);
  CHECK(third->stats != first->stats);
  CHECK(third->stats->packets == 0);
}

TEST_CASE("flow table: add normalizes the match", "[flow_table]") {
  FlowTable t;
  Match m;
  m.key.in_port = 0x1ff;
  m.mask.in_port = 0xff;
  REQUIRE(t.apply(add(m, 10), 0).ok());
  Match n = m;
  n.key.in_port = 0xff;  // the same match once masked
  REQUIRE(t.apply(add(n, 10, {Action::output(1)}), 0).ok());
  CHECK(t.size() == 1);
}

TEST_CASE("flow table: add uses new_cookie when set", "[flow_table]") {
  FlowTable t;
  FlowMod fm = add(in_port(1), 10);
  fm.cookie = 0;
  fm.new_cookie = 0xabc;  // as OVS decodes an OpenFlow add
  REQUIRE(t.apply(fm, 0).ok());
  CHECK(find(t, in_port(1), 10)->cookie == 0xabc);
}

TEST_CASE("flow table: check_overlap", "[flow_table]") {
  FlowTable t;
  REQUIRE(t.apply(add(in_port(1), 10), 0).ok());
  const uint64_t gen = t.generation();
  FlowMod fm = add(Match().set_dl_type(0x0800), 10);
  fm.flags = kFlowCheckOverlap;
  auto st = t.apply(fm, 0);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == kErrOverlap);
  CHECK(st.error().message ==
        "add: priority=10,dl_type=0x0800 overlaps the existing rule priority=10,in_port=1 "
        "(check_overlap is set)");
  CHECK(t.size() == 1);
  CHECK(t.generation() == gen);
  fm.priority = 11;  // other priorities never overlap
  CHECK(t.apply(fm, 0).ok());
  FlowMod disjoint = add(in_port(2), 10);
  disjoint.flags = kFlowCheckOverlap;
  CHECK(t.apply(disjoint, 0).ok());
  FlowMod same = add(in_port(1), 10, {Action::output(4)});
  same.flags = kFlowCheckOverlap;  // an identical rule is replaced, not an overlap
  CHECK(t.apply(same, 0).ok());
  CHECK(t.size() == 3);
}

TEST_CASE("flow table: max_rules", "[flow_table]") {
  FlowTable t(2);
  REQUIRE(t.apply(add(in_port(1), 10), 0).ok());
  REQUIRE(t.apply(add(in_port(2), 10), 0).ok());
  auto st = t.apply(add(in_port(3), 10), 0);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == kErrTableFull);
  CHECK(st.error().message ==
        "add: flow table is full (2 rules): cannot add priority=10,in_port=3");
  CHECK(t.apply(add(in_port(2), 10, {Action::output(1)}), 0).ok());  // replacing is fine
  CHECK(t.size() == 2);
}

TEST_CASE("flow table: table ids", "[flow_table]") {
  FlowTable t;
  FlowMod fm = add(in_port(1), 10);
  fm.table_id = kAllTables;
  CHECK(t.apply(fm, 0).error().code == kErrBadTableId);  // an add names one table
  fm.table_id = 0;
  REQUIRE(t.apply(fm, 0).ok());
  fm.table_id = 1;  // the same match and priority in another table is another rule
  REQUIRE(t.apply(fm, 0).ok());
  fm.table_id = 254;
  CHECK_FALSE(t.apply(fm, 0).ok());  // OVS's internal table
  fm.table_id = 253;
  REQUIRE(t.apply(fm, 0).ok());
  CHECK(t.size() == 3);
  auto cls = t.classifier();
  CHECK(cls->table_size(0) == 1);
  CHECK(cls->table_size(1) == 1);
  CHECK(cls->table_size(253) == 1);
  CHECK(cls->table_size(2) == 0);
  OfKey k = zero_of_key();
  k.in_port = 1;
  const Rule* r1 = cls->lookup(1, k, nullptr);
  REQUIRE(r1);
  CHECK(r1->table_id == 1);
  CHECK(cls->lookup(2, k, nullptr) == nullptr);
  // Queries and deletes select by table; 255 means all of them.
  CHECK(t.query(Match::catchall(), kOfppNone, 0, 0, 1).size() == 1);
  CHECK(t.query(Match::catchall(), kOfppNone, 0, 0, kAllTables).size() == 3);
  FlowMod del = flow_mod(FlowModCommand::kDelete, Match::catchall());
  del.table_id = 5;
  CHECK(t.apply(del, 0).ok());
  CHECK(t.size() == 3);
  del.table_id = 1;
  CHECK(t.apply(del, 0).ok());
  CHECK(t.size() == 2);
  FlowMod strict = flow_mod(FlowModCommand::kDeleteStrict, in_port(1));
  strict.priority = 10;
  strict.table_id = kAllTables;
  CHECK(t.apply(strict, 0).ok());
  CHECK(t.size() == 0);
}

TEST_CASE("flow table: loose and strict modify", "[flow_table]") {
  FlowTable t;
  Match port1_mac = Match().set_in_port(1).set_dl_dst(kMac);
  FlowMod a = add(port1_mac, 100, {Action::output(2)}, 1);
  a.hard_timeout = 30;
  REQUIRE(t.apply(a, 10).ok());
  REQUIRE(t.apply(add(in_port(1), 50, {Action::output(2)}, 2), 10).ok());
  REQUIRE(t.apply(add(in_port(2), 50, {Action::output(1)}, 3), 10).ok());
  RulePtr r1 = find(t, port1_mac, 100);
  RulePtr r3 = find(t, in_port(2), 50);

  SECTION("loose: every rule whose match is within fm.match, any priority") {
    FlowMod m = flow_mod(FlowModCommand::kModify, in_port(1), 1, {Action::output(9)});
    m.hard_timeout = 99;  // ignored: a modify keeps the rule's timeouts
    const uint64_t gen = t.generation();
    REQUIRE(t.apply(m, 500).ok());
    CHECK(t.generation() == gen + 1);
    RulePtr n1 = find(t, port1_mac, 100);
    CHECK(format_actions(*n1->actions) == "output:9");
    CHECK(format_actions(*find(t, in_port(1), 50)->actions) == "output:9");
    CHECK(find(t, in_port(2), 50) == r3);  // untouched, same object
    CHECK(n1 != r1);
    CHECK(n1->id == r1->id);
    CHECK(n1->stats == r1->stats);
    CHECK(n1->cookie == 1);
    CHECK(n1->hard_timeout == 30);
    CHECK(n1->created_ms == 10);
    CHECK(n1->modified_ms == 500);
    CHECK(t.size() == 3);
  }
  SECTION("strict: only the identical match and priority") {
    FlowMod m = flow_mod(FlowModCommand::kModifyStrict, in_port(1), 50, {Action::output(9)});
    REQUIRE(t.apply(m, 500).ok());
    CHECK(format_actions(*find(t, in_port(1), 50)->actions) == "output:9");
    CHECK(find(t, port1_mac, 100) == r1);
    m.priority = 51;  // no rule: nothing changes (no new_cookie, so no add)
    const uint64_t gen = t.generation();
    REQUIRE(t.apply(m, 600).ok());
    CHECK(t.generation() == gen);
    CHECK(t.size() == 3);
  }
  SECTION("cookie filter and new cookie") {
    FlowMod m = flow_mod(FlowModCommand::kModify, Match::catchall(), 0, {Action::output(9)});
    m.cookie = 2;
    m.cookie_mask = UINT64_MAX;
    m.new_cookie = 0x77;
    REQUIRE(t.apply(m, 500).ok());
    RulePtr n2 = find(t, in_port(1), 50);
    CHECK(format_actions(*n2->actions) == "output:9");
    CHECK(n2->cookie == 0x77);
    CHECK(find(t, port1_mac, 100) == r1);
    CHECK(t.size() == 3);  // cookie_mask != 0: never adds
  }
  SECTION("reset_counts gives fresh statistics") {
    FlowMod m = flow_mod(FlowModCommand::kModifyStrict, port1_mac, 100, {});
    m.flags = kFlowResetCounts;
    r1->stats->add(1, 1, 20);
    REQUIRE(t.apply(m, 500).ok());
    RulePtr n1 = find(t, port1_mac, 100);
    CHECK(n1->id == r1->id);
    CHECK(n1->stats != r1->stats);
    CHECK(n1->flags == 0);  // a modify keeps the rule's flags
  }
}

TEST_CASE("flow table: modify that matches nothing may add", "[flow_table]") {
  FlowTable t;
  FlowMod m = flow_mod(FlowModCommand::kModify, in_port(4), 33, {Action::output(1)});
  REQUIRE(t.apply(m, 0).ok());  // new_cookie unset: no add
  CHECK(t.size() == 0);
  m.new_cookie = 0x5;
  m.cookie_mask = 1;  // filtering on the cookie: no add
  REQUIRE(t.apply(m, 0).ok());
  CHECK(t.size() == 0);
  m.cookie_mask = 0;
  REQUIRE(t.apply(m, 0).ok());
  REQUIRE(t.size() == 1);
  RulePtr r = find(t, in_port(4), 33);
  REQUIRE(r);
  CHECK(r->cookie == 0x5);
  CHECK(format_actions(*r->actions) == "output:1");
  FlowMod s = flow_mod(FlowModCommand::kModifyStrict, in_port(4), 34, {});
  s.new_cookie = 0;
  REQUIRE(t.apply(s, 0).ok());
  CHECK(t.size() == 2);
}

TEST_CASE("flow table: loose and strict delete, cookies, out_port", "[flow_table]") {
  FlowTable t;
  Match port1_mac = Match().set_in_port(1).set_dl_dst(kMac);
  REQUIRE(t.apply(add(port1_mac, 100, {Action::output(2)}, 0x10), 0).ok());
  REQUIRE(t.apply(add(in_port(1), 50, {Action::output(3)}, 0x20), 0).ok());
  REQUIRE(t.apply(add(in_port(2), 50, {Action::output(kOfppFlood)}, 0x21), 0).ok());
  REQUIRE(t.apply(add(Match::catchall(), 0, {}, 0x30), 0).ok());
  const uint64_t gen = t.generation();

  SECTION("loose selects by subset, any priority") {
    REQUIRE(t.apply(flow_mod(FlowModCommand::kDelete, in_port(1)), 0).ok());
    CHECK(t.size() == 2);
    CHECK_FALSE(find(t, port1_mac, 100));
    CHECK_FALSE(find(t, in_port(1), 50));
    CHECK(t.generation() == gen + 1);
  }
  SECTION("strict needs the priority too") {
    REQUIRE(t.apply(flow_mod(FlowModCommand::kDeleteStrict, in_port(1), 100), 0).ok());
    CHECK(t.size() == 4);
    CHECK(t.generation() == gen);  // nothing deleted, nothing bumped
    REQUIRE(t.apply(flow_mod(FlowModCommand::kDeleteStrict, in_port(1), 50), 0).ok());
    CHECK(t.size() == 3);
    CHECK(find(t, port1_mac, 100));
    CHECK(t.generation() == gen + 1);
  }
  SECTION("cookie and mask") {
    FlowMod d = flow_mod(FlowModCommand::kDelete, Match::catchall());
    d.cookie = 0x20;
    d.cookie_mask = 0xf0;
    REQUIRE(t.apply(d, 0).ok());
    CHECK(t.size() == 2);
    CHECK_FALSE(find(t, in_port(2), 50));
    CHECK(find(t, port1_mac, 100));
  }
  SECTION("out_port: only rules that output there; FLOOD is not port 2") {
    FlowMod d = flow_mod(FlowModCommand::kDelete, Match::catchall());
    d.out_port = 2;
    REQUIRE(t.apply(d, 0).ok());
    CHECK(t.size() == 3);
    CHECK_FALSE(find(t, port1_mac, 100));
    d.out_port = kOfppFlood;
    REQUIRE(t.apply(d, 0).ok());
    CHECK_FALSE(find(t, in_port(2), 50));
    d.out_port = 99;
    REQUIRE(t.apply(d, 0).ok());
    CHECK(t.size() == 2);
  }
  SECTION("out_port on a strict delete") {
    FlowMod d = flow_mod(FlowModCommand::kDeleteStrict, in_port(1), 50);
    d.out_port = 2;
    REQUIRE(t.apply(d, 0).ok());
    CHECK(t.size() == 4);
    d.out_port = 3;
    REQUIRE(t.apply(d, 0).ok());
    CHECK(t.size() == 3);
  }
  SECTION("catch-all delete empties the table") {
    REQUIRE(t.apply(flow_mod(FlowModCommand::kDelete, Match::catchall()), 0).ok());
    CHECK(t.size() == 0);
    CHECK(t.classifier()->size() == 0);
  }
}

TEST_CASE("flow table: query and all_rules order", "[flow_table]") {
  FlowTable t;
  REQUIRE(t.apply(add(in_port(1), 5, {Action::output(2)}, 1), 0).ok());
  REQUIRE(t.apply(add(Match().set_in_port(1).set_dl_dst(kMac), 9, {Action::output(3)}, 2), 0).ok());
  REQUIRE(t.apply(add(in_port(2), 9, {Action::output(2)}, 3), 0).ok());
  auto all = t.all_rules();
  REQUIRE(all.size() == 3);
  CHECK(all[0]->cookie == 2);  // priority 9, id 2
  CHECK(all[1]->cookie == 3);  // priority 9, id 3
  CHECK(all[2]->cookie == 1);
  auto q = t.query(in_port(1), kOfppNone, 0, 0, kAllTables);
  REQUIRE(q.size() == 2);
  CHECK(q[0]->cookie == 2);
  CHECK(t.query(Match::catchall(), 2, 0, 0, 0).size() == 2);
  CHECK(t.query(Match::catchall(), kOfppNone, 3, UINT64_MAX, 0).size() == 1);
  CHECK(t.query(Match::catchall(), kOfppNone, 0, 0, 4).empty());
}

TEST_CASE("flow table: a failed flow_mod changes nothing", "[flow_table]") {
  FlowTable t;
  REQUIRE(t.apply(add(in_port(1), 5, {Action::output(2)}), 0).ok());
  auto before = t.all_rules();
  const uint64_t gen = t.generation();
  auto st = t.apply(add(in_port(2), 5, {Action::output(0xff00)}), 0);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == kErrBadOutPort);
  CHECK(st.error().message == "add: output to port 65280 (0xff00) is not a valid OpenFlow port");
  st = t.apply(flow_mod(FlowModCommand::kModify, Match::catchall(), 0, {Action::output(kOfppNone)}),
               0);
  CHECK(st.error().code == kErrBadOutPort);
  CHECK(t.all_rules() == before);
  CHECK(t.generation() == gen);
  REQUIRE(t.apply(add(in_port(3), 5), 0).ok());
  CHECK(find(t, in_port(3), 5)->id == 2);  // no id was consumed by the failures
}

TEST_CASE("flow table: classifier snapshots follow the generation", "[flow_table]") {
  FlowTable t;
  auto c0 = t.classifier();
  CHECK(c0->generation() == t.generation());
  CHECK(t.classifier() == c0);  // not rebuilt without a change
  REQUIRE(t.apply(add(in_port(1), 5), 0).ok());
  auto c1 = t.classifier();
  CHECK(c1 != c0);
  CHECK(c1->generation() == t.generation());
  CHECK(c1->size() == 1);
  CHECK(c0->size() == 0);  // old snapshots stay as they were
  REQUIRE(t.apply(flow_mod(FlowModCommand::kDelete, in_port(9)), 0).ok());  // no-op
  CHECK(t.classifier() == c1);
}
