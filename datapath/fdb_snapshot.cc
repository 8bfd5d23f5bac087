#include "datapath/fdb_snapshot.h"

#include <utility>

namespace ferry {

FdbSnapshot::FdbSnapshot(const std::vector<Slot>& entries,
                         std::vector<std::shared_ptr<FdbEntryState>> owners)
    : owners_(std::move(owners)) {
  size_t cap = 16;
  while (cap < entries.size() * 2) cap <<= 1;
  slots_.resize(cap);
  mask_ = cap - 1;
  for (const Slot& e : entries) {
    size_t i = hash(e.key) & mask_;
    while (slots_[i].key != kEmpty && slots_[i].key != e.key) i = (i + 1) & mask_;
    if (slots_[i].key == kEmpty) size_++;
    slots_[i] = e;
  }
}

}  // namespace ferry
