// MPLS label stack pushes and pops on an mbuf, as OVS's push_mpls() and
// pop_mpls() (lib/packets.c): the stack sits between the Ethernet header
// (with its VLAN tags) and the payload; the ethertype before it says MPLS.
#pragma once

#include <cstdint>
#include <cstring>
#include <rte_mbuf.h>

#include "datapath/packet_headers.h"
#include "lib/packet/flow_key.h"

namespace ferry {

// Pushes `lse` (host order) as the outermost entry and sets the ethertype
// to `ethertype` (an MPLS one). False when there is no headroom or no
// Ethernet header.
inline bool pkt_push_mpls(rte_mbuf* m, uint16_t ethertype, uint32_t lse) {
  pkt::Headers h = pkt::locate(m);
  if (!h.eth) return false;
  const auto l2 = static_cast<size_t>(h.l3 - h.eth);
  uint8_t* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, 4));
  if (!p) return false;
  std::memmove(p, p + 4, l2);
  pkt::wr16(p + l2 - 2, ethertype);
  pkt::wr32(p + l2, lse);
  return true;
}

// Pops the outermost entry of an MPLS frame and sets the ethertype to
// `ethertype`; a frame that is not MPLS is left alone (false).
inline bool pkt_pop_mpls(rte_mbuf* m, uint16_t ethertype) {
  pkt::Headers h = pkt::locate(m);
  if (!h.eth || !eth_type_mpls(h.type) || h.l3_len < 4) return false;
  const auto l2 = static_cast<size_t>(h.l3 - h.eth);
  pkt::wr16(h.l3 - 2, ethertype);
  std::memmove(h.eth + 4, h.eth, l2);
  rte_pktmbuf_adj(m, 4);
  return true;
}

// The key after those: the stack shifted as the translation shifted it.
inline void key_push_mpls(FlowKey* k, uint16_t ethertype, uint32_t lse) {
  if (!eth_type_mpls(k->ethertype())) std::memset(k->mpls_bytes(), 0, 16);
  for (unsigned i = FlowKey::kMplsLabels - 1; i >= 1; i--) k->set_mpls_lse(i, k->mpls_lse(i - 1));
  k->set_mpls_lse(0, lse);
  k->dl_type = htons(ethertype);
}

inline void key_pop_mpls(FlowKey* k, uint16_t ethertype) {
  for (unsigned i = 1; i < FlowKey::kMplsLabels; i++) k->set_mpls_lse(i - 1, k->mpls_lse(i));
  k->set_mpls_lse(FlowKey::kMplsLabels - 1, 0);
  if (!eth_type_mpls(ethertype)) std::memset(k->mpls_bytes(), 0, 16);
  k->dl_type = htons(ethertype);
}

}  // namespace ferry
