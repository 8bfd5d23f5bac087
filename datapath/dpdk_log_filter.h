// DPDK's log lines about conditions that are expected and harmless where
// Ferry runs (a kernel without a feature a PMD tries, no 1 GB hugepages,
// the EAL's --in-memory mode) are not warnings or errors of Ferry's: the
// first such line of each kind is logged once at INFO, saying what it
// means; the same kind again only at DBG. Every other line keeps DPDK's
// level. Pure (no DPDK): dpdk_env.cc feeds it DPDK's log stream.
#pragma once

#include <set>
#include <string>

#include "lib/util/log.h"

namespace ferry {

class DpdkLogFilter {
 public:
  struct Line {
    LogLevel level;
    std::string text;
  };
  // A line DPDK logged at `level` (Ferry's level of DPDK's): how to log it.
  Line filter(LogLevel level, const std::string& text);

 private:
  std::set<std::string> seen_;  // kinds already explained
};

}  // namespace ferry
