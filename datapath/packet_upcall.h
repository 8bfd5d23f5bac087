// A frame a PMD handed to the control thread (GARP/RARP copies, flow-table
// misses on bridges that detect moves), owned until freed or re-injected.
#pragma once

#include <cstdint>
#include <memory>
#include <rte_mbuf.h>

#include "datapath/upcall.h"

namespace ferry {

struct MbufFree {
  void operator()(rte_mbuf* m) const { rte_pktmbuf_free(m); }
};
using MbufPtr = std::unique_ptr<rte_mbuf, MbufFree>;

struct PacketUpcall {
  Upcall::Type type;
  int bridge_slot;
  uint32_t ofport;
  MbufPtr pkt;
};

// A MAC the FDB learned or moved (for events: the first frame of a MAC on a
// new port).
struct LearnEvent {
  int bridge_slot;
  uint16_t vlan;
  uint8_t mac[6];
  uint32_t ofport;
  uint32_t old_ofport;  // 0 when new
};

// Where the pipeline hands frames up; rate-limited per PMD. Returns false
// (the caller keeps the frame) when over the rate or the ring is full.
class PacketUpcaller {
 public:
  virtual ~PacketUpcaller() = default;
  virtual bool send(Upcall::Type type, uint16_t bridge_slot, uint32_t ofport, rte_mbuf* m) = 0;
};

}  // namespace ferry
