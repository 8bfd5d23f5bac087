// The OpenFlow pipeline's key: the packet's flow key plus the metadata a
// packet carries between tables (OVS's struct flow metadata fields). Every
// packet enters table 0 with the metadata zero. Matches and classifiers are
// over this key; datapath caches (megaflows, EMC) only over the packet part,
// because the metadata at any table is a function of the packet bits the
// walk consulted (see datapath/xlate.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lib/packet/flow_key.h"

namespace ferry {

struct OfKey : FlowKey {
  // word 24
  uint64_t metadata;  // host order (OpenFlow metadata)
  // words 25-32: reg0..reg15, host order; xregN = reg(2N) << 32 | reg(2N+1),
  // xxregN = reg(4N) (most significant) .. reg(4N+3), as OVS.
  uint32_t regs[16];
  // word 33
  uint32_t pkt_mark;  // host order
  uint32_t conj_id;   // host order: set only while the classifier looks a conjunction up

  static constexpr size_t kWords = FlowKey::kWords + 10;
  static constexpr size_t kPacketWords = FlowKey::kWords;

  const uint64_t* words() const { return reinterpret_cast<const uint64_t*>(this); }
  uint64_t* words() { return reinterpret_cast<uint64_t*>(this); }

  bool operator==(const OfKey& o) const { return std::memcmp(this, &o, sizeof *this) == 0; }
  bool operator!=(const OfKey& o) const { return !(*this == o); }

  // The packet part.
  const FlowKey& packet() const { return *this; }
  FlowKey& packet() { return *this; }
};

static_assert(sizeof(OfKey) == OfKey::kWords * 8, "OfKey must be whole words");
// OfKey is not standard-layout (it derives from FlowKey and adds members),
// so offsetof is only conditionally supported; GCC and Clang support it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
static_assert(offsetof(OfKey, metadata) == FlowKey::kWords * 8, "metadata follows the packet key");
#pragma GCC diagnostic pop

inline OfKey zero_of_key() {
  OfKey k;
  std::memset(&k, 0, sizeof k);
  return k;
}

// A packet's key as it enters the pipeline: metadata zero.
inline OfKey of_key(const FlowKey& pkt) {
  OfKey k;
  std::memcpy(static_cast<FlowKey*>(&k), &pkt, sizeof pkt);
  std::memset(reinterpret_cast<uint8_t*>(&k) + sizeof(FlowKey), 0, sizeof k - sizeof(FlowKey));
  return k;
}

// All-ones over every field, padding left zero.
OfKey exact_of_mask();

}  // namespace ferry
