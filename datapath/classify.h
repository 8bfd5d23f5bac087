// The lookup stage shared by the PMD miss path, the control thread
// (packet-out, re-injection) and ofproto/trace: the bridge's active
// conversions first, then its OpenFlow classifier on the converted key (and,
// for a mirror conversion, also on the original key).
#pragma once

#include "datapath/conversion.h"
#include "datapath/dp_snapshot.h"
#include "datapath/xlate.h"
#include "lib/flow/rule.h"

namespace ferry {

struct Classification {
  const Rule* rule = nullptr;  // for the key after conversion; nullptr: table miss
  const ConversionSnapshot::Entry* conv = nullptr;
  const Rule* mirror_rule = nullptr;  // for the unconverted key, when conv->mirror
  bool batchable = false;             // no conversion, and the rule's actions need no key
  // The rule's actions went through the pipeline's translation (several
  // tables, metadata): execute these instead of rule->actions, and count
  // the packets on each of its rules.
  const Translation* xlate = nullptr;
  // The rule's actions need translation but this answer carries none (no
  // XlateOut was given, or its copy was not kept): translate before use.
  bool untranslated = false;
};

// ORs into *wc every key bit consulted (the input port always), which makes
// it the mask of a megaflow that may cache this answer. A rule whose actions
// need translation is walked into *xo, and the answer's xlate points there;
// without xo such an answer has xlate nullptr and `untranslated` set (the
// caller cannot execute it, only learn its mask).
Classification classify(const DpBridge& br, const FlowKey& key, FlowKey* wc,
                        XlateOut* xo = nullptr);

inline bool needs_xlate(const Classification& c) { return c.untranslated; }

// The key after a conversion.
inline FlowKey converted_key(const FlowKey& key, const ConversionSnapshot::Entry& conv) {
  FlowKey k = key;
  std::memcpy(k.dl_dst, conv.to, 6);
  return k;
}

}  // namespace ferry
