#include "datapath/packet_fields.h"

#include <nmmintrin.h>

#include <algorithm>
#include <cstring>

#include "lib/packet/flow_key.h"

namespace ferry {

namespace {

constexpr uint8_t kIpProtoSctp = 132;

uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
void wr16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
uint32_t rd32(const uint8_t* p) { return static_cast<uint32_t>(rd16(p)) << 16 | rd16(p + 2); }
void wr32(uint8_t* p, uint32_t v) {
  wr16(p, static_cast<uint16_t>(v >> 16));
  wr16(p + 2, static_cast<uint16_t>(v));
}

// RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m').
uint16_t csum_update16(uint16_t csum, uint16_t old_v, uint16_t new_v) {
  uint32_t s =
      static_cast<uint16_t>(~csum) + static_cast<uint32_t>(static_cast<uint16_t>(~old_v)) + new_v;
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s);
}

uint16_t csum_update32(uint16_t csum, uint32_t old_v, uint32_t new_v) {
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
};

Headers locate(rte_mbuf* m) {
  Headers h;
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  uint32_t len = rte_pktmbuf_data_len(m);
  if (len < 14) return h;
  h.eth = p;
  uint32_t off = 12;
  uint16_t type = rd16(p + 12);
  for (int i = 0; i < 2 && (type == kEthTypeVlan || type == kEthTypeQinQ); i++) {
    if (len < off + 6) return h;
    if (!h.tag) h.tag = p + off + 2;
    off += 4;
    type = rd16(p + off);
  }
  off += 2;
  h.type = type;
  h.l3 = p + off;
  h.l3_len = len - off;
  if (type == kEthTypeIpv4 && h.l3_len >= 20) {
    const uint32_t ihl = (h.l3[0] & 0xf) * 4u;
    const bool later_fragment = (rd16(h.l3 + 6) & 0x1fff) != 0;
    if (ihl >= 20 && ihl <= h.l3_len && !later_fragment) {
      h.proto = h.l3[9];
      h.l4 = h.l3 + ihl;
      h.l4_len = h.l3_len - ihl;
      const uint32_t total = rd16(h.l3 + 2);
      h.l4_ip_len = total >= ihl ? std::min(total - ihl, h.l4_len) : 0;
    }
  } else if (type == kEthTypeIpv6 && h.l3_len >= 40) {
    // Only a transport header right after the fixed header.
    h.proto = h.l3[6];
    h.l4 = h.l3 + 40;
    h.l4_len = h.l3_len - 40;
    h.l4_ip_len = std::min<uint32_t>(rd16(h.l3 + 4), h.l4_len);
  }
  return h;
}

// The offset of the L4 checksum for proto, or -1 (none Ferry updates).
int l4_csum_offset(uint8_t proto, uint32_t l4_len) {
  switch (proto) {
    case kIpProtoTcp:
      return l4_len >= 18 ? 16 : -1;
    case kIpProtoUdp:
      return l4_len >= 8 ? 6 : -1;
    default:
      return -1;
  }
}

// An IPv4 address rewrite: the header checksum and the pseudo-header part of
// the TCP/UDP checksum.
void set_ipv4_addr(const Headers& h, unsigned off, uint64_t value, uint64_t mask) {
  const uint32_t old_v = rd32(h.l3 + off);
  const uint32_t new_v = merge<uint32_t>(old_v, value, mask);
  if (old_v == new_v) return;
  wr32(h.l3 + off, new_v);
  wr16(h.l3 + 10, csum_update32(rd16(h.l3 + 10), old_v, new_v));
  if (!h.l4) return;
  const int c = l4_csum_offset(h.proto, h.l4_len);
  if (c < 0) return;
  uint16_t cs = rd16(h.l4 + c);
  if (h.proto == kIpProtoUdp && cs == 0) return;  // no checksum
  cs = csum_update32(cs, old_v, new_v);
  if (h.proto == kIpProtoUdp && cs == 0) cs = 0xffff;
  wr16(h.l4 + c, cs);
}

// SCTP's CRC32c (RFC 4960 appendix B) over the packet with a zero checksum
// field, as the 32-bit value that sits in memory (x86: little-endian).
uint32_t sctp_crc(const uint8_t* p, uint32_t n) {
  uint32_t crc = 0xffffffff;
  for (uint32_t i = 0; i < n; i++) crc = _mm_crc32_u8(crc, p[i]);
  return ~crc;
}

// An SCTP port rewrite, as OVS's: the checksum keeps whatever error it had
// (old ^ correct-before ^ correct-after).
void set_sctp_port(const Headers& h, unsigned off, uint64_t value, uint64_t mask) {
  if (h.l4_ip_len < 12) return;
  uint32_t old_csum;
  std::memcpy(&old_csum, h.l4 + 8, 4);
  std::memset(h.l4 + 8, 0, 4);
  const uint32_t before = sctp_crc(h.l4, h.l4_ip_len);
  wr16(h.l4 + off, merge<uint16_t>(rd16(h.l4 + off), value, mask));
  const uint32_t after = sctp_crc(h.l4, h.l4_ip_len);
  const uint32_t csum = old_csum ^ before ^ after;
  std::memcpy(h.l4 + 8, &csum, 4);
}

bool set_l4_port(const Headers& h, unsigned off, uint64_t value, uint64_t mask) {
  if (!h.l4) return false;
  if (h.proto == kIpProtoIcmp || h.proto == kIpProtoIcmpv6) {
    // tp_src/tp_dst are ICMP's type and code.
    if (h.l4_len < 4) return false;
    const uint16_t old_w = rd16(h.l4);
    uint8_t* p = h.l4 + (off == 0 ? 0 : 1);
    *p = merge<uint8_t>(*p, value, mask);
    wr16(h.l4 + 2, csum_update16(rd16(h.l4 + 2), old_w, rd16(h.l4)));
    return true;
  }
  if (h.proto == kIpProtoSctp) {
    set_sctp_port(h, off, value, mask);
    return true;
  }
  if (h.proto != kIpProtoTcp && h.proto != kIpProtoUdp) return false;
  if (h.l4_len < 4) return false;
  const uint16_t old_v = rd16(h.l4 + off);
  const uint16_t new_v = merge<uint16_t>(old_v, value, mask);
  wr16(h.l4 + off, new_v);
  const int c = l4_csum_offset(h.proto, h.l4_len);
  if (c < 0) return true;
  uint16_t cs = rd16(h.l4 + c);
  if (h.proto == kIpProtoUdp && cs == 0) return true;
  cs = csum_update16(cs, old_v, new_v);
  if (h.proto == kIpProtoUdp && cs == 0) cs = 0xffff;
  wr16(h.l4 + c, cs);
  return true;
}

void set_mac(uint8_t* p, uint64_t value, uint64_t mask) {
  for (int i = 5; i >= 0; i--) {
    p[i] = merge<uint8_t>(p[i], value, mask);
    value >>= 8;
    mask >>= 8;
  }
}

// The IPv4 TOS byte (DSCP and ECN) or the IPv6 traffic class.
bool set_tos(const Headers& h, uint8_t value, uint8_t mask) {
  if (h.type == kEthTypeIpv4 && h.l3_len >= 20) {
    const uint16_t old_w = rd16(h.l3);
    h.l3[1] = merge<uint8_t>(h.l3[1], value, mask);
    wr16(h.l3 + 10, csum_update16(rd16(h.l3 + 10), old_w, rd16(h.l3)));
    return true;
  }
  if (h.type == kEthTypeIpv6 && h.l3_len >= 40) {
    uint32_t w = rd32(h.l3);
    const uint8_t tc = merge<uint8_t>(static_cast<uint8_t>(w >> 20), value, mask);
    w = (w & ~(0xffu << 20)) | (static_cast<uint32_t>(tc) << 20);
    wr32(h.l3, w);
    return true;
  }
  return false;
}

}  // namespace

bool pkt_set_field(rte_mbuf* m, Field f, uint64_t value, uint64_t mask) {
  Headers h = locate(m);
  if (!h.eth) return false;
  // As ovs-vswitchd (commit_set_nw_action): an IPv4 packet with protocol 0
  // has no L3 header to rewrite; the flow changes, the frame does not
  // (found by the differential tester).
  const bool ipv4_proto0 = h.type == kEthTypeIpv4 && h.l3_len >= 20 && h.l3[9] == 0;
  switch (f) {
    case Field::kIpSrc:
    case Field::kIpDst:
    case Field::kIpDscp:
    case Field::kIpEcn:
    case Field::kIpTtl:
      if (ipv4_proto0) return true;
      break;
    default:
      break;
  }
  switch (f) {
    case Field::kEthSrc:
      set_mac(h.eth + 6, value, mask);
      return true;
    case Field::kEthDst:
      set_mac(h.eth, value, mask);
      return true;
    case Field::kVlanTci:
      if (!h.tag) return false;
      wr16(h.tag, merge<uint16_t>(rd16(h.tag), value, mask & ~uint64_t{kVlanCfi}));
      return true;
    case Field::kIpSrc:
    case Field::kIpDst: {
      const unsigned ip_off = f == Field::kIpSrc ? 12 : 16;
      if (h.type == kEthTypeIpv4 && h.l3_len >= 20) {
        set_ipv4_addr(h, ip_off, value, mask);
        return true;
      }
      if ((h.type == kEthTypeArp || h.type == kEthTypeRarp) && h.l3_len >= 28) {
        uint8_t* p = h.l3 + (f == Field::kIpSrc ? 14 : 24);
        wr32(p, merge<uint32_t>(rd32(p), value, mask));
        return true;
      }
      return false;
    }
    case Field::kIpDscp:
      return set_tos(h, static_cast<uint8_t>(value << 2), static_cast<uint8_t>(mask << 2));
    case Field::kIpEcn:
      return set_tos(h, static_cast<uint8_t>(value & 3), static_cast<uint8_t>(mask & 3));
    case Field::kIpTtl:
      if (h.type == kEthTypeIpv4 && h.l3_len >= 20) {
        const uint16_t old_w = rd16(h.l3 + 8);
        h.l3[8] = merge<uint8_t>(h.l3[8], value, mask);
        wr16(h.l3 + 10, csum_update16(rd16(h.l3 + 10), old_w, rd16(h.l3 + 8)));
        return true;
      }
      if (h.type == kEthTypeIpv6 && h.l3_len >= 40) {
        h.l3[7] = merge<uint8_t>(h.l3[7], value, mask);
        return true;
      }
      return false;
    case Field::kTpSrc:
      return set_l4_port(h, 0, value, mask);
    case Field::kTpDst:
      return set_l4_port(h, 2, value, mask);
    case Field::kArpSha:
    case Field::kArpTha:
      if ((h.type != kEthTypeArp && h.type != kEthTypeRarp) || h.l3_len < 28) return false;
      set_mac(h.l3 + (f == Field::kArpSha ? 8 : 18), value, mask);
      return true;
    default:
      return false;  // not a packet field
  }
}

int pkt_ttl(const rte_mbuf* m) {
  Headers h = locate(const_cast<rte_mbuf*>(m));
  if (h.type == kEthTypeIpv4 && h.l3_len >= 20) return h.l3[8];
  if (h.type == kEthTypeIpv6 && h.l3_len >= 40) return h.l3[7];
  return -1;
}

}  // namespace ferry
