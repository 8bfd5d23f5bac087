#include "lib/flow/classifier.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "lib/flow/classifier_subtable.h"

namespace ferry {

namespace {

struct MaskHash {
  size_t operator()(const OfKey& m) const {
    uint64_t h = 0;
    for (size_t i = 0; i < OfKey::kWords; i++) h = cls::mix(h, m.words()[i]);
    return cls::finish(h);
  }
};

}  // namespace

bool Classifier::Subtable::skip_by_trie(const OfKey& key, const Tries& t, cls::TrieCtx* ctx,
                                        OfKey* wc) const {
  int best = -1;
  unsigned best_bits = 0;
  for (uint32_t i = 0; i < n_tries; i++) {
    const unsigned f = tries[i].field, plen = tries[i].plen;
    if (!(ctx->done & 1u << f)) {
      ctx->plens[f] = 0;
      ctx->maskbits[f] = t.lookup(key, f, &ctx->plens[f]);
      ctx->done |= 1u << f;
    }
    if ((ctx->plens[f] >> (plen - 1)) & 1) continue;  // some rule of this length may match
    // No rule of length plen agrees with the packet's first plen bits, and
    // the walk decided that within its first maskbits bits: either is
    // enough to prove it for every packet agreeing on them.
    const unsigned bits = std::min(ctx->maskbits[f], plen);
    if (cls::trie_covered(*wc, f, bits)) return true;  // nothing new to report
    if (best < 0 || bits < best_bits) {
      best = static_cast<int>(f);
      best_bits = bits;
    }
  }
  if (best < 0) return false;
  cls::trie_set(wc, static_cast<unsigned>(best), best_bits);
  return true;
}

const Classifier::Subtable::Entry* Classifier::Subtable::find_wc(const OfKey& key, const Tries& t,
                                                                 cls::TrieCtx* ctx,
                                                                 OfKey* wc) const {
  const uint64_t* kw = key.words();
  uint64_t masked[cls::kMaxParts];
  uint64_t h = 0;
  uint32_t i = 0;
  for (uint32_t s = 0; s + 1 < n_stages; s++) {
    if (s == l3_stage && n_tries && skip_by_trie(key, t, ctx, wc)) {
      fold(wc, i);
      return nullptr;
    }
    for (; i < stage_end[s]; i++) {
      masked[i] = kw[idx[i]] & mwords[i];
      h = cls::mix(h, masked[i]);
    }
    if (!stage_index[s].contains(cls::finish(h))) {
      fold(wc, i);
      return nullptr;
    }
  }
  if (n_stages - 1 == l3_stage && n_tries && skip_by_trie(key, t, ctx, wc)) {
    fold(wc, i);
    return nullptr;
  }
  for (; i < n_words; i++) {
    masked[i] = kw[idx[i]] & mwords[i];
    h = cls::mix(h, masked[i]);
  }
  const Entry* e = find_hashed(cls::finish(h), masked);
  if (e || !ports_mask) {
    fold(wc, n_words);
    return e;
  }
  // A miss in the last stage, which holds the ports: of the port bits,
  // only the leading ones the ports trie needed to rule every rule out.
  const uint32_t before = cls::ports_of(*wc);
  uint32_t plens = 0;
  const unsigned mbits = ports_trie.lookup(cls::ports_of(key) & ports_mask, &plens);
  fold(wc, n_words);
  const uint32_t need = mbits ? ports_mask & (UINT32_MAX << (32 - mbits)) : 0;
  cls::set_ports(wc, before | need);
  return nullptr;
}

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
      table->tries.add(*st, g->rules[i]);
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
  // Word-wise through copies: the keys' fields are not uint64_t objects,
  // and the optimizer may assume such accesses do not alias them.
  uint64_t src[FlowKey::kWords], dst[FlowKey::kWords];
  std::memcpy(src, &w, sizeof src);
  std::memcpy(dst, wc, sizeof dst);
  for (size_t i = 0; i < FlowKey::kWords; i++) dst[i] |= src[i];
  std::memcpy(wc, dst, sizeof dst);
  return r;
}

const Rule* Classifier::lookup(uint8_t table, const OfKey& key, OfKey* wc) const {
  if (table >= kTables || !tables_[table]) return nullptr;
  const Table& t = *tables_[table];
  if (__builtin_expect(t.has_soft, 0)) return lookup_conjunctive(table, key, wc, true);
  const Subtable::Entry* best = nullptr;
  if (!wc) {
    const uint64_t* kw = key.words();
    for (const auto& stp : t.subtables) {
      const Subtable& st = *stp;
      if (best && st.max_priority < best->priority) break;
      if (!st.can_beat(best)) continue;
      const Subtable::Entry* e = st.find(kw);
      if (e && (!best || Subtable::beats(*e, *best))) best = e;
    }
    return best ? best->rule : nullptr;
  }
  cls::TrieCtx ctx;
  for (const auto& stp : t.subtables) {
    const Subtable& st = *stp;
    if (best && st.max_priority < best->priority) break;
    if (!st.can_beat(best)) continue;  // a tie this subtable would lose
    const Subtable::Entry* e = st.find_wc(key, t.tries, &ctx, wc);
    if (e && (!best || Subtable::beats(*e, *best))) best = e;
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
  struct Soft {
    const Entry* e;
    const Subtable* st;
  };
  const Table& t = *tables_[table];
  const Entry* hard = nullptr;
  Soft soft[kMaxSoft];
  unsigned n_soft = 0;
  cls::TrieCtx ctx;
  for (const auto& stp : t.subtables) {
    const Subtable& st = *stp;
    if (hard && st.max_priority < hard->priority) break;
    if (!st.can_beat(hard)) continue;
    const Entry* e = wc ? st.find_wc(key, t.tries, &ctx, wc) : st.find(key.words());
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
