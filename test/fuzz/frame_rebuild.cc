#include "test/fuzz/frame_rebuild.h"

#include <arpa/inet.h>

#include <cstring>

#include "lib/packet/builder.h"

namespace ferry::fuzz {

namespace {

constexpr uint8_t kIpProtoSctp = 132;
constexpr uint8_t kIpProtoNone = 59;  // IPv6 "no next header"

Mac mac_of(const uint8_t* p) {
  Mac m;
  std::memcpy(m.data(), p, 6);
  return m;
}

Ipv6Addr ip6_of(const uint8_t* p) {
  Ipv6Addr a;
  std::memcpy(a.data(), p, 16);
  return a;
}

// The L4 header as raw bytes, for protocols the builder has no layer for
// (SCTP, and ICMP/ICMPv6 over the other IP version).
std::vector<uint8_t> raw_l4(const FlowKey& k) {
  std::vector<uint8_t> v(k.nw_proto == kIpProtoSctp ? 12 : 4, 0);
  if (k.nw_proto == kIpProtoSctp) {
    std::memcpy(v.data(), &k.tp_src, 2);
    std::memcpy(v.data() + 2, &k.tp_dst, 2);
  } else {
    v[0] = static_cast<uint8_t>(ntohs(k.tp_src));
    v[1] = static_cast<uint8_t>(ntohs(k.tp_dst));
  }
  return v;
}

void add_ip_payload(FrameBuilder& b, const FlowKey& k, bool v6) {
  if (k.nw_frag & kFragLater) {
    // No L4 fields; IPv6 reports the fragment header itself as nw_proto.
    b.fragment(8, false).ip_proto(v6 ? kIpProtoNone : k.nw_proto);
    return;
  }
  if (k.nw_frag & kFragAny) b.fragment(0, true);
  const uint16_t sp = ntohs(k.tp_src), dp = ntohs(k.tp_dst);
  const uint8_t icmp = v6 ? kIpProtoIcmpv6 : kIpProtoIcmp;
  switch (k.nw_proto) {
    case kIpProtoTcp:
      b.tcp(sp, dp, ntohs(k.tcp_flags) & 0x1ff);
      break;
    case kIpProtoUdp:
      b.udp(sp, dp);
      break;
    case kIpProtoIcmp:
    case kIpProtoIcmpv6:
    case kIpProtoSctp:
      if (k.nw_proto == icmp) {
        b.icmp(static_cast<uint8_t>(sp), static_cast<uint8_t>(dp));
      } else {
        b.ip_proto(k.nw_proto).payload(raw_l4(k));
      }
      break;
    default:
      b.ip_proto(k.nw_proto);
  }
}

}  // namespace

std::vector<uint8_t> rebuild_frame(const FlowKey& k) {
  FrameBuilder b;
  b.eth(mac_of(k.dl_dst), mac_of(k.dl_src));
  if (k.has_vlan()) b.vlan(k.vlan_vid(), k.vlan_pcp());
  const uint16_t type = k.ethertype();
  switch (type) {
    case kEthTypeIpv4:
      b.ipv4(k.nw_src, k.nw_dst).tos(k.nw_tos).ttl(k.nw_ttl);
      add_ip_payload(b, k, false);
      break;
    case kEthTypeIpv6:
      b.ipv6(ip6_of(k.ipv6_src), ip6_of(k.ipv6_dst)).tos(k.nw_tos).ttl(k.nw_ttl);
      add_ip_payload(b, k, true);
      break;
    case kEthTypeArp:
    case kEthTypeRarp:
      // Non-Ethernet/IPv4 ARP has all-zero L3 fields: the same key as an
      // Ethernet/IPv4 ARP of opcode 0 with zero addresses.
      b.arp(k.nw_proto, mac_of(k.arp_sha), k.nw_src, mac_of(k.arp_tha), k.nw_dst).ethertype(type);
      break;
    case kEthTypeVlan:
    case kEthTypeQinQ:
      if (k.has_vlan()) {  // a second tag, not parsed
        b.ethertype(type);
      } else {  // only LLC/SNAP can name a tag type without the tag being parsed
        b.ethertype(8).payload({0xaa, 0xaa, 0x03, 0, 0, 0, static_cast<uint8_t>(type >> 8),
                                static_cast<uint8_t>(type)});
      }
      break;
    default:  // other ethertypes and 802.3 (kDlTypeNone): L2 only
      b.ethertype(type);
  }
  return b.build();
}

FlowKey builder_view(const FlowKey& k) {
  FlowKey v = k;
  v.tcp_flags &= htons(0x1ff);
  // The builder writes no ND target or options (FlowKey::nd_target/nd_ll).
  if (v.ethertype() == kEthTypeIpv6 && v.nw_proto == kIpProtoIcmpv6) {
    std::memset(v.nd_target(), 0, 16);
    std::memset(v.nd_ll(), 0, 6);
  }
  return v;
}

}  // namespace ferry::fuzz
