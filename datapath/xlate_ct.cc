#include "datapath/xlate_ct.h"

#include "lib/flow/ct_action.h"
#include "lib/flow/field.h"

namespace ferry {

void xlate_ct(const Action* ct, size_t n_data, OfKey* flow, OfKey* wc, RecircTable* recirc,
              CtEmit* out) {
  out->n = 0;
  out->error = nullptr;
  if (n_data > 4) n_data = 4;
  Action head = *ct;
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
  head.mac[1] = static_cast<uint8_t>(n_data);
  out->acts[out->n++] = head;
  for (size_t i = 0; i < n_data; i++) out->acts[out->n++] = ct[1 + i];
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
