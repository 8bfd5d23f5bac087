// A Datapath with ring ports (rte_eth_from_rings) whose pipeline runs on the
// calling thread: run() does what a PMD's loop does (rx burst per port,
// process_batch(), tx flush) until the rx rings are empty, with learning
// applied between iterations as the control thread would. No PMD thread
// runs, so a run is deterministic: the same frames always give the same
// batches, lookups, FDB contents, meter decisions and outputs.
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

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace ferry::fuzz {

struct TxFrame {
  uint32_t ofport;
  std::vector<uint8_t> bytes;
  bool copy;  // from the datapath's pool (a copy), not the rx pool
};

class DpFuzzBridge {
 public:
  static constexpr unsigned kPoolSize = 2048;  // rx frames
  static constexpr unsigned kRingSize = 4096;

  DpFuzzBridge() = default;
  ~DpFuzzBridge();
  DpFuzzBridge(const DpFuzzBridge&) = delete;
  DpFuzzBridge& operator=(const DpFuzzBridge&) = delete;

  // Ports 1..n with cfg.vlans, the rules, conversions, meters, FDB.
  Status build(const DpFuzzConfig& cfg);

  // Before each input: empties the megaflow cache and the learned FDB
  // entries, and moves the clock 10 s on (meter buckets refill).
  void reset();
  // Queues a frame on a port's rx ring, as a device that stripped its VLAN
  // tag into the mbuf when stripped_tci is given. The mbuf's tailroom is
  // poisoned for AddressSanitizer: a read past the frame is an error.
  // False when the pool or the ring is exhausted.
  bool receive(uint32_t ofport, const std::vector<uint8_t>& frame,
               std::optional<uint16_t> stripped_tci);
  void run();
  std::vector<TxFrame> drain();

  uint32_t n_ports() const { return static_cast<uint32_t>(ports_.size()); }
  const DpBridge& bridge() const { return snap_.bridges[0]; }
  MegaflowCache& cache() { return *cache_; }
  const PmdCounters& counters() const { return *counters_; }
  std::vector<RulePtr> rules() const { return flows_.all_rules(); }
  rte_mempool* rx_pool() const { return pool_; }
  rte_mempool* copy_pool() const { return copy_pool_; }
  uint64_t garp_upcalls() const { return upcaller_.n; }
  std::vector<const ConversionStats*> conversion_stats() const;

 private:
  struct RingPort {
    std::string ethdev;
    rte_ring* rx = nullptr;
    rte_ring* tx = nullptr;
    uint16_t port_id = 0;
  };
  // NORMAL's learning requests go straight into the table; the PMD-visible
  // snapshot is refreshed between iterations.
  struct LearnIntoTable : LearnSink {
    FdbTable* fdb = nullptr;
    int64_t now_s = 0;
    bool learn(uint16_t, uint16_t vlan, const uint8_t* mac, uint32_t ofport) override;
  };
  struct FreeingUpcaller : PacketUpcaller {
    uint64_t n = 0;
    bool send(Upcall::Type, uint16_t, uint32_t, rte_mbuf* m) override;
  };

  Status add_ports(const DpFuzzConfig& cfg, std::vector<BridgePortSpec>* members);
  void drain_rings();

  rte_mempool* pool_ = nullptr;
  rte_mempool* copy_pool_ = nullptr;
  std::vector<RingPort> ports_;
  std::unique_ptr<Datapath> dp_;
  FlowTable flows_;
  ConversionTable conversions_;
  MeterTable meters_;
  FdbTable fdb_;
  DpSnapshot snap_;  // the datapath's, with this thread's cache and FDB
  std::unique_ptr<MegaflowCache> cache_;
  std::unique_ptr<PmdCounters> counters_ = std::make_unique<PmdCounters>();
  std::unique_ptr<TxBuffers> tx_;
  LearnIntoTable learn_;
  FreeingUpcaller upcaller_;
  int64_t now_ms_ = 1000000000;  // a private clock: ~11.6 days
};

}  // namespace ferry::fuzz
