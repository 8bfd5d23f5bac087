#include "datapath/pipeline.h"

#include <cstring>
#include <new>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "datapath/ct_exec.h"
#include "datapath/megaflow_cache.h"
#include "lib/packet/parser.h"
#include "lib/packet/parser_inline.h"

namespace ferry {

namespace {

constexpr unsigned kMaxBatch = 32;
// Megaflow caches with at most this many entries are flushed when the rules
// change; larger ones revalidate entry by entry.
constexpr size_t kFlushBelow = 2048;

// A gratuitous ARP (sender = target address) or a RARP, as a VM announces
// itself after a move.
bool is_garp_or_rarp(const FlowKey& k) {
  uint16_t t = k.ethertype();
  if (t == kEthTypeRarp) return true;
  return t == kEthTypeArp && k.nw_src == k.nw_dst && k.nw_src != 0;
}

// Adds up the packets that hit the same cache entry back to back, so stats
// are written once per run rather than once per packet. A cached answer
// counts on its entry only: its rules are credited from there later
// (datapath/megaflow_stats.h), as OVS's revalidators do.
struct StatsRun {
  unsigned pmd = 0;
  MegaflowCache::Entry* entry = nullptr;
  const Classification* cls = nullptr;
  uint64_t packets = 0;
  uint64_t bytes = 0;

  void add(MegaflowCache::Entry* e, const Classification* c, uint32_t len, int64_t now_ms) {
    if (e != entry || !cls || c->rule != cls->rule || c->conv != cls->conv ||
        c->xlate != cls->xlate) {
      flush(now_ms);
      entry = e;
      cls = c;
    }
    packets++;
    bytes += len;
  }
  void flush(int64_t now_ms) {
    if (!packets) return;
    if (entry) {
      entry->add_stats(packets, bytes, now_ms);
      // Group counters are not kept per megaflow: the groups count now.
      if (const Translation* t = cls->xlate) {
        for (uint16_t i = 0; i < t->n_groups; i++)
          t->groups[i].stats->add_from_pmd(pmd, t->groups[i].bucket, packets, bytes);
      }
    } else {
      credit_uncached(now_ms);
    }
    if (cls->conv) cls->conv->stats->add(packets, bytes);
    packets = bytes = 0;
  }
  // An answer no cache kept: its rules count the packets now.
  [[gnu::cold]] void credit_uncached(int64_t now_ms) const {
    if (const Translation* t = cls->xlate) {
      // Every rule the walk visited counts the packets, as in OVS.
      for (uint16_t i = 0; i < t->n_rules; i++)
        t->rules[i]->stats->add_from_pmd(pmd, packets, bytes, now_ms);
      for (uint16_t i = 0; i < t->n_groups; i++)
        t->groups[i].stats->add_from_pmd(pmd, t->groups[i].bucket, packets, bytes);
    } else if (cls->rule) {
      cls->rule->stats->add_from_pmd(pmd, packets, bytes, now_ms);
    }
    if (cls->mirror_rule) cls->mirror_rule->stats->add_from_pmd(pmd, packets, bytes, now_ms);
  }
};

}  // namespace

namespace {

// A PMD that strips VLAN tags into metadata (af_packet does, from the
// kernel): put the tag back, Ferry switches on the frame as it was.
// Returns false (the frame is dropped, counted) when that fails.
inline bool restore_vlan(rte_mbuf** p, PmdCounters& counters) {
  if (__builtin_expect(((*p)->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) == 0, 1)) return true;
  (*p)->ol_flags &= ~(RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_RX_VLAN);
  if (rte_vlan_insert(p) == 0) return true;
  counters.drop(DropReason::kNoHeadroom);
  rte_pktmbuf_free(*p);
  return false;
}

ExecContext exec_context(const PipelineContext& pc, const DpSnapshot& snap, const DpPort& in) {
  ExecContext ctx;
  ctx.snap = &snap;
  ctx.bridge = &snap.bridges[in.bridge];
  ctx.in = &in;
  ctx.tx = pc.tx;
  ctx.counters = pc.counters;
  ctx.learn = pc.learn;
  ctx.upcall = pc.upcall;
  ctx.pool = pc.pool;
  ctx.now_s = pc.now_ms / 1000;
  ctx.now_ns = static_cast<uint64_t>(pc.now_ms) * 1000000;
  ctx.now_ms = pc.now_ms;
  ctx.conntrack = snap.conntrack;
  ctx.ct_tid = pc.pmd_index;
  return ctx;
}

// Simple match: the port's answer applies to the whole burst. Frames are
// checked for a complete Ethernet header (and 802.1Q tag), which is all the
// actions of such a rule read or write.
void process_simple(const PipelineContext& pc, const DpSnapshot& snap, const DpPort& in,
                    rte_mbuf** pkts, uint16_t n) {
  PmdCounters& counters = *pc.counters;
  rte_mbuf* ok[kMaxBatch];
  uint16_t m = 0;
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; i++) {
    rte_mbuf* p = pkts[i];
    if (!restore_vlan(&p, counters)) continue;
    uint16_t len = rte_pktmbuf_data_len(p);
    const uint8_t* d = rte_pktmbuf_mtod(p, const uint8_t*);
    const uint16_t type = len >= 14 ? static_cast<uint16_t>(d[12] << 8 | d[13]) : 0;
    if (len < 14 || (len < 18 && (type == kEthTypeVlan || type == kEthTypeQinQ))) {
      counters.drop(
          static_cast<DropReason>(len < 14 ? ParseStatus::kRunt : ParseStatus::kTruncatedVlan));
      rte_pktmbuf_free(p);
      continue;
    }
    bytes += rte_pktmbuf_pkt_len(p);
    ok[m++] = p;
  }
  if (m == 0) return;
  counters.simple_hits.add(m);
  counters.simple_packets[in.port_id].add(m);
  counters.simple_bytes[in.port_id].add(bytes);
  counters.simple_used_ms[in.port_id].set(static_cast<uint64_t>(pc.now_ms));
  const Rule* r = in.simple_rule;
  if (!r) {
    rte_pktmbuf_free_bulk(ok, m);
    counters.drop(DropReason::kNoRule, m);
    return;
  }
  r->stats->add_from_pmd(pc.pmd_index, m, bytes, pc.now_ms);
  execute_batch(exec_context(pc, snap, in), ok, m, *r->actions);
}

// A translation that ran learn actions: PMDs never change the flow table,
// the control thread runs the learns again for this key and applies them
// (datapath/learn_runner.h). The key travels in an mbuf of the PMD's pool;
// requests share the upcall rate limit (a refused one is counted there,
// and the control thread's refresh pass catches up).
void request_learn(const PipelineContext& pc, const DpBridge& br, const FlowKey& key,
                   const Classification& c) {
  if (__builtin_expect(!c.xlate || !c.xlate->has_learn, 1) || !pc.upcall || !pc.pool) return;
  rte_mbuf* m = rte_pktmbuf_alloc(pc.pool);
  if (!m) return;
  void* p = rte_pktmbuf_append(m, sizeof key);
  if (!p || (std::memcpy(p, &key, sizeof key),
             !pc.upcall->send(Upcall::kFlowLearn, br.slot, key.in_port, m))) {
    rte_pktmbuf_free(m);
  }
}

// Phases 2 and 3 for m packets with their keys: look them up (megaflow
// cache, then the classifier on a miss, installing a megaflow) and execute
// each. Recirculations go to *recirc.
void lookup_and_execute(const PipelineContext& pc, const DpSnapshot& snap, const DpPort& in,
                        FlowKey* keys, rte_mbuf** ok, unsigned m, RecircQueue* recirc,
                        unsigned depth) {
  const DpBridge& br = snap.bridges[in.bridge];
  PmdCounters& counters = *pc.counters;

  // Phase 2: look the batch up.
  MegaflowCache* cache = pc.pmd_index < br.caches.size() ? br.caches[pc.pmd_index] : nullptr;
  if (cache && cache->generation() != br.generation) {
    // The rules or conversions changed. A small cache starts over; a large
    // one revalidates each entry at its next hit (below) rather than pay for
    // clearing it on every change.
    if (cache->size() <= kFlushBelow) cache->flush();
    cache->set_generation(br.generation);
  }
  MegaflowCache::Entry* entries[kMaxBatch];
  // Answers the cache could not keep (rare): raw storage, so a burst does
  // not pay for initialising them.
  alignas(Classification) unsigned char uncached_raw[kMaxBatch * sizeof(Classification)];
  auto* uncached = reinterpret_cast<Classification*>(uncached_raw);
  const Classification* cls[kMaxBatch];
  XlateOut xo;  // a miss's translation, until the cache copies it
  uint32_t inv = snap.emc_insert_inv_prob;
  bool use_emc = cache && inv && cache->n_subtables() > 1;
  uint32_t hashes[kMaxBatch];
  if (use_emc) {
    for (unsigned i = 0; i < m; i++) {
      hashes[i] = ExactMatchCache<MegaflowCache::Entry>::hash(keys[i]);
      cache->emc().prefetch(hashes[i]);
    }
  }
  for (unsigned i = 0; i < m; i++) {
    uint32_t h = 0;
    MegaflowCache::Entry* e = nullptr;
    if (use_emc) {
      h = hashes[i];
      uint32_t version;
      e = cache->emc().lookup(keys[i], h, &version);
      if (e && e->live && e->version == version) {
        counters.emc_hits.inc();
      } else {
        e = nullptr;
      }
    }
    if (!e && cache) {
      unsigned visited = 0;
      e = cache->lookup(keys[i], &visited);
      if (e) {
        counters.megaflow_hits.inc();
        counters.subtable_lookups.add(visited);
        if (use_emc) {
          uint32_t& r = *pc.rng;  // xorshift32
          r ^= r << 13;
          r ^= r >> 17;
          r ^= r << 5;
          if (r % inv == 0) cache->emc().insert(keys[i], h, e, e->version);
        }
      }
    }
    if (e && e->gen != br.generation) {
      // Computed under older rules: ask again; keep it if the answer's mask
      // is the same, else it is replaced below.
      FlowKey wc = zero_key();
      Classification c = classify(br, keys[i], &wc, &xo);
      counters.revalidations.inc();
      request_learn(pc, br, keys[i], c);
      if (!cache->revalidate(e, wc, c)) {
        e = cache->insert(keys[i], wc, c, pc.now_ms);
        if (!e) {
          counters.megaflow_install_fail.inc();
          new (&uncached[i]) Classification(c);
          if (uncached[i].xlate) {  // xo is reused: translated again when executed
            uncached[i].xlate = nullptr;
            uncached[i].untranslated = true;
          }
          entries[i] = nullptr;
          cls[i] = &uncached[i];
          continue;
        }
      }
    }
    if (e) {
      entries[i] = e;
      cls[i] = &e->cls;
      continue;
    }
    FlowKey wc = zero_key();
    Classification c = classify(br, keys[i], &wc, &xo);
    counters.megaflow_misses.inc();
    request_learn(pc, br, keys[i], c);
    entries[i] = cache ? cache->insert(keys[i], wc, c, pc.now_ms) : nullptr;
    if (entries[i]) {
      cls[i] = &entries[i]->cls;
    } else {
      counters.megaflow_install_fail.inc();
      new (&uncached[i]) Classification(c);
      if (uncached[i].xlate) {  // xo is reused: translated again when executed
        uncached[i].xlate = nullptr;
        uncached[i].untranslated = true;
      }
      cls[i] = &uncached[i];
    }
  }

  // Phase 3: execute per packet.
  ExecContext ctx = exec_context(pc, snap, in);
  ctx.recirc = recirc;
  ctx.recirc_depth = depth;
  StatsRun run;
  run.pmd = pc.pmd_index;
  for (unsigned i = 0; i < m; i++) {
    if (__builtin_expect(needs_xlate(*cls[i]), 0)) {
      // Not cached (cache or arena full) or its entry was removed by a
      // later packet of this burst: translate for this packet alone.
      run.flush(pc.now_ms);
      FlowKey wc = zero_key();
      Classification c = classify(br, keys[i], &wc, &xo);
      request_learn(pc, br, keys[i], c);
      StatsRun one;
      one.pmd = pc.pmd_index;
      one.add(nullptr, &c, rte_pktmbuf_pkt_len(ok[i]), pc.now_ms);
      one.flush(pc.now_ms);
      execute_classified(ctx, ok[i], keys[i], c);
      continue;
    }
    run.add(entries[i], cls[i], rte_pktmbuf_pkt_len(ok[i]), pc.now_ms);
    if (__builtin_expect(br.move_detect, 0) && !cls[i]->rule && !cls[i]->conv && !depth &&
        pc.upcall && pc.upcall->send(Upcall::kMiss, br.slot, in.ofport, ok[i])) {
      continue;  // the control thread decides: a moved VM, or a drop
    }
    execute_classified(ctx, ok[i], keys[i], *cls[i]);
  }
  run.flush(pc.now_ms);
}

// A burst's recirculated packets (after ct(table=T), tunnel encapsulation
// or decapsulation), looked up again with their metadata (after NAT or a
// tunnel, the frame's own fields too), up to kMaxRecircDepth times. Runs of
// packets entering from the same port are looked up together.
[[gnu::noinline]] void process_recirc(const PipelineContext& pc, const DpSnapshot& snap,
                                      RecircQueue* q) {
  RecircQueue next[2];
  for (unsigned depth = 1; q->n; depth++) {
    RecircQueue* out = &next[depth & 1];
    out->n = 0;
    for (unsigned at = 0; at < q->n;) {
      const DpPort& in = *q->in[at];
      FlowKey keys[kMaxBatch];
      rte_mbuf* ok[kMaxBatch];
      unsigned m = 0, i = at;
      for (; i < q->n && i < at + kMaxBatch && q->in[i] == &in; i++) {
        rte_mbuf* p = q->pkts[i];
        ParseStatus st = parse_frame_inline(rte_pktmbuf_mtod(p, const uint8_t*),
                                            rte_pktmbuf_data_len(p), in.ofport, &keys[m], nullptr);
        if (st != ParseStatus::kOk) {
          pc.counters->drop(static_cast<DropReason>(st));
          rte_pktmbuf_free(p);
          continue;
        }
        q->restore(i, &keys[m]);
        ok[m++] = p;
      }
      at = i;
      if (m) lookup_and_execute(pc, snap, in, keys, ok, m, out, depth);
    }
    q = out;
  }
}

}  // namespace

void process_batch(const PipelineContext& pc, const DpSnapshot& snap, const DpPort& in,
                   rte_mbuf** pkts, uint16_t n) {
  const DpBridge& br = snap.bridges[in.bridge];
  PmdCounters& counters = *pc.counters;
  counters.rx_packets.add(n);
  if (in.simple && (in.simple_batchable || !in.simple_rule))
    return process_simple(pc, snap, in, pkts, n);

  // Phase 1: keys for the batch.
  FlowKey keys[kMaxBatch];
  rte_mbuf* ok[kMaxBatch];
  unsigned m = 0;
  for (uint16_t i = 0; i < n; i++) {
    rte_mbuf* p = pkts[i];
    if (!restore_vlan(&p, counters)) continue;
    ParseStatus st = parse_frame_inline(rte_pktmbuf_mtod(p, const uint8_t*),
                                        rte_pktmbuf_data_len(p), in.ofport, &keys[m], nullptr);
    if (st != ParseStatus::kOk) {
      counters.drop(static_cast<DropReason>(st));
      rte_pktmbuf_free(p);
      continue;
    }
    if (__builtin_expect(br.watch_garp, 0) && is_garp_or_rarp(keys[m]) && pc.upcall) {
      // The control thread sees a copy (move detection, announcements);
      // the frame itself is switched as usual.
      rte_mbuf* copy = rte_pktmbuf_copy(p, pc.pool, 0, UINT32_MAX);
      if (copy && !pc.upcall->send(Upcall::kGarp, br.slot, in.ofport, copy)) rte_pktmbuf_free(copy);
    }
    ok[m++] = p;
  }
  if (m == 0) return;
  RecircQueue recirc;
  lookup_and_execute(pc, snap, in, keys, ok, m, &recirc, 0);
  if (__builtin_expect(recirc.n != 0, 0)) process_recirc(pc, snap, &recirc);
}

}  // namespace ferry
