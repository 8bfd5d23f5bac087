// One tracked connection: its two table nodes (original and reply
// direction keys), its L4 state, NAT, mark and label. Connections live in
// the table's preallocated chunks and are recycled after a grace period.
#pragma once

#include <atomic>
#include <cstdint>

#include "lib/conntrack/conntrack.h"
#include "lib/conntrack/key.h"

namespace ferry::ct {

constexpr uint32_t kNil = UINT32_MAX;

// A node of a hash chain: ref = connection index * 2 + direction.
struct Node {
  std::atomic<uint32_t> next{kNil};
  uint32_t hash = 0;
  Key key{};
};

struct TcpPeer {
  uint32_t seqlo = 0;    // max sequence number sent
  uint32_t seqhi = 0;    // max the other end ACKed + window
  uint16_t max_win = 0;  // largest window (before scaling)
  uint8_t wscale = 0;    // window scale factor, with the flags below
  uint8_t state = 0;     // TcpState
};
constexpr uint8_t kWscaleFlag = 0x80, kWscaleUnknown = 0x40, kWscaleMask = 0x0f;

// Timeout classes (OVS's CT_TM_*), each mapped to a policy attribute.
enum class Tm : uint8_t {
  kTcpFirstPacket,
  kTcpOpening,
  kTcpEstablished,
  kTcpClosing,
  kTcpFinWait,
  kTcpClosed,
  kOtherFirst,
  kOtherMultiple,
  kOtherBidir,
  kIcmpFirst,
  kIcmpReply,
};
TpAttr tm_attr(Tm);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

enum NatAction : uint8_t { kNatNone = 0, kNatSrc = 1, kNatDst = 2 };

struct Conn {
  Node node[2];                         // [0] original key, [1] reply key
  std::atomic<uint64_t> expiration{0};  // ms; 0 = forced to expire
  TcpPeer peer[2];                      // TCP: [0] original side, [1] reply side
  Label label{};
  uint32_t mark = 0;
  std::atomic<uint8_t> lock{0};  // guards peer, l4_state, mark, label
  std::atomic<uint8_t> used{0};  // linked in the table (until swept)
  uint8_t nat = kNatNone;        // NatAction, in the original direction
  uint8_t l4_state = 0;          // ICMP / other protocols' state
  uint8_t alg = 0;               // CtAction::Alg
  uint8_t pad = 0;
  uint16_t zone_counted = 0;  // the zone whose count this connection holds
  uint32_t idx = 0;           // index in the table's pool

  const Key& key() const { return node[0].key; }
  const Key& rev_key() const { return node[1].key; }

  void acquire() {
    while (lock.exchange(1, std::memory_order_acquire))
      while (lock.load(std::memory_order_relaxed)) cpu_relax();
  }
  void release() { lock.store(0, std::memory_order_release); }
  uint64_t expires() const { return expiration.load(std::memory_order_relaxed); }
  bool expired(uint64_t now) const { return now >= expires(); }
};

struct ConnLock {
  explicit ConnLock(Conn* c) : c_(c) { c_->acquire(); }
  ~ConnLock() { c_->release(); }
  ConnLock(const ConnLock&) = delete;
  ConnLock& operator=(const ConnLock&) = delete;

 private:
  Conn* c_;
};

}  // namespace ferry::ct
