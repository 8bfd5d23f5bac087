// The connection table: a hash table of chained nodes (two per connection,
// one per direction) over a pool of preallocated connections.
//
// Readers (PMD threads) walk chains with no lock. Writers hold one of
// kStripes spin locks per chain they change (insertions come from PMDs,
// removals from the control side). A removed connection is recycled only
// after every online thread has called quiesce() (QSBR), so a reader
// never sees a node reused under it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "lib/conntrack/conn.h"

namespace ferry::ct {

class ConnTable {
 public:
  static constexpr uint32_t kChunkBits = 12;
  static constexpr uint32_t kChunk = 1u << kChunkBits;  // connections per pool chunk
  static constexpr uint32_t kMaxChunks = 4096;          // 16M connections at most
  static constexpr uint32_t kStripes = 4096;

  ConnTable(size_t expected_conns, unsigned max_threads, uint32_t basis);
  ~ConnTable();
  ConnTable(const ConnTable&) = delete;
  ConnTable& operator=(const ConnTable&) = delete;

  uint32_t hash(const Key& k) const { return key_hash(k, basis_); }
  Conn* at(uint32_t idx) const { return &chunks_[idx >> kChunkBits][idx & (kChunk - 1)]; }

  // The live (not expired at now) connection with this key in either
  // direction; *reply tells which. No lock.
  Conn* lookup(const Key& k, uint32_t hash, uint64_t now, bool* reply) const;

  // Batch prefetches: the bucket, then the first node of its chain.
  void prefetch_bucket(uint32_t hash) const { __builtin_prefetch(&heads_[hash & mask_]); }
  void prefetch_chain(uint32_t hash) const {
    uint32_t ref = heads_[hash & mask_].load(std::memory_order_relaxed);
    if (ref == kNil) return;
    const char* p = reinterpret_cast<const char*>(at(ref >> 1));
    __builtin_prefetch(p);
    __builtin_prefetch(p + 64);
    __builtin_prefetch(p + 128);
  }

  // A free connection for thread tid (fields reset), or nullptr when the
  // pool is at its cap. release() gives back one never inserted. The
  // control side allocates as tid control_tid().
  Conn* alloc(unsigned tid);
  void release(unsigned tid, Conn* c);

  // Links both nodes (keys and hashes set) unless a live connection holds
  // either key. Marks the connection used.
  bool insert(Conn* c, uint64_t now);

  // Control side, serialized by the caller: unlinks a used connection
  // (used becomes 0); retire() hands unlinked ones to reclamation, which
  // reclaim() completes once every online thread has quiesced.
  void remove(Conn* c);
  void retire(std::vector<uint32_t>&& idxs);
  void reclaim();
  size_t pending() const;

  // Quiescent-state tracking for the threads that call lookup().
  void online(unsigned tid) {
    auto& s = slots_[tid].seen;
    if (s.load(std::memory_order_relaxed) == 0) {
      s.store(epoch_.load(std::memory_order_acquire), std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_seq_cst);
    }
  }
  void quiesce(unsigned tid) {
    auto& s = slots_[tid].seen;
    if (s.load(std::memory_order_relaxed) != 0)
      s.store(epoch_.load(std::memory_order_acquire), std::memory_order_release);
  }
  void offline(unsigned tid) { slots_[tid].seen.store(0, std::memory_order_release); }

  // Calls f(Conn*) for every used connection (control side).
  template <class F>
  void for_each(F&& f) const {
    uint32_t n = nchunks_.load(std::memory_order_acquire);
    for (uint32_t ch = 0; ch < n; ch++)
      for (uint32_t i = 0; i < kChunk; i++) {
        Conn* c = &chunks_[ch][i];
        if (c->used.load(std::memory_order_acquire)) f(c);
      }
  }

  size_t memory_bytes() const;  // pool chunks + buckets + per-thread state
  size_t nbuckets() const { return mask_ + 1; }
  unsigned control_tid() const { return nthreads_; }

 private:
  struct alignas(64) Slot {
    std::atomic<uint64_t> seen{0};  // 0: offline
  };
  struct alignas(64) Cache {
    uint32_t n = 0;
    uint32_t idx[63];
  };
  struct Retired {
    uint64_t token;
    std::vector<uint32_t> idxs;
  };

  uint32_t stripe(uint32_t hash) const { return hash & mask_ & (kStripes - 1); }
  void lock_stripe(uint32_t s);
  void unlock_stripe(uint32_t s) { stripes_[s].store(0, std::memory_order_release); }
  Node* node(uint32_t ref) const { return &at(ref >> 1)->node[ref & 1]; }
  Conn* find_locked(const Key& k, uint32_t hash, uint64_t now) const;
  void unlink(uint32_t ref);
  bool refill(Cache* c);

  uint32_t basis_;
  uint32_t mask_;
  std::unique_ptr<std::atomic<uint32_t>[]> heads_;
  std::unique_ptr<std::atomic<uint8_t>[]> stripes_;
  Conn* chunks_[kMaxChunks] = {};
  std::atomic<uint32_t> nchunks_{0};

  unsigned nthreads_;
  std::unique_ptr<Cache[]> caches_;
  std::unique_ptr<Slot[]> slots_;
  std::atomic<uint64_t> epoch_{1};

  mutable std::mutex free_mu_;  // guards free_, chunk growth, retired_
  std::vector<uint32_t> free_;
  std::vector<Retired> retired_;
};

}  // namespace ferry::ct
