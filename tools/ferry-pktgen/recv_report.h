// udp-recv's report: the per-stream accounting as JSON and as text.
#pragma once

#include <string>

#include "lib/rpc/json.h"
#include "tools/ferry-pktgen/seq_tracker.h"

namespace ferry::pktgen {

rpc::Json stream_report_json(const StreamReport& r);
std::string stream_report_text(const StreamReport& r);

}  // namespace ferry::pktgen
