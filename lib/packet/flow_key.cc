#include "lib/packet/flow_key.h"

#include <cstdio>

#include "lib/util/text.h"

namespace ferry {

std::optional<Mac> parse_mac(std::string_view s) {
  if (s.size() != 17) return std::nullopt;
  Mac mac;
  for (int i = 0; i < 6; i++) {
    if (i > 0 && s[3 * i - 1] != ':' && s[3 * i - 1] != '-') return std::nullopt;
    auto v = parse_u64(s.substr(3 * i, 2), 16);
    if (!v) return std::nullopt;
    mac[i] = static_cast<uint8_t>(*v);
  }
  return mac;
}

std::string format_mac(const uint8_t* m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                m[5]);
  return buf;
}

FlowKey exact_mask() {
  FlowKey m;
  std::memset(&m, 0xff, sizeof m);
  m.tun_md_present = (1u << FlowKey::kTunMdFields) - 1;  // pad1/pad2: an ND target (nd_target())
  return m;
}

namespace {

inline uint32_t mix(uint32_t h, uint64_t w) {
  // Murmur-style word mixing.
  uint64_t k = w * 0x87c37b91114253d5ULL;
  k = (k << 31) | (k >> 33);
  k *= 0x4cf5ad432745937fULL;
  uint64_t x = (static_cast<uint64_t>(h) ^ k);
  x = (x << 27) | (x >> 37);
  x = x * 5 + 0x52dce729;
  return static_cast<uint32_t>(x ^ (x >> 32));
}

inline uint32_t finish(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

}  // namespace

uint32_t hash_key(const FlowKey& key, uint32_t basis) {
  uint32_t h = basis;
  const uint64_t* w = key.words();
  for (size_t i = 0; i < FlowKey::kWords; i++) h = mix(h, w[i]);
  return finish(h);
}

uint32_t hash_masked_key(const FlowKey& key, const FlowKey& mask, uint32_t basis) {
  uint32_t h = basis;
  const uint64_t* w = key.words();
  const uint64_t* m = mask.words();
  for (size_t i = 0; i < FlowKey::kWords; i++) h = mix(h, w[i] & m[i]);
  return finish(h);
}

std::string FlowKey::to_string() const {
  std::string s = strprintf("in_port=%u", in_port);
  if (has_vlan()) {
    s += strprintf(",dl_vlan=%u,dl_vlan_pcp=%u", vlan_vid(), vlan_pcp());
  }
  s += ",dl_src=" + format_mac(dl_src) + ",dl_dst=" + format_mac(dl_dst);
  s += strprintf(",dl_type=0x%04x", ethertype());
  uint16_t t = ethertype();
  if (t == kEthTypeIpv4 || t == kEthTypeArp) {
    char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &nw_src, a, sizeof a);
    inet_ntop(AF_INET, &nw_dst, b, sizeof b);
    if (t == kEthTypeArp) {
      s += strprintf(",arp_op=%u,arp_spa=%s,arp_tpa=%s", nw_proto, a, b);
      s += ",arp_sha=" + format_mac(arp_sha) + ",arp_tha=" + format_mac(arp_tha);
      return s;
    }
    s += strprintf(",nw_src=%s,nw_dst=%s,nw_proto=%u,nw_tos=%u,nw_ttl=%u", a, b, nw_proto, nw_tos,
                   nw_ttl);
  } else if (t == kEthTypeIpv6) {
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, ipv6_src, a, sizeof a);
    inet_ntop(AF_INET6, ipv6_dst, b, sizeof b);
    s += strprintf(",ipv6_src=%s,ipv6_dst=%s,nw_proto=%u,nw_tos=%u,nw_ttl=%u", a, b, nw_proto,
                   nw_tos, nw_ttl);
  } else {
    return s;
  }
  if (nw_frag) s += (nw_frag & kFragLater) ? ",nw_frag=later" : ",nw_frag=first";
  if (nw_proto == kIpProtoTcp || nw_proto == kIpProtoUdp) {
    s += strprintf(",tp_src=%u,tp_dst=%u", ntohs(tp_src), ntohs(tp_dst));
  } else if (nw_proto == kIpProtoIcmp || nw_proto == kIpProtoIcmpv6) {
    s += strprintf(",icmp_type=%u,icmp_code=%u", ntohs(tp_src), ntohs(tp_dst));
  }
  return s;
}

}  // namespace ferry
