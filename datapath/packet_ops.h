// In-place header rewrites on an mbuf, for action execution. The mbuf is
// never shared (Ferry copies rather than clones before a multi-output), so
// writing into it is safe.
#pragma once

#include <cstring>
#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "lib/packet/flow_key.h"

namespace ferry {

inline void pkt_set_eth_dst(rte_mbuf* m, const uint8_t* mac) {
  std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), mac, 6);
}

inline void pkt_set_eth_src(rte_mbuf* m, const uint8_t* mac) {
  std::memcpy(rte_pktmbuf_mtod(m, uint8_t*) + 6, mac, 6);
}

// True when the frame's outer ethertype is an 802.1Q/802.1ad tag.
inline bool pkt_has_vlan(const rte_mbuf* m) {
  if (rte_pktmbuf_data_len(m) < 18) return false;
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  uint16_t tpid = static_cast<uint16_t>(p[12] << 8 | p[13]);
  return tpid == kEthTypeVlan || tpid == kEthTypeQinQ;
}

// Pushes an outer tag; false when there is no headroom.
inline bool pkt_push_vlan(rte_mbuf* m, uint16_t tpid, uint16_t tci) {
  uint8_t* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, 4));
  if (!p) return false;
  std::memmove(p, p + 4, 12);
  p[12] = static_cast<uint8_t>(tpid >> 8);
  p[13] = static_cast<uint8_t>(tpid);
  p[14] = static_cast<uint8_t>(tci >> 8);
  p[15] = static_cast<uint8_t>(tci);
  return true;
}

inline void pkt_pop_vlan(rte_mbuf* m) {
  if (!pkt_has_vlan(m)) return;
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  std::memmove(p + 4, p, 12);
  rte_pktmbuf_adj(m, 4);
}

// Rewrites the outer tag's TCI (caller checked pkt_has_vlan).
inline void pkt_set_vlan_tci(rte_mbuf* m, uint16_t tci) {
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  p[14] = static_cast<uint8_t>(tci >> 8);
  p[15] = static_cast<uint8_t>(tci);
}

inline uint16_t pkt_vlan_tci(const rte_mbuf* m) {
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
  return static_cast<uint16_t>(p[14] << 8 | p[15]);
}

}  // namespace ferry
