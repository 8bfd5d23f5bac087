// MPLS in the translation: push/pop/set/dec on the walk's flow, the entry
// a push carries (set_mpls_* folded into it, as OVS commits them), the
// recirculation after a pop to IP, and the limits OVS has.
#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include "datapath/xlate.h"
#include "lib/flow/field.h"
#include "lib/flow/flow_table.h"
#include "test/unit/datapath/xlate_tables.h"

namespace ferry {
namespace {

using test::Tables;

FlowKey ipv4_key(uint8_t ttl, uint8_t tos) {
  FlowKey k = zero_key();
  k.in_port = 1;
  k.dl_type = htons(kEthTypeIpv4);
  k.nw_proto = kIpProtoIcmp;
  k.nw_src = htonl(0x0a010101);
  k.nw_dst = htonl(0x0a010102);
  k.nw_ttl = ttl;
  k.nw_tos = tos;
  return k;
}

FlowKey mpls_key(std::initializer_list<uint32_t> lses) {
  FlowKey k = zero_key();
  k.in_port = 1;
  k.dl_type = htons(kEthTypeMpls);
  unsigned i = 0;
  for (uint32_t l : lses) k.set_mpls_lse(i++, l);
  return k;
}

Match mpls_label(uint32_t label) {
  Match m;
  m.set_dl_type(kEthTypeMpls);
  field_set(&m.key, Field::kMplsLabel, label, 0xfffff);
  field_mark(&m.mask, Field::kMplsLabel, 0xfffff);
  m.normalize();
  return m;
}

Action push(uint16_t type = kEthTypeMpls) {
  Action a = Action::strip_vlan();
  a.type = ActionType::kPushMpls;
  a.u16 = type;
  return a;
}

Action pop(uint16_t type) {
  Action a = Action::strip_vlan();
  a.type = ActionType::kPopMpls;
  a.u16 = type;
  return a;
}

Action set_label(uint32_t l) {
  Action a = Action::set_field(static_cast<uint8_t>(Field::kMplsLabel), l, 0xfffff);
  a.flags = Action::kLegacy;
  return a;
}

Action dec_mpls_ttl() {
  Action a = Action::strip_vlan();
  a.type = ActionType::kDecMplsTtl;
  return a;
}

struct Walk {
  XlateOut out;
  FlowKey wc = zero_key();
  RecircTable recirc;
  Walk(Tables& tb, const FlowKey& k) {
    auto cls = tb.t.classifier();
    const Rule* first = cls->lookup(k, &wc);
    XlateParams params;
    params.recirc = &recirc;
    xlate(*cls, k, first, &wc, &out, params);
  }
};

}  // namespace

TEST_CASE("xlate mpls: the first push takes IP's TTL and DSCP, set_mpls_label folds in",
          "[xlate][mpls]") {
  Tables tb;
  tb.add(0, Match().set_dl_type(kEthTypeIpv4), 10, {push(), set_label(3), Action::output(2)});
  Walk w(tb, ipv4_key(9, 0xb8));  // DSCP 46: TC 6 (its low 3 bits, as OVS)
  REQUIRE(w.out.n_actions == 2);
  CHECK(w.out.actions[0].type == ActionType::kPushMpls);
  CHECK(w.out.actions[0].u16 == kEthTypeMpls);
  CHECK(w.out.actions[0].value == mpls_lse(3, 6, 1, 9));
  CHECK(w.out.actions[0].value == 0x00003d09);
  CHECK(w.out.actions[0].to_string() == "push_mpls(label=3,tc=6,ttl=9,bos=1,eth_type=0x8847)");
  CHECK(w.out.actions[1] == Action::output(2));
  CHECK(w.wc.nw_ttl == 0xff);
  CHECK(w.wc.nw_tos == 0xfc);
}

TEST_CASE("xlate mpls: later pushes copy the outer entry, a fourth is refused", "[xlate][mpls]") {
  Tables tb;
  tb.add(0, Match().set_dl_type(kEthTypeIpv4), 10,
         {push(), set_label(3), push(), set_label(2), push(), set_label(1), Action::output(2)});
  Walk w(tb, ipv4_key(64, 0));
  REQUIRE(w.out.n_actions == 4);
  CHECK(w.out.actions[0].value == mpls_lse(3, 0, 1, 64));
  CHECK(w.out.actions[1].value == mpls_lse(2, 0, 0, 64));
  CHECK(w.out.actions[2].value == mpls_lse(1, 0, 0, 64));
  CHECK_FALSE(w.out.stopped);

  Tables t4;
  t4.add(0, Match().set_dl_type(kEthTypeIpv4), 10,
         {push(), push(), push(), push(), Action::output(2)});
  Walk w4(t4, ipv4_key(64, 0));
  CHECK(w4.out.stopped);  // as OVS: XLATE_TOO_MANY_MPLS_LABELS, the packet is dropped
}

TEST_CASE("xlate mpls: set_mpls_label on a stack changes the outer entry only", "[xlate][mpls]") {
  Tables tb;
  tb.add(0, mpls_label(16), 10, {set_label(17), dec_mpls_ttl(), Action::output(2)});
  Walk w(tb, mpls_key({mpls_lse(16, 1, 0, 10), mpls_lse(5, 0, 1, 9)}));
  REQUIRE(w.out.n_actions == 3);
  CHECK(w.out.actions[0] == set_label(17));
  CHECK(w.out.actions[1] ==
        Action::set_field(static_cast<uint8_t>(Field::kMplsTtl), 9, 0xff));  // 10 - 1
  CHECK(w.out.actions[2] == Action::output(2));
  CHECK((w.wc.mpls_lse(0) & 0xfffff0ff) == 0xfffff0ff);  // the label, BoS and TTL consulted
}

TEST_CASE("xlate mpls: dec_mpls_ttl on TTL 1 ends the list", "[xlate][mpls]") {
  Tables tb;
  tb.add(0, mpls_label(16), 10, {dec_mpls_ttl(), Action::output(2)});
  Walk w(tb, mpls_key({mpls_lse(16, 0, 1, 1)}));
  CHECK(w.out.n_actions == 0);
  CHECK(w.out.ttl_expired);
}

TEST_CASE("xlate mpls: a pop to IP recirculates before the next table", "[xlate][mpls]") {
  Tables tb;
  tb.add(0, mpls_label(3), 10, {pop(kEthTypeIpv4), Action::resubmit(kOfppInPort, 1)});
  tb.add(1, Match(), 10, {Action::output(7)});
  Walk w(tb, mpls_key({mpls_lse(3, 0, 1, 64)}));
  REQUIRE(w.out.n_actions == 2);
  CHECK(w.out.actions[0].type == ActionType::kPopMpls);
  CHECK(w.out.actions[0].u16 == kEthTypeIpv4);
  CHECK(w.out.actions[1].type == ActionType::kRecirc);
  const FrozenState* st = w.recirc.find(w.out.actions[1].port);
  REQUIRE(st);
  CHECK(st->table == 1);
  CHECK(st->in_port == 1);
  CHECK(w.out.n_rules == 1);  // table 1 is looked up after the recirculation
}

TEST_CASE("xlate mpls: pops between MPLS types go on; outputs need no recirculation",
          "[xlate][mpls]") {
  Tables tb;
  tb.add(0, mpls_label(1), 10, {pop(kEthTypeMpls), Action::resubmit(kOfppInPort, 1)});
  tb.add(1, mpls_label(2), 10, {pop(kEthTypeIpv4), Action::output(5)});
  Walk w(tb, mpls_key({mpls_lse(1, 0, 0, 64), mpls_lse(2, 0, 1, 64)}));
  REQUIRE(w.out.n_actions == 3);
  CHECK(w.out.actions[0].type == ActionType::kPopMpls);
  CHECK(w.out.actions[1].type == ActionType::kPopMpls);
  CHECK(w.out.actions[2] == Action::output(5));
  CHECK(w.out.n_rules == 2);
}

TEST_CASE("xlate mpls: what Ferry cannot continue after a pop stops the walk", "[xlate][mpls]") {
  Tables tb;
  tb.add(0, mpls_label(3), 10, {pop(kEthTypeIpv4), Action::dec_ttl(), Action::output(2)});
  Walk w(tb, mpls_key({mpls_lse(3, 0, 1, 64)}));
  CHECK(w.out.stopped);
}

}  // namespace ferry
