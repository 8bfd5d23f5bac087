// Parts of the translation (datapath/xlate.cc) kept apart from the walk:
// moves that span 128-bit fields (IPv6 addresses, xxregs), run in 64-bit
// pieces over the fields' halves (lib/flow/field.h), the VLAN actions'
// effect on the walk's flow, and the actions the walk hands over as they are
// (output_trunc, MPLS).
#pragma once

#include "lib/flow/action.h"
#include "lib/flow/classifier.h"
#include "lib/flow/field.h"
#include "lib/flow/rule.h"

namespace ferry {

struct FieldWrite {
  Field field;
  uint64_t value;
  uint64_t mask;
};

constexpr unsigned kMaxMoveWrites = 4;

// A kMove whose source or destination is a 128-bit field, on the walk's
// flow: reads the source bits (marking them consulted in *wc), writes the
// destination; the writes to packet fields (at most kMaxMoveWrites, one per
// half) go to `out` for the datapath. Returns how many.
unsigned xlate_wide_move(OfKey* flow, OfKey* wc, const Action& a, FieldWrite* out);

// The same, handing each write to emit() as a set_field action.
template <class Emit>
void xlate_wide_move(OfKey* flow, OfKey* wc, const Action& a, Emit&& emit) {
  FieldWrite w[kMaxMoveWrites];
  const unsigned n = xlate_wide_move(flow, wc, a, w);
  for (unsigned i = 0; i < n; i++) {
    emit(Action::set_field(static_cast<uint8_t>(w[i].field), w[i].value, w[i].mask));
  }
}

inline bool move_is_wide(const Action& a) {
  return field_is_wide(static_cast<Field>(a.mac[0])) || field_is_wide(static_cast<Field>(a.mac[1]));
}

using XlateEmitFn = void (*)(void* ctx, const Action& a);

// An action the walk does not translate itself (output_trunc, MPLS): may
// change the walk's flow, mark consulted bits in *wc, and emit datapath
// actions through emit(ctx, ...).
// `committed_tci` is the flow's TCI at the last output (OVS commits its
// pending header changes there and at an output_trunc's output, after the
// truncation point).
void xlate_extra_action(const Action& a, OfKey* flow, OfKey* wc, uint16_t committed_tci,
                        XlateEmitFn emit, void* ctx);

// set_vlan_vid, set_vlan_pcp and push_vlan on the walk's flow: its TCI as
// the executed action will leave the frame (that depends on whether a tag
// is present: that bit is marked in *wc). The caller emits the action.
void xlate_vlan_action(const Action& a, OfKey* flow, OfKey* wc);

// Where OVS commits the header changes made so far (an output of some kind).
inline bool commits_headers(ActionType t) {
  return t == ActionType::kOutput || t == ActionType::kOutputTrunc || t == ActionType::kPacketIn;
}

// A rule that matches everything at priority 0 (OpenFlow's table-miss flow).
bool is_table_miss_rule(const Rule& r);

// learn(..., result_dst=FIELD[bit]): the set_field of the result (true),
// as far as the snapshot tells: success without a limit; with one, when the
// flow is already there or the table has room under the learn's cookie.
bool learn_result(const Classifier& cls, const Action* head, const OfKey* flow, Action* set);

// dec_ttl on the flow (the ethertype and, for IP, the TTL consulted).
enum class TtlStep { kNotIp, kDecremented, kExpired };
TtlStep xlate_dec_ttl(OfKey* flow, OfKey* wc);

}  // namespace ferry
