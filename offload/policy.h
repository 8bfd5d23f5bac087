// The route switcher's policies (SEEDS 004): when a flow moves from the
// software datapath to the NIC's embedded switch and back. Pure logic, fed
// with each flow's packet counters and the time; the offload manager turns
// its answers into rte_flow work.
//
//   threshold     offload a flow whose rate stays at or above `up` for
//                 up-ms; return it when its hardware counter shows it below
//                 `down` for down-ms (hysteresis: down < up);
//   first-packet  offload every flow at its first packet; return it after
//                 idle-ms without a hit;
//   always        as first-packet, without ever returning it for idleness
//                 before idle-ms (the same rule; for comparison runs);
//   never         everything stays in software.
//
// Text form (other_config:ferry-offload-policy):
//   "threshold[,up-pps=N][,up-ms=T][,down-pps=M][,down-ms=T2]" (or up-bps /
//   down-bps for bit rates), "first-packet[,idle-ms=T]", "always", "never".
#pragma once

#include <cstdint>
#include <string>

#include "lib/util/result.h"

namespace ferry {

enum class PolicyKind : uint8_t { kNever, kAlways, kThreshold, kFirstPacket };

struct OffloadPolicy {
  PolicyKind kind = PolicyKind::kThreshold;
  bool bits = false;  // rates in bits per second instead of packets
  double up = 10000;  // pps (or bps)
  int64_t up_ms = 100;
  double down = 1000;
  int64_t down_ms = 1000;
  int64_t idle_ms = 10000;

  static Result<OffloadPolicy> parse(const std::string& text);
  std::string to_string() const;
  const char* kind_name() const;
};

enum class Pin : uint8_t { kNone, kHw, kSw };

// What the route switcher knows about one flow between two looks.
struct FlowObservation {
  int64_t now_ms = 0;
  uint64_t packets = 0;  // cumulative, software + hardware
  uint64_t bytes = 0;
  bool in_hw = false;
};

// Per-flow state for the decisions (owned by the manager's flow record).
class FlowRate {
 public:
  // Feeds a new observation; returns the rate over the last interval.
  void observe(const FlowObservation& o, bool bits);
  double rate() const { return rate_; }
  int64_t last_hit_ms() const { return last_hit_ms_; }
  int64_t above_since_ms = -1;  // rate >= up since (threshold policy)
  int64_t below_since_ms = -1;  // rate < down since

 private:
  bool primed_ = false;
  uint64_t packets_ = 0, bytes_ = 0;
  int64_t at_ms_ = 0;
  double rate_ = 0;
  int64_t last_hit_ms_ = 0;
};

enum class Decision : uint8_t { kStay, kToHw, kToSw };

// The decision for a flow after observe(). pin overrides the policy.
Decision decide(const OffloadPolicy& p, Pin pin, FlowRate& r, const FlowObservation& o);

}  // namespace ferry
