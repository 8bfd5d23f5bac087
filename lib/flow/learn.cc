#include "lib/flow/learn.h"

#include <cstring>

#include "lib/flow/field.h"
#include "lib/flow/flow_table.h"

namespace ferry {

namespace {

// A spec's value: its source bits (shifted down to bit 0) or its immediate.
uint64_t spec_value(const Action& s, const OfKey& flow) {
  const uint64_t bits = low_bits(s.mac[4]);
  if (s.u8) return s.value & bits;
  return (field_get(flow, static_cast<Field>(s.mac[0])) >> s.mac[2]) & bits;
}

bool learnable_output(uint32_t port) {
  return port < kOfppMax || port == kOfppInPort || port == kOfppFlood || port == kOfppLocal ||
         port == kOfppAll;
}

}  // namespace

Action learn_header(const LearnParams& p, uint16_t n_specs) {
  Action a = Action::clear_actions();
  a.type = ActionType::kLearn;
  a.u8 = p.table;
  a.u16 = n_specs;
  a.port = p.idle_timeout | static_cast<uint32_t>(p.hard_timeout) << 16;
  a.value = p.cookie;
  a.mask = p.priority | static_cast<uint64_t>(p.fin_idle) << 16 |
           static_cast<uint64_t>(p.fin_hard) << 32 | static_cast<uint64_t>(p.flags) << 48;
  std::memcpy(a.mac, &p.limit, 4);
  a.mac[4] = p.result_field;
  a.mac[5] = p.result_ofs;
  return a;
}

LearnParams learn_params(const Action& a) {
  LearnParams p;
  p.table = a.u8;
  p.idle_timeout = static_cast<uint16_t>(a.port);
  p.hard_timeout = static_cast<uint16_t>(a.port >> 16);
  p.cookie = a.value;
  p.priority = static_cast<uint16_t>(a.mask);
  p.fin_idle = static_cast<uint16_t>(a.mask >> 16);
  p.fin_hard = static_cast<uint16_t>(a.mask >> 32);
  p.flags = static_cast<uint16_t>(a.mask >> 48);
  std::memcpy(&p.limit, a.mac, 4);
  p.result_field = a.mac[4];
  p.result_ofs = a.mac[5];
  return p;
}

Action learn_spec(LearnDst dst_type, uint8_t src, unsigned src_ofs, uint64_t imm, uint8_t dst,
                  unsigned dst_ofs, unsigned n_bits) {
  Action a = Action::clear_actions();
  a.type = ActionType::kLearnSpec;
  a.mac[0] = src;
  a.mac[1] = dst;
  a.mac[2] = static_cast<uint8_t>(src_ofs);
  a.mac[3] = static_cast<uint8_t>(dst_ofs);
  a.mac[4] = static_cast<uint8_t>(n_bits);
  a.mac[5] = static_cast<uint8_t>(dst_type);
  a.u8 = src == static_cast<uint8_t>(Field::kNone) ? 1 : 0;
  a.value = a.u8 ? imm & low_bits(n_bits) : 0;
  return a;
}

void learn_mask(const Action* head, OfKey* wc) {
  for (size_t i = 1; i <= head->u16; i++) {
    const Action& s = head[i];
    if (s.u8) continue;
    field_mark(wc, static_cast<Field>(s.mac[0]), low_bits(s.mac[4]) << s.mac[2]);
  }
}

Match learn_match(const Action* head, const OfKey& flow) {
  Match m;
  for (size_t i = 1; i <= head->u16; i++) {
    const Action& s = head[i];
    if (static_cast<LearnDst>(s.mac[5]) != LearnDst::kMatch) continue;
    const auto dst = static_cast<Field>(s.mac[1]);
    const uint64_t mask = low_bits(s.mac[4]) << s.mac[3];
    field_set(&m.key, dst, spec_value(s, flow) << s.mac[3], mask);
    field_mark(&m.mask, dst, mask);
  }
  m.normalize();
  return m;
}

FlowMod learn_flow_mod(const Action* head, const OfKey& flow) {
  const LearnParams p = learn_params(*head);
  FlowMod fm;
  fm.command = FlowModCommand::kModifyStrict;
  fm.table_id = p.table;
  fm.priority = p.priority;
  fm.match = learn_match(head, flow);
  fm.new_cookie = p.cookie;
  fm.idle_timeout = p.idle_timeout;
  fm.hard_timeout = p.hard_timeout;
  if (p.flags & kLearnSendFlowRem) fm.flags |= kFlowSendFlowRem;
  for (size_t i = 1; i <= head->u16; i++) {
    const Action& s = head[i];
    const uint64_t v = spec_value(s, flow);
    switch (static_cast<LearnDst>(s.mac[5])) {
      case LearnDst::kMatch:
        break;
      case LearnDst::kLoad: {
        const uint64_t mask = low_bits(s.mac[4]) << s.mac[3];
        Action a = Action::set_field(s.mac[1], v << s.mac[3], mask, s.u16);
        a.pad = s.pad;
        fm.actions.push_back(a);
        break;
      }
      case LearnDst::kOutput:
        if (s.mac[4] <= 16 || v <= 0xffff) {
          const auto port = static_cast<uint32_t>(v & 0xffff);
          if (learnable_output(port)) fm.actions.push_back(Action::output(port));
        }
        break;
    }
  }
  return fm;
}

Result<bool> apply_learned(FlowTable& table, const FlowMod& fm, uint32_t limit, int64_t now_ms) {
  const RulePtr* same = nullptr;
  auto existing = table.query(fm.match, kOfppNone, 0, 0, fm.table_id);
  Match m = fm.match;
  m.normalize();
  for (const RulePtr& r : existing) {
    if (r->priority == fm.priority && r->match == m) {
      same = &r;
      break;
    }
  }
  if (same) {
    const Rule& r = **same;
    if (*r.actions == fm.actions && r.idle_timeout == fm.idle_timeout &&
        r.hard_timeout == fm.hard_timeout && r.cookie == fm.new_cookie &&
        (r.flags & kFlowSendFlowRem) == (fm.flags & kFlowSendFlowRem)) {
      r.stats->refreshed_ms.store(now_ms, std::memory_order_relaxed);
      return true;
    }
  }
  if (limit) {
    // As OVS: the flows of the learn's table with its cookie, the flow
    // this one would replace included.
    auto mine = table.query(Match(), kOfppNone, fm.new_cookie, UINT64_MAX, fm.table_id);
    if (mine.size() >= limit) return false;
  }
  Status st = table.apply(fm, now_ms);
  if (!st) return st.error();
  return true;
}

}  // namespace ferry
