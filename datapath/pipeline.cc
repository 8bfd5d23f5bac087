#include "datapath/pipeline.h"

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "datapath/megaflow_cache.h"
#include "lib/packet/parser.h"

namespace ferry {

namespace {

constexpr unsigned kMaxBatch = 32;

// Adds up the packets that hit the same cache entry back to back, so stats
// are written once per run rather than once per packet.
struct StatsRun {
  MegaflowCache::Entry* entry = nullptr;
  const Rule* rule = nullptr;
  uint64_t packets = 0;
  uint64_t bytes = 0;

  void add(MegaflowCache::Entry* e, const Rule* r, uint32_t len, int64_t now_ms) {
    if (e != entry || r != rule) {
      flush(now_ms);
      entry = e;
      rule = r;
    }
    packets++;
    bytes += len;
  }
  void flush(int64_t now_ms) {
    if (!packets) return;
    if (entry) entry->add_stats(packets, bytes, now_ms);
    if (rule) rule->stats->add(packets, bytes, now_ms);
    packets = bytes = 0;
  }
};

}  // namespace

void process_batch(const PipelineContext& pc, const DpSnapshot& snap, const DpPort& in,
                   rte_mbuf** pkts, uint16_t n) {
  const DpBridge& br = snap.bridges[in.bridge];
  PmdCounters& counters = *pc.counters;
  counters.rx_packets.add(n);

  // Phase 1: keys for the batch.
  FlowKey keys[kMaxBatch];
  rte_mbuf* ok[kMaxBatch];
  unsigned m = 0;
  for (uint16_t i = 0; i < n; i++) {
    rte_mbuf* p = pkts[i];
    // A PMD that strips VLAN tags into metadata (af_packet does, from the
    // kernel): put the tag back, Ferry switches on the frame as it was.
    if (__builtin_expect((p->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0, 0)) {
      p->ol_flags &= ~(RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_RX_VLAN);
      if (rte_vlan_insert(&p) != 0) {
        counters.drop(DropReason::kNoHeadroom);
        rte_pktmbuf_free(p);
        continue;
      }
    }
    ParseStatus st = parse_frame(rte_pktmbuf_mtod(p, const uint8_t*), rte_pktmbuf_data_len(p),
                                 in.ofport, &keys[m]);
    if (st != ParseStatus::kOk) {
      counters.drop(static_cast<DropReason>(st));
      rte_pktmbuf_free(p);
      continue;
    }
    ok[m++] = p;
  }
  if (m == 0) return;

  // Phase 2: look the batch up.
  MegaflowCache* cache = pc.pmd_index < br.caches.size() ? br.caches[pc.pmd_index] : nullptr;
  const Classifier& cls = *br.classifier;
  if (cache && cache->generation() != cls.generation()) {
    cache->flush();
    cache->set_generation(cls.generation());
  }
  MegaflowCache::Entry* entries[kMaxBatch];
  const Rule* rules[kMaxBatch];
  for (unsigned i = 0; i < m; i++) {
    unsigned visited = 0;
    MegaflowCache::Entry* e = cache ? cache->lookup(keys[i], &visited) : nullptr;
    if (e) {
      counters.megaflow_hits.inc();
      counters.subtable_lookups.add(visited);
      entries[i] = e;
      rules[i] = e->rule;
      continue;
    }
    FlowKey wc = zero_key();
    wc.in_port = UINT32_MAX;  // megaflows always match the input port exactly
    const Rule* r = cls.lookup(keys[i], &wc);
    counters.megaflow_misses.inc();
    entries[i] = cache ? cache->insert(keys[i], wc, r) : nullptr;
    if (!entries[i]) counters.megaflow_install_fail.inc();
    rules[i] = r;
  }

  // Phase 3: execute per packet.
  ExecContext ctx;
  ctx.snap = &snap;
  ctx.bridge = &br;
  ctx.in = &in;
  ctx.tx = pc.tx;
  ctx.counters = pc.counters;
  ctx.learn = pc.learn;
  ctx.pool = pc.pool;
  ctx.now_s = pc.now_ms / 1000;
  StatsRun run;
  for (unsigned i = 0; i < m; i++) {
    const Rule* r = rules[i];
    run.add(entries[i], r, rte_pktmbuf_pkt_len(ok[i]), pc.now_ms);
    if (!r) {
      counters.drop(DropReason::kNoRule);
      rte_pktmbuf_free(ok[i]);
      continue;
    }
    execute_actions(ctx, ok[i], keys[i], *r->actions);
  }
  run.flush(pc.now_ms);
}

}  // namespace ferry
