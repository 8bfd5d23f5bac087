// Header parsing into a flow key. Reads only within [data, data+len).
// Frames the datapath must not forward (truncated or malformed headers)
// return a drop reason; the datapath counts each reason by name.
#pragma once

#include <cstdint>

#include "lib/packet/flow_key.h"

namespace ferry {

enum class ParseStatus : uint8_t {
  kOk = 0,
  kRunt,           // shorter than an Ethernet header
  kTruncatedVlan,  // 802.1Q tag cut short
  kTruncatedL3,    // IPv4/IPv6/ARP header cut short
  kBadIpv4,        // version, IHL or total length inconsistent
  kBadIpv6,        // version or payload length inconsistent
  kTruncatedL4,    // TCP/UDP/ICMP header cut short (first fragments only)
  kCount
};

// Counter names for the drop reasons ("rx_runt", ...), indexed by status.
const char* parse_status_name(ParseStatus s);

// Byte offsets of the headers found, for action execution.
struct HeaderOffsets {
  uint16_t l3 = 0;  // start of the L3 header (after Ethernet and VLAN tags)
  uint16_t l4 = 0;  // start of the L4 header, 0 when none
};

// Fills *key (every field; unused ones zero) from the frame. in_port is
// copied into the key. On a non-kOk status *key is unspecified.
ParseStatus parse_frame(const uint8_t* data, uint32_t len, uint32_t in_port, FlowKey* key,
                        HeaderOffsets* offsets = nullptr);

}  // namespace ferry
