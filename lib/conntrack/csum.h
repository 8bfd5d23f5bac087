// Internet checksum helpers for the tracker: full sums for validation and
// incremental updates (RFC 1624) for NAT rewrites.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ferry::ct {

inline uint16_t load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline void store16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline uint32_t load32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

// Ones' complement sum of big-endian 16-bit words (odd tail padded).
uint32_t csum_add(uint32_t sum, const uint8_t* p, size_t n);
inline uint16_t csum_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}
inline uint16_t csum_finish(uint32_t sum) { return static_cast<uint16_t>(~csum_fold(sum)); }

// Pseudo-header sums (addresses as in the packet).
uint32_t pseudo_sum_v4(const uint8_t* ip, uint8_t proto, uint32_t l4_len);
uint32_t pseudo_sum_v6(const uint8_t* ip6, uint8_t proto, uint32_t l4_len);

// Updates the checksum at csum (big-endian, in the packet) for a change of
// n bytes (n even) from old_bytes to new_bytes.
void csum_replace(uint8_t* csum, const uint8_t* old_bytes, const uint8_t* new_bytes, size_t n);

}  // namespace ferry::ct
