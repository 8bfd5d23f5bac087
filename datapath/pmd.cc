#include "datapath/pmd.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "datapath/fdb_snapshot.h"
#include "datapath/megaflow_cache.h"
#include "datapath/pipeline.h"
#include "datapath/tx_buffers.h"
#include "lib/conntrack/conntrack.h"
#include "lib/util/clock.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(pmd_log, "pmd");

namespace ferry {

namespace {
constexpr unsigned kIdleItersBeforeSleep = 32;
constexpr int64_t kLearnRepeatMs = 100;
}  // namespace

bool Pmd::RingLearnSink::learn(uint16_t bridge_slot, uint16_t vlan, const uint8_t* mac,
                               uint32_t ofport) {
  uint64_t key = FdbSnapshot::make_key(vlan, mac);
  Recent& r = recent_[(key ^ (key >> 29) ^ bridge_slot) & 63];
  if (r.key == key && r.ofport == ofport && r.slot == bridge_slot &&
      now_ms - r.when_ms < kLearnRepeatMs) {
    return true;  // asked already; the control thread is on it
  }
  Upcall u{};
  u.type = Upcall::kLearn;
  u.bridge_slot = bridge_slot;
  u.vlan = vlan;
  std::memcpy(u.mac, mac, 6);
  u.ofport = ofport;
  if (!ring_->push(u)) return false;
  r = Recent{key, ofport, bridge_slot, now_ms};
  notifier_->notify();
  return true;
}

int64_t Pmd::TscClock::now_ms() {
  uint64_t tsc = rte_rdtsc();
  if (tsc_per_ms_ == 0 || (++reads_ & 4095) == 0) {
    tsc_per_ms_ = rte_get_tsc_hz() / 1000;
    if (tsc_per_ms_ == 0) tsc_per_ms_ = 1;
    base_tsc_ = tsc;
    base_ms_ = monotonic_ms();
    return base_ms_;
  }
  return base_ms_ + static_cast<int64_t>((tsc - base_tsc_) / tsc_per_ms_);
}

bool Pmd::RingPacketUpcaller::send(Upcall::Type type, uint16_t bridge_slot, uint32_t ofport,
                                   rte_mbuf* m) {
  if (now_ms != last_ms_) {
    tokens_ = std::min(kBurst, tokens_ + kRate * static_cast<double>(now_ms - last_ms_) / 1000.0);
    last_ms_ = now_ms;
  }
  if (tokens_ < 1.0) {
    counters_->upcalls_limited.inc();
    return false;
  }
  Upcall u{};
  u.type = type;
  u.bridge_slot = bridge_slot;
  u.ofport = ofport;
  u.pkt = m;
  if (!ring_->push(u)) {
    counters_->upcalls_limited.inc();
    return false;
  }
  tokens_ -= 1.0;
  counters_->upcalls.inc();
  notifier_->notify();
  return true;
}

Pmd::Pmd(unsigned index, int core, Rcu* rcu, const RcuPtr<DpSnapshot>* snapshot, rte_mempool* pool,
         std::unique_ptr<UpcallRing> upcalls, Notifier* notifier)
    : index_(index),
      core_(core),
      rcu_(rcu),
      snapshot_(snapshot),
      pool_(pool),
      upcalls_(std::move(upcalls)),
      tx_(std::make_unique<TxBuffers>(static_cast<uint16_t>(index), &counters_)),
      learn_(upcalls_.get(), notifier),
      packet_upcalls_(upcalls_.get(), notifier, &counters_) {
  if (core_ >= 0) {
    unsigned node = rte_lcore_to_socket_id(static_cast<unsigned>(core_));
    numa_ = node == static_cast<unsigned>(SOCKET_ID_ANY) ? 0 : static_cast<int>(node);
  }
}

Pmd::~Pmd() { stop(); }

void Pmd::start() {
  stop_.store(false);
  thread_ = std::thread([this] { main(); });
}

void Pmd::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  thread_.join();
}

uint64_t Pmd::tx_dropped(uint16_t port_id) const { return tx_->tx_dropped(port_id); }

bool Pmd::poll_once(const DpSnapshot& snap, int64_t now_ms) {
  if (index_ >= snap.pmd_rxqs.size()) return false;
  PipelineContext pc;
  pc.pmd_index = index_;
  pc.counters = &counters_;
  pc.tx = tx_.get();
  pc.learn = &learn_;
  pc.pool = pool_;
  pc.now_ms = now_ms;
  pc.rng = &rng_;
  learn_.now_ms = now_ms;
  packet_upcalls_.now_ms = now_ms;
  pc.upcall = &packet_upcalls_;
  bool got = false;
  rte_mbuf* pkts[TxBuffers::kBurst];
  iteration_++;
  for (const RxqRef& q : snap.pmd_rxqs[index_]) {
    if (q.poll_shift && (iteration_ & ((1u << q.poll_shift) - 1))) continue;
    const DpPort* in = snap.ports[q.port_id];
    if (!in) continue;
    uint64_t t0 = rte_rdtsc();
    uint16_t n = rte_eth_rx_burst(q.port_id, q.queue, pkts, TxBuffers::kBurst);
    if (n == 0) continue;
    got = true;
    process_batch(pc, snap, *in, pkts, n);
    counters_.rxq_cycles[q.port_id][std::min<unsigned>(q.queue, PmdCounters::kRxqSlots - 1)].add(
        rte_rdtsc() - t0);
    counters_.burst_hist[n >= 32 ? 5 : 31 - __builtin_clz(n)].inc();
  }
  tx_->flush_all();
  // Age idle megaflows: a few entries of one bridge's cache per iteration.
  if (!snap.bridges.empty()) {
    const DpBridge& br = snap.bridges[sweep_bridge_++ % snap.bridges.size()];
    if (index_ < br.caches.size() && br.caches[index_])
      br.caches[index_]->sweep(now_ms, snap.max_idle_ms, 16);
  }
  return got;
}

void Pmd::main() {
  char name[32];
  std::snprintf(name, sizeof name, "pmd%u", index_);
  pthread_setname_np(pthread_self(), name);
  if (core_ >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core_, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  }
  bool registered = rte_thread_register() == 0;  // an lcore id for mempool caches
  if (!registered) FLOG_WARN(pmd_log, "pmd %u: no DPDK lcore id; mempool caches are off", index_);
  int slot = rcu_->register_reader();
  FLOG_INFO(pmd_log, "pmd %u started on core %d", index_, core_);

  unsigned idle_iters = 0;
  int64_t sleep_us = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    uint64_t t0 = rte_rdtsc();
    const DpSnapshot* snap = snapshot_->load();
    bool got = snap && poll_once(*snap, clock_.now_ms());
    ct::Conntrack* ct = snap ? snap->conntrack : nullptr;  // lives as long as the datapath
    if (ct) ct->quiesce(index_);
    rcu_->quiescent(slot);
    uint64_t dt = rte_rdtsc() - t0;
    counters_.iterations.inc();
    if (got) {
      counters_.cycles_busy.add(dt);
      idle_iters = 0;
      sleep_us = 0;
      continue;
    }
    counters_.cycles_idle.add(dt);
    int64_t cap = sleep_max_us_.load(std::memory_order_relaxed);
    if (cap <= 0 || ++idle_iters < kIdleItersBeforeSleep) continue;
    sleep_us = sleep_us ? std::min(sleep_us * 2, cap) : std::min<int64_t>(1, cap);
    if (ct) ct->offline(index_);
    rcu_->offline(slot);
    timespec ts{static_cast<time_t>(sleep_us / 1000000),
                static_cast<long>((sleep_us % 1000000) * 1000)};
    nanosleep(&ts, nullptr);
    rcu_->online(slot);
    counters_.sleeps.inc();
    counters_.sleep_us.add(static_cast<uint64_t>(sleep_us));
  }
  tx_->flush_all();
  rcu_->unregister_reader(slot);
  if (registered) rte_thread_unregister();
  FLOG_INFO(pmd_log, "pmd %u stopped", index_);
}

}  // namespace ferry
