// ofproto/trace: runs one packet through a bridge's pipeline exactly as a
// PMD would (same classifier, same action execution, same NORMAL), but
// records what would be sent instead of sending it, learns nothing and
// counts nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datapath/dp_snapshot.h"
#include "datapath/xlate.h"
#include "lib/flow/action.h"
#include "lib/util/result.h"

struct rte_mempool;

namespace ferry {

struct TraceOutput {
  uint32_t ofport = 0;
  std::string port;
  std::vector<uint8_t> frame;
};

struct TraceResult {
  // The conversion applied before the flow table, if any.
  bool converted = false;
  uint32_t conversion_id = 0;
  Mac converted_to{};
  bool mirrored = false;
  bool matched = false;
  Match match;  // the matched rule's
  uint16_t priority = 0;
  uint64_t cookie = 0;
  ActionList actions;
  // A walk through several tables (datapath/xlate.h): each step, and the
  // flat list the datapath executes.
  bool translated = false;
  bool stopped = false;
  std::vector<XlateStep> steps;  // rules stay valid while the flow table does not change
  ActionList datapath_actions;
  FlowKey wildcards;  // the megaflow mask this packet would install
  std::vector<TraceOutput> outputs;
  std::vector<std::string> drops;  // drop reasons hit
};

Result<TraceResult> trace_packet(const DpSnapshot& snap, int slot, const FlowKey& key,
                                 const std::vector<uint8_t>& frame, rte_mempool* pool);

}  // namespace ferry
