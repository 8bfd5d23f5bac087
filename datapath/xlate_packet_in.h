// What a controller action translates to: a kPacketIn carrying the
// pipeline's state at that point (datapath/packet_in.h executes it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/flow/action.h"
#include "lib/flow/of_key.h"

namespace ferry {

struct PacketInAt {
  uint8_t table = 0;
  uint64_t cookie = 0;
  // The reason of a plain output to CONTROLLER (a controller action
  // carries its own); a controller action in a table-miss rule is
  // reported as explicit_miss, as OVS.
  PacketInReason output_reason = PacketInReason::kAction;
  bool table_miss_rule = false;
};

// The kPacketIn for controller action `a` (kController followed by its
// n_data userdata kData, or a kOutput to CONTROLLER) and its kData: the
// registers that are not zero, in_port and pkt_mark, the userdata. Written
// to buf (room for cap actions); returns how many, 0 when they do not fit.
size_t packet_in_actions(const Action& a, const Action* data, size_t n_data, const OfKey& flow,
                         const PacketInAt& at, Action* buf, size_t cap);

}  // namespace ferry
