// What the pipeline must do with a set of frames, worked out independently:
// each frame parsed and classified afresh (no megaflow cache), and the
// counters and rule statistics that follow from it. Frames from a port with
// a simple-match answer (dp_snapshot.h) only need a whole Ethernet header
// (and tag); every other one goes to the port's rule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "datapath/pmd_counters.h"
#include "test/fuzz/dp_fuzz_harness.h"
#include "test/fuzz/dp_fuzz_input.h"

namespace ferry::fuzz {

constexpr size_t kDropReasons = static_cast<size_t>(DropReason::kCount);

struct PortKey {
  size_t port;
  FlowKey key;
};

struct Expected {
  uint64_t frames = 0;
  uint64_t looked_up = 0;  // frames the EMC, megaflow cache or classifier answers
  uint64_t simple = 0;     // frames a simple-match answer takes
  // Exact counts for the reasons the oracle can tell: parse failures,
  // kNoHeadroom (a stripped tag that cannot be put back) and kNoRule.
  uint64_t drops[kDropReasons] = {};
  size_t max_len = 0;                // longest frame on the wire
  std::vector<PortKey> keys;         // of the frames looked up
  std::vector<PortKey> simple_keys;  // of the simple-match frames that parse
  std::map<const RuleStats*, uint64_t> rule_packets;
  std::map<const ConversionStats*, uint64_t> conv_packets;
};

Expected predict(const std::vector<FuzzFrame>& frames, const DpFuzzHarness& h);

// True when process_batch() takes the simple-match path for this port.
bool takes_simple_path(const DpPort& in);

// The counters that a run changes, read at one moment.
struct CounterValues {
  uint64_t rx = 0, tx = 0, simple = 0, lookups = 0, install_fail = 0;
  uint64_t packet_in_consumed = 0;  // frames that ended as a packet-in
  uint64_t drops[kDropReasons] = {};
  uint64_t total_drops() const;
};

CounterValues read_counters(const PmdCounters& c);

}  // namespace ferry::fuzz
