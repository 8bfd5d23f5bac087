// IPv6 address and flow label rewrites, as OVS's packet_set_ipv6(): an
// address change updates the TCP, UDP (unless its checksum is 0) and
// ICMPv6 checksums, whose pseudo-header holds both addresses, except in a
// fragment other than the first and, for the destination, when a routing
// header has segments left.
#include "datapath/packet_headers.h"
#include "lib/packet/flow_key.h"

namespace ferry::pkt {

namespace {

void update_l4_csum(const Headers& h, const uint8_t* old_w, const uint8_t* new_w) {
  if (!h.l4 || h.csum_proto != h.proto) return;  // the walk stopped before the transport
  int c = -1;
  if (h.proto == kIpProtoTcp && h.l4_ip_len >= 20) {
    c = 16;
  } else if (h.proto == kIpProtoUdp && h.l4_ip_len >= 8) {
    c = 6;
  } else if (h.proto == kIpProtoIcmpv6 && h.l4_ip_len >= 4) {
    c = 2;
  }
  if (c < 0) return;
  uint16_t cs = rd16(h.l4 + c);
  if (h.proto == kIpProtoUdp && cs == 0) return;  // no checksum
  for (int i = 0; i < 8; i += 2) cs = csum_update16(cs, rd16(old_w + i), rd16(new_w + i));
  if (h.proto == kIpProtoUdp && cs == 0) cs = 0xffff;
  wr16(h.l4 + c, cs);
}

}  // namespace

bool set_ipv6_field(const Headers& h, unsigned which, uint64_t value, uint64_t mask) {
  if (h.type != kEthTypeIpv6 || h.l3_len < 40) return false;
  if (which == 4) {  // the flow label: the low 20 bits of the first word
    const uint32_t w = rd32(h.l3);
    wr32(h.l3, merge<uint32_t>(w, value & 0xfffff, mask & 0xfffff));
    return true;
  }
  const bool dst = which >= 2;
  uint8_t* p = h.l3 + 8 + (dst ? 16 : 0) + (which % 2 ? 8 : 0);
  uint8_t old_w[8], new_w[8];
  bool changed = false;
  for (int i = 7; i >= 0; i--) {
    old_w[i] = p[i];
    new_w[i] = merge<uint8_t>(p[i], value, mask);
    changed |= old_w[i] != new_w[i];
    value >>= 8;
    mask >>= 8;
  }
  if (!changed) return true;
  if (h.csum_ok && !(dst && h.rh_present)) update_l4_csum(h, old_w, new_w);
  for (int i = 0; i < 8; i++) p[i] = new_w[i];
  return true;
}

}  // namespace ferry::pkt
