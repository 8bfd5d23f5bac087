// MPLS in the translation (datapath/xlate.cc), as OVS's xlate
// (compose_mpls_push_action, compose_mpls_pop_action, the set_mpls_* and
// dec_mpls_ttl actions, recirc_for_mpls) on the walk's flow, whose label
// stack is FlowKey::mpls_lse (at most FlowKey::kMplsLabels entries).
// Internal to the xlate*.cc files.
#pragma once

#include <cstdint>

#include "lib/flow/action.h"
#include "lib/flow/of_key.h"

namespace ferry {

enum class MplsStep {
  kDone,     // the flow changed
  kNothing,  // nothing to do (no label to pop, not an MPLS packet)
  kTooMany,  // as OVS: the stack would not fit the key (the translation fails)
  kExpired,  // dec_mpls_ttl: the TTL ran out (or the packet is not MPLS): the list ends
};

// How many label stack entries the flow has (OVS's flow_count_mpls_labels;
// the BoS bits it reads are consulted).
unsigned mpls_count(const OfKey& flow, OfKey* wc);

// push_mpls: the entry pushed (host order) in *lse. The first entry of a
// packet takes IP's TTL and DSCP (64 and 0 otherwise), and the L3 fields
// are cleared; a later one copies the outer entry with BoS clear.
MplsStep xlate_push_mpls(OfKey* flow, OfKey* wc, uint16_t ethertype, uint32_t* lse);
// pop_mpls: the outer entry goes, the ethertype becomes `ethertype`.
MplsStep xlate_pop_mpls(OfKey* flow, OfKey* wc, uint16_t ethertype);
// dec_mpls_ttl: kDone with the new TTL in the flow, or kExpired.
MplsStep xlate_dec_mpls_ttl(OfKey* flow, OfKey* wc);
// set_mpls_label/tc/ttl and set_field on them: only an MPLS packet's
// outer entry changes (false: not MPLS, nothing to do).
bool xlate_set_mpls(OfKey* flow, OfKey* wc, const Action& set);

// After a pop_mpls to a non-MPLS ethertype the flow's L3 fields are
// unknown: as OVS's recirc_for_mpls(), whether `a` needs them (the walk
// recirculates first) or can run on the packet as it is.
bool mpls_needs_recirc(const Action& a);

}  // namespace ferry
