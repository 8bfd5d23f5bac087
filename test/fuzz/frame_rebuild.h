// Rebuilds a frame from a parsed flow key with lib/packet/builder.h, for the
// parser's round-trip check: parse(rebuild(k)) must give builder_view(k).
#pragma once

#include <cstdint>
#include <vector>

#include "lib/packet/flow_key.h"

namespace ferry::fuzz {

// A frame the builder makes for key k (a key parse_frame() returned kOk for).
std::vector<uint8_t> rebuild_frame(const FlowKey& k);

// k restricted to what the builder controls: TCP flags beyond the 9 the
// builder writes are cleared.
FlowKey builder_view(const FlowKey& k);

}  // namespace ferry::fuzz
