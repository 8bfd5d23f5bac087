// The learn action's flow_mods and how a flow table takes them: refresh of
// an identical flow, limit, delete_learned.
#include "lib/flow/learn.h"

#include <catch2/catch.hpp>

#include "lib/flow/field.h"
#include "lib/flow/flow_table.h"
#include "test/unit/flow/flow_helpers.h"

using namespace ferry;

namespace {

uint8_t f(Field x) { return static_cast<uint8_t>(x); }

// learn(table=10,idle_timeout=30,priority=5,cookie=0x99,
//       NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],
//       load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15],output:NXM_OF_IN_PORT[])
ActionList mac_learning(uint16_t flags = 0, uint32_t limit = 0) {
  LearnParams p;
  p.table = 10;
  p.idle_timeout = 30;
  p.priority = 5;
  p.cookie = 0x99;
  p.flags = flags;
  p.limit = limit;
  ActionList v{learn_header(p, 4)};
  v.push_back(learn_spec(LearnDst::kMatch, f(Field::kVlanTci), 0, 0, f(Field::kVlanTci), 0, 12));
  v.push_back(learn_spec(LearnDst::kMatch, f(Field::kEthSrc), 0, 0, f(Field::kEthDst), 0, 48));
  v.push_back(learn_spec(LearnDst::kLoad, f(Field::kInPort), 0, 0, f(reg_field(0)), 0, 16));
  v.push_back(learn_spec(LearnDst::kOutput, f(Field::kInPort), 0, 0, 0, 0, 16));
  return v;
}

OfKey frame_key(uint32_t in_port, uint8_t last_src_byte, uint16_t vid) {
  OfKey k = zero_of_key();
  k.in_port = in_port;
  k.vlan_tci = htons(static_cast<uint16_t>(0x1000 | vid));
  const uint8_t src[6] = {0x52, 0x54, 0, 0, 0, last_src_byte};
  std::memcpy(k.dl_src, src, 6);
  return k;
}

}  // namespace

TEST_CASE("learn: the flow_mod a packet makes, and the bits it reads", "[learn]") {
  ActionList acts = mac_learning();
  OfKey k = frame_key(3, 0x0a, 7);
  FlowMod fm = learn_flow_mod(acts.data(), k);
  CHECK(fm.command == FlowModCommand::kModifyStrict);
  CHECK(fm.table_id == 10);
  CHECK(fm.priority == 5);
  CHECK(fm.idle_timeout == 30);
  CHECK(fm.new_cookie == 0x99);
  Match want = Match().set_dl_dst({0x52, 0x54, 0, 0, 0, 0x0a});
  want.key.vlan_tci = htons(7);
  want.mask.vlan_tci = htons(0x0fff);
  want.normalize();
  CHECK(fm.match == want);
  REQUIRE(fm.actions.size() == 2);
  CHECK(fm.actions[0].type == ActionType::kSetField);
  CHECK(fm.actions[0].u8 == f(reg_field(0)));
  CHECK(fm.actions[0].value == 3);
  CHECK(fm.actions[0].mask == 0xffff);
  CHECK(fm.actions[1] == Action::output(3));

  OfKey wc = zero_of_key();
  learn_mask(acts.data(), &wc);
  CHECK(ntohs(wc.vlan_tci) == 0x0fff);
  CHECK(wc.in_port == 0xffff);
  CHECK(std::memcmp(wc.dl_src, "\xff\xff\xff\xff\xff\xff", 6) == 0);
  CHECK(wc.nw_src == 0);
}

TEST_CASE("learn: applied as a strict modify, refreshed when identical, limited", "[learn]") {
  FlowTable t;
  ActionList acts = mac_learning(0, 2);
  FlowMod a = learn_flow_mod(acts.data(), frame_key(3, 0x0a, 7));
  auto r = apply_learned(t, a, 2, 1000);
  REQUIRE(r.ok());
  CHECK(*r);
  REQUIRE(t.size() == 1);
  const uint64_t gen = t.generation();
  // The same again: no change to the table, only a refresh.
  r = apply_learned(t, a, 2, 5000);
  CHECK(*r);
  CHECK(t.generation() == gen);
  const RulePtr rule = t.all_rules()[0];
  CHECK(rule->stats->refreshed_ms.load() == 5000);
  CHECK(rule->cookie == 0x99);
  CHECK(t.next_expiry() == 5000 + 30 * 1000);
  // The MAC moved to port 4: the learned flow changes in place.
  FlowMod moved = learn_flow_mod(acts.data(), frame_key(4, 0x0a, 7));
  CHECK(*apply_learned(t, moved, 2, 6000));
  CHECK(t.size() == 1);
  CHECK(t.all_rules()[0]->actions->back() == Action::output(4));
  // Another MAC: two flows with the cookie; a third is refused by the limit.
  CHECK(*apply_learned(t, learn_flow_mod(acts.data(), frame_key(3, 0x0b, 7)), 2, 6000));
  auto third = apply_learned(t, learn_flow_mod(acts.data(), frame_key(3, 0x0c, 7)), 2, 6000);
  REQUIRE(third.ok());
  CHECK_FALSE(*third);
  CHECK(t.size() == 2);
}

TEST_CASE("learn: delete_learned takes the learned flows with the last learner", "[learn]") {
  FlowTable t;
  ActionList acts = mac_learning(kLearnDeleteLearned);
  auto add = [&](uint32_t port) {
    Status st = t.apply(test::add(test::in_port(port), 10, acts), 0);
    REQUIRE(st.ok());
  };
  add(1);
  add(2);
  CHECK(t.has_learns());
  CHECK(*apply_learned(t, learn_flow_mod(acts.data(), frame_key(1, 0x0a, 7)), 0, 0));
  CHECK(*apply_learned(t, learn_flow_mod(acts.data(), frame_key(2, 0x0b, 7)), 0, 0));
  // An unrelated flow of table 10 with another cookie stays.
  FlowMod other = test::add(Match(), 1, {Action::output(9)}, 0x77);
  other.table_id = 10;
  REQUIRE(t.apply(other, 0).ok());
  CHECK(t.size() == 5);
  FlowMod del = test::flow_mod(FlowModCommand::kDeleteStrict, test::in_port(1), 10);
  REQUIRE(t.apply(del, 0).ok());
  CHECK(t.size() == 4);  // one learner left: the learned flows stay
  del.match = test::in_port(2);
  REQUIRE(t.apply(del, 0).ok());
  CHECK(t.size() == 1);  // the last learner went: so did its flows
  CHECK(t.all_rules()[0]->cookie == 0x77);
  CHECK_FALSE(t.has_learns());
}
