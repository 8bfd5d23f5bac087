// Where a frame's L2-L4 headers are, and the byte and checksum helpers the
// field rewrites (packet_fields.cc, packet_fields_ipv6.cc) share.
#pragma once

#include <cstdint>
#include <rte_mbuf.h>

namespace ferry::pkt {

constexpr uint8_t kIpProtoSctp = 132;

inline uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline void wr16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline uint32_t rd32(const uint8_t* p) {
  return static_cast<uint32_t>(rd16(p)) << 16 | rd16(p + 2);
}
inline void wr32(uint8_t* p, uint32_t v) {
  wr16(p, static_cast<uint16_t>(v >> 16));
  wr16(p + 2, static_cast<uint16_t>(v));
}

// RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m').
inline uint16_t csum_update16(uint16_t csum, uint16_t old_v, uint16_t new_v) {
  uint32_t s =
      static_cast<uint16_t>(~csum) + static_cast<uint32_t>(static_cast<uint16_t>(~old_v)) + new_v;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s);
}

inline uint16_t csum_update32(uint16_t csum, uint32_t old_v, uint32_t new_v) {
  csum =
      csum_update16(csum, static_cast<uint16_t>(old_v >> 16), static_cast<uint16_t>(new_v >> 16));
  return csum_update16(csum, static_cast<uint16_t>(old_v), static_cast<uint16_t>(new_v));
}

template <class T>
T merge(T old_v, uint64_t value, uint64_t mask) {
  return static_cast<T>((old_v & ~static_cast<T>(mask)) |
                        (static_cast<T>(value) & static_cast<T>(mask)));
}

// Where a frame's headers are (in its first segment).
struct Headers {
  uint8_t* eth = nullptr;
  uint8_t* tag = nullptr;  // the outer 802.1Q tag's TCI, if any
  uint16_t type = 0;
  uint8_t* l3 = nullptr;
  uint32_t l3_len = 0;
  uint8_t* l4 = nullptr;   // only for the first (or no) fragment
  uint32_t l4_len = 0;     // to the end of the frame's data
  uint32_t l4_ip_len = 0;  // to the end of the IP payload (no Ethernet padding)
  uint8_t proto = 0;
  // IPv6, as OVS's packet_rh_present(): the header an address rewrite's
  // checksum update goes by (the transport, or the extension header the
  // walk stopped at), whether checksums are updated at all (not in a
  // fragment other than a first one), and a routing header with segments
  // left (then a destination rewrite updates no checksum).
  uint8_t csum_proto = 0;
  bool csum_ok = true;
  bool rh_present = false;
};

Headers locate(rte_mbuf* m);

// Cuts the frame as OVS's output_trunc: to max_len bytes (at least an
// Ethernet header) as it was before `grown` bytes of headers were added
// (negative: removed) since; no-op if it was not longer.
void truncate_frame(rte_mbuf* m, uint32_t max_len, int64_t grown = 0);

// IPv6 rewrites (packet_fields_ipv6.cc), `which`: 0/1 the source address's
// high/low 64 bits, 2/3 the destination's, 4 the flow label; the TCP, UDP
// and ICMPv6 checksums follow an address as OVS's packet_set_ipv6().
// False when the frame is not IPv6.
bool set_ipv6_field(const Headers& h, unsigned which, uint64_t value, uint64_t mask);

}  // namespace ferry::pkt
