// The per-batch processing of one rx burst, in three phases (ARCHITECTURE.md):
// extract keys for the whole batch, look the batch up (megaflow cache, then
// the classifier on a miss, installing a megaflow), execute per packet.
#pragma once

#include <cstdint>

#include "datapath/execute.h"
#include "datapath/packet_upcall.h"

struct rte_mbuf;

namespace ferry {

class MegaflowCache;

// A thread's processing state: what the pipeline needs besides the snapshot.
struct PipelineContext {
  unsigned pmd_index = 0;
  PmdCounters* counters = nullptr;
  TxBuffers* tx = nullptr;
  LearnSink* learn = nullptr;
  PacketUpcaller* upcall = nullptr;  // GARP/RARP copies and misses for move detection
  rte_mempool* pool = nullptr;
  int64_t now_ms = 0;
  uint32_t* rng = nullptr;  // the PMD's random state (EMC insertion)
};

// Processes n packets received on `in` (consumes them all).
void process_batch(const PipelineContext& pc, const DpSnapshot& snap, const DpPort& in,
                   rte_mbuf** pkts, uint16_t n);

}  // namespace ferry
