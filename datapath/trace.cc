#include "datapath/trace.h"

#include <cstring>
#include <rte_mbuf.h>

#include "datapath/execute.h"
#include "datapath/pmd_counters.h"
#include "datapath/tx_buffers.h"
#include "lib/util/text.h"

namespace ferry {

namespace {

class Recorder : public OutputRecorder {
 public:
  void output(const DpPort& out, const rte_mbuf* m) override {
    TraceOutput o;
    o.ofport = out.ofport;
    o.port = out.name;
    const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
    o.frame.assign(p, p + rte_pktmbuf_data_len(m));
    outputs.push_back(std::move(o));
  }
  std::vector<TraceOutput> outputs;
};

}  // namespace

Result<TraceResult> trace_packet(const DpSnapshot& snap, int slot, const FlowKey& key,
                                 const std::vector<uint8_t>& frame, rte_mempool* pool) {
  const DpBridge* br = nullptr;
  for (const DpBridge& b : snap.bridges) {
    if (b.slot == slot) br = &b;
  }
  if (!br) return make_error("no such bridge");
  const DpPort* in = nullptr;
  int32_t id = br->port_of(key.in_port);
  if (id >= 0) in = snap.ports[id];

  TraceResult tr;
  tr.wildcards = zero_key();
  auto xo = std::make_unique<XlateOut>();
  xo->log = &tr.steps;
  Classification cls = classify(*br, key, &tr.wildcards, xo.get());
  if (cls.conv) {
    tr.converted = true;
    tr.conversion_id = cls.conv->id;
    std::memcpy(tr.converted_to.data(), cls.conv->to, 6);
    tr.mirrored = cls.conv->mirror;
  }
  const Rule* rule = cls.rule;
  if (rule) {
    tr.matched = true;
    tr.match = rule->match;
    tr.priority = rule->priority;
    tr.cookie = rule->cookie;
    tr.actions = *rule->actions;
    if (cls.xlate) {
      tr.translated = true;
      tr.datapath_actions.assign(cls.xlate->actions, cls.xlate->actions + cls.xlate->n_actions);
      tr.stopped = cls.xlate->stopped;
    }
  }

  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (!m) return make_error("no packet buffer available", ENOBUFS);
  if (frame.size() > rte_pktmbuf_tailroom(m)) {
    rte_pktmbuf_free(m);
    return make_error("frame too large to trace");
  }
  std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())), frame.data(),
              frame.size());

  PmdCounters counters;  // scratch: tells which drops the packet hit
  TxBuffers unused(0, &counters);
  Recorder rec;
  ExecContext ctx;
  ctx.snap = &snap;
  ctx.bridge = br;
  ctx.in = in;
  ctx.tx = &unused;
  ctx.counters = &counters;
  ctx.learn = nullptr;
  ctx.pool = pool;
  ctx.trace = &rec;
  execute_classified(ctx, m, key, cls);
  tr.outputs = std::move(rec.outputs);
  for (size_t i = 0; i < static_cast<size_t>(DropReason::kCount); i++) {
    if (counters.drops[i].get()) tr.drops.push_back(drop_reason_name(static_cast<DropReason>(i)));
  }
  return tr;
}

}  // namespace ferry
