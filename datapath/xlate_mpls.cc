#include "datapath/xlate_mpls.h"

#include <arpa/inet.h>

#include <cstring>

#include "lib/flow/field.h"

namespace ferry {

namespace {

void mark_lse(OfKey* wc, unsigned i, uint32_t bits) { wc->set_mpls_lse(i, wc->mpls_lse(i) | bits); }

// push_mpls on a packet that was not MPLS: its L3 and L4 fields are no
// longer the packet's (OVS clears them); words 9-10 take the label stack.
void clear_l3(OfKey* flow) {
  flow->nw_proto = flow->nw_tos = flow->nw_ttl = flow->nw_frag = 0;
  flow->nw_src = flow->nw_dst = 0;
  flow->tp_src = flow->tp_dst = flow->tcp_flags = 0;
  std::memset(flow->ipv6_src, 0, 32);
  std::memset(flow->mpls_bytes(), 0, 16);  // arp_sha..pad2
}

}  // namespace

unsigned mpls_count(const OfKey& flow, OfKey* wc) {
  field_mark(wc, Field::kEthType, 0xffff);
  if (!eth_type_mpls(flow.ethertype())) return 0;
  unsigned n = 0;
  for (unsigned i = 0; i < FlowKey::kMplsLabels; i++) {
    mark_lse(wc, i, kMplsBosMask);
    const uint32_t lse = flow.mpls_lse(i);
    if (lse & kMplsBosMask) return i + 1;
    if (lse) n++;
  }
  return n;
}

MplsStep xlate_push_mpls(OfKey* flow, OfKey* wc, uint16_t ethertype, uint32_t* lse) {
  const unsigned n = mpls_count(*flow, wc);
  if (n >= FlowKey::kMplsLabels) return MplsStep::kTooMany;
  if (n) {
    for (unsigned i = 0; i < n; i++) mark_lse(wc, i, 0xffffffff);
    for (unsigned i = n; i >= 1; i--) flow->set_mpls_lse(i, flow->mpls_lse(i - 1));
    *lse = flow->mpls_lse(1) & ~kMplsBosMask;
  } else {
    const uint16_t type = flow->ethertype();
    uint32_t label = type == kEthTypeIpv6 ? 2 : 0, tc = 0, ttl = 64;
    if (type == kEthTypeIpv4 || type == kEthTypeIpv6) {
      field_mark(wc, Field::kIpDscp, 0x3f);
      field_mark(wc, Field::kIpTtl, 0xff);
      tc = (flow->nw_tos & 0xfc) >> 2;  // as OVS: the DSCP, cut to TC's 3 bits
      if (flow->nw_ttl) ttl = flow->nw_ttl;
    }
    *lse = mpls_lse(label, tc, 1, ttl);
    clear_l3(flow);
  }
  flow->set_mpls_lse(0, *lse);
  flow->dl_type = htons(ethertype);
  return MplsStep::kDone;
}

MplsStep xlate_pop_mpls(OfKey* flow, OfKey* wc, uint16_t ethertype) {
  const unsigned n = mpls_count(*flow, wc);
  if (n == 0) return MplsStep::kNothing;
  if (n == FlowKey::kMplsLabels && !(flow->mpls_lse(n - 1) & kMplsBosMask))
    return MplsStep::kTooMany;  // what would come up from below is not in the key
  for (unsigned i = 1; i < n; i++) mark_lse(wc, i, 0xffffffff);
  for (unsigned i = 1; i < n; i++) flow->set_mpls_lse(i - 1, flow->mpls_lse(i));
  flow->set_mpls_lse(n - 1, 0);
  flow->dl_type = htons(ethertype);
  if (!eth_type_mpls(ethertype)) std::memset(flow->mpls_bytes(), 0, 16);  // no stack left
  return MplsStep::kDone;
}

MplsStep xlate_dec_mpls_ttl(OfKey* flow, OfKey* wc) {
  field_mark(wc, Field::kEthType, 0xffff);
  if (!eth_type_mpls(flow->ethertype())) return MplsStep::kExpired;  // as OVS: the list ends
  mark_lse(wc, 0, kMplsTtlMask);
  const uint32_t lse = flow->mpls_lse(0);
  const uint32_t ttl = lse & kMplsTtlMask;
  if (ttl <= 1) return MplsStep::kExpired;
  flow->set_mpls_lse(0, (lse & ~kMplsTtlMask) | (ttl - 1));
  return MplsStep::kDone;
}

bool xlate_set_mpls(OfKey* flow, OfKey* wc, const Action& set) {
  field_mark(wc, Field::kEthType, 0xffff);
  if (!eth_type_mpls(flow->ethertype())) return false;
  field_set(flow, static_cast<Field>(set.u8), set.value, set.mask);
  return true;
}

bool mpls_needs_recirc(const Action& a) {
  switch (a.type) {
    case ActionType::kOutput:  // any port, CONTROLLER:N too (OVS's OFPACT_OUTPUT)
    case ActionType::kOutputTrunc:
    case ActionType::kOutputField:
    case ActionType::kSetVlanVid:
    case ActionType::kSetVlanPcp:
    case ActionType::kSetEthSrc:
    case ActionType::kSetEthDst:
    case ActionType::kGroup:  // its buckets decide for themselves
      return false;
    case ActionType::kSetField: {
      if (a.flags & Action::kInstruction) return true;  // write_metadata
      const auto f = static_cast<Field>(a.u8);
      if (a.flags & Action::kLegacy) return !field_is_tunnel(f);  // mod_nw_* ..., not set_tunnel
      // As OVS's mf_is_l3_or_higher(): a field of IP or above.
      return field_in_packet(f) && f != Field::kEthSrc && f != Field::kEthDst &&
             f != Field::kVlanTci && f != Field::kEthType && !field_is_mpls(f);
    }
    default:
      return true;  // as OVS, for simplicity: everything else
  }
}

}  // namespace ferry
