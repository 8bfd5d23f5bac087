// A connection key (one direction's tuple, with the zone) and its
// extraction from a packet: L3/L4 validation as OVS's conn_key_extract()
// (lengths, IPv4 header checksum, L4 checksums, fragments), ICMP errors
// keyed by their inner header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ferry::ct {

constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17, kProtoIcmp6 = 58;

inline uint16_t to_be16(uint16_t v) {
  const uint8_t b[2] = {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
  uint16_t r;
  std::memcpy(&r, b, 2);
  return r;
}
inline uint16_t from_be16(uint16_t v) {
  uint8_t b[2];
  std::memcpy(b, &v, 2);
  return static_cast<uint16_t>(b[0] << 8 | b[1]);
}

struct Key {
  uint8_t src[16];  // network order; IPv4 in [0..3]
  uint8_t dst[16];
  uint16_t sport;  // network order; ICMP echo: the id (both)
  uint16_t dport;
  uint8_t stype;  // ICMP: the type and its reverse; else 0
  uint8_t dtype;
  uint16_t zone;
  uint8_t proto;
  uint8_t ipv6;
  uint16_t pad;

  bool operator==(const Key& o) const {  // 44 bytes, compared as words (no libc call)
    uint64_t a[5], b[5];
    uint32_t c, d;
    std::memcpy(a, this, 40);
    std::memcpy(b, &o, 40);
    std::memcpy(&c, reinterpret_cast<const uint8_t*>(this) + 40, 4);
    std::memcpy(&d, reinterpret_cast<const uint8_t*>(&o) + 40, 4);
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) |
            (c ^ d)) == 0;
  }
  Key reversed() const {
    Key r = *this;
    std::memcpy(r.src, dst, 16);
    std::memcpy(r.dst, src, 16);
    r.sport = dport;
    r.dport = sport;
    r.stype = dtype;
    r.dtype = stype;
    return r;
  }
  bool is_icmp() const { return proto == (ipv6 ? kProtoIcmp6 : kProtoIcmp); }
};
static_assert(sizeof(Key) == 44);

uint32_t key_hash(const Key& k, uint32_t basis);

// Why a packet could not be keyed (each a named counter).
enum class KeyError : uint8_t {
  kOk,
  kL3Header,    // short or malformed IP header, bad total length
  kL3Checksum,  // IPv4 header checksum
  kFragment,    // an IP fragment (no reassembly)
  kL4Header,    // short L4 header, bad TCP offset or UDP length, port 0
  kL4Checksum,  // TCP/UDP/ICMP/ICMPv6 checksum
  kIcmpType,    // an ICMP type conntrack does not track
  kIcmpInner,   // an ICMP error whose inner header is unusable
  kCount,
};
const char* key_error_name(KeyError);

// Where the parts of a keyed packet are (offsets from l3).
struct Parsed {
  Key key;
  uint16_t l4_ofs;    // outer L4 header
  uint32_t l3_size;   // the IP datagram's length (without L2 padding)
  bool related;       // an ICMP error: key is its inner connection, reversed
  uint16_t inner_l3;  // related: the inner IP header
  uint16_t inner_l4;  // related: the inner L4 header
};

// Keys the packet at l3 (l3_len bytes to the end of the frame, padding
// included). v6 tells the family (from the dl_type).
KeyError extract_key(const uint8_t* l3, uint32_t l3_len, bool v6, uint16_t zone, Parsed* out);

// ICMP types (v4 and v6) with a reverse: echo, timestamp, info.
uint8_t reverse_icmp_type(uint8_t type, bool v6);

}  // namespace ferry::ct
