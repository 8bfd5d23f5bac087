// The frame parser as an inline function, for callers that parse a batch in
// a tight loop (the PMD). Semantics and drop rules: lib/packet/parser.h.
// No allocation, no calls, every read bounds-checked against len.
#pragma once

#include <cstdint>
#include <cstring>

#include "lib/packet/flow_key.h"
#include "lib/packet/parser.h"

namespace ferry {
namespace parser_detail {

constexpr uint8_t kIpProtoSctp = 132;
constexpr uint8_t kIp6HopOpts = 0;
constexpr uint8_t kIp6Routing = 43;
constexpr uint8_t kIp6Fragment = 44;
constexpr uint8_t kIp6Ah = 51;
constexpr uint8_t kIp6DstOpts = 60;

// Raw 16-bit load, kept in network order.
inline uint16_t load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// Neighbour Discovery (ICMPv6 at p, n bytes): the target and the
// link-layer address option of the message's kind, as OVS's parse_icmpv6():
// a malformed or repeated option leaves all three zero (the packet itself
// is fine); a message too short for a target has none.
[[gnu::cold, gnu::noinline]] inline void parse_nd(const uint8_t* p, uint32_t n, FlowKey* key) {
  if (n < 24) return;
  std::memcpy(key->nd_target(), p + 8, 16);
  const uint8_t want = p[0] == 135 ? 1 : 2;  // SLL in a solicitation, TLL in an advertisement
  bool seen[3] = {false, false, false};
  for (uint32_t off = 24; off + 8 <= n;) {
    const uint8_t type = p[off];
    const uint32_t len = p[off + 1] * 8u;
    if (len == 0 || off + len > n) goto invalid;
    if ((type == 1 || type == 2) && len == 8) {
      if (seen[type]) goto invalid;  // as OVS: a second SLL (or TLL)
      seen[type] = true;
      if (type == want) std::memcpy(key->nd_ll(), p + off + 2, 6);
    }
    off += len;
  }
  return;
invalid:
  std::memset(key->nd_target(), 0, 16);
  std::memset(key->nd_ll(), 0, 6);
}

// L4 fields from the IP payload at p (n bytes, already bounded by the IP
// length).
[[gnu::always_inline]] inline ParseStatus parse_l4(const uint8_t* p, uint32_t n, FlowKey* key) {
  switch (key->nw_proto) {
    case kIpProtoTcp:
      if (n < 20) [[unlikely]]
        return ParseStatus::kTruncatedL4;
      key->tp_src = load16(p);
      key->tp_dst = load16(p + 2);
      key->tcp_flags = load16(p + 12) & be16(0x0fff);
      return ParseStatus::kOk;
    case kIpProtoUdp:
      if (n < 8) [[unlikely]]
        return ParseStatus::kTruncatedL4;
      key->tp_src = load16(p);
      key->tp_dst = load16(p + 2);
      return ParseStatus::kOk;
    case kIpProtoIcmp:
    case kIpProtoIcmpv6:
      if (n < 4) [[unlikely]]
        return ParseStatus::kTruncatedL4;
      key->tp_src = be16(p[0]);
      key->tp_dst = be16(p[1]);
      if (key->nw_proto == kIpProtoIcmpv6 && (p[0] == 135 || p[0] == 136) && p[1] == 0)
        parse_nd(p, n, key);
      return ParseStatus::kOk;
    case kIpProtoSctp:
      if (n < 12) [[unlikely]]
        return ParseStatus::kTruncatedL4;
      key->tp_src = load16(p);
      key->tp_dst = load16(p + 2);
      return ParseStatus::kOk;
    default:
      return ParseStatus::kOk;
  }
}

[[gnu::always_inline]] inline ParseStatus parse_ipv4(const uint8_t* ip, uint32_t avail, uint32_t l3,
                                                     FlowKey* key, HeaderOffsets* offsets) {
  if (avail < 20) [[unlikely]]
    return ParseStatus::kTruncatedL3;
  const uint32_t vihl = ip[0];
  const uint32_t ihl = (vihl & 0x0f) * 4;
  const uint32_t tot = static_cast<uint32_t>(ip[2]) << 8 | ip[3];
  if ((vihl >> 4) != 4 || ihl < 20 || tot < ihl) [[unlikely]]
    return ParseStatus::kBadIpv4;
  if (avail < ihl) [[unlikely]]
    return ParseStatus::kTruncatedL3;
  if (tot > avail) [[unlikely]]
    return ParseStatus::kBadIpv4;
  key->nw_tos = ip[1];
  key->nw_ttl = ip[8];
  key->nw_proto = ip[9];
  std::memcpy(&key->nw_src, ip + 12, 8);  // nw_src and nw_dst are adjacent
  const uint16_t frag = load16(ip + 6);
  if (frag & be16(0x3fff)) [[unlikely]] {
    key->nw_frag = kFragAny;
    if (frag & be16(0x1fff)) {
      key->nw_frag = kFragAny | kFragLater;
      return ParseStatus::kOk;
    }
  }
  if (offsets) offsets->l4 = static_cast<uint16_t>(l3 + ihl);
  return parse_l4(ip + ihl, tot - ihl, key);
}

// IPv6 extension headers, as OVS walks them. On return *p/*n are past the
// headers; nw_proto and nw_frag are set. Returns false when a header runs
// past the payload.
inline bool parse_ipv6_ext(const uint8_t** p, uint32_t* n, FlowKey* key) {
  uint8_t next = key->nw_proto;
  for (;;) {
    if (next != kIp6HopOpts && next != kIp6Routing && next != kIp6DstOpts && next != kIp6Ah &&
        next != kIp6Fragment) {
      key->nw_proto = next;
      return true;
    }
    if (*n < 8) return false;
    const uint8_t* h = *p;
    uint32_t hlen;
    if (next == kIp6Fragment) {
      hlen = 8;
      const uint16_t offlg = load16(h + 2);
      if (offlg != 0) {
        key->nw_frag = kFragAny;
        if (offlg & be16(0xfff8)) {
          key->nw_frag = kFragAny | kFragLater;
          key->nw_proto = kIp6Fragment;
          *p += hlen;
          *n -= hlen;
          return true;
        }
      }
    } else if (next == kIp6Ah) {
      hlen = (static_cast<uint32_t>(h[1]) + 2) * 4;
    } else {
      hlen = (static_cast<uint32_t>(h[1]) + 1) * 8;
    }
    if (*n < hlen) return false;
    next = h[0];
    *p += hlen;
    *n -= hlen;
  }
}

[[gnu::always_inline]] inline ParseStatus parse_ipv6(const uint8_t* ip, uint32_t avail, uint32_t l3,
                                                     FlowKey* key, HeaderOffsets* offsets) {
  if (avail < 40) [[unlikely]]
    return ParseStatus::kTruncatedL3;
  const uint32_t plen = static_cast<uint32_t>(ip[4]) << 8 | ip[5];
  if ((ip[0] >> 4) != 6 || 40 + plen > avail) [[unlikely]]
    return ParseStatus::kBadIpv6;
  key->nw_tos = static_cast<uint8_t>((ip[0] << 4) | (ip[1] >> 4));
  key->nw_proto = ip[6];
  key->nw_ttl = ip[7];
  std::memcpy(key->ipv6_src, ip + 8, 32);  // ipv6_src and ipv6_dst are adjacent
  const uint8_t* p = ip + 40;
  uint32_t n = plen;
  if (!parse_ipv6_ext(&p, &n, key)) [[unlikely]]
    return ParseStatus::kTruncatedL3;
  if (key->nw_frag & kFragLater) return ParseStatus::kOk;
  const uint32_t l4 = l3 + static_cast<uint32_t>(p - ip);
  if (offsets && l4 <= UINT16_MAX) offsets->l4 = static_cast<uint16_t>(l4);
  return parse_l4(p, n, key);
}

inline ParseStatus parse_arp(const uint8_t* a, uint32_t avail, FlowKey* key) {
  if (avail < 28) [[unlikely]]
    return ParseStatus::kTruncatedL3;
  if (load16(a) != be16(1) || load16(a + 2) != be16(kEthTypeIpv4) || a[4] != 6 || a[5] != 4)
    return ParseStatus::kOk;
  const uint16_t op = static_cast<uint16_t>(a[6] << 8 | a[7]);
  key->nw_proto = op <= 0xff ? static_cast<uint8_t>(op) : 0;
  std::memcpy(key->arp_sha, a + 8, 6);
  std::memcpy(&key->nw_src, a + 14, 4);
  std::memcpy(key->arp_tha, a + 18, 6);
  std::memcpy(&key->nw_dst, a + 24, 4);
  return ParseStatus::kOk;
}

// The label stack (OVS's parse_mpls): entries up to the one with BoS
// set, the first FlowKey::kMplsLabels of them kept; what follows is not
// parsed (the key has no L3 fields). A stack cut short is not an error.
[[gnu::cold, gnu::noinline]] inline ParseStatus parse_mpls(const uint8_t* p, uint32_t avail,
                                                           FlowKey* key) {
  for (unsigned i = 0; avail >= 4; i++, p += 4, avail -= 4) {
    if (i < FlowKey::kMplsLabels) std::memcpy(key->mpls_bytes() + 4 * i, p, 4);
    if (p[2] & 1) break;
  }
  return ParseStatus::kOk;
}

}  // namespace parser_detail

[[gnu::always_inline]] inline ParseStatus parse_frame_inline(const uint8_t* data, uint32_t len,
                                                             uint32_t in_port, FlowKey* key,
                                                             HeaderOffsets* offsets) {
  using namespace parser_detail;
  // Word stores: a memset of this size compiles to "rep stos", whose
  // start-up cost dominated the per-packet cost on the PMD. A packet from a
  // port is untracked and not recirculated: words 11-19 are zero.
  uint64_t* w = key->words();
  w[0] = in_port;
#pragma GCC unroll 24  // FlowKey::kWords: never a "rep stos"
  for (size_t i = 1; i < FlowKey::kWords; i++) w[i] = 0;
  if (offsets) *offsets = HeaderOffsets{};
  if (len < 14) [[unlikely]]
    return ParseStatus::kRunt;
  std::memcpy(key->dl_dst, data, 6);
  std::memcpy(key->dl_src, data + 6, 6);
  uint32_t off = 12;
  uint16_t type = load16(data + 12);
  if (type == be16(kEthTypeVlan) || type == be16(kEthTypeQinQ)) {
    if (len < 18) [[unlikely]]
      return ParseStatus::kTruncatedVlan;
    key->vlan_tci = load16(data + 14) | be16(kVlanCfi);
    off = 16;
    type = load16(data + 16);
  }
  off += 2;
  if (ntohs(type) < 0x600) [[unlikely]] {
    // 802.3 length field: only an LLC/SNAP header with OUI 0 names a protocol.
    const uint8_t* llc = data + off;
    if (len - off >= 8 && llc[0] == 0xaa && llc[1] == 0xaa && llc[2] == 0x03 && llc[3] == 0 &&
        llc[4] == 0 && llc[5] == 0 && ntohs(load16(llc + 6)) >= 0x600) {
      type = load16(llc + 6);
      off += 8;
    } else {
      key->dl_type = be16(kDlTypeNone);
      if (offsets) offsets->l3 = static_cast<uint16_t>(off);
      return ParseStatus::kOk;
    }
  }
  key->dl_type = type;
  if (offsets) offsets->l3 = static_cast<uint16_t>(off);
  const uint8_t* l3 = data + off;
  const uint32_t avail = len - off;
  if (type == be16(kEthTypeIpv4)) [[likely]]
    return parse_ipv4(l3, avail, off, key, offsets);
  if (type == be16(kEthTypeIpv6)) return parse_ipv6(l3, avail, off, key, offsets);
  if (type == be16(kEthTypeArp) || type == be16(kEthTypeRarp)) return parse_arp(l3, avail, key);
  if (type == be16(kEthTypeMpls) || type == be16(kEthTypeMplsMcast))
    return parse_mpls(l3, avail, key);
  return ParseStatus::kOk;
}

}  // namespace ferry
