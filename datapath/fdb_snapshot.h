// The forwarding database as PMDs see it: an immutable open-addressing
// table (VLAN, MAC) -> OpenFlow port, built by the control thread's
// FdbTable. The only thing a PMD writes is an entry's last-seen second.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace ferry {

struct FdbEntryState {
  std::atomic<int64_t> used_s{0};  // monotonic seconds of the last frame from this MAC
};

class FdbSnapshot {
 public:
  struct Slot {
    uint64_t key = kEmpty;  // mac (48 bits) | vlan << 48
    uint32_t ofport = 0;
    bool is_static = false;
    FdbEntryState* state = nullptr;
  };
  static constexpr uint64_t kEmpty = UINT64_MAX;

  static uint64_t make_key(uint16_t vlan, const uint8_t* mac) {
    uint64_t k = 0;
    std::memcpy(&k, mac, 6);
    return k | (static_cast<uint64_t>(vlan) << 48);
  }

  // entries: the key, port and state of every entry; owners keeps the
  // states alive for as long as a PMD may still read this snapshot.
  FdbSnapshot(const std::vector<Slot>& entries, std::vector<std::shared_ptr<FdbEntryState>> owners);

  const Slot* find(uint16_t vlan, const uint8_t* mac) const {
    uint64_t key = make_key(vlan, mac);
    size_t i = hash(key) & mask_;
    for (;;) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s;
      if (s.key == kEmpty) return nullptr;
      i = (i + 1) & mask_;
    }
  }
  size_t size() const { return size_; }

 private:
  static size_t hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return static_cast<size_t>(k);
  }
  std::vector<Slot> slots_;
  std::vector<std::shared_ptr<FdbEntryState>> owners_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace ferry
