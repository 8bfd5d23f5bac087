#include "lib/conntrack/table.h"

#include <algorithm>
#include <bit>

namespace ferry::ct {

ConnTable::ConnTable(size_t expected_conns, unsigned max_threads, uint32_t basis)
    : basis_(basis), nthreads_(max_threads ? max_threads : 1) {
  // One bucket per expected connection: two nodes per bucket when full.
  size_t n = std::bit_ceil(std::max<size_t>(expected_conns, kStripes));
  n = std::min<size_t>(n, size_t{1} << 28);
  mask_ = static_cast<uint32_t>(n - 1);
  heads_ = std::make_unique<std::atomic<uint32_t>[]>(n);
  for (size_t i = 0; i < n; i++) heads_[i].store(kNil, std::memory_order_relaxed);
  stripes_ = std::make_unique<std::atomic<uint8_t>[]>(kStripes);
  caches_ = std::make_unique<Cache[]>(nthreads_ + 1);  // + the control side's
  slots_ = std::make_unique<Slot[]>(nthreads_);
}

ConnTable::~ConnTable() {
  for (uint32_t i = 0; i < nchunks_.load(); i++) delete[] chunks_[i];
}

void ConnTable::lock_stripe(uint32_t s) {
  while (stripes_[s].exchange(1, std::memory_order_acquire))
    while (stripes_[s].load(std::memory_order_relaxed)) cpu_relax();
}

Conn* ConnTable::lookup(const Key& k, uint32_t hash, uint64_t now, bool* reply) const {
  uint32_t ref = heads_[hash & mask_].load(std::memory_order_acquire);
  while (ref != kNil) {
    Node* n = node(ref);
    if (n->hash == hash && n->key == k) {
      Conn* c = at(ref >> 1);
      if (!c->expired(now)) {
        *reply = ref & 1;
        return c;
      }
    }
    ref = n->next.load(std::memory_order_acquire);
  }
  return nullptr;
}

Conn* ConnTable::find_locked(const Key& k, uint32_t hash, uint64_t now) const {
  bool reply;
  return lookup(k, hash, now, &reply);
}

bool ConnTable::refill(Cache* c) {
  std::lock_guard<std::mutex> g(free_mu_);
  if (free_.empty()) {
    uint32_t n = nchunks_.load(std::memory_order_relaxed);
    if (n == kMaxChunks) return false;
    chunks_[n] = new Conn[kChunk];
    for (uint32_t i = 0; i < kChunk; i++) chunks_[n][i].idx = n * kChunk + i;
    nchunks_.store(n + 1, std::memory_order_release);
    free_.reserve(free_.size() + kChunk);
    for (uint32_t i = kChunk; i-- > 0;) free_.push_back(n * kChunk + i);
  }
  while (c->n < 32 && !free_.empty()) {
    c->idx[c->n++] = free_.back();
    free_.pop_back();
  }
  return c->n > 0;
}

Conn* ConnTable::alloc(unsigned tid) {
  Cache* c = &caches_[tid];
  if (c->n == 0 && !refill(c)) return nullptr;
  Conn* conn = at(c->idx[--c->n]);
  for (Node& n : conn->node) {
    n.next.store(kNil, std::memory_order_relaxed);
    n.hash = 0;
  }
  conn->expiration.store(0, std::memory_order_relaxed);
  conn->peer[0] = conn->peer[1] = TcpPeer{};
  conn->label = Label{};
  conn->mark = 0;
  conn->lock.store(0, std::memory_order_relaxed);
  conn->nat = kNatNone;
  conn->l4_state = 0;
  conn->alg = 0;
  conn->zone_counted = 0;
  return conn;
}

void ConnTable::release(unsigned tid, Conn* conn) {
  Cache* c = &caches_[tid];
  if (c->n == std::size(c->idx)) {
    std::lock_guard<std::mutex> g(free_mu_);
    while (c->n > 32) free_.push_back(c->idx[--c->n]);
  }
  c->idx[c->n++] = conn->idx;
}

bool ConnTable::insert(Conn* c, uint64_t now) {
  uint32_t s0 = stripe(c->node[0].hash), s1 = stripe(c->node[1].hash);
  uint32_t lo = std::min(s0, s1), hi = std::max(s0, s1);
  lock_stripe(lo);
  if (hi != lo) lock_stripe(hi);
  bool ok = !find_locked(c->node[0].key, c->node[0].hash, now) &&
            !find_locked(c->node[1].key, c->node[1].hash, now);
  if (ok) {
    c->used.store(1, std::memory_order_release);
    // The reply node first: with identical keys (src == dst) the original
    // one heads the chain and matches first, as in OVS.
    for (uint32_t d : {1u, 0u}) {
      std::atomic<uint32_t>& head = heads_[c->node[d].hash & mask_];
      c->node[d].next.store(head.load(std::memory_order_relaxed), std::memory_order_relaxed);
      head.store(c->idx * 2 + d, std::memory_order_release);
    }
  }
  if (hi != lo) unlock_stripe(hi);
  unlock_stripe(lo);
  return ok;
}

void ConnTable::unlink(uint32_t ref) {
  Node* n = node(ref);
  std::atomic<uint32_t>* prev = &heads_[n->hash & mask_];
  for (uint32_t r = prev->load(std::memory_order_relaxed); r != kNil;
       r = prev->load(std::memory_order_relaxed)) {
    if (r == ref) {
      prev->store(n->next.load(std::memory_order_relaxed), std::memory_order_release);
      return;
    }
    prev = &node(r)->next;
  }
}

void ConnTable::remove(Conn* c) {
  uint32_t s0 = stripe(c->node[0].hash), s1 = stripe(c->node[1].hash);
  uint32_t lo = std::min(s0, s1), hi = std::max(s0, s1);
  lock_stripe(lo);
  if (hi != lo) lock_stripe(hi);
  unlink(c->idx * 2);
  unlink(c->idx * 2 + 1);
  c->used.store(0, std::memory_order_release);
  if (hi != lo) unlock_stripe(hi);
  unlock_stripe(lo);
}

void ConnTable::retire(std::vector<uint32_t>&& idxs) {
  if (idxs.empty()) return;
  uint64_t token = epoch_.fetch_add(1, std::memory_order_seq_cst) + 1;
  std::lock_guard<std::mutex> g(free_mu_);
  retired_.push_back(Retired{token, std::move(idxs)});
}

void ConnTable::reclaim() {
  std::lock_guard<std::mutex> g(free_mu_);
  if (retired_.empty()) return;
  // The oldest epoch any online thread may still be reading in.
  uint64_t min_seen = UINT64_MAX;
  for (unsigned t = 0; t < nthreads_; t++) {
    uint64_t s = slots_[t].seen.load(std::memory_order_acquire);
    if (s) min_seen = std::min(min_seen, s);
  }
  size_t done = 0;
  while (done < retired_.size() && retired_[done].token <= min_seen) {
    for (uint32_t i : retired_[done].idxs) free_.push_back(i);
    done++;
  }
  retired_.erase(retired_.begin(), retired_.begin() + static_cast<ptrdiff_t>(done));
}

size_t ConnTable::pending() const {
  std::lock_guard<std::mutex> g(free_mu_);
  size_t n = 0;
  for (const Retired& r : retired_) n += r.idxs.size();
  return n;
}

size_t ConnTable::memory_bytes() const {
  return size_t{nchunks_.load()} * kChunk * sizeof(Conn) + nbuckets() * sizeof(uint32_t) +
         kStripes + nthreads_ * (sizeof(Cache) + sizeof(Slot)) +
         free_.capacity() * sizeof(uint32_t);
}

}  // namespace ferry::ct
