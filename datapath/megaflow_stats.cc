#include "datapath/megaflow_stats.h"

#include "datapath/megaflow_cache.h"

namespace ferry {

namespace {

// Moves *credited forward to upto unless someone else moved it past;
// returns how much this caller claimed.
uint64_t claim(std::atomic<uint64_t>& credited, uint64_t upto) {
  uint64_t c = credited.load(std::memory_order_acquire);
  while (c < upto) {
    if (credited.compare_exchange_weak(c, upto, std::memory_order_acq_rel,
                                       std::memory_order_acquire))
      return upto - c;
  }
  return 0;
}

// The rules an answer credits, copied out of an entry under its sequence lock.
struct Targets {
  const Rule* rules[kMaxXlateRules + 2];
  unsigned n = 0;

  void credit(uint64_t packets, uint64_t bytes, int64_t used_ms) const {
    for (unsigned i = 0; i < n; i++) rules[i]->stats->credit(packets, bytes, used_ms);
  }
};

}  // namespace

void credit_answer(const Classification& c, uint64_t packets, uint64_t bytes, int64_t used_ms) {
  if (const Translation* t = c.xlate) {
    for (uint16_t i = 0; i < t->n_rules; i++) t->rules[i]->stats->credit(packets, bytes, used_ms);
  } else if (c.rule) {
    c.rule->stats->credit(packets, bytes, used_ms);
  }
  if (c.mirror_rule) c.mirror_rule->stats->credit(packets, bytes, used_ms);
}

void MegaflowCache::retire_stats(Entry& e) {
  const uint64_t p = claim(e.credited_packets, e.packets.load(std::memory_order_relaxed));
  const uint64_t b = claim(e.credited_bytes, e.bytes.load(std::memory_order_relaxed));
  if (p || b) credit_answer(e.cls, p, b, e.used_ms.load(std::memory_order_relaxed));
}

bool MegaflowCache::pull_entry(const Entry& e) const {
  for (;;) {
    const uint64_t ep = epoch_.load(std::memory_order_acquire);
    const uint32_t s1 = e.seq.load(std::memory_order_acquire);
    // Being written, or flushed: its owner credits what is left first.
    if ((ep & 1) || (s1 & 1)) return false;
    if (!e.live) return true;
    const uint64_t p = e.packets.load(std::memory_order_acquire);
    const uint64_t b = e.bytes.load(std::memory_order_acquire);
    uint64_t cp = e.credited_packets.load(std::memory_order_acquire);
    uint64_t cb = e.credited_bytes.load(std::memory_order_acquire);
    if (p <= cp && b <= cb) return true;
    const int64_t used = e.used_ms.load(std::memory_order_relaxed);
    // The rules, read racily: checked below by the sequence lock and, for
    // a translation, kept inside the arena whatever was read.
    Targets t;
    const Classification& c = e.cls;
    if (const Translation* x = c.xlate) {
      if (!arena_.contains(x, sizeof *x)) return false;
      const unsigned n = x->n_rules <= kMaxXlateRules ? x->n_rules : 0;
      const Rule* const* r = x->rules;
      if (!arena_.contains(r, n * sizeof *r)) return false;
      for (unsigned i = 0; i < n; i++) t.rules[t.n++] = r[i];
    } else if (c.rule) {
      t.rules[t.n++] = c.rule;
    }
    if (c.mirror_rule) t.rules[t.n++] = c.mirror_rule;
    std::atomic_thread_fence(std::memory_order_acquire);
    if (e.seq.load(std::memory_order_relaxed) != s1 || epoch_.load(std::memory_order_relaxed) != ep)
      return false;
    // Everything up to p and b was counted for these rules. The owner may
    // claim part of it meanwhile (retiring the answer): a failed exchange
    // means it did, and the entry is read again.
    bool lost = false;
    uint64_t dp = 0, db = 0;
    if (p > cp) {
      if (e.credited_packets.compare_exchange_strong(cp, p, std::memory_order_acq_rel))
        dp = p - cp;
      else
        lost = true;
    }
    if (b > cb) {
      if (e.credited_bytes.compare_exchange_strong(cb, b, std::memory_order_acq_rel))
        db = b - cb;
      else
        lost = true;
    }
    if (dp || db) t.credit(dp, db, used);
    if (!lost) return true;
  }
}

size_t MegaflowCache::pull_stats() const {
  size_t credited = 0;
  const size_t n = n_used_.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; i++) {
    const Entry& e = entries_[i];
    // Cheap test first: most entries of a large cache are idle.
    if (e.packets.load(std::memory_order_relaxed) ==
            e.credited_packets.load(std::memory_order_relaxed) &&
        e.bytes.load(std::memory_order_relaxed) == e.credited_bytes.load(std::memory_order_relaxed))
      continue;
    pull_entry(e);
    credited++;
  }
  return credited;
}

}  // namespace ferry
