#include "datapath/recirc.h"

#include <immintrin.h>

#include "lib/packet/flow_key.h"

namespace ferry {

FrozenState FrozenState::at(uint8_t table, const OfKey& flow) {
  FrozenState s;
  s.table = table;
  s.in_port = flow.in_port;
  OfKey k = flow;
  k.conj_id = 0;  // only ever set inside the classifier
  std::memcpy(s.meta, k.words() + OfKey::kPacketWords, sizeof s.meta);
  return s;
}

void FrozenState::restore(OfKey* flow) const {
  flow->in_port = in_port;
  std::memcpy(flow->words() + OfKey::kPacketWords, meta, sizeof meta);
  flow->conj_id = 0;
}

RecircTable::RecircTable(uint32_t capacity) : capacity_(capacity) {
  uint32_t slots = 2;
  while (slots < 2 * capacity) slots <<= 1;
  index_mask_ = slots - 1;
  states_.reset(new FrozenState[capacity]);
  index_.reset(new std::atomic<uint32_t>[slots]);
  for (uint32_t i = 0; i < slots; i++) index_[i].store(0, std::memory_order_relaxed);
}

uint32_t RecircTable::hash(const FrozenState& s) {
  FlowKey dummy;  // hash_key's word mixing over the state's bytes
  static_assert(sizeof(FrozenState) <= sizeof(FlowKey));
  std::memset(&dummy, 0, sizeof dummy);
  std::memcpy(&dummy, &s, sizeof s);
  return hash_key(dummy, 0x5eed);
}

uint32_t RecircTable::lookup(const FrozenState& s, uint32_t h, uint32_t* free_slot) const {
  for (uint32_t i = h & index_mask_;; i = (i + 1) & index_mask_) {
    const uint32_t id = index_[i].load(std::memory_order_acquire);
    if (id == 0) {
      if (free_slot) *free_slot = i;
      return 0;
    }
    if (states_[id - 1] == s) return id;
  }
}

uint32_t RecircTable::intern(const FrozenState& s) {
  const uint32_t h = hash(s);
  if (uint32_t id = lookup(s, h, nullptr)) return id;
  while (lock_.test_and_set(std::memory_order_acquire)) _mm_pause();
  uint32_t slot = 0;
  uint32_t id = lookup(s, h, &slot);  // another thread may have made it meanwhile
  if (id == 0) {
    const uint32_t n = n_.load(std::memory_order_relaxed);
    if (n < capacity_) {
      id = n + 1;
      states_[n] = s;
      n_.store(id, std::memory_order_release);
      index_[slot].store(id, std::memory_order_release);  // publishes the state
    }
  }
  lock_.clear(std::memory_order_release);
  return id;
}

const FrozenState* RecircTable::find(uint32_t id) const {
  if (id == 0 || id > n_.load(std::memory_order_acquire)) return nullptr;
  return &states_[id - 1];
}

}  // namespace ferry
