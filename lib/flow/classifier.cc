#include "lib/flow/classifier.h"

#include <algorithm>
#include <unordered_map>

namespace ferry {

namespace {

constexpr uint32_t kEmpty = UINT32_MAX;

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

struct MaskHash {
  size_t operator()(const FlowKey& m) const { return hash_key(m); }
};

}  // namespace

struct Classifier::Subtable {
  struct Slot {
    uint32_t hash;
    uint32_t entry;  // kEmpty when free
  };
  struct Entry {
    const Rule* rule;  // the winner among rules with this masked key
    uint64_t id;
    uint32_t priority;
  };

  FlowKey mask;
  uint32_t max_priority = 0;
  uint32_t n_words = 0;                   // words of the mask that are not zero
  uint8_t idx[FlowKey::kWords] = {};      // their positions in the key
  uint64_t mwords[FlowKey::kWords] = {};  // their mask values
  uint32_t slot_mask = 0;
  std::vector<Slot> slots;
  std::vector<uint64_t> keys;  // n_words masked words per entry
  std::vector<Entry> entries;

  // Masks the key words this subtable looks at into out[] and hashes them.
  uint32_t masked_hash(const uint64_t* kw, uint64_t* out) const {
    uint64_t h = 0;
    for (uint32_t i = 0; i < n_words; i++) {
      out[i] = kw[idx[i]] & mwords[i];
      h = mix(h, out[i]);
    }
    return finish(h);
  }

  bool equal(uint32_t entry, const uint64_t* masked) const {
    const uint64_t* k = keys.data() + static_cast<size_t>(entry) * n_words;
    uint64_t diff = 0;
    for (uint32_t i = 0; i < n_words; i++) diff |= k[i] ^ masked[i];
    return diff == 0;
  }

  const Entry* find(const uint64_t* kw) const {
    uint64_t masked[FlowKey::kWords];
    const uint32_t h = masked_hash(kw, masked);
    for (uint32_t s = h & slot_mask;; s = (s + 1) & slot_mask) {
      const Slot& slot = slots[s];
      if (slot.entry == kEmpty) return nullptr;
      if (slot.hash == h && equal(slot.entry, masked)) return &entries[slot.entry];
    }
  }

  void build(const FlowKey& m, const std::vector<const Rule*>& rules) {
    mask = m;
    const uint64_t* mw = mask.words();
    for (uint32_t i = 0; i < FlowKey::kWords; i++) {
      if (mw[i]) {
        idx[n_words] = static_cast<uint8_t>(i);
        mwords[n_words] = mw[i];
        n_words++;
      }
    }
    size_t cap = 4;
    while (cap < rules.size() * 2) cap <<= 1;
    slots.assign(cap, Slot{0, kEmpty});
    slot_mask = static_cast<uint32_t>(cap - 1);
    entries.reserve(rules.size());
    keys.reserve(rules.size() * n_words);
    for (const Rule* r : rules) insert(r);
  }

  void insert(const Rule* r) {
    uint64_t masked[FlowKey::kWords];
    const uint32_t h = masked_hash(r->match.key.words(), masked);
    max_priority = std::max<uint32_t>(max_priority, r->priority);
    uint32_t s = h & slot_mask;
    for (;; s = (s + 1) & slot_mask) {
      Slot& slot = slots[s];
      if (slot.entry == kEmpty) break;
      if (slot.hash == h && equal(slot.entry, masked)) {
        Entry& e = entries[slot.entry];
        if (r->priority > e.priority || (r->priority == e.priority && r->id < e.id)) {
          e = Entry{r, r->id, r->priority};
        }
        return;
      }
    }
    slots[s] = Slot{h, static_cast<uint32_t>(entries.size())};
    entries.push_back(Entry{r, r->id, r->priority});
    keys.insert(keys.end(), masked, masked + n_words);
  }
};

Classifier::Classifier(const std::vector<RulePtr>& rules, uint64_t generation)
    : rules_(rules), generation_(generation) {
  // Group the rules by mask, in order of first appearance (deterministic).
  std::unordered_map<FlowKey, uint32_t, MaskHash> by_mask;
  std::vector<const FlowKey*> masks;
  std::vector<std::vector<const Rule*>> groups;
  const FlowKey* last_mask = nullptr;
  uint32_t last = 0;
  for (const RulePtr& r : rules_) {
    if (!r) continue;
    n_rules_++;
    const FlowKey& m = r->match.mask;
    if (!last_mask || *last_mask != m) {
      auto [it, inserted] = by_mask.try_emplace(m, static_cast<uint32_t>(groups.size()));
      if (inserted) {
        groups.emplace_back();
        masks.push_back(&m);
      }
      last = it->second;
      last_mask = &m;
    }
    groups[last].push_back(r.get());
  }
  subtables_.reserve(groups.size());
  for (size_t g = 0; g < groups.size(); g++) {
    auto st = std::make_unique<Subtable>();
    st->build(*masks[g], groups[g]);
    subtables_.push_back(std::move(st));
  }
  std::stable_sort(subtables_.begin(), subtables_.end(),
                   [](const std::unique_ptr<Subtable>& a, const std::unique_ptr<Subtable>& b) {
                     return a->max_priority > b->max_priority;
                   });
}

Classifier::~Classifier() = default;

size_t Classifier::n_subtables() const { return subtables_.size(); }

const Rule* Classifier::lookup(const FlowKey& key, FlowKey* wc) const {
  const uint64_t* kw = key.words();
  const Subtable::Entry* best = nullptr;
  for (const auto& stp : subtables_) {
    const Subtable& st = *stp;
    // Subtables are in descending max priority: once the best match beats
    // everything a subtable could hold, no later one can do better. Equal
    // priority still has to look (a lower id would win the tie).
    if (best && st.max_priority < best->priority) break;
    if (wc) {
      uint64_t* w = wc->words();
      for (uint32_t i = 0; i < st.n_words; i++) w[st.idx[i]] |= st.mwords[i];
    }
    const Subtable::Entry* e = st.find(kw);
    if (e && (!best || e->priority > best->priority ||
              (e->priority == best->priority && e->id < best->id))) {
      best = e;
    }
  }
  return best ? best->rule : nullptr;
}

}  // namespace ferry
