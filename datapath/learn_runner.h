// Learn actions as side effects, on the control thread. PMDs translate a
// learn without changing anything (datapath/xlate.h); a translation that ran
// one sends its key up (Upcall::kFlowLearn), and the control thread
// translates that key again here, collecting the flow_mods the learns make,
// which the bridge applies through its flow table (lib/flow/learn.h) like any
// flow_mod: published as a new classifier, megaflows revalidated.
//
// A megaflow whose translation learns keeps its learned flows alive: the
// control thread's refresh pass (every kLearnRefreshMs) runs the learns of
// every such megaflow that saw packets since the last pass again, on its
// key, which restarts the learned flows' timeouts (OVS re-executes learns
// when its revalidators push a megaflow's statistics).
#pragma once

#include <cstdint>
#include <vector>

#include "datapath/dp_snapshot.h"
#include "lib/flow/flow_mod.h"

namespace ferry {

class MegaflowCache;

constexpr int64_t kLearnRefreshMs = 1000;

struct LearnedFlow {
  FlowMod fm;
  uint32_t limit = 0;
};

// The flow_mods the learns of this key's translation make (none when its
// answer does not learn).
std::vector<LearnedFlow> run_learns(const DpBridge& br, const FlowKey& key);

// Keys of the megaflows whose translations learn and that saw packets
// after since_ms.
std::vector<FlowKey> learning_megaflows(const std::vector<const MegaflowCache*>& caches,
                                        int64_t since_ms);

}  // namespace ferry
