// A PMD's megaflow cache for one bridge: wildcarded entries, each the answer
// of one lookup (conversion, rule and actions) for every packet that agrees
// on the bits that lookup consulted. Tuple-space search over the distinct
// masks, all entries in one fixed open-addressing index (no allocation after
// construction).
//
// Only the owning PMD writes. Entries are valid for one classifier
// generation; the PMD flushes or revalidates them when the bridge's
// classifier changes, before it uses them again. The control thread may
// read entries for dumps: each entry has a sequence lock and the cache an
// epoch that moves around a flush.
//
// Statistics (megaflow_stats.cc): a hit counts only on its entry. The rules
// behind the answer are credited from the entry's counters later, by the
// control thread (pull_stats) or by the owner when the answer goes (removed,
// revalidated, flushed); both claim what they credit with a compare-and-swap
// on the entry's credited counters, so every packet reaches its rules once.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "datapath/classify.h"
#include "datapath/emc.h"
#include "datapath/xlate_arena.h"
#include "lib/flow/rule.h"
#include "lib/packet/flow_key.h"

namespace ferry {

class MegaflowCache {
 public:
  static constexpr size_t kMaxSubtables = 256;

  struct Entry {
    std::atomic<uint32_t> seq{0};  // odd while being written
    uint16_t subtable = 0;
    bool live = false;
    uint32_t version = 0;  // moves when the entry is removed (EMC entries check it)
    uint64_t gen = 0;      // the bridge generation this answer was computed for
    FlowKey key;           // pre-masked
    Classification cls;    // the cached answer (rule nullptr: table miss)
    // The slot's counters: written by the owner only, never reset (a
    // new answer in the slot starts at base_*), so a credited value seen
    // once can never come back and a stale compare-and-swap always fails.
    std::atomic<uint64_t> packets{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<int64_t> used_ms{0};
    // How far packets/bytes have reached the answer's rules; moved forward
    // only by compare-and-swap (megaflow_stats.cc).
    mutable std::atomic<uint64_t> credited_packets{0};
    mutable std::atomic<uint64_t> credited_bytes{0};
    uint64_t base_packets = 0;  // the counters when this answer was inserted
    uint64_t base_bytes = 0;

    // Release stores: a reader that sees a count also sees the sequence
    // number of the answer it was counted for (no cost on x86).
    void add_stats(uint64_t n, uint64_t b, int64_t now_ms) {
      packets.store(packets.load(std::memory_order_relaxed) + n, std::memory_order_release);
      bytes.store(bytes.load(std::memory_order_relaxed) + b, std::memory_order_release);
      used_ms.store(now_ms, std::memory_order_relaxed);
    }
  };

  // A consistent copy of an entry, for dumps.
  struct EntryCopy {
    FlowKey key;
    FlowKey mask;
    Classification cls;                 // cls.xlate must not be followed: see xlate_actions
    std::vector<Action> xlate_actions;  // a copy of the translation's actions, if any
    bool xlate_learns = false;          // the translation ran a learn action
    uint64_t packets, bytes;            // since the answer was inserted
    int64_t used_ms;
    uint64_t gen;  // a stale entry's pointers may be gone: compare before use
  };

  // Translations (multi-table walks) are kept in an arena of
  // capacity * kXlateBytesPerEntry bytes (reserved, touched only when used).
  static constexpr size_t kXlateBytesPerEntry = 256;
  explicit MegaflowCache(size_t capacity);
  MegaflowCache(const MegaflowCache&) = delete;
  MegaflowCache& operator=(const MegaflowCache&) = delete;

  // --- owning PMD only ---
  Entry* lookup(const FlowKey& key, unsigned* subtables_visited);
  // Inserts key under mask, with a copy of cls.xlate's translation; nullptr
  // when the cache, the subtable array or the translation arena is full.
  Entry* insert(const FlowKey& key, const FlowKey& mask, const Classification& cls,
                int64_t now_ms = 0);
  void flush();
  // Removes up to `budget` entries' worth of idle megaflows (unused for
  // max_idle_ms), continuing where the last call stopped, and once a
  // second re-ranks the subtables by hits. Returns how many it removed.
  size_t sweep(int64_t now_ms, int64_t max_idle_ms, size_t budget);
  // A hit on an entry of an older generation: keeps it with the new answer
  // when the new lookup consulted the same bits (wc), else removes it.
  bool revalidate(Entry* e, const FlowKey& wc, const Classification& cls);
  // The exact-match cache in front of this one (same owner, flushed with it).
  ExactMatchCache<Entry>& emc() { return emc_; }
  uint64_t generation() const { return generation_; }
  void set_generation(uint64_t g) { generation_ = g; }

  // --- any thread ---
  size_t size() const { return n_live_.load(std::memory_order_acquire); }
  uint64_t expired() const { return expired_.load(std::memory_order_relaxed); }
  static constexpr size_t bytes_per_entry() { return sizeof(Entry) + 2 * sizeof(IndexSlot); }
  size_t capacity() const { return entries_.size(); }
  // Set by the PMD when three quarters full: the control thread may give it
  // a bigger cache.
  bool wants_more() const { return wants_more_.load(std::memory_order_relaxed); }
  size_t n_subtables() const { return n_subtables_.load(std::memory_order_acquire); }
  // Calls fn(const EntryCopy&) for every entry that could be read consistently.
  template <class F>
  void for_each(F&& fn) const;
  // Credits the rules of every live answer with what its entry counted
  // since the last credit (megaflow_stats.cc). Whoever frees rules must
  // have called this after the owner stopped using them and wait one more
  // grace period (the owner may be crediting an answer it retires).
  // Returns the number of entries that had something to credit.
  size_t pull_stats() const;

 private:
  struct Subtable {
    FlowKey mask;
    uint16_t words[FlowKey::kWords];  // indexes of the mask's non-zero words
    uint8_t n_words = 0;
    uint32_t n_entries = 0;  // 0: skipped by lookups
    uint64_t hits = 0;
  };
  struct IndexSlot {
    uint32_t hash;
    uint32_t entry;  // entry index + 1; 0 = empty
  };

  [[gnu::always_inline]] static inline uint32_t hash_in(const Subtable& st, const FlowKey& key,
                                                        uint32_t basis);
  [[gnu::always_inline]] static inline bool equal_in(const Subtable& st, const FlowKey& key,
                                                     const FlowKey& masked);
  int find_or_add_subtable(const FlowKey& mask);
  // Owner: puts the subtables with the most hits since the last ranking
  // first (as OVS's dpcls), so a lookup meets the busy masks early.
  void rank_subtables();
  bool read_entry(size_t i, EntryCopy* out) const;
  void remove(uint32_t entry);
  // Owner: credits what e counted and nobody credited yet to e's answer,
  // before that answer changes or goes (megaflow_stats.cc).
  void retire_stats(Entry& e);
  // Any thread: credits e's uncredited counts; false when e was being
  // written (its owner credits them then).
  bool pull_entry(const Entry& e) const;

  std::vector<Entry> entries_;
  std::vector<IndexSlot> index_;
  size_t index_mask_;
  std::unique_ptr<Subtable[]> subtables_;
  uint16_t order_[kMaxSubtables] = {};  // lookup order (subtable indexes), owner only
  int64_t ranked_ms_ = 0;
  std::atomic<size_t> n_subtables_{0};
  std::atomic<size_t> n_used_{0};  // entries ever handed out (live or on the free list)
  std::atomic<size_t> n_live_{0};
  std::atomic<uint64_t> expired_{0};
  std::vector<uint32_t> free_;  // removed entries, reused first (reserved: no allocation)
  size_t sweep_cursor_ = 0;
  std::atomic<uint64_t> epoch_{0};  // odd during a flush
  std::atomic<bool> wants_more_{false};
  ExactMatchCache<Entry> emc_;
  XlateArena arena_;
  uint64_t generation_ = 0;
};

template <class F>
void MegaflowCache::for_each(F&& fn) const {
  // Live entries may sit anywhere below n_used_ (removals leave holes).
  const size_t n = n_used_.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; i++) {
    EntryCopy c;
    if (read_entry(i, &c)) fn(c);
  }
}

}  // namespace ferry
