// In-place rewrites of L2-L4 header fields for set_field-style datapath
// actions (lib/flow/field.h), with incremental checksum updates (RFC 1624)
// of the IPv4 header and the TCP, UDP and ICMP checksums, and SCTP's CRC32c
// recomputed as OVS does. A frame without the header is left alone, as
// OVS's datapath does.
#pragma once

#include <cstdint>
#include <rte_mbuf.h>

#include "lib/flow/field.h"

namespace ferry {

// Writes bits `mask` of field f to `value` (host-order numbers as in
// field.h). Returns false when the frame has no such field.
bool pkt_set_field(rte_mbuf* m, Field f, uint64_t value, uint64_t mask);

// The IPv4 TTL or IPv6 hop limit, or -1 when the frame is not IP.
int pkt_ttl(const rte_mbuf* m);

}  // namespace ferry
