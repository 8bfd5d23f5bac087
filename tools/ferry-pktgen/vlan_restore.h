// The kernel strips the outer 802.1Q tag of a received frame into packet
// metadata (AF_PACKET reports it in PACKET_AUXDATA). capture puts it back so
// the bytes it prints are the bytes that were on the wire.
#pragma once

#include <cstdint>
#include <vector>

namespace ferry::pktgen {

// Inserts the 4-byte tag (tpid, tci) after the two MAC addresses. A frame
// shorter than 12 bytes is left alone (returns false).
bool restore_vlan_tag(std::vector<uint8_t>* frame, uint16_t tpid, uint16_t tci);

}  // namespace ferry::pktgen
