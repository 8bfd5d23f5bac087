#include "datapath/packet_fields.h"

#include <nmmintrin.h>

#include <algorithm>
#include <cstring>

#include "datapath/packet_headers.h"
#include "lib/packet/flow_key.h"

namespace ferry {

namespace {

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
void set_ipv4_addr(const pkt::Headers& h, unsigned off, uint64_t value, uint64_t mask) {
  const uint32_t old_v = pkt::rd32(h.l3 + off);
  const uint32_t new_v = pkt::merge<uint32_t>(old_v, value, mask);
  if (old_v == new_v) return;
  pkt::wr32(h.l3 + off, new_v);
  pkt::wr16(h.l3 + 10, pkt::csum_update32(pkt::rd16(h.l3 + 10), old_v, new_v));
  if (!h.l4) return;
  const int c = l4_csum_offset(h.proto, h.l4_len);
  if (c < 0) return;
  uint16_t cs = pkt::rd16(h.l4 + c);
  if (h.proto == kIpProtoUdp && cs == 0) return;  // no checksum
  cs = pkt::csum_update32(cs, old_v, new_v);
  if (h.proto == kIpProtoUdp && cs == 0) cs = 0xffff;
  pkt::wr16(h.l4 + c, cs);
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
void set_sctp_port(const pkt::Headers& h, unsigned off, uint64_t value, uint64_t mask) {
  if (h.l4_ip_len < 12) return;
  uint32_t old_csum;
  std::memcpy(&old_csum, h.l4 + 8, 4);
  std::memset(h.l4 + 8, 0, 4);
  const uint32_t before = sctp_crc(h.l4, h.l4_ip_len);
  pkt::wr16(h.l4 + off, pkt::merge<uint16_t>(pkt::rd16(h.l4 + off), value, mask));
  const uint32_t after = sctp_crc(h.l4, h.l4_ip_len);
  const uint32_t csum = old_csum ^ before ^ after;
  std::memcpy(h.l4 + 8, &csum, 4);
}

bool set_l4_port(const pkt::Headers& h, unsigned off, uint64_t value, uint64_t mask) {
  if (!h.l4) return false;
  if (h.proto == kIpProtoIcmp || h.proto == kIpProtoIcmpv6) {
    // tp_src/tp_dst are ICMP's type and code.
    if (h.l4_len < 4) return false;
    const uint16_t old_w = pkt::rd16(h.l4);
    uint8_t* p = h.l4 + (off == 0 ? 0 : 1);
    *p = pkt::merge<uint8_t>(*p, value, mask);
    pkt::wr16(h.l4 + 2, pkt::csum_update16(pkt::rd16(h.l4 + 2), old_w, pkt::rd16(h.l4)));
    return true;
  }
  if (h.proto == pkt::kIpProtoSctp) {
    set_sctp_port(h, off, value, mask);
    return true;
  }
  if (h.proto != kIpProtoTcp && h.proto != kIpProtoUdp) return false;
  if (h.l4_len < 4) return false;
  const uint16_t old_v = pkt::rd16(h.l4 + off);
  const uint16_t new_v = pkt::merge<uint16_t>(old_v, value, mask);
  pkt::wr16(h.l4 + off, new_v);
  const int c = l4_csum_offset(h.proto, h.l4_len);
  if (c < 0) return true;
  uint16_t cs = pkt::rd16(h.l4 + c);
  if (h.proto == kIpProtoUdp && cs == 0) return true;
  cs = pkt::csum_update16(cs, old_v, new_v);
  if (h.proto == kIpProtoUdp && cs == 0) cs = 0xffff;
  pkt::wr16(h.l4 + c, cs);
  return true;
}

void set_mac(uint8_t* p, uint64_t value, uint64_t mask) {
  for (int i = 5; i >= 0; i--) {
    p[i] = pkt::merge<uint8_t>(p[i], value, mask);
    value >>= 8;
    mask >>= 8;
  }
}

// The IPv4 TOS byte (DSCP and ECN) or the IPv6 traffic class.
bool set_tos(const pkt::Headers& h, uint8_t value, uint8_t mask) {
  if (h.type == kEthTypeIpv4 && h.l3_len >= 20) {
    const uint16_t old_w = pkt::rd16(h.l3);
    h.l3[1] = pkt::merge<uint8_t>(h.l3[1], value, mask);
    pkt::wr16(h.l3 + 10, pkt::csum_update16(pkt::rd16(h.l3 + 10), old_w, pkt::rd16(h.l3)));
    return true;
  }
  if (h.type == kEthTypeIpv6 && h.l3_len >= 40) {
    uint32_t w = pkt::rd32(h.l3);
    const uint8_t tc = pkt::merge<uint8_t>(static_cast<uint8_t>(w >> 20), value, mask);
    w = (w & ~(0xffu << 20)) | (static_cast<uint32_t>(tc) << 20);
    pkt::wr32(h.l3, w);
    return true;
  }
  return false;
}

}  // namespace

bool pkt_set_field(rte_mbuf* m, Field f, uint64_t value, uint64_t mask) {
  pkt::Headers h = pkt::locate(m);
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
      pkt::wr16(h.tag, pkt::merge<uint16_t>(pkt::rd16(h.tag), value, mask & ~uint64_t{kVlanCfi}));
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
        pkt::wr32(p, pkt::merge<uint32_t>(pkt::rd32(p), value, mask));
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
        const uint16_t old_w = pkt::rd16(h.l3 + 8);
        h.l3[8] = pkt::merge<uint8_t>(h.l3[8], value, mask);
        pkt::wr16(h.l3 + 10, pkt::csum_update16(pkt::rd16(h.l3 + 10), old_w, pkt::rd16(h.l3 + 8)));
        return true;
      }
      if (h.type == kEthTypeIpv6 && h.l3_len >= 40) {
        h.l3[7] = pkt::merge<uint8_t>(h.l3[7], value, mask);
        return true;
      }
      return false;
    case Field::kIpv6SrcHi:
    case Field::kIpv6SrcLo:
    case Field::kIpv6DstHi:
    case Field::kIpv6DstLo:
    case Field::kIpv6Label:
      return pkt::set_ipv6_field(
          h, static_cast<unsigned>(f) - static_cast<unsigned>(Field::kIpv6SrcHi), value, mask);
    case Field::kTpSrc:
      return set_l4_port(h, 0, value, mask);
    case Field::kTpDst:
      return set_l4_port(h, 2, value, mask);
    case Field::kArpSha:
    case Field::kArpTha:
      if ((h.type != kEthTypeArp && h.type != kEthTypeRarp) || h.l3_len < 28) return false;
      set_mac(h.l3 + (f == Field::kArpSha ? 8 : 18), value, mask);
      return true;
    case Field::kArpOp:
      if ((h.type != kEthTypeArp && h.type != kEthTypeRarp) || h.l3_len < 28) return false;
      pkt::wr16(h.l3 + 6, pkt::merge<uint16_t>(pkt::rd16(h.l3 + 6), value, mask));
      return true;
    case Field::kMplsLabel:
    case Field::kMplsTc:
    case Field::kMplsBos:
    case Field::kMplsTtl: {  // the outermost label stack entry
      if (!eth_type_mpls(h.type) || h.l3_len < 4) return false;
      const unsigned shift = f == Field::kMplsLabel ? kMplsLabelShift
                             : f == Field::kMplsTc  ? kMplsTcShift
                             : f == Field::kMplsBos ? kMplsBosShift
                                                    : 0;
      pkt::wr32(h.l3, pkt::merge<uint32_t>(pkt::rd32(h.l3), value << shift,
                                           (mask & low_bits(field_bits(f))) << shift));
      return true;
    }
    default:
      return false;  // not a packet field
  }
}

int pkt_ttl(const rte_mbuf* m) {
  pkt::Headers h = pkt::locate(const_cast<rte_mbuf*>(m));
  if (h.type == kEthTypeIpv4 && h.l3_len >= 20) return h.l3[8];
  if (h.type == kEthTypeIpv6 && h.l3_len >= 40) return h.l3[7];
  return -1;
}

}  // namespace ferry
