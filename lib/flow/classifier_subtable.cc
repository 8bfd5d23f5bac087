// Building the classifier's subtables, stage indexes and tries (control
// thread). The lookups are in classifier.cc.
#include "lib/flow/classifier_subtable.h"

#include <algorithm>

namespace ferry {

namespace cls {

namespace {

std::array<OfKey, kStages> make_stage_masks() {
  std::array<OfKey, kStages> s;
  for (OfKey& k : s) k = zero_of_key();
  OfKey& meta = s[0];
  meta.in_port = UINT32_MAX;
  meta.metadata = UINT64_MAX;
  std::memset(meta.regs, 0xff, sizeof meta.regs);
  meta.pkt_mark = UINT32_MAX;
  meta.conj_id = UINT32_MAX;
  // Recirculation, conntrack and the tunnel (FlowKey words 11-23), as OVS's
  // metadata segment.
  std::memset(meta.words() + FlowKey::kCtWord, 0xff,
              (FlowKey::kWords - FlowKey::kCtWord) * sizeof(uint64_t));
  meta.tun_flags = 0xffff;
  OfKey& l2 = s[1];
  l2.vlan_tci = 0xffff;
  l2.dl_type = 0xffff;
  std::memset(l2.dl_dst, 0xff, 6);
  std::memset(l2.dl_src, 0xff, 6);
  OfKey& l3 = s[kStageL3];
  l3.nw_proto = l3.nw_tos = l3.nw_ttl = l3.nw_frag = 0xff;
  l3.nw_src = l3.nw_dst = UINT32_MAX;
  std::memset(l3.ipv6_src, 0xff, 16);
  std::memset(l3.ipv6_dst, 0xff, 16);
  // L4 (as OVS's last segment): ports, TCP flags, ARP hardware addresses,
  // and whatever the others leave.
  for (size_t w = 0; w < OfKey::kWords; w++) {
    s[kStageL4].words()[w] = ~(meta.words()[w] | l2.words()[w] | l3.words()[w]);
  }
  return s;
}

}  // namespace

const OfKey& stage_mask(unsigned stage) {
  static const std::array<OfKey, kStages> masks = make_stage_masks();
  return masks[stage];
}

unsigned trie_plen(const OfKey& mask, unsigned f) {
  const U128 m = trie_value(mask, f);
  const unsigned len = PrefixTrie128::leading_zeros(~m);
  // CIDR: the ones are all leading (nothing set after the first zero).
  return (m & ~PrefixTrie128::prefix_mask(len)) ? 0 : std::min(len, trie_bits(f));
}

void HashSet::build(const std::vector<uint32_t>& hashes) {
  size_t cap = 8;
  while (cap < hashes.size() * 2) cap <<= 1;
  slots.assign(cap, 0);
  mask = static_cast<uint32_t>(cap - 1);
  for (uint32_t h : hashes) {
    h = h ? h : 1;
    uint32_t s = h & mask;
    while (slots[s] && slots[s] != h) s = (s + 1) & mask;
    slots[s] = h;
  }
}

}  // namespace cls

using cls::kEmpty;

void Classifier::Subtable::split_stages() {
  const uint64_t* mw = mask.words();
  for (unsigned s = 0; s < cls::kStages; s++) {
    const uint64_t* sw = cls::stage_mask(s).words();
    const uint32_t start = n_words;
    for (uint32_t i = 0; i < OfKey::kWords; i++) {
      if (mw[i] & sw[i]) {
        idx[n_words] = static_cast<uint8_t>(i);
        mwords[n_words] = mw[i] & sw[i];
        n_words++;
      }
    }
    if (n_words == start) continue;
    if (s == cls::kStageL3) l3_stage = n_stages;
    stage_end[n_stages++] = n_words;
  }
  for (unsigned f = 0; f < cls::kTrieFields; f++) {
    if (unsigned plen = cls::trie_plen(mask, f)) {
      tries[n_tries++] = TriePlen{static_cast<uint8_t>(f), static_cast<uint8_t>(plen)};
    }
  }
  // The ports trie only when the last stage is L4 (ports are never
  // anywhere else) and holds the ports.
  ports_mask = cls::ports_of(mask);
}

void Classifier::Subtable::build(const OfKey& m, const std::vector<const Rule*>& rules) {
  mask = m;
  split_stages();
  size_t cap = 4;
  while (cap < rules.size() * 2) cap <<= 1;
  slots.assign(cap, Slot{0, kEmpty});
  slot_mask = static_cast<uint32_t>(cap - 1);
  entries.reserve(rules.size());
  keys.reserve(rules.size() * n_words);
  std::vector<std::pair<uint32_t, const Rule*>> beaten;
  for (const Rule* r : rules) insert(r, &beaten);
  if (!beaten.empty()) chain(beaten);
  bool first = true;
  for (const Rule* r : rules) {
    if (r->priority != max_priority) continue;
    min_id_at_max = first ? r->id : std::min(min_id_at_max, r->id);
    first = false;
  }
  build_indexes();
}

void Classifier::Subtable::build_indexes() {
  // Stage s's set: the hash of each entry's parts up to the end of stage s,
  // computed exactly as find_wc() does.
  std::vector<uint32_t> hashes[cls::kStages - 1];
  for (size_t e = 0; e < entries.size(); e++) {
    const uint64_t* k = keys.data() + e * n_words;
    uint64_t h = 0;
    uint32_t i = 0;
    for (uint32_t s = 0; s + 1 < n_stages; s++) {
      for (; i < stage_end[s]; i++) h = cls::mix(h, k[i]);
      hashes[s].push_back(cls::finish(h));
    }
  }
  for (uint32_t s = 0; s + 1 < n_stages; s++) stage_index[s].build(hashes[s]);
  if (!ports_mask) return;
  const unsigned plen = 32 - static_cast<unsigned>(__builtin_ctz(ports_mask));
  for (const Entry& e : entries) {
    ports_trie.insert(cls::ports_of(e.rule->match.key) & ports_mask, plen);
  }
}

Classifier::Subtable::Entry Classifier::Subtable::make_entry(const Rule* r) {
  Entry e{r, r->id, r->priority};
  e.soft = actions_are_conjunctive(*r->actions);
  return e;
}

// Keeps, per entry, the rules with the same masked key in priority order
// (a conjunctive match that fails falls back to the next one, as OVS).
void Classifier::Subtable::chain(std::vector<std::pair<uint32_t, const Rule*>>& beaten) {
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

void Classifier::Subtable::insert(const Rule* r,
                                  std::vector<std::pair<uint32_t, const Rule*>>* beaten) {
  uint64_t masked[cls::kMaxParts];
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

void Classifier::Tries::add(const Subtable& st, const std::vector<const Rule*>& rules) {
  for (uint32_t t = 0; t < st.n_tries; t++) {
    const unsigned f = st.tries[t].field, plen = st.tries[t].plen;
    for (const Rule* r : rules) {
      const cls::U128 v = cls::trie_value(r->match.key, f);
      if (f <= cls::kNwSrc) {
        ip4[f].insert(static_cast<uint32_t>(v >> 96), plen);
      } else {
        ip6[f - cls::kIpv6Dst].insert(v, plen);
      }
    }
  }
}

}  // namespace ferry
