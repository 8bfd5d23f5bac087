// Which PMD polls which rx queue (OVS's other_config:pmd-rxq-assign and
// Interface other_config:pmd-rxq-affinity). DPDK-free, so it is unit-tested
// on its own.
//
// - Affinity pins a queue to the PMD on a given core; that PMD is then
//   isolated (polls only pinned queues) unless isolation is off
//   (other_config:pmd-rxq-isolate=false).
// - roundrobin: the other queues in port order, one PMD after the other.
// - cycles: the other queues by measured processing cycles, busiest
//   first, each to the PMD with the least load so far.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ferry {

enum class RxqAssign : uint8_t { kRoundRobin, kCycles };

struct RxqInfo {
  uint16_t port_id = 0;
  uint16_t queue = 0;
  uint64_t cycles = 0;  // measured since the last rebalance
  int affinity_core = -1;
  std::string port_name;
};

struct RxqPlacement {
  std::vector<std::vector<size_t>> by_pmd;  // indexes into the input, per PMD
  std::vector<bool> isolated;               // per PMD
  std::vector<std::string> warnings;
};

RxqPlacement place_rxqs(const std::vector<RxqInfo>& rxqs, const std::vector<int>& pmd_cores,
                        RxqAssign mode, bool isolate);

}  // namespace ferry
