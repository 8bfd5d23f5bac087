// Internet checksums (RFC 1071) for building and verifying frames in tests
// and tools, and for checking a tunnel packet's outer headers before it is
// decapsulated (lib/packet/tunnel_header.h); not used on any other
// forwarding path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lib/util/result.h"

namespace ferry {

// Adds the bytes (as big-endian 16-bit words; an odd last byte is padded
// with zero) to a running ones' complement sum. Chain calls to cover
// several ranges; only the last range may have an odd length.
uint32_t checksum_add(uint32_t sum, const uint8_t* data, size_t len);
// Folds a running sum and complements it: the value to store in a checksum
// field, host order (write it big-endian). A header whose stored checksum
// is right sums to 0 through this function.
uint16_t checksum_finish(uint32_t sum);
inline uint16_t inet_checksum(const uint8_t* data, size_t len) {
  return checksum_finish(checksum_add(0, data, len));
}

// Running sums of the TCP/UDP/ICMPv6 pseudo-headers. Addresses are in
// network order (as in the packet).
uint32_t ipv4_pseudo_sum(uint32_t src_be, uint32_t dst_be, uint8_t proto, uint32_t l4_len);
uint32_t ipv6_pseudo_sum(const uint8_t* src, const uint8_t* dst, uint8_t proto, uint32_t l4_len);

// Checks the IPv4 header checksum and the TCP, UDP (zero means none over
// IPv4), ICMP and ICMPv6 checksums of an unfragmented frame. Fragments only
// get their IPv4 header checked. The error names the header that is wrong
// and both values.
Status verify_checksums(const uint8_t* frame, size_t len);
inline Status verify_checksums(const std::vector<uint8_t>& frame) {
  return verify_checksums(frame.data(), frame.size());
}

}  // namespace ferry
