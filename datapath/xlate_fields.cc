#include "datapath/xlate_fields.h"

#include <arpa/inet.h>

#include <algorithm>

#include "lib/flow/learn.h"
#include "lib/ovs/group_hash.h"

namespace ferry {

unsigned xlate_wide_move(OfKey* flow, OfKey* wc, const Action& a, FieldWrite* out) {
  const auto src = static_cast<Field>(a.mac[0]), dst = static_cast<Field>(a.mac[1]);
  const unsigned src_ofs = a.mac[2], dst_ofs = a.mac[3], n = a.mac[4];
  // Read every piece first: the source and destination may overlap.
  uint64_t piece[2] = {0, 0};
  for (unsigned i = 0, done = 0; done < n; i++, done += 64) {
    const unsigned c = std::min(64u, n - done);
    piece[i] = field_get_bits(*flow, src, src_ofs + done, c);
    field_set_bits(wc, src, src_ofs + done, c, ~uint64_t{0}, [](Field, uint64_t, uint64_t) {});
  }
  unsigned n_out = 0;
  auto put = [&](Field f, uint64_t value, uint64_t mask) {
    if (!field_in_packet(f)) return;
    for (unsigned j = 0; j < n_out; j++) {
      if (out[j].field == f) {
        out[j].value = (out[j].value & ~mask) | (value & mask);
        out[j].mask |= mask;
        return;
      }
    }
    if (n_out < kMaxMoveWrites) out[n_out++] = FieldWrite{f, value & mask, mask};
  };
  for (unsigned i = 0, done = 0; done < n; i++, done += 64) {
    const unsigned c = std::min(64u, n - done);
    field_set_bits(flow, dst, dst_ofs + done, c, piece[i], put);
  }
  return n_out;
}

void xlate_vlan_action(const Action& a, OfKey* flow, OfKey* wc) {
  field_mark(wc, Field::kVlanTci, kVlanCfi);
  uint16_t tci = ntohs(flow->vlan_tci);
  const bool tagged = tci & kVlanCfi;
  if (a.type == ActionType::kPushVlan) {
    // ovs-vswitchd's new tag is VID 0, PCP 0 (flow's vlans[0].tci = CFI).
    flow->vlan_tci = htons(kVlanCfi);
    return;
  }
  if (!tagged) {
    if (!(a.flags & Action::kPushIfNeeded)) return;
    tci = kVlanCfi;
  }
  if (a.type == ActionType::kSetVlanVid) {
    tci = static_cast<uint16_t>((tci & ~kVlanVidMask) | (a.u16 & kVlanVidMask));
  } else {
    tci = static_cast<uint16_t>((tci & ~(7u << kVlanPcpShift)) | ((a.u8 & 7u) << kVlanPcpShift));
  }
  flow->vlan_tci = htons(tci);
}

bool is_table_miss_rule(const Rule& r) {
  if (r.priority != 0) return false;
  const uint64_t* m = r.match.mask.words();
  for (size_t i = 0; i < OfKey::kWords; i++) {
    if (m[i]) return false;
  }
  return true;
}

void xlate_extra_action(const Action& a, OfKey* flow, OfKey* wc, uint16_t committed_tci,
                        XlateEmitFn emit, void* ctx) {
  switch (a.type) {
    case ActionType::kOutputTrunc:
      // As OVS's xlate_output_trunc_action(): only to a port other than
      // the input port; the reserved ports (IN_PORT included) do nothing.
      // OVS cuts the packet as its last output left it, then applies the
      // header changes made since (a VLAN tag pushed or popped): the copy
      // sent is max_len plus that tag. mask carries the size change.
      if (a.port == flow->in_port || (a.port >= kOfppMax && a.port != kOfppLocal)) return;
      {
        // The size change depends on whether the packet came tagged.
        field_mark(wc, Field::kVlanTci, kVlanCfi);
        Action t = a;
        const int now = (flow->vlan_tci & htons(kVlanCfi)) ? 4 : 0;
        const int then = (committed_tci & htons(kVlanCfi)) ? 4 : 0;
        t.mask = static_cast<uint64_t>(static_cast<int64_t>(now - then));
        emit(ctx, t);
      }
      return;
    case ActionType::kMultipath: {
      // As OVS's multipath_execute(): the hashed fields join the megaflow.
      const uint32_t link = ovs::multipath_link(*flow, a.mac[0], a.u16, a.mac[1],
                                                static_cast<uint16_t>(a.value), a.port, wc);
      field_set_bits(flow, static_cast<Field>(a.u8), a.mac[2], a.mac[4], link,
                     [&](Field f, uint64_t v, uint64_t m) {
                       if (field_in_datapath(f))
                         emit(ctx, Action::set_field(static_cast<uint8_t>(f), v, m));
                     });
      return;
    }
    default:
      return;  // nothing else reaches here
  }
}

TtlStep xlate_dec_ttl(OfKey* flow, OfKey* wc) {
  const uint16_t type = flow->ethertype();
  field_mark(wc, Field::kEthType, 0xffff);
  if (type != kEthTypeIpv4 && type != kEthTypeIpv6) return TtlStep::kNotIp;
  field_mark(wc, Field::kIpTtl, 0xff);
  if (flow->nw_ttl <= 1) return TtlStep::kExpired;
  flow->nw_ttl--;
  return TtlStep::kDecremented;
}

bool learn_result(const Classifier& cls, const Action* head, const OfKey* flow, Action* set) {
  const LearnParams p = learn_params(*head);
  if (!(p.flags & kLearnWriteResult)) return false;
  bool success = true;
  if (p.limit) {
    success = cls.contains(p.table, learn_match(head, *flow), p.priority) ||
              cls.count_cookie(p.table, p.cookie) < p.limit;
  }
  const uint64_t bit = uint64_t{1} << p.result_ofs;
  *set = Action::set_field(p.result_field, success ? bit : 0, bit);
  return true;
}

}  // namespace ferry
