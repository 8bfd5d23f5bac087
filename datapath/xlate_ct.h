// The translation of ct() and ct_clear (lib/flow/ct_action.h) in a walk
// (datapath/xlate.cc): what PMDs execute, with everything a walk knows
// resolved. A ct() with table=T forks as OVS's: the packet's copy
// recirculates (kRecirc to the frozen state at this point) and the walk
// goes on with the packet untracked, its ct fields cleared, since they only
// exist in the recirculated pipeline.
#pragma once

#include <cstddef>
#include <cstring>

#include "datapath/recirc.h"
#include "lib/flow/action.h"
#include "lib/flow/of_key.h"

namespace ferry {

struct CtEmit {
  Action acts[8];  // kCt, its data (at most 4), kRecirc
  unsigned n = 0;
  const char* error = nullptr;  // the walk stops with this
};

// `ct` is a rule's kCt followed by at least `n_data` actions (its kData).
void xlate_ct(const Action* ct, size_t n_data, OfKey* flow, OfKey* wc, RecircTable* recirc,
              CtEmit* out);

}  // namespace ferry
