#include "lib/packet/parser.h"

#include "lib/packet/parser_inline.h"

namespace ferry {

const char* parse_status_name(ParseStatus s) {
  switch (s) {
    case ParseStatus::kOk:
      return "rx_ok";
    case ParseStatus::kRunt:
      return "rx_runt";
    case ParseStatus::kTruncatedVlan:
      return "rx_truncated_vlan";
    case ParseStatus::kTruncatedL3:
      return "rx_truncated_l3";
    case ParseStatus::kBadIpv4:
      return "rx_bad_ipv4";
    case ParseStatus::kBadIpv6:
      return "rx_bad_ipv6";
    case ParseStatus::kTruncatedL4:
      return "rx_truncated_l4";
    case ParseStatus::kCount:
      break;
  }
  return "rx_unknown";
}

ParseStatus parse_frame(const uint8_t* data, uint32_t len, uint32_t in_port, FlowKey* key,
                        HeaderOffsets* offsets) {
  return parse_frame_inline(data, len, in_port, key, offsets);
}

}  // namespace ferry
