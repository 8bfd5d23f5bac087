#include "datapath/megaflow_cache.h"

#include <cstring>

namespace ferry {

MegaflowCache::MegaflowCache(size_t capacity)
    : entries_(capacity ? capacity : 1),
      subtables_(new Subtable[kMaxSubtables]),
      arena_(entries_.size() * kXlateBytesPerEntry) {
  size_t n = 16;
  while (n < entries_.size() * 2) n <<= 1;
  index_.assign(n, IndexSlot{0, 0});
  index_mask_ = n - 1;
  free_.reserve(entries_.size());
}

inline uint32_t MegaflowCache::hash_in(const Subtable& st, const FlowKey& key, uint32_t basis) {
  // Only the words the subtable's mask covers: a one-word mask (the input
  // port) costs one multiply, not eleven.
  const uint64_t* k = key.words();
  const uint64_t* m = st.mask.words();
  uint64_t h = basis * 0x9e3779b97f4a7c15ULL;
  for (unsigned i = 0; i < st.n_words; i++) {
    unsigned w = st.words[i];
    h = (h ^ (k[w] & m[w])) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  return static_cast<uint32_t>(h ^ (h >> 29));
}

inline bool MegaflowCache::equal_in(const Subtable& st, const FlowKey& key, const FlowKey& masked) {
  const uint64_t* k = key.words();
  const uint64_t* m = st.mask.words();
  const uint64_t* e = masked.words();
  for (unsigned i = 0; i < st.n_words; i++) {
    unsigned w = st.words[i];
    if ((k[w] & m[w]) != e[w]) return false;
  }
  return true;
}

MegaflowCache::Entry* MegaflowCache::lookup(const FlowKey& key, unsigned* visited) {
  size_t n_st = n_subtables_.load(std::memory_order_relaxed);
  for (size_t r = 0; r < n_st; r++) {
    const size_t s = order_[r];
    Subtable& st = subtables_[s];
    if (st.n_entries == 0) continue;
    uint32_t h = hash_in(st, key, static_cast<uint32_t>(s));
    for (size_t i = h & index_mask_;; i = (i + 1) & index_mask_) {
      const IndexSlot& slot = index_[i];
      if (!slot.entry) break;
      if (slot.hash != h) continue;
      Entry& e = entries_[slot.entry - 1];
      if (e.subtable == s && e.live && equal_in(st, key, e.key)) {
        st.hits++;
        if (visited) *visited += static_cast<unsigned>(r + 1);
        return &e;
      }
    }
  }
  if (visited) *visited += static_cast<unsigned>(n_st);
  return nullptr;
}

int MegaflowCache::find_or_add_subtable(const FlowKey& mask) {
  size_t n = n_subtables_.load(std::memory_order_relaxed);
  for (size_t s = 0; s < n; s++) {
    if (subtables_[s].mask == mask) return static_cast<int>(s);
  }
  if (n >= kMaxSubtables) return -1;
  Subtable& st = subtables_[n];
  st.mask = mask;
  st.n_words = 0;
  st.hits = 0;
  const uint64_t* m = mask.words();
  for (unsigned w = 0; w < FlowKey::kWords; w++) {
    if (m[w]) st.words[st.n_words++] = static_cast<uint16_t>(w);
  }
  order_[n] = static_cast<uint16_t>(n);
  n_subtables_.store(n + 1, std::memory_order_release);
  return static_cast<int>(n);
}

void MegaflowCache::rank_subtables() {
  const size_t n = n_subtables_.load(std::memory_order_relaxed);
  // Insertion sort (at most 256, nearly sorted from the last time).
  for (size_t i = 1; i < n; i++) {
    const uint16_t s = order_[i];
    size_t j = i;
    for (; j > 0 && subtables_[order_[j - 1]].hits < subtables_[s].hits; j--)
      order_[j] = order_[j - 1];
    order_[j] = s;
  }
  for (size_t i = 0; i < n; i++) subtables_[i].hits = 0;
}

MegaflowCache::Entry* MegaflowCache::insert(const FlowKey& key, const FlowKey& mask,
                                            const Classification& cls, int64_t now_ms) {
  size_t used = n_used_.load(std::memory_order_relaxed);
  if (free_.empty() && used >= entries_.size()) return nullptr;
  int s = find_or_add_subtable(mask);
  if (s < 0) return nullptr;
  const Translation* xlate = nullptr;
  if (cls.xlate && !(xlate = arena_.store(*cls.xlate))) return nullptr;
  uint32_t n;
  if (!free_.empty()) {
    n = free_.back();
    free_.pop_back();
  } else {
    n = static_cast<uint32_t>(used);
  }
  Entry& e = entries_[n];
  uint32_t seq = e.seq.load(std::memory_order_relaxed);
  e.seq.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  e.subtable = static_cast<uint16_t>(s);
  e.live = true;
  for (size_t w = 0; w < FlowKey::kWords; w++) e.key.words()[w] = key.words()[w] & mask.words()[w];
  e.cls = cls;
  e.cls.xlate = xlate;
  e.gen = generation_;
  e.base_packets = e.packets.load(std::memory_order_relaxed);
  e.base_bytes = e.bytes.load(std::memory_order_relaxed);
  e.used_ms.store(now_ms, std::memory_order_relaxed);
  e.seq.store(seq + 2, std::memory_order_release);
  subtables_[s].n_entries++;

  uint32_t h = hash_in(subtables_[s], key, static_cast<uint32_t>(s));
  size_t i = h & index_mask_;
  while (index_[i].entry) i = (i + 1) & index_mask_;
  index_[i] = IndexSlot{h, n + 1};
  if (n == used) n_used_.store(used + 1, std::memory_order_release);
  size_t live = n_live_.load(std::memory_order_relaxed) + 1;
  n_live_.store(live, std::memory_order_release);
  if (live * 4 >= entries_.size() * 3) wants_more_.store(true, std::memory_order_relaxed);
  return &e;
}

void MegaflowCache::remove(uint32_t n) {
  Entry& e = entries_[n];
  retire_stats(e);
  Subtable& st = subtables_[e.subtable];
  uint32_t h = hash_in(st, e.key, e.subtable);
  size_t i = h & index_mask_;
  while (index_[i].entry != n + 1) {
    if (!index_[i].entry) return;  // not indexed (cannot happen)
    i = (i + 1) & index_mask_;
  }
  // Backward-shift deletion keeps linear probing chains unbroken.
  size_t hole = i;
  for (size_t j = (i + 1) & index_mask_; index_[j].entry; j = (j + 1) & index_mask_) {
    size_t home = index_[j].hash & index_mask_;
    bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
    if (movable) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = IndexSlot{0, 0};
  uint32_t seq = e.seq.load(std::memory_order_relaxed);
  e.seq.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  e.live = false;
  e.version++;
  if (e.cls.xlate) {
    // A packet of the current burst may still point at this answer.
    arena_.release(e.cls.xlate);
    e.cls.xlate = nullptr;
    e.cls.untranslated = true;
  }
  e.seq.store(seq + 2, std::memory_order_release);
  st.n_entries--;
  free_.push_back(n);
  n_live_.store(n_live_.load(std::memory_order_relaxed) - 1, std::memory_order_release);
}

bool MegaflowCache::revalidate(Entry* e, const FlowKey& wc, const Classification& cls) {
  const Translation* xlate = nullptr;
  if (!(subtables_[e->subtable].mask == wc) || (cls.xlate && !(xlate = arena_.store(*cls.xlate)))) {
    remove(static_cast<uint32_t>(e - entries_.data()));
    return false;
  }
  retire_stats(*e);  // what the old answer counted goes to its rules
  uint32_t seq = e->seq.load(std::memory_order_relaxed);
  e->seq.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  arena_.release(e->cls.xlate);
  e->cls = cls;
  e->cls.xlate = xlate;
  e->gen = generation_;
  e->seq.store(seq + 2, std::memory_order_release);
  return true;
}

size_t MegaflowCache::sweep(int64_t now_ms, int64_t max_idle_ms, size_t budget) {
  if (now_ms - ranked_ms_ >= 1000) {
    ranked_ms_ = now_ms;
    rank_subtables();
  }
  size_t used = n_used_.load(std::memory_order_relaxed);
  if (used == 0) return 0;
  size_t removed = 0;
  for (size_t k = 0; k < budget; k++) {
    if (sweep_cursor_ >= used) sweep_cursor_ = 0;
    Entry& e = entries_[sweep_cursor_];
    if (e.live && now_ms - e.used_ms.load(std::memory_order_relaxed) > max_idle_ms) {
      remove(static_cast<uint32_t>(sweep_cursor_));
      removed++;
    }
    sweep_cursor_++;
  }
  if (removed)
    expired_.store(expired_.load(std::memory_order_relaxed) + removed, std::memory_order_relaxed);
  return removed;
}

void MegaflowCache::flush() {
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  // Every answer goes: its counts to its rules first. Entries are marked
  // dead so nothing reads a stale answer (or its freed translation) later.
  const size_t used = n_used_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < used; i++) {
    Entry& e = entries_[i];
    if (!e.live) continue;
    retire_stats(e);
    uint32_t seq = e.seq.load(std::memory_order_relaxed);
    e.seq.store(seq + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    e.live = false;
    e.version++;
    e.cls.xlate = nullptr;
    e.seq.store(seq + 2, std::memory_order_release);
  }
  n_used_.store(0, std::memory_order_release);
  n_live_.store(0, std::memory_order_release);
  n_subtables_.store(0, std::memory_order_release);
  free_.clear();
  sweep_cursor_ = 0;
  std::memset(index_.data(), 0, index_.size() * sizeof(IndexSlot));
  emc_.flush();
  arena_.clear();
  epoch_.fetch_add(1, std::memory_order_acq_rel);
}

bool MegaflowCache::read_entry(size_t i, EntryCopy* out) const {
  uint64_t ep = epoch_.load(std::memory_order_acquire);
  if (ep & 1) return false;
  const Entry& e = entries_[i];
  uint32_t s1 = e.seq.load(std::memory_order_acquire);
  if ((s1 & 1) || !e.live) return false;
  out->gen = e.gen;
  out->key = e.key;
  out->mask = subtables_[e.subtable].mask;
  out->cls = e.cls;
  out->xlate_actions.clear();
  out->xlate_learns = false;
  if (const Translation* t = e.cls.xlate; t && arena_.contains(t, sizeof *t)) {
    out->xlate_learns = t->has_learn;
    // The block may be released and reused meanwhile: the sequence check
    // below rejects such a copy; every pointer followed is checked to stay
    // in the arena.
    const size_t n = t->n_actions <= kMaxXlateActions ? t->n_actions : 0;
    const Action* a = t->actions;
    if (arena_.contains(a, n * sizeof(Action))) out->xlate_actions.assign(a, a + n);
  }
  out->packets = e.packets.load(std::memory_order_acquire) - e.base_packets;
  out->bytes = e.bytes.load(std::memory_order_acquire) - e.base_bytes;
  out->used_ms = e.used_ms.load(std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_acquire);
  return e.seq.load(std::memory_order_relaxed) == s1 &&
         epoch_.load(std::memory_order_acquire) == ep;
}

}  // namespace ferry
