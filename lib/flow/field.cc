#include "lib/flow/field.h"

#include <arpa/inet.h>

#include "lib/util/text.h"

namespace ferry {

namespace {

uint64_t get_mac(const uint8_t* m) {
  uint64_t v = 0;
  for (int i = 0; i < 6; i++) v = v << 8 | m[i];
  return v;
}

void set_mac(uint8_t* m, uint64_t value, uint64_t mask) {
  for (int i = 5; i >= 0; i--) {
    const auto vb = static_cast<uint8_t>(value), mb = static_cast<uint8_t>(mask);
    m[i] = static_cast<uint8_t>((m[i] & ~mb) | (vb & mb));
    value >>= 8;
    mask >>= 8;
  }
}

template <class T>
void merge(T* dst, uint64_t value, uint64_t mask) {
  *dst = static_cast<T>((*dst & ~static_cast<T>(mask)) |
                        (static_cast<T>(value) & static_cast<T>(mask)));
}

uint64_t get_be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

void set_be64(uint8_t* p, uint64_t value, uint64_t mask) {
  for (int i = 7; i >= 0; i--) {
    const auto vb = static_cast<uint8_t>(value), mb = static_cast<uint8_t>(mask);
    p[i] = static_cast<uint8_t>((p[i] & ~mb) | (vb & mb));
    value >>= 8;
    mask >>= 8;
  }
}

void merge_be16(uint16_t* dst, uint64_t value, uint64_t mask) {
  uint16_t h = ntohs(*dst);
  merge(&h, value, mask);
  *dst = htons(h);
}

void merge_be32(uint32_t* dst, uint64_t value, uint64_t mask) {
  uint32_t h = ntohl(*dst);
  merge(&h, value, mask);
  *dst = htonl(h);
}

// ICMPv6 135/136 (code 0) or 0.
uint16_t nd_type(const FlowKey& k) {
  if (k.dl_type != be16(kEthTypeIpv6) || k.nw_proto != kIpProtoIcmpv6 || k.tp_dst != 0) return 0;
  const uint16_t t = ntohs(k.tp_src);
  return t == FlowKey::kNdSolicit || t == FlowKey::kNdAdvert ? t : 0;
}

// Where an MPLS field sits in the outermost label stack entry. Reads give
// 0 unless the key is MPLS (as OVS's flow, whose mpls_lse is zero then).
unsigned mpls_shift(Field f) {
  switch (f) {
    case Field::kMplsLabel:
      return kMplsLabelShift;
    case Field::kMplsTc:
      return kMplsTcShift;
    case Field::kMplsBos:
      return kMplsBosShift;
    default:
      return 0;
  }
}

uint64_t mpls_part(const FlowKey& k, Field f) {
  if (!eth_type_mpls(ntohs(k.dl_type))) return 0;
  return (k.mpls_lse(0) >> mpls_shift(f)) & low_bits(field_bits(f));
}

}  // namespace

unsigned field_bits(Field f) {
  switch (f) {
    case Field::kInPort:
    case Field::kEthType:
    case Field::kVlanTci:
    case Field::kTpSrc:
    case Field::kTpDst:
      return 16;
    case Field::kEthSrc:
    case Field::kEthDst:
    case Field::kArpSha:
    case Field::kArpTha:
    case Field::kNdSll:
    case Field::kNdTll:
      return 48;
    case Field::kIpSrc:
    case Field::kIpDst:
    case Field::kPktMark:
      return 32;
    case Field::kIpProto:
    case Field::kIpTtl:
      return 8;
    case Field::kIpDscp:
      return 6;
    case Field::kIpEcn:
      return 2;
    case Field::kMetadata:
    case Field::kIpv6SrcHi:
    case Field::kIpv6SrcLo:
    case Field::kIpv6DstHi:
    case Field::kIpv6DstLo:
    case Field::kNdTargetHi:
    case Field::kNdTargetLo:
    case Field::kTunId:
    case Field::kTunMetadata0:
      return 64;
    case Field::kTunSrc:
    case Field::kTunDst:
      return 32;
    case Field::kTunFlags:
    case Field::kTunGbpId:
    case Field::kArpOp:
      return 16;
    case Field::kTunTos:
    case Field::kTunTtl:
    case Field::kTunGbpFlags:
      return 8;
    case Field::kIpv6Label:
    case Field::kMplsLabel:
      return 20;
    case Field::kMplsTc:
      return 3;
    case Field::kMplsBos:
      return 1;
    case Field::kMplsTtl:
      return 8;
    default:
      break;
  }
  if (field_is_wide(f)) return 128;
  auto n = static_cast<unsigned>(f);
  if (n >= static_cast<unsigned>(Field::kReg0) && n < static_cast<unsigned>(Field::kXreg0))
    return 32;
  if (n >= static_cast<unsigned>(Field::kXreg0) && n < static_cast<unsigned>(Field::kIpv6SrcHi))
    return 64;
  return 0;
}

bool field_in_packet(Field f) {
  switch (f) {
    case Field::kEthSrc:
    case Field::kEthDst:
    case Field::kEthType:
    case Field::kVlanTci:
    case Field::kIpSrc:
    case Field::kIpDst:
    case Field::kIpProto:
    case Field::kIpDscp:
    case Field::kIpEcn:
    case Field::kIpTtl:
    case Field::kTpSrc:
    case Field::kTpDst:
    case Field::kArpSha:
    case Field::kArpTha:
    case Field::kArpOp:
    case Field::kNdSll:
    case Field::kNdTll:
    case Field::kNdTargetHi:
    case Field::kNdTargetLo:
    case Field::kNdTarget:
    case Field::kIpv6SrcHi:
    case Field::kIpv6SrcLo:
    case Field::kIpv6DstHi:
    case Field::kIpv6DstLo:
    case Field::kIpv6Label:
    case Field::kIpv6Src:
    case Field::kIpv6Dst:
    case Field::kMplsLabel:
    case Field::kMplsTc:
    case Field::kMplsBos:
    case Field::kMplsTtl:
      return true;
    default:
      return false;
  }
}

Field wide_half(Field f, bool high) {
  switch (f) {
    case Field::kIpv6Src:
      return high ? Field::kIpv6SrcHi : Field::kIpv6SrcLo;
    case Field::kIpv6Dst:
      return high ? Field::kIpv6DstHi : Field::kIpv6DstLo;
    case Field::kNdTarget:
      return high ? Field::kNdTargetHi : Field::kNdTargetLo;
    default:
      break;
  }
  if (!field_is_wide(f)) return Field::kNone;
  const unsigned x = static_cast<unsigned>(f) - static_cast<unsigned>(Field::kXxreg0);
  return xreg_field(2 * x + (high ? 0 : 1));
}

uint64_t field_get_bits(const OfKey& k, Field f, unsigned ofs, unsigned n) {
  if (!field_is_wide(f)) return (field_get(k, f) >> ofs) & low_bits(n);
  const uint64_t lo = field_get(k, wide_half(f, false)), hi = field_get(k, wide_half(f, true));
  uint64_t v;
  if (ofs >= 64) {
    v = hi >> (ofs - 64);
  } else if (ofs == 0) {
    v = lo;
  } else {
    v = lo >> ofs | hi << (64 - ofs);
  }
  return v & low_bits(n);
}

bool field_writable(Field f) {
  switch (f) {
    case Field::kEthType:
    case Field::kIpProto:
    case Field::kNdSll:
    case Field::kNdTll:
    case Field::kNdTargetHi:
    case Field::kNdTargetLo:
    case Field::kNdTarget:
    case Field::kMplsBos:
      return false;
    default:
      return field_bits(f) != 0;
  }
}

std::string field_name(Field f) {
  auto n = static_cast<unsigned>(f);
  if (n >= static_cast<unsigned>(Field::kReg0) && n < static_cast<unsigned>(Field::kXreg0))
    return strprintf("reg%u", n - static_cast<unsigned>(Field::kReg0));
  if (n >= static_cast<unsigned>(Field::kXreg0) && n < static_cast<unsigned>(Field::kIpv6SrcHi))
    return strprintf("xreg%u", n - static_cast<unsigned>(Field::kXreg0));
  if (f >= Field::kXxreg0 && f < Field::kCount)
    return strprintf("xxreg%u", n - static_cast<unsigned>(Field::kXxreg0));
  switch (f) {
    case Field::kInPort:
      return "in_port";
    case Field::kEthSrc:
      return "eth_src";
    case Field::kEthDst:
      return "eth_dst";
    case Field::kEthType:
      return "eth_type";
    case Field::kVlanTci:
      return "vlan_tci";
    case Field::kIpSrc:
      return "ip_src";
    case Field::kIpDst:
      return "ip_dst";
    case Field::kIpProto:
      return "nw_proto";
    case Field::kIpDscp:
      return "ip_dscp";
    case Field::kIpEcn:
      return "nw_ecn";
    case Field::kIpTtl:
      return "nw_ttl";
    case Field::kTpSrc:
      return "tp_src";
    case Field::kTpDst:
      return "tp_dst";
    case Field::kArpSha:
      return "arp_sha";
    case Field::kArpTha:
      return "arp_tha";
    case Field::kArpOp:
      return "arp_op";
    case Field::kNdSll:
      return "nd_sll";
    case Field::kNdTll:
      return "nd_tll";
    case Field::kNdTargetHi:
      return "nd_target[64..127]";
    case Field::kNdTargetLo:
      return "nd_target[0..63]";
    case Field::kNdTarget:
      return "nd_target";
    case Field::kMetadata:
      return "metadata";
    case Field::kPktMark:
      return "pkt_mark";
    case Field::kIpv6SrcHi:
      return "ipv6_src[64..127]";
    case Field::kIpv6SrcLo:
      return "ipv6_src[0..63]";
    case Field::kIpv6DstHi:
      return "ipv6_dst[64..127]";
    case Field::kIpv6DstLo:
      return "ipv6_dst[0..63]";
    case Field::kIpv6Label:
      return "ipv6_label";
    case Field::kTunId:
      return "tun_id";
    case Field::kTunSrc:
      return "tun_src";
    case Field::kTunDst:
      return "tun_dst";
    case Field::kTunTos:
      return "tun_tos";
    case Field::kTunTtl:
      return "tun_ttl";
    case Field::kTunFlags:
      return "tun_flags";
    case Field::kTunGbpId:
      return "tun_gbp_id";
    case Field::kTunGbpFlags:
      return "tun_gbp_flags";
    case Field::kTunMetadata0:
      return "tun_metadata0";
    case Field::kMplsLabel:
      return "mpls_label";
    case Field::kMplsTc:
      return "mpls_tc";
    case Field::kMplsBos:
      return "mpls_bos";
    case Field::kMplsTtl:
      return "mpls_ttl";
    case Field::kIpv6Src:
      return "ipv6_src";
    case Field::kIpv6Dst:
      return "ipv6_dst";
    default:
      return strprintf("field%u", n);
  }
}

uint64_t field_get(const OfKey& k, Field f) {
  auto n = static_cast<unsigned>(f);
  if (n >= static_cast<unsigned>(Field::kReg0) && n < static_cast<unsigned>(Field::kXreg0))
    return k.regs[n - static_cast<unsigned>(Field::kReg0)];
  if (n >= static_cast<unsigned>(Field::kXreg0) && n < static_cast<unsigned>(Field::kIpv6SrcHi)) {
    unsigned x = n - static_cast<unsigned>(Field::kXreg0);
    return static_cast<uint64_t>(k.regs[2 * x]) << 32 | k.regs[2 * x + 1];
  }
  switch (f) {
    case Field::kInPort:
      return k.in_port;
    case Field::kEthSrc:
      return get_mac(k.dl_src);
    case Field::kEthDst:
      return get_mac(k.dl_dst);
    case Field::kEthType:
      return ntohs(k.dl_type);
    case Field::kVlanTci:
      return ntohs(k.vlan_tci);
    case Field::kIpSrc:
      return ntohl(k.nw_src);
    case Field::kIpDst:
      return ntohl(k.nw_dst);
    case Field::kIpProto:
    case Field::kArpOp:
      return k.nw_proto;
    case Field::kIpDscp:
      return k.nw_tos >> 2;
    case Field::kIpEcn:
      return k.nw_tos & 3;
    case Field::kIpTtl:
      return k.nw_ttl;
    case Field::kTpSrc:
      return ntohs(k.tp_src);
    case Field::kTpDst:
      return ntohs(k.tp_dst);
    case Field::kArpSha:
      return get_mac(k.arp_sha);
    case Field::kArpTha:
      return get_mac(k.arp_tha);
    case Field::kMetadata:
      return k.metadata;
    case Field::kPktMark:
      return k.pkt_mark;
    case Field::kNdSll:
      return nd_type(k) == FlowKey::kNdSolicit ? get_mac(k.nd_ll()) : 0;
    case Field::kNdTll:
      return nd_type(k) == FlowKey::kNdAdvert ? get_mac(k.nd_ll()) : 0;
    case Field::kNdTargetHi:
      return nd_type(k) ? get_be64(k.nd_target()) : 0;
    case Field::kNdTargetLo:
      return nd_type(k) ? get_be64(k.nd_target() + 8) : 0;
    case Field::kIpv6SrcHi:
      return get_be64(k.ipv6_src);
    case Field::kIpv6SrcLo:
      return get_be64(k.ipv6_src + 8);
    case Field::kIpv6DstHi:
      return get_be64(k.ipv6_dst);
    case Field::kIpv6DstLo:
      return get_be64(k.ipv6_dst + 8);
    case Field::kTunId:
      return get_be64(reinterpret_cast<const uint8_t*>(&k.tun_id));
    case Field::kTunSrc:
      return ntohl(k.tun_src);
    case Field::kTunDst:
      return ntohl(k.tun_dst);
    case Field::kTunTos:
      return k.tun_tos;
    case Field::kTunTtl:
      return k.tun_ttl;
    case Field::kTunFlags:
      return k.tun_flags & FlowKey::kTunFOam;
    case Field::kTunGbpId:
      return ntohs(k.tun_gbp_id);
    case Field::kTunGbpFlags:
      return k.tun_gbp_flags;
    case Field::kTunMetadata0:
      return k.tun_md0;
    case Field::kMplsLabel:
    case Field::kMplsTc:
    case Field::kMplsBos:
    case Field::kMplsTtl:
      return mpls_part(k, f);
    default:
      return 0;
  }
}

void field_set(OfKey* k, Field f, uint64_t value, uint64_t mask) {
  mask &= low_bits(field_bits(f));
  auto n = static_cast<unsigned>(f);
  if (n >= static_cast<unsigned>(Field::kReg0) && n < static_cast<unsigned>(Field::kXreg0))
    return merge(&k->regs[n - static_cast<unsigned>(Field::kReg0)], value, mask);
  if (n >= static_cast<unsigned>(Field::kXreg0) && n < static_cast<unsigned>(Field::kIpv6SrcHi)) {
    unsigned x = n - static_cast<unsigned>(Field::kXreg0);
    merge(&k->regs[2 * x], value >> 32, mask >> 32);
    merge(&k->regs[2 * x + 1], value, mask);
    return;
  }
  switch (f) {
    case Field::kInPort:
      return merge(&k->in_port, value, mask);
    case Field::kEthSrc:
      return set_mac(k->dl_src, value, mask);
    case Field::kEthDst:
      return set_mac(k->dl_dst, value, mask);
    case Field::kEthType:
      return merge_be16(&k->dl_type, value, mask);
    case Field::kVlanTci:
      return merge_be16(&k->vlan_tci, value, mask);
    case Field::kIpSrc:
      return merge_be32(&k->nw_src, value, mask);
    case Field::kIpDst:
      return merge_be32(&k->nw_dst, value, mask);
    case Field::kIpProto:
      return merge(&k->nw_proto, value, mask);
    case Field::kArpOp:
      return merge(&k->nw_proto, value & 0xff, mask & 0xff);
    // Read-only: only a wildcard mask is ever "set" (field_mark).
    case Field::kNdSll:
    case Field::kNdTll:
      return set_mac(k->nd_ll(), value, mask);
    case Field::kNdTargetHi:
      return set_be64(k->nd_target(), value, mask);
    case Field::kNdTargetLo:
      return set_be64(k->nd_target() + 8, value, mask);
    case Field::kIpDscp:
      return merge(&k->nw_tos, value << 2, mask << 2);
    case Field::kIpEcn:
      return merge(&k->nw_tos, value, mask);
    case Field::kIpTtl:
      return merge(&k->nw_ttl, value, mask);
    case Field::kTpSrc:
      return merge_be16(&k->tp_src, value, mask);
    case Field::kTpDst:
      return merge_be16(&k->tp_dst, value, mask);
    case Field::kArpSha:
      return set_mac(k->arp_sha, value, mask);
    case Field::kArpTha:
      return set_mac(k->arp_tha, value, mask);
    case Field::kMetadata:
      return merge(&k->metadata, value, mask);
    case Field::kPktMark:
      return merge(&k->pkt_mark, value, mask);
    case Field::kIpv6SrcHi:
      return set_be64(k->ipv6_src, value, mask);
    case Field::kIpv6SrcLo:
      return set_be64(k->ipv6_src + 8, value, mask);
    case Field::kIpv6DstHi:
      return set_be64(k->ipv6_dst, value, mask);
    case Field::kIpv6DstLo:
      return set_be64(k->ipv6_dst + 8, value, mask);
    case Field::kTunId:
      return set_be64(reinterpret_cast<uint8_t*>(&k->tun_id), value, mask);
    case Field::kTunSrc:
      return merge_be32(&k->tun_src, value, mask);
    case Field::kTunDst:
      return merge_be32(&k->tun_dst, value, mask);
    case Field::kTunTos:
      return merge(&k->tun_tos, value, mask);
    case Field::kTunTtl:
      return merge(&k->tun_ttl, value, mask);
    case Field::kTunFlags:
      return merge(&k->tun_flags, value, mask & FlowKey::kTunFOam);
    case Field::kTunGbpId:
      return merge_be16(&k->tun_gbp_id, value, mask);
    case Field::kTunGbpFlags:
      return merge(&k->tun_gbp_flags, value, mask);
    case Field::kMplsLabel:
    case Field::kMplsTc:
    case Field::kMplsBos:
    case Field::kMplsTtl: {
      const unsigned shift = mpls_shift(f);
      const uint32_t m = static_cast<uint32_t>(mask << shift);
      k->set_mpls_lse(0, (k->mpls_lse(0) & ~m) | (static_cast<uint32_t>(value << shift) & m));
      return;
    }
    case Field::kTunMetadata0:
      // Written (or, in a wildcard mask, consulted): the option is present.
      if (mask) k->tun_md_present |= 1;
      return merge(&k->tun_md0, value, mask);
    default:
      return;
  }
}

}  // namespace ferry
