#include "lib/packet/tunnel_header.h"

#include <cstring>

#include "lib/packet/checksum.h"
#include "lib/packet/flow_key.h"

namespace ferry {

namespace {

inline uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

constexpr uint16_t kEthTypeTeb = 0x6558;

}  // namespace

TunnelParse parse_tunnel_header(const uint8_t* f, uint32_t len, bool geneve, TunnelHeader* out) {
  if (len < 14) return TunnelParse::kTruncated;
  uint32_t l3 = 14;
  uint16_t type = get16(f + 12);
  if (type == kEthTypeVlan || type == kEthTypeQinQ) {
    if (len < 18) return TunnelParse::kTruncated;
    l3 = 18;
    type = get16(f + 16);
  }
  if (type != kEthTypeIpv4) return TunnelParse::kBadHeader;
  if (len < l3 + 20) return TunnelParse::kTruncated;
  const uint8_t* ip = f + l3;
  const uint32_t ihl = (ip[0] & 0x0f) * 4u;
  if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != kIpProtoUdp) return TunnelParse::kBadHeader;
  if ((get16(ip + 6) & 0x3fff) != 0) return TunnelParse::kBadHeader;  // a fragment
  const uint32_t l4 = l3 + ihl;
  const uint32_t ip_len = get16(ip + 2);
  if (len < l4 + 16 || ip_len < ihl + 16 || len < l3 + ip_len) return TunnelParse::kTruncated;
  if (inet_checksum(ip, ihl) != 0) return TunnelParse::kBadChecksum;
  const uint8_t* udp = ip + ihl;
  const uint32_t udp_len = get16(udp + 4);
  if (udp_len < 16 || udp_len > ip_len - ihl) return TunnelParse::kTruncated;
  out->udp_csum = get16(udp + 6) != 0;
  if (out->udp_csum) {
    uint32_t src, dst;
    std::memcpy(&src, ip + 12, 4);
    std::memcpy(&dst, ip + 16, 4);
    if (checksum_finish(
            checksum_add(ipv4_pseudo_sum(src, dst, kIpProtoUdp, udp_len), udp, udp_len)) != 0)
      return TunnelParse::kBadChecksum;
  }
  const uint8_t* th = udp + 8;
  uint32_t outer = l4 + 16;
  out->oam = false;
  out->opt_off = out->opt_len = 0;
  if (!geneve) {
    if (!(th[0] & 0x08)) return TunnelParse::kBadHeader;
  } else {
    const uint32_t opt_len = (th[0] & 0x3f) * 4u;
    if ((th[0] >> 6) != 0 || get16(th + 2) != kEthTypeTeb) return TunnelParse::kBadHeader;
    if (len < outer + opt_len) return TunnelParse::kTruncated;
    for (uint32_t at = 0; at < opt_len;) {
      const uint8_t* o = th + 8 + at;
      at += 4 + (o[3] & 0x1f) * 4u;
      if (at > opt_len) return TunnelParse::kBadHeader;  // an option past the options
    }
    out->opt_off = outer;
    out->opt_len = opt_len;
    out->oam = th[1] & 0x80;
    outer += opt_len;
  }
  if (len < outer + 14 || l3 + ip_len < outer + 14) return TunnelParse::kTruncated;
  out->outer_len = outer;
  out->vni = static_cast<uint32_t>(th[4] << 16 | th[5] << 8 | th[6]);
  std::memcpy(&out->src, ip + 12, 4);
  std::memcpy(&out->dst, ip + 16, 4);
  out->tos = ip[1];
  out->ttl = ip[8];
  out->df = get16(ip + 6) & 0x4000;
  out->udp_dst = get16(udp + 2);
  return TunnelParse::kOk;
}

TunnelParse read_geneve_options(const uint8_t* opts, uint32_t len, const GeneveOptMap& map,
                                uint64_t* md0, uint8_t* present) {
  *md0 = 0;
  *present = 0;
  for (uint32_t at = 0; at < len;) {
    const uint8_t* o = opts + at;
    const uint32_t olen = (o[3] & 0x1f) * 4u;
    if (at + 4 + olen > len) return TunnelParse::kBadHeader;
    bool understood = false;
    if (map.len && olen == map.len && get16(o) == map.cls && o[2] == map.type) {
      const uint32_t skip = olen > 8 ? olen - 8 : 0;
      understood = true;
      for (uint32_t i = 0; i < skip; i++) understood &= o[4 + i] == 0;
      if (understood) {
        uint64_t v = 0;
        for (uint32_t i = skip; i < olen; i++) v = v << 8 | o[4 + i];
        *md0 = v;
        *present = 1;
      }
    }
    if (!understood && (o[2] & 0x80)) return TunnelParse::kCriticalOption;
    at += 4 + olen;
  }
  return TunnelParse::kOk;
}

uint32_t write_geneve_option(const GeneveOptMap& map, uint64_t md0, uint8_t* out) {
  out[0] = static_cast<uint8_t>(map.cls >> 8);
  out[1] = static_cast<uint8_t>(map.cls);
  out[2] = map.type;
  out[3] = static_cast<uint8_t>(map.len / 4);
  std::memset(out + 4, 0, map.len);
  for (uint32_t i = 0; i < 8 && i < map.len; i++)
    out[4 + map.len - 1 - i] = static_cast<uint8_t>(md0 >> (8 * i));
  return 4u + map.len;
}

}  // namespace ferry
