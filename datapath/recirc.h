// Recirculation ids: where a packet continues after ct(table=T) (OVS's
// frozen state, simplified): the table and the pipeline's metadata
// (metadata, registers, pkt_mark) and input port at the point of the ct
// action. A recirculated packet carries the id in its key (FlowKey's
// recirc_id), so its megaflows are its own; a miss resumes the walk from
// the state the id names (datapath/xlate.h, xlate_resume).
//
// One table per bridge, shared by its PMDs: the same state always gets the
// same id (so translations made again give identical actions), ids are
// never reused while the bridge exists, and a full table refuses new
// states (the walk stops: the packet is dropped and counted). Lookups by id
// and of a known state take no lock; a new state takes a spin lock, on the
// miss path only.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>

#include "lib/flow/of_key.h"

namespace ferry {

struct FrozenState {
  uint8_t table = 0;
  uint8_t pad[3] = {};
  uint32_t in_port = 0;
  uint64_t meta[OfKey::kWords - OfKey::kPacketWords] = {};  // metadata, regs, pkt_mark

  bool operator==(const FrozenState& o) const { return std::memcmp(this, &o, sizeof *this) == 0; }
  // The state at this point of a walk.
  static FrozenState at(uint8_t table, const OfKey& flow);
  // The walk's key when it resumes: the packet's key with this metadata.
  void restore(OfKey* flow) const;
};

class RecircTable {
 public:
  static constexpr uint32_t kDefaultCapacity = 16384;

  explicit RecircTable(uint32_t capacity = kDefaultCapacity);
  RecircTable(const RecircTable&) = delete;
  RecircTable& operator=(const RecircTable&) = delete;

  // The id (>= 1) of this state, made if new; 0 when the table is full.
  uint32_t intern(const FrozenState& s);
  // The state of an id, or nullptr (0, unknown, or not yet published).
  const FrozenState* find(uint32_t id) const;
  uint32_t size() const { return n_.load(std::memory_order_acquire); }
  uint32_t capacity() const { return capacity_; }

 private:
  uint32_t lookup(const FrozenState& s, uint32_t h, uint32_t* free_slot) const;
  static uint32_t hash(const FrozenState& s);

  uint32_t capacity_;
  uint32_t index_mask_;
  std::unique_ptr<FrozenState[]> states_;           // id - 1 -> state
  std::unique_ptr<std::atomic<uint32_t>[]> index_;  // open addressing: ids, 0 = empty
  std::atomic<uint32_t> n_{0};
  std::atomic_flag lock_ = ATOMIC_FLAG_INIT;
};

}  // namespace ferry
