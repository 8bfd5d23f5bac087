// What the pipeline must do with a set of frames, worked out independently:
// each frame parsed and classified afresh (no megaflow cache), and the
// counters and rule statistics that follow from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "datapath/dp_snapshot.h"
#include "datapath/pmd_counters.h"
#include "test/fuzz/dp_fuzz_input.h"

namespace ferry::fuzz {

constexpr size_t kDropReasons = static_cast<size_t>(DropReason::kCount);

struct Expected {
  uint64_t frames = 0;
  uint64_t parsed = 0;  // frames that reach the lookup
  // Exact counts for the reasons the oracle can tell: parse failures,
  // kNoHeadroom (a stripped tag that cannot be put back) and kNoRule.
  uint64_t drops[kDropReasons] = {};
  size_t max_len = 0;  // longest frame on the wire
  std::vector<FlowKey> keys;
  std::map<const RuleStats*, uint64_t> rule_packets;
  std::map<const ConversionStats*, uint64_t> conv_packets;
};

Expected predict(const std::vector<FuzzFrame>& frames, const DpBridge& br);

// The counters that a run changes, read at one moment.
struct CounterValues {
  uint64_t rx = 0, tx = 0, hits = 0, misses = 0, install_fail = 0;
  uint64_t drops[kDropReasons] = {};
  uint64_t total_drops() const;
};

CounterValues read_counters(const PmdCounters& c);

}  // namespace ferry::fuzz
