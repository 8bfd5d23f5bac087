#include "datapath/packet_headers.h"

#include <algorithm>

#include "lib/packet/flow_key.h"

namespace ferry::pkt {

namespace {

constexpr uint8_t kHopOpts = 0, kRouting = 43, kFragment = 44, kAh = 51, kDstOpts = 60;

bool is_ext(uint8_t p) {
  return p == kHopOpts || p == kRouting || p == kFragment || p == kAh || p == kDstOpts;
}

// IPv6 after the fixed header, as OVS's parser (parse_ipv6_ext_hdrs) finds
// the transport header and its packet_rh_present() decides about checksums.
void locate_ipv6(Headers* h) {
  uint32_t left = std::min<uint32_t>(rd16(h->l3 + 4), h->l3_len - 40);
  uint8_t* p = h->l3 + 40;
  uint8_t next = h->l3[6];
  h->csum_proto = next;
  bool csum_walk = true;  // packet_rh_present() still walking
  while (is_ext(next)) {
    if (left < 8) return;  // malformed: no transport header
    uint32_t len;
    if (next == kFragment) {
      const uint16_t offlg = rd16(p + 2);
      if (csum_walk) h->csum_ok = (offlg & 0xfff8) == 0 && (offlg & 1);
      next = p[0];
      len = 8;
      if ((offlg & 0xfff8) != 0) {  // a later fragment: no transport header
        h->proto = kFragment;
        if (csum_walk) h->csum_proto = next;
        return;
      }
    } else if (next == kAh) {
      len = (p[1] + 2u) * 4;
      next = p[0];
    } else {
      if (next == kRouting && p[3] > 0 && csum_walk) {
        h->rh_present = true;  // segments left: the walk stops at the routing header
        csum_walk = false;
      }
      len = (p[1] + 1u) * 8;
      next = p[0];
    }
    if (left < len) return;
    left -= len;
    p += len;
    if (csum_walk) h->csum_proto = next;
  }
  h->proto = next;
  h->l4 = p;
  h->l4_len = static_cast<uint32_t>(h->l3 + h->l3_len - p);
  h->l4_ip_len = left;
}

}  // namespace

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
    locate_ipv6(&h);
  }
  return h;
}

void truncate_frame(rte_mbuf* m, uint32_t max_len, int64_t grown) {
  max_len = std::max<uint32_t>(max_len, 14);
  const int64_t before = int64_t{rte_pktmbuf_pkt_len(m)} - grown;
  if (before <= int64_t{max_len}) return;
  max_len = static_cast<uint32_t>(int64_t{rte_pktmbuf_pkt_len(m)} - (before - max_len));
  uint32_t keep = max_len;
  rte_mbuf* seg = m;
  while (seg->next && keep > seg->data_len) {
    keep -= seg->data_len;
    seg = seg->next;
  }
  seg->data_len = static_cast<uint16_t>(keep);
  rte_mbuf* rest = seg->next;
  seg->next = nullptr;
  for (rte_mbuf* r = rest; r; r = r->next) m->nb_segs--;
  if (rest) rte_pktmbuf_free(rest);
  m->pkt_len = max_len;
}

}  // namespace ferry::pkt
