// Requests from PMDs to the control thread (MAC learning, learn actions, frames),
// through one single-producer ring per PMD, and the wake-up that tells the
// control loop to drain them. A PMD makes at most one eventfd write per
// control-loop iteration, never one per packet.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>

#include "lib/util/result.h"

struct rte_mbuf;
struct rte_ring;

namespace ferry {

struct Upcall {
  enum Type : uint8_t {
    kLearn = 1,  // learn mac on (vlan, ofport)
    kGarp,       // a copy of a GARP/RARP frame, for move detection and announcements
    kMiss,       // a flow-table miss on a bridge with move detection (the frame itself)
    kPacketIn,   // a packet for the bridge's controllers (datapath/packet_in.h)
    kFlowLearn,  // a translation ran learn actions: pkt holds the FlowKey it was made for
    kTnlMiss,    // a tunnel's next hop has no neighbour entry: ofport = its IPv4 address
                 // (host order); pkt = the packet that was lost
    kTnlSnoop,   // a copy of an ARP frame sent to an internal port (tnl/neigh learning)
  };
  uint8_t type;
  uint8_t pad;
  uint16_t bridge_slot;
  uint16_t vlan;
  uint8_t mac[6];
  uint32_t ofport;
  uint32_t pad2;
  rte_mbuf* pkt;  // kGarp, kMiss, kFlowLearn: owned by whoever holds the upcall
};
static_assert(sizeof(Upcall) == 32, "Upcall is 32 bytes");

class Notifier {
 public:
  Notifier();
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;
  int fd() const { return fd_; }
  // Any thread: wake the control loop (cheap when already woken).
  void notify();
  // Control thread: consume the wake-up before draining.
  void clear();

 private:
  int fd_;
  std::atomic<bool> pending_{false};
};

class UpcallRing {
 public:
  static Result<std::unique_ptr<UpcallRing>> create(unsigned size);
  ~UpcallRing();
  UpcallRing(const UpcallRing&) = delete;
  UpcallRing& operator=(const UpcallRing&) = delete;

  bool push(const Upcall& u);               // PMD (single producer)
  unsigned pop(Upcall* out, unsigned max);  // control thread (single consumer)

 private:
  UpcallRing() = default;
  rte_ring* ring_ = nullptr;
};

}  // namespace ferry
