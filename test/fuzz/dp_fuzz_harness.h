// A Datapath with ring ports (rte_eth_from_rings) whose pipeline runs on the
// calling thread: run() does what a PMD's loop does (rx burst per port,
// process_batch(), tx flush) until the rx rings are empty, with learning
// applied between iterations as the control thread would. No PMD thread
// runs, so a run is deterministic: the same frames always give the same
// bursts, lookups, FDB contents, meter decisions and outputs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "datapath/datapath.h"
#include "datapath/megaflow_cache.h"
#include "datapath/pmd_counters.h"
#include "datapath/tx_buffers.h"
#include "lib/flow/flow_table.h"
#include "test/fuzz/dp_fuzz_config.h"

struct rte_mempool;
struct rte_ring;

namespace ferry::fuzz {

struct TxFrame {
  size_t port;  // harness port index
  std::vector<uint8_t> bytes;
  bool copy;  // from the datapath's pool (a copy), not the rx pool
};

class DpFuzzHarness {
 public:
  static constexpr unsigned kPoolSize = 2048;  // rx frames
  static constexpr unsigned kRingSize = 4096;

  DpFuzzHarness() = default;
  ~DpFuzzHarness();
  DpFuzzHarness(const DpFuzzHarness&) = delete;
  DpFuzzHarness& operator=(const DpFuzzHarness&) = delete;

  // Every bridge of cfg with its ports, rules, conversions, meters, FDB.
  Status build(const DpFuzzConfig& cfg);

  // Ports are numbered 0..n_ports()-1 across the bridges, in order.
  size_t n_ports() const { return ports_.size(); }
  const DpPort& port(size_t i) const { return *snap_.ports[ports_[i].port_id]; }
  const DpBridge& bridge_of(size_t i) const { return snap_.bridges[port(i).bridge]; }
  MegaflowCache& cache_of(size_t i) { return *caches_[port(i).bridge]; }

  // Before each input: empties the megaflow caches (and their EMCs) and the
  // learned FDB entries, restarts the random state, and moves the clock
  // 10 s on (meter buckets refill).
  void reset();
  // Queues a frame on a port's rx ring, as a device that stripped its VLAN
  // tag into the mbuf when stripped_tci is given. The mbuf's tailroom is
  // poisoned for AddressSanitizer: a read past the frame is an error.
  // False when the pool or the ring is exhausted.
  bool receive(size_t port, const std::vector<uint8_t>& frame,
               std::optional<uint16_t> stripped_tci);
  // Processes every queued frame, then pulls rule statistics from the caches.
  void run();
  std::vector<TxFrame> drain();

  const PmdCounters& counters() const { return *counters_; }
  std::vector<RulePtr> rules() const;
  std::vector<const ConversionStats*> conversion_stats() const;
  rte_mempool* rx_pool() const { return pool_; }
  rte_mempool* copy_pool() const { return copy_pool_; }

 private:
  struct RingPort {
    std::string ethdev;
    rte_ring* rx = nullptr;
    rte_ring* tx = nullptr;
    uint16_t port_id = 0;
  };
  struct Bridge {
    FlowTable flows;
    ConversionTable conversions;
    FdbTable fdb;
  };
  // NORMAL's learning requests go straight into the bridge's table; the
  // PMD-visible snapshot is refreshed between iterations.
  struct LearnIntoTable : LearnSink {
    DpFuzzHarness* h = nullptr;
    int64_t now_s = 0;
    bool learn(uint16_t slot, uint16_t vlan, const uint8_t* mac, uint32_t ofport) override;
  };
  struct FreeingUpcaller : PacketUpcaller {
    bool send(Upcall::Type, uint16_t, uint32_t, rte_mbuf* m) override;
  };

  Status add_bridge(const BridgeConfig& cfg, Bridge& b);
  void refresh_fdbs();
  void drain_rings();

  rte_mempool* pool_ = nullptr;
  rte_mempool* copy_pool_ = nullptr;
  std::vector<RingPort> ports_;
  std::unique_ptr<Datapath> dp_;
  std::vector<std::unique_ptr<Bridge>> bridges_;  // by slot
  MeterTable meters_;
  DpSnapshot snap_;  // the datapath's, with this thread's caches and FDBs
  std::vector<std::unique_ptr<MegaflowCache>> caches_;  // by snapshot bridge index
  std::unique_ptr<PmdCounters> counters_ = std::make_unique<PmdCounters>();
  std::unique_ptr<TxBuffers> tx_;
  LearnIntoTable learn_;
  FreeingUpcaller upcaller_;
  int64_t now_ms_ = 1000000000;  // a private clock: ~11.6 days
  uint32_t rng_ = 0;             // the PMD's random state, the same at each input
};

}  // namespace ferry::fuzz
