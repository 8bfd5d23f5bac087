// Action execution: applies an OpenFlow action list to one packet, in
// order; outputs queue copies (or, for the last output, the packet itself)
// on the thread's tx buffers. NORMAL is in normal.h.
#pragma once

#include <cstdint>

#include "datapath/batchable.h"
#include "datapath/classify.h"
#include "datapath/dp_snapshot.h"
#include "datapath/pmd_counters.h"
#include "datapath/tx_buffers.h"
#include "lib/flow/action.h"
#include "lib/packet/flow_key.h"

struct rte_mbuf;
struct rte_mempool;

namespace ferry {

class TxBuffers;

// Where NORMAL sends learning requests (a PMD's upcall ring, or the FDB
// directly on the control thread). Returns false when the request was lost.
class LearnSink {
 public:
  virtual ~LearnSink() = default;
  virtual bool learn(uint16_t bridge_slot, uint16_t vlan, const uint8_t* mac, uint32_t ofport) = 0;
};

// Receives what a traced packet would send (ofproto/trace): the frame as
// it would leave each port. Tracing never transmits.
class OutputRecorder {
 public:
  virtual ~OutputRecorder() = default;
  virtual void output(const DpPort& out, const rte_mbuf* m) = 0;
};

class PacketUpcaller;
struct RecircQueue;
namespace ct {
class Conntrack;
}

struct ExecContext {
  const DpSnapshot* snap = nullptr;
  const DpBridge* bridge = nullptr;
  const DpPort* in = nullptr;  // nullptr: the packet has no input port
  TxBuffers* tx = nullptr;
  PmdCounters* counters = nullptr;
  LearnSink* learn = nullptr;
  rte_mempool* pool = nullptr;  // for copies on multi-output
  int64_t now_s = 0;
  uint64_t now_ns = 0;               // for meters
  OutputRecorder* trace = nullptr;   // set only by ofproto/trace
  PacketUpcaller* upcall = nullptr;  // where packet-ins go (nullptr: counted drops)
  // Connection tracking and recirculation (datapath/ct_exec.h).
  ct::Conntrack* conntrack = nullptr;  // nullptr: a ct action drops (counted)
  unsigned ct_tid = 0;                 // this thread's id with the tracker
  RecircQueue* recirc = nullptr;       // nullptr: a recirculation drops (counted)
  unsigned recirc_depth = 0;           // how many times this burst's packets recirculated
  int64_t now_ms = 0;
};

// Executes a classification: the conversion's rewrite (and, for a mirror,
// the unconverted copy through mirror_rule), then the rule's actions; a
// table miss is a counted drop. Consumes m.
void execute_classified(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key,
                        const Classification& c);

// Runs batchable actions on n packets that arrived on ctx.in, action by
// action over the burst (no flow key, no per-packet dispatch). Consumes them.
void execute_batch(const ExecContext& ctx, rte_mbuf** pkts, uint16_t n, const ActionList& actions);

// Consumes m (sent, or freed with a counted drop reason).
void execute_actions(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key,
                     const ActionList& actions);
void execute_actions(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key, const Action* actions,
                     size_t n);
// A translated list (datapath/xlate.h); a walk that stopped early (TTL
// expired, too deep) is counted as kXlateStopped.
void execute_translation(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key,
                         const Translation& t);

// Sends m (consumed) out of a bridge port, as it is. key is the packet's
// current key: a tunnel port encapsulates with it, an internal port
// decapsulates a tunnel packet for a local endpoint (datapath/tunnel_io.h).
void output_traced(const ExecContext& ctx, rte_mbuf* m, const DpPort& out);
void output_special(const ExecContext& ctx, rte_mbuf* m, const DpPort& out, const FlowKey& key);
[[gnu::always_inline]] inline void output_packet(const ExecContext& ctx, rte_mbuf* m,
                                                 const DpPort& out, const FlowKey& key) {
  if (__builtin_expect(out.special(), 0)) return output_special(ctx, m, out, key);
  if (__builtin_expect(ctx.trace != nullptr, 0)) return output_traced(ctx, m, out);
  ctx.tx->push(out, m);
}

// A copy of m for one more output, or nullptr (counted) when the pool is empty.
rte_mbuf* copy_packet(const ExecContext& ctx, const rte_mbuf* m);

}  // namespace ferry
