#include "datapath/xlate_ct.h"

#include "lib/flow/ct_action.h"
#include "lib/flow/field.h"

namespace ferry {

namespace {

// The source bits of a move as consulted (a 128-bit field: on its halves).
void mark_source(OfKey* wc, Field f, unsigned ofs, unsigned n) {
  if (!field_is_wide(f)) return field_mark(wc, f, low_bits(n) << ofs);
  const unsigned __int128 m = static_cast<unsigned __int128>(low_bits(n)) << ofs;
  if (auto lo = static_cast<uint64_t>(m)) field_mark(wc, wide_half(f, false), lo);
  if (auto hi = static_cast<uint64_t>(m >> 64)) field_mark(wc, wide_half(f, true), hi);
}

// exec(move:SRC[ofs..]->ct_mark|ct_label[ofs..]) (kDataCtMove d) folded into
// the constant mark (head) or label (value lo in .value, hi in .mask).
void ct_move(const Action& d, const OfKey& flow, OfKey* wc, Action* head, Action* label,
             Action* label_mask) {
  const auto src = static_cast<Field>(d.mac[0]);
  const unsigned src_ofs = d.mac[1], n = d.mac[2], dst_ofs = d.mac[4];
  const uint64_t v = field_get_bits(flow, src, src_ofs, n);
  mark_source(wc, src, src_ofs, n);
  if (d.mac[3] == 0) {  // ct_mark
    const uint32_t m = static_cast<uint32_t>(low_bits(n) << dst_ofs);
    head->port = (head->port & ~m) | (static_cast<uint32_t>(v << dst_ofs) & m);
    head->value = (head->value & ~uint64_t{0xffffffff}) | (static_cast<uint32_t>(head->value) | m);
    head->flags |= CtSpec::kSetMark;
    return;
  }
  const unsigned __int128 m = static_cast<unsigned __int128>(low_bits(n)) << dst_ofs;
  const unsigned __int128 val = static_cast<unsigned __int128>(v) << dst_ofs;
  unsigned __int128 l = (static_cast<unsigned __int128>(label->mask) << 64) | label->value;
  unsigned __int128 lm =
      (static_cast<unsigned __int128>(label_mask->mask) << 64) | label_mask->value;
  l = (l & ~m) | (val & m);
  lm |= m;
  label->value = static_cast<uint64_t>(l), label->mask = static_cast<uint64_t>(l >> 64);
  label_mask->value = static_cast<uint64_t>(lm), label_mask->mask = static_cast<uint64_t>(lm >> 64);
  head->flags |= CtSpec::kSetLabel;
}

}  // namespace

void xlate_ct(const Action* ct, size_t n_data, OfKey* flow, OfKey* wc, RecircTable* recirc,
              CtEmit* out) {
  out->n = 0;
  out->error = nullptr;
  Action head = *ct;
  head.mask = 0;  // no prepared form (datapath/ct_exec.h) until the arena keeps it
  const auto zone_field = static_cast<Field>(ct->mac[0]);
  if (zone_field != Field::kNone) {
    // The zone is read now; the packets of this megaflow agree on it.
    const unsigned ofs = ct->mac[2], bits = ct->mac[4];
    const uint64_t m = low_bits(bits);
    field_mark(wc, zone_field, m << ofs);
    head.u16 = static_cast<uint16_t>((field_get(*flow, zone_field) >> ofs) & m);
    head.mac[0] = 0;
    head.mac[2] = 0;
    head.mac[4] = 0;
  }
  const uint8_t table = ct->u8;
  head.u8 = kCtNoRecirc;
  // exec(move:...): the values are read now, into a constant mark/label.
  Action label = Action::data(kDataCtLabel, 0, 0),
         label_mask = Action::data(kDataCtLabelMask, 0, 0);
  Action nat[2];
  unsigned n_nat = 0;
  for (size_t i = 0; i < n_data; i++) {
    const Action& d = ct[1 + i];
    if (d.u8 == kDataCtLabel) {
      label.value = d.value, label.mask = d.mask;
    } else if (d.u8 == kDataCtLabelMask) {
      label_mask.value = d.value, label_mask.mask = d.mask;
    } else if (d.u8 == kDataCtMove) {
      ct_move(d, *flow, wc, &head, &label, &label_mask);
    } else if (n_nat < 2) {
      nat[n_nat++] = d;
    }
  }
  out->acts[out->n++] = head;
  if (head.flags & CtSpec::kSetLabel) {
    out->acts[out->n++] = label;
    out->acts[out->n++] = label_mask;
  }
  for (unsigned i = 0; i < n_nat; i++) out->acts[out->n++] = nat[i];
  out->acts[0].mac[1] = static_cast<uint8_t>(out->n - 1);
  if (table != kCtNoRecirc) {
    if (!recirc) {
      out->error = "ct(table=...) without recirculation (no table for this bridge)";
      return;
    }
    const uint32_t id = recirc->intern(FrozenState::at(table, *flow));
    if (id == 0) {
      out->error = "recirculation table full";
      return;
    }
    Action r = Action::clear_actions();
    r.type = ActionType::kRecirc;
    r.port = id;
    out->acts[out->n++] = r;
  }
  clear_ct_fields(flow);
}

}  // namespace ferry
