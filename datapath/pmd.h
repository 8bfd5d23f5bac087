// A poll-mode thread: polls its rx queues (from the current snapshot),
// runs the pipeline on every burst, flushes its tx buffers, reports a
// quiescent state once per iteration and backs off when idle (sleeping in
// growing steps up to pmd-sleep-max; a busy PMD never sleeps).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "datapath/dp_snapshot.h"
#include "datapath/execute.h"
#include "datapath/packet_upcall.h"
#include "datapath/pmd_counters.h"
#include "datapath/upcall.h"
#include "lib/util/rcu.h"

namespace ferry {

class TxBuffers;

class Pmd {
 public:
  // core < 0: not pinned. The ring and notifier carry its learning requests.
  Pmd(unsigned index, int core, Rcu* rcu, const RcuPtr<DpSnapshot>* snapshot, rte_mempool* pool,
      std::unique_ptr<UpcallRing> upcalls, Notifier* notifier);
  ~Pmd();
  Pmd(const Pmd&) = delete;
  Pmd& operator=(const Pmd&) = delete;

  void start();
  void stop();  // joins; afterwards the thread holds no snapshot and no packets

  unsigned index() const { return index_; }
  int core() const { return core_; }
  int numa() const { return numa_; }
  const PmdCounters& counters() const { return counters_; }
  UpcallRing& upcalls() { return *upcalls_; }
  uint64_t tx_dropped(uint16_t port_id) const;

  // Idle back-off cap in microseconds (0: never sleep).
  void set_sleep_max_us(int64_t us) { sleep_max_us_.store(us, std::memory_order_relaxed); }

 private:
  class RingLearnSink : public LearnSink {
   public:
    RingLearnSink(UpcallRing* ring, Notifier* notifier) : ring_(ring), notifier_(notifier) {}
    bool learn(uint16_t bridge_slot, uint16_t vlan, const uint8_t* mac, uint32_t ofport) override;
    int64_t now_ms = 0;

   private:
    struct Recent {
      uint64_t key = 0;
      uint32_t ofport = 0;
      uint16_t slot = 0;
      int64_t when_ms = -1;
    };
    UpcallRing* ring_;
    Notifier* notifier_;
    Recent recent_[64];
  };

  // Frames for the control thread, at most kRate per second (burst kBurst);
  // beyond that the pipeline handles them as if move detection were off.
  class RingPacketUpcaller : public PacketUpcaller {
   public:
    static constexpr double kRate = 1000.0;
    static constexpr double kBurst = 200.0;
    RingPacketUpcaller(UpcallRing* ring, Notifier* notifier, PmdCounters* counters)
        : ring_(ring), notifier_(notifier), counters_(counters) {}
    bool send(Upcall::Type type, uint16_t bridge_slot, uint32_t ofport, rte_mbuf* m) override;
    int64_t now_ms = 0;

   private:
    UpcallRing* ring_;
    Notifier* notifier_;
    PmdCounters* counters_;
    double tokens_ = kBurst;
    int64_t last_ms_ = 0;
  };

  void main();
  bool poll_once(const DpSnapshot& snap, int64_t now_ms);

  unsigned index_;
  int core_;
  int numa_ = 0;
  Rcu* rcu_;
  const RcuPtr<DpSnapshot>* snapshot_;
  rte_mempool* pool_;
  std::unique_ptr<UpcallRing> upcalls_;
  PmdCounters counters_;
  std::unique_ptr<TxBuffers> tx_;
  RingLearnSink learn_;
  RingPacketUpcaller packet_upcalls_;
  std::atomic<bool> stop_{false};
  uint32_t iteration_ = 0;
  uint32_t rng_ = 0x2545f491;
  size_t sweep_bridge_ = 0;
  // Milliseconds on CLOCK_MONOTONIC's timeline from the TSC: no vDSO call
  // per iteration; re-anchored every few thousand reads.
  class TscClock {
   public:
    int64_t now_ms();

   private:
    uint64_t base_tsc_ = 0;
    int64_t base_ms_ = 0;
    uint64_t tsc_per_ms_ = 0;
    uint32_t reads_ = 0;
  };
  TscClock clock_;
  std::atomic<int64_t> sleep_max_us_{0};
  std::thread thread_;
};

}  // namespace ferry
