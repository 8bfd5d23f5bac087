// The tunnel part of a walk (datapath/xlate.cc): an output to a tunnel port
// becomes its encapsulation (datapath/tunnel_xlate.h) in a kClone, so the
// walk goes on with the inner packet; the last such clone, when nothing
// follows it, is unwrapped once the walk ends.
#pragma once

#include "datapath/xlate.h"

namespace ferry {

// Appends to out->actions a kClone holding the encapsulation and the
// underlay's actions of the output `a` to one of `tunnels`' ports, of a
// packet whose walk is at `flow` (the header's bits marked in *wc), and
// records it in out->tnl_clone. False, with nothing appended, when there is
// no room or the encapsulation cannot be resolved now: the caller emits the
// output itself (the PMD handles it).
bool xlate_tunnel_output(const TunnelXlate& tunnels, const Action& a, const OfKey& flow, OfKey* wc,
                         XlateOut* out);

// Once the walk has ended: the last encapsulation, with nothing after it,
// needs no copy (its kClone is removed).
void unwrap_last_tunnel_clone(XlateOut* out);

}  // namespace ferry
