// The exact-match cache in front of a megaflow cache: full flow key ->
// megaflow entry, direct-mapped with two ways, no allocation. It pays when
// the megaflow cache has several subtables (a megaflow hit then costs one
// hash per subtable visited); with one subtable a megaflow lookup is as cheap,
// so the pipeline only consults it then. Entries are inserted with
// probability 1/insert_inv_prob (other_config:emc-insert-inv-prob, as OVS),
// so a flood of one-packet flows does not churn it.
#pragma once

#include <nmmintrin.h>

#include <cstdint>
#include <cstring>
#include <memory>

#include "lib/packet/flow_key.h"

namespace ferry {

template <class Value>
class ExactMatchCache {
 public:
  static constexpr size_t kSets = 4096;  // x2 ways: 8192 entries

  ExactMatchCache() : sets_(new Set[kSets]) { flush(); }

  static uint32_t hash(const FlowKey& k) {
    // CRC32C over the words, two interleaved chains.
    const uint64_t* w = k.words();
    uint64_t a = 0x9747b28c, b = 0x85ebca6b;
    static_assert(FlowKey::kBaseWords % 2 == 0 && FlowKey::kWords % 2 == 0);
    for (size_t i = 0; i < FlowKey::kBaseWords; i += 2) {
      a = _mm_crc32_u64(a, w[i]);
      b = _mm_crc32_u64(b, w[i + 1]);
    }
    static_assert(FlowKey::kCtEndWord % 2 == 0 && FlowKey::kTunWord == FlowKey::kCtEndWord);
    // A recirculated or tracked packet: words 12-23 (an action may have set
    // its tunnel fields); a decapsulated one: its tunnel, words 20-23.
    if (__builtin_expect(k.has_ext_words(), 0)) {
      const size_t from = w[FlowKey::kCtWord] ? FlowKey::kBaseWords : FlowKey::kTunWord;
      for (size_t i = from; i < FlowKey::kWords; i += 2) {
        a = _mm_crc32_u64(a, w[i]);
        b = _mm_crc32_u64(b, w[i + 1]);
      }
    }
    return static_cast<uint32_t>(a ^ (b << 7) ^ (b >> 25));
  }

  // The value and the tag it was inserted with (the caller checks the tag
  // still holds: values may have been reused since).
  Value* lookup(const FlowKey& k, uint32_t h, uint32_t* tag) {
    Set& s = sets_[h & (kSets - 1)];
    for (Way& w : s.ways) {
      if (w.value && w.hash == h && same_key(w.key, k)) {
        *tag = w.tag;
        return w.value;
      }
    }
    return nullptr;
  }

  // Brings the set h maps to toward the cache ahead of lookup(): a burst's
  // hashes are computed and prefetched first, so its lookups do not each
  // wait on memory (the table is larger than the L2 cache).
  void prefetch(uint32_t h) const {
    const char* s = reinterpret_cast<const char*>(&sets_[h & (kSets - 1)]);
    __builtin_prefetch(s);
    __builtin_prefetch(s + 64);
    __builtin_prefetch(s + sizeof(Way));
    __builtin_prefetch(s + sizeof(Way) + 64);
  }

  void insert(const FlowKey& k, uint32_t h, Value* v, uint32_t tag) {
    Set& s = sets_[h & (kSets - 1)];
    Way& w = !s.ways[0].value ? s.ways[0] : !s.ways[1].value ? s.ways[1] : s.ways[(h >> 16) & 1];
    w.key = k;
    w.hash = h;
    w.tag = tag;
    w.value = v;
  }

  void flush() {
    for (size_t i = 0; i < kSets; i++) {
      sets_[i].ways[0].value = nullptr;
      sets_[i].ways[1].value = nullptr;
    }
  }

  static constexpr size_t bytes_per_entry() { return sizeof(Way); }

 private:
  // What a lookup reads first (value, hash) leads each way, so a set's
  // prefetch() covers it and the key's first words.
  struct Way {
    Value* value;
    uint32_t hash;
    uint32_t tag;
    FlowKey key;
  };
  struct Set {
    Way ways[2];
  };
  static_assert(sizeof(Way) % 8 == 0);
  std::unique_ptr<Set[]> sets_;
};

}  // namespace ferry
