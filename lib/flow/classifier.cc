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
    uint32_t next = kEmpty;  // the next rule with this masked key (in `shadow`), for conjunctions
    bool soft = false;       // a conjunctive rule (conjunction actions only)
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
  std::vector<Entry> shadow;  // rules beaten by an entry with the same masked key
  bool has_soft = false;

  static Entry make_entry(const Rule* r) {
    Entry e{r, r->id, r->priority};
    e.soft = actions_are_conjunctive(*r->actions);
    return e;
  }
  static bool beats(const Entry& a, const Entry& b) {
    return a.priority > b.priority || (a.priority == b.priority && a.id < b.id);
  }

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
    std::vector<std::pair<uint32_t, const Rule*>> beaten;
    for (const Rule* r : rules) insert(r, &beaten);
    if (!beaten.empty()) chain(beaten);
  }

  // Keeps, per entry, the rules with the same masked key in priority order
  // (a conjunctive match that fails falls back to the next one, as OVS).
  void chain(std::vector<std::pair<uint32_t, const Rule*>>& beaten) {
    std::stable_sort(beaten.begin(), beaten.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < beaten.size();) {
      const uint32_t e = beaten[i].first;
      std::vector<Entry> all{entries[e]};
      for (; i < beaten.size() && beaten[i].first == e; i++)
        all.push_back(make_entry(beaten[i].second));
      std::sort(all.begin(), all.end(), beats);
      uint32_t next = kEmpty;
      for (size_t k = all.size(); k-- > 1;) {
        all[k].next = next;
        shadow.push_back(all[k]);
        next = static_cast<uint32_t>(shadow.size() - 1);
      }
      all[0].next = next;
      entries[e] = all[0];
    }
  }

  const Entry* next_of(const Entry* e) const {
    return e->next == kEmpty ? nullptr : &shadow[e->next];
  }

  void insert(const Rule* r, std::vector<std::pair<uint32_t, const Rule*>>* beaten) {
    uint64_t masked[OfKey::kWords];
    const uint32_t h = masked_hash(r->match.key.words(), masked);
    max_priority = std::max<uint32_t>(max_priority, r->priority);
    uint32_t s = h & slot_mask;
    for (;; s = (s + 1) & slot_mask) {
      Slot& slot = slots[s];
      if (slot.entry == kEmpty) break;
      if (slot.hash == h && equal(slot.entry, masked)) {
        beaten->emplace_back(slot.entry, r);  // sorted out by chain()
        has_soft = has_soft || actions_are_conjunctive(*r->actions);
        return;
      }
    }
    slots[s] = Slot{h, static_cast<uint32_t>(entries.size())};
    entries.push_back(make_entry(r));
    has_soft = has_soft || entries.back().soft;
    keys.insert(keys.end(), masked, masked + n_words);
  }
};

struct Classifier::Table {
  std::vector<std::unique_ptr<Subtable>> subtables;  // by max priority, descending
  size_t n_rules = 0;
  bool has_soft = false;  // some rule is conjunctive: lookups take the slower path
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
      table->has_soft = table->has_soft || st->has_soft;
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
  if (__builtin_expect(tables_[table]->has_soft, 0))
    return lookup_conjunctive(table, key, wc, true);
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

// OVS's conjunctive match (classifier_lookup__): the best non-conjunctive
// rule is the "hard" match; conjunctive rules of higher priority are "soft"
// matches. Among the soft matches of the highest priority, a conjunction id
// whose every clause matched is looked up again with conj_id set (without
// conjunctions); failing that, each of those soft matches gives way to the
// next rule with the same match, and the search repeats.
const Rule* Classifier::lookup_conjunctive(uint8_t table, const OfKey& key, OfKey* wc,
                                           bool allow_conj) const {
  using Entry = Subtable::Entry;
  constexpr unsigned kMaxSoft = 64;  // soft matches kept (as OVS's stub; more are ignored)
  constexpr unsigned kMaxIds = 64;   // conjunction ids tracked per priority
  const uint64_t* kw = key.words();
  struct Soft {
    const Entry* e;
    const Subtable* st;
  };
  const Entry* hard = nullptr;
  Soft soft[kMaxSoft];
  unsigned n_soft = 0;
  for (const auto& stp : tables_[table]->subtables) {
    const Subtable& st = *stp;
    if (hard && st.max_priority < hard->priority) break;
    if (wc) {
      uint64_t* w = wc->words();
      for (uint32_t i = 0; i < st.n_words; i++) w[st.idx[i]] |= st.mwords[i];
    }
    const Entry* e = st.find(kw);
    if (!e) continue;
    if (!e->soft) {
      if (!hard || Subtable::beats(*e, *hard)) hard = e;
    } else if (allow_conj && n_soft < kMaxSoft) {
      soft[n_soft++] = Soft{e, &st};
    }
  }
  for (;;) {
    const uint32_t hard_pri = hard ? hard->priority : 0;
    unsigned k = 0;
    for (unsigned i = 0; i < n_soft; i++) {
      if (soft[i].e && (!hard || soft[i].e->priority > hard_pri)) soft[k++] = soft[i];
    }
    n_soft = k;
    if (!n_soft) break;
    uint32_t soft_pri = 0;
    unsigned n_soft_pri = 0;
    for (unsigned i = 0; i < n_soft; i++) {
      if (soft[i].e->priority > soft_pri || n_soft_pri == 0) {
        soft_pri = soft[i].e->priority;
        n_soft_pri = 1;
      } else if (soft[i].e->priority == soft_pri) {
        n_soft_pri++;
      }
    }
    struct Clauses {
      uint32_t id;
      uint64_t clauses;
    } ids[kMaxIds];
    unsigned n_ids = 0;
    for (unsigned i = 0; i < n_soft; i++) {
      if (soft[i].e->priority != soft_pri) continue;
      for (const Action& a : *soft[i].e->rule->actions) {
        if (a.type != ActionType::kConjunction) continue;
        const unsigned n_clauses = a.mac[1];
        if (n_clauses > n_soft_pri) continue;
        Clauses* c = nullptr;
        for (unsigned j = 0; j < n_ids; j++) {
          if (ids[j].id == a.port) c = &ids[j];
        }
        if (!c) {
          if (n_ids == kMaxIds) continue;
          c = &ids[n_ids++];
          c->id = a.port;
          c->clauses = n_clauses >= 64 ? 0 : UINT64_MAX << n_clauses;
        }
        c->clauses |= uint64_t{1} << (a.mac[0] & 63);
        if (c->clauses != UINT64_MAX) continue;
        OfKey k2 = key;
        k2.conj_id = a.port;
        if (const Rule* r = lookup_conjunctive(table, k2, wc, false)) return r;
      }
    }
    // No conjunction of that priority matched: each of those soft matches
    // gives way to the next rule with the same match (soft or hard).
    for (unsigned i = 0; i < n_soft; i++) {
      if (soft[i].e->priority != soft_pri) continue;
      const Entry* next = soft[i].st->next_of(soft[i].e);
      soft[i].e = nullptr;
      if (!next) continue;
      if (next->soft) {
        soft[i].e = next;
      } else if (!hard || next->priority > hard->priority) {
        hard = next;
      }
    }
  }
  return hard ? hard->rule : nullptr;
}

bool Classifier::contains(uint8_t table, const Match& match, uint16_t priority) const {
  if (table >= kTables || !tables_[table]) return false;
  for (const auto& st : tables_[table]->subtables) {
    if (st->mask != match.mask) continue;
    for (const Subtable::Entry* e = st->find(match.key.words()); e; e = st->next_of(e)) {
      if (e->priority == priority) return true;
    }
    return false;
  }
  return false;
}

size_t Classifier::count_cookie(uint8_t table, uint64_t cookie) const {
  if (table >= kTables || !tables_[table]) return 0;
  size_t n = 0;
  for (const auto& st : tables_[table]->subtables) {
    for (const auto& e : st->entries) n += e.rule->cookie == cookie;
    for (const auto& e : st->shadow) n += e.rule->cookie == cookie;
  }
  return n;
}

}  // namespace ferry
