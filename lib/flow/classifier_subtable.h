// The classifier's insides (lib/flow/classifier.h): one subtable per
// distinct mask, and per OpenFlow table the prefix tries over the address
// fields. Only classifier*.cc include this.
//
// Staged lookup (OVS's find_match_wc): a subtable's mask is split into four
// stages in the order of the key's layers (metadata, L2, L3, L4). Each
// stage but the last keeps the set of hashes of its rules' masked key up to
// that stage; a packet whose hash is not in the set cannot match, and the
// lookup reports only the bits of the stages it hashed so far. Before the
// L3 stage, the table's address tries may prove no rule of the subtable can
// match (its prefix length is not among those the packet's address agrees
// with); then only the address bits the trie walk needed are reported. When
// the last stage holds the transport ports and nothing matched, the
// subtable's ports trie says how many leading port bits decided that.
#pragma once

#include <cstring>
#include <vector>

#include "lib/flow/classifier.h"
#include "lib/flow/prefix_trie.h"

namespace ferry {

namespace cls {

using U128 = unsigned __int128;
constexpr uint32_t kEmpty = UINT32_MAX;
constexpr unsigned kStages = 4;  // metadata, L2, L3, L4
constexpr unsigned kStageL3 = 2;
constexpr unsigned kStageL4 = 3;
// A stage can split a key word in two (word 0: in_port | vlan, dl_type ...).
constexpr unsigned kMaxParts = OfKey::kWords + kStages;

inline uint64_t mix(uint64_t h, uint64_t w) {
  h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 32);
}

inline uint32_t finish(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return static_cast<uint32_t>(h);
}

// The bits of the key each stage covers.
const OfKey& stage_mask(unsigned stage);

// The fields with prefix tries, in the order they are tried.
enum TrieField : unsigned { kNwDst, kNwSrc, kIpv6Dst, kIpv6Src, kTrieFields };

inline unsigned trie_bits(unsigned f) { return f <= kNwSrc ? 32 : 128; }

inline const uint8_t* trie_bytes(const OfKey& k, unsigned f) {
  switch (f) {
    case kNwDst:
      return reinterpret_cast<const uint8_t*>(&k.nw_dst);
    case kNwSrc:
      return reinterpret_cast<const uint8_t*>(&k.nw_src);
    case kIpv6Dst:
      return k.ipv6_dst;
    default:
      return k.ipv6_src;
  }
}

// A field's value, left-aligned (network order is most significant first).
inline U128 trie_value(const OfKey& k, unsigned f) {
  const uint8_t* p = trie_bytes(k, f);
  U128 v = 0;
  for (unsigned i = 0; i < trie_bits(f) / 8; i++) v = v << 8 | p[i];
  return v << (128 - trie_bits(f));
}

// Whether the first `len` bits of field f are all set in mask.
inline bool trie_covered(const OfKey& mask, unsigned f, unsigned len) {
  const U128 want = PrefixTrie128::prefix_mask(len);
  return (trie_value(mask, f) & want) == want;
}

inline void trie_set(OfKey* mask, unsigned f, unsigned len) {
  U128 v = trie_value(*mask, f) | PrefixTrie128::prefix_mask(len);
  uint8_t* p = const_cast<uint8_t*>(trie_bytes(*mask, f));
  v >>= 128 - trie_bits(f);
  for (unsigned i = trie_bits(f) / 8; i-- > 0; v >>= 8) p[i] = static_cast<uint8_t>(v);
}

// The prefix length of field f in mask: 0 when not matched or not a CIDR mask.
unsigned trie_plen(const OfKey& mask, unsigned f);

// The transport ports as one 32-bit value (tp_src high, tp_dst low).
inline uint32_t ports_of(const OfKey& k) {
  uint32_t v;
  std::memcpy(&v, &k.tp_src, 4);
  return ntohl(v);
}
inline void set_ports(OfKey* k, uint32_t v) {
  v = htonl(v);
  std::memcpy(&k->tp_src, &v, 4);
}

// Per lookup: each trie's walk, done when first needed (bit f of `done`).
struct TrieCtx {
  unsigned done = 0;
  unsigned maskbits[kTrieFields];
  U128 plens[kTrieFields];
};

// A set of 32-bit hashes (a stage's index): membership only.
struct HashSet {
  std::vector<uint32_t> slots;  // 0: free (a hash of 0 is stored as 1)
  uint32_t mask = 0;
  void build(const std::vector<uint32_t>& hashes);
  bool contains(uint32_t h) const {
    h = h ? h : 1;
    for (uint32_t s = h & mask;; s = (s + 1) & mask) {
      if (slots[s] == h) return true;
      if (!slots[s]) return false;
    }
  }
};

}  // namespace cls

struct Classifier::Subtable {
  struct Slot {
    uint32_t hash;
    uint32_t entry;  // kEmpty when free
  };
  struct Entry {
    const Rule* rule;  // the winner among rules with this masked key
    uint64_t id;
    uint32_t priority;
    uint32_t next =
        cls::kEmpty;    // the next rule with this masked key (in `shadow`), for conjunctions
    bool soft = false;  // a conjunctive rule (conjunction actions only)
  };
  struct TriePlen {
    uint8_t field;
    uint8_t plen;
  };

  OfKey mask;
  uint32_t max_priority = 0;
  uint64_t min_id_at_max = 0;  // the lowest id among the rules of max_priority
  // The mask's non-zero parts, stage by stage: part i is key word idx[i]
  // under mwords[i]; stage s ends at part stage_end[s].
  uint32_t n_words = 0;
  uint8_t idx[cls::kMaxParts] = {};
  uint64_t mwords[cls::kMaxParts] = {};
  uint32_t n_stages = 0;  // non-empty stages
  uint32_t stage_end[cls::kStages] = {};
  uint32_t l3_stage = cls::kEmpty;             // which of them is L3 (tries are checked before it)
  cls::HashSet stage_index[cls::kStages - 1];  // hashes up to the end of stage s, s < n_stages - 1
  TriePlen tries[cls::kTrieFields] = {};
  uint32_t n_tries = 0;
  uint32_t ports_mask = 0;  // the last stage's ports, with a trie of their values
  PrefixTrie32 ports_trie;

  uint32_t slot_mask = 0;
  std::vector<Slot> slots;
  std::vector<uint64_t> keys;  // n_words masked parts per entry
  std::vector<Entry> entries;
  std::vector<Entry> shadow;  // rules beaten by an entry with the same masked key
  bool has_soft = false;

  static bool beats(const Entry& a, const Entry& b) {
    return a.priority > b.priority || (a.priority == b.priority && a.id < b.id);
  }

  // Whether this subtable can still hold a better rule than best.
  // Subtables are in descending max priority: once the best match beats
  // everything a subtable could hold, no later one can do better; at equal
  // priority only a lower id would win the tie.
  bool can_beat(const Entry* best) const {
    return !best || max_priority > best->priority ||
           (max_priority == best->priority && min_id_at_max < best->id);
  }

  // Masks the key parts this subtable looks at into out[] and hashes them.
  uint32_t masked_hash(const uint64_t* kw, uint64_t* out) const {
    uint64_t h = 0;
    for (uint32_t i = 0; i < n_words; i++) {
      out[i] = kw[idx[i]] & mwords[i];
      h = cls::mix(h, out[i]);
    }
    return cls::finish(h);
  }

  bool equal(uint32_t entry, const uint64_t* masked) const {
    const uint64_t* k = keys.data() + static_cast<size_t>(entry) * n_words;
    uint64_t diff = 0;
    for (uint32_t i = 0; i < n_words; i++) diff |= k[i] ^ masked[i];
    return diff == 0;
  }

  const Entry* find_hashed(uint32_t h, const uint64_t* masked) const {
    for (uint32_t s = h & slot_mask;; s = (s + 1) & slot_mask) {
      const Slot& slot = slots[s];
      if (slot.entry == cls::kEmpty) return nullptr;
      if (slot.hash == h && equal(slot.entry, masked)) return &entries[slot.entry];
    }
  }

  const Entry* find(const uint64_t* kw) const {
    uint64_t masked[cls::kMaxParts];
    const uint32_t h = masked_hash(kw, masked);
    return find_hashed(h, masked);
  }

  const Entry* next_of(const Entry* e) const {
    return e->next == cls::kEmpty ? nullptr : &shadow[e->next];
  }

  // ORs the mask parts [0, end) into *wc.
  void fold(OfKey* wc, uint32_t end) const {
    uint64_t* w = wc->words();
    for (uint32_t i = 0; i < end; i++) w[idx[i]] |= mwords[i];
  }

  // The staged lookup: the matching entry or nullptr, with the bits that
  // decided it OR-ed into *wc (see the top of this file).
  const Entry* find_wc(const OfKey& key, const Tries& tries, cls::TrieCtx* ctx, OfKey* wc) const;
  // Whether the tries prove no rule here can match key; if so, the prefix
  // bits that proved it are in *wc.
  bool skip_by_trie(const OfKey& key, const Tries& tries, cls::TrieCtx* ctx, OfKey* wc) const;

  // Build (control thread).
  void build(const OfKey& m, const std::vector<const Rule*>& rules);

 private:
  static Entry make_entry(const Rule* r);
  void split_stages();
  void insert(const Rule* r, std::vector<std::pair<uint32_t, const Rule*>>* beaten);
  void chain(std::vector<std::pair<uint32_t, const Rule*>>& beaten);
  void build_indexes();
};

// A table's prefix tries, one per trie field some subtable has a CIDR
// prefix on.
struct Classifier::Tries {
  PrefixTrie32 ip4[2];   // kNwDst, kNwSrc
  PrefixTrie128 ip6[2];  // kIpv6Dst, kIpv6Src
  void add(const Subtable& st, const std::vector<const Rule*>& rules);
  // The walk of field f for key (TrieCtx's maskbits and plens).
  unsigned lookup(const OfKey& key, unsigned f, cls::U128* plens) const {
    if (f <= cls::kNwSrc) {
      uint32_t p = 0;
      const unsigned bits = ip4[f].lookup(ntohl(f == cls::kNwDst ? key.nw_dst : key.nw_src), &p);
      *plens = p;
      return bits;
    }
    return ip6[f - cls::kIpv6Dst].lookup(cls::trie_value(key, f), plens);
  }
};

struct Classifier::Table {
  std::vector<std::unique_ptr<Subtable>> subtables;  // by max priority, descending
  Tries tries;
  size_t n_rules = 0;
  bool has_soft = false;  // some rule is conjunctive: lookups take the slower path
};

}  // namespace ferry
