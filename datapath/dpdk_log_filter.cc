#include "datapath/dpdk_log_filter.h"

namespace ferry {

namespace {

struct Known {
  const char* kind;     // one explanation per kind
  const char* pattern;  // a substring of DPDK's line
  const char* meaning;  // what it means, said once
};

// Each pattern names its condition precisely enough not to hide a real
// failure of the same function.
constexpr Known kKnown[] = {
    {"multiq", "Specified qdisc kind is unknown",
     "the kernel has no multiq qdisc (sch_multiq): net_tap (internal) ports work without "
     "rte_flow rules"},
    {"multiq", "Could not add multiq qdisc (2): No such file or directory",
     "the kernel has no multiq qdisc (sch_multiq): net_tap (internal) ports work without "
     "rte_flow rules"},
    {"multiq", "failed to create multiq qdisc",
     "the kernel has no multiq qdisc (sch_multiq): net_tap (internal) ports work without "
     "rte_flow rules"},
    {"multiq", "Disabling rte flow support: No such file or directory(2)",
     "the kernel has no multiq qdisc (sch_multiq): net_tap (internal) ports work without "
     "rte_flow rules"},
    {"tap-secondary", "Failed to send start req to secondary",
     "no DPDK secondary processes (--in-memory has no multi-process channel): net_tap has "
     "nobody to tell that its queues started"},
    {"hugepages-1g", "No free 1048576 kB hugepages reported",
     "no 1 GB hugepages are reserved; DPDK uses the 2 MB ones"},
    {"hugepages-1g", "No available 1048576 kB hugepages reported",
     "no 1 GB hugepages are reserved; DPDK uses the 2 MB ones"},
    {"telemetry-legacy", "No legacy callbacks, legacy socket not created",
     "DPDK telemetry's legacy socket is not created (no legacy clients); the telemetry socket "
     "(dpdk-telemetry.py) works"},
};

}  // namespace

DpdkLogFilter::Line DpdkLogFilter::filter(LogLevel level, const std::string& text) {
  if (level > LogLevel::kWarn) return {level, text};  // INFO and DBG as DPDK said
  for (const Known& k : kKnown) {
    if (text.find(k.pattern) == std::string::npos) continue;
    if (seen_.insert(k.kind).second)
      return {LogLevel::kInfo, std::string(k.meaning) + " (DPDK: " + text + ")"};
    return {LogLevel::kDbg, text};
  }
  return {level, text};
}

}  // namespace ferry
