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
  size_t operator()(const OfKey& m) const {
    uint64_t h = 0;
    for (size_t i = 0; i < OfKey::kWords; i++) h = mix(h, m.words()[i]);
    return finish(h);
  }
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

  OfKey mask;
  uint32_t max_priority = 0;
  uint32_t n_words = 0;                 // words of the mask that are not zero
  uint8_t idx[OfKey::kWords] = {};      // their positions in the key
  uint64_t mwords[OfKey::kWords] = {};  // their mask values
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
    uint64_t masked[OfKey::kWords];
    const uint32_t h = masked_hash(kw, masked);
    for (uint32_t s = h & slot_mask;; s = (s + 1) & slot_mask) {
      const Slot& slot = slots[s];
      if (slot.entry == kEmpty) return nullptr;
      if (slot.hash == h && equal(slot.entry, masked)) return &entries[slot.entry];
    }
  }

  void build(const OfKey& m, const std::vector<const Rule*>& rules) {
    mask = m;
    const uint64_t* mw = mask.words();
    for (uint32_t i = 0; i < OfKey::kWords; i++) {
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
    uint64_t masked[OfKey::kWords];
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

struct Classifier::Table {
  std::vector<std::unique_ptr<Subtable>> subtables;  // by max priority, descending
  size_t n_rules = 0;
};

Classifier::Classifier(const std::vector<RulePtr>& rules, uint64_t generation)
    : rules_(rules), generation_(generation) {
  // Per table, group the rules by mask, in order of first appearance
  // (deterministic).
  struct Groups {
    std::unordered_map<OfKey, uint32_t, MaskHash> by_mask;
    std::vector<const OfKey*> masks;
    std::vector<std::vector<const Rule*>> rules;
  };
  std::vector<std::unique_ptr<Groups>> per_table(kTables);
  for (const RulePtr& r : rules_) {
    if (!r || r->table_id >= kTables) continue;
    n_rules_++;
    auto& g = per_table[r->table_id];
    if (!g) g = std::make_unique<Groups>();
    const OfKey& m = r->match.mask;
    auto [it, inserted] = g->by_mask.try_emplace(m, static_cast<uint32_t>(g->rules.size()));
    if (inserted) {
      g->rules.emplace_back();
      g->masks.push_back(&m);
    }
    g->rules[it->second].push_back(r.get());
  }
  for (unsigned t = 0; t < kTables; t++) {
    const auto& g = per_table[t];
    if (!g) continue;
    auto table = std::make_unique<Table>();
    table->subtables.reserve(g->rules.size());
    for (size_t i = 0; i < g->rules.size(); i++) {
      auto st = std::make_unique<Subtable>();
      st->build(*g->masks[i], g->rules[i]);
      table->n_rules += g->rules[i].size();
      table->subtables.push_back(std::move(st));
    }
    std::stable_sort(table->subtables.begin(), table->subtables.end(),
                     [](const std::unique_ptr<Subtable>& a, const std::unique_ptr<Subtable>& b) {
                       return a->max_priority > b->max_priority;
                     });
    tables_[t] = std::move(table);
  }
}

Classifier::~Classifier() = default;

size_t Classifier::n_subtables() const {
  size_t n = 0;
  for (const auto& t : tables_) n += t ? t->subtables.size() : 0;
  return n;
}

size_t Classifier::n_subtables(uint8_t table) const {
  return table < kTables && tables_[table] ? tables_[table]->subtables.size() : 0;
}

size_t Classifier::table_size(uint8_t table) const {
  return table < kTables && tables_[table] ? tables_[table]->n_rules : 0;
}

const Rule* Classifier::lookup(const FlowKey& key, FlowKey* wc) const {
  OfKey k = of_key(key);
  if (!wc) return lookup(0, k, nullptr);
  OfKey w = zero_of_key();
  const Rule* r = lookup(0, k, &w);
  const uint64_t* src = w.words();
  uint64_t* dst = wc->words();
  for (size_t i = 0; i < FlowKey::kWords; i++) dst[i] |= src[i];
  return r;
}

const Rule* Classifier::lookup(uint8_t table, const OfKey& key, OfKey* wc) const {
  if (table >= kTables || !tables_[table]) return nullptr;
  const uint64_t* kw = key.words();
  const Subtable::Entry* best = nullptr;
  for (const auto& stp : tables_[table]->subtables) {
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
