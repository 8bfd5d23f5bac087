// A transmitting thread's per-port output batches. Packets queue here and
// leave in bursts of up to kBurst, at the latest at the end of the thread's
// loop iteration (flush_all), so no packet waits across iterations.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include "datapath/dp_snapshot.h"
#include "datapath/pmd_counters.h"
#include "datapath/port.h"

namespace ferry {

class TxBuffers {
 public:
  static constexpr uint16_t kBurst = 32;

  // thread: this thread's transmit index (PMD index; the control thread
  // uses the index after the last PMD).
  TxBuffers(uint16_t thread, PmdCounters* counters) : thread_(thread), counters_(counters) {}
  TxBuffers(const TxBuffers&) = delete;
  TxBuffers& operator=(const TxBuffers&) = delete;

  [[gnu::always_inline]] void push(const DpPort& out, rte_mbuf* m) {
    Buf& b = bufs_[out.port_id];
    if (!b.listed) {
      b.listed = true;
      b.port = out.port;
      dirty_[n_dirty_++] = out.port_id;
    }
    b.pkts[b.n++] = m;
    if (b.n == kBurst) flush(out.port_id);
  }

  // n packets for one port at once: one buffer lookup, pointer copies.
  void push_burst(const DpPort& out, rte_mbuf** pkts, uint16_t n) {
    Buf& b = bufs_[out.port_id];
    if (!b.listed) {
      b.listed = true;
      b.port = out.port;
      dirty_[n_dirty_++] = out.port_id;
    }
    uint16_t i = 0;
    while (i < n) {
      uint16_t k = static_cast<uint16_t>(std::min<unsigned>(kBurst - b.n, n - i));
      std::memcpy(&b.pkts[b.n], pkts + i, k * sizeof(rte_mbuf*));
      b.n = static_cast<uint16_t>(b.n + k);
      i = static_cast<uint16_t>(i + k);
      if (b.n == kBurst) flush(out.port_id);
    }
  }

  void flush_all() {
    for (unsigned i = 0; i < n_dirty_; i++) {
      flush(dirty_[i]);
      bufs_[dirty_[i]].listed = false;
    }
    n_dirty_ = 0;
  }

  // Packets this thread could not hand to the port, by DPDK port id.
  uint64_t tx_dropped(uint16_t port_id) const { return dropped_[port_id].get(); }

 private:
  struct Buf {
    uint16_t n = 0;
    bool listed = false;
    Port* port = nullptr;
    rte_mbuf* pkts[kBurst];
  };

  void flush(uint16_t port_id) {
    Buf& b = bufs_[port_id];
    if (b.n == 0) return;
    Port* p = b.port;
    uint16_t q = static_cast<uint16_t>(thread_ % p->n_txq());
    uint16_t sent;
    if (p->txq_shared()) {
      rte_spinlock_lock(p->txq_lock(q));
      sent = rte_eth_tx_burst(port_id, q, b.pkts, b.n);
      if (sent < b.n && sent > 0 && p->tx_retries_max()) sent = retry(p, port_id, q, b, sent);
      rte_spinlock_unlock(p->txq_lock(q));
    } else {
      sent = rte_eth_tx_burst(port_id, q, b.pkts, b.n);
      if (sent < b.n && sent > 0 && p->tx_retries_max()) sent = retry(p, port_id, q, b, sent);
    }
    counters_->tx_batches.inc();
    counters_->tx_batch_packets.add(b.n);
    counters_->tx_packets.add(sent);
    if (sent < b.n) {
      uint16_t lost = static_cast<uint16_t>(b.n - sent);
      rte_pktmbuf_free_bulk(b.pkts + sent, lost);
      counters_->drop(DropReason::kTxQueueFull, lost);
      dropped_[port_id].add(lost);
    }
    b.n = 0;
  }

  // As OVS's vhost send: try again while the device keeps taking part of
  // the rest, at most tx_retries_max times; a device that takes nothing
  // (a guest that does not consume its ring) ends it at once.
  [[gnu::cold, gnu::noinline]] static uint16_t retry(Port* p, uint16_t port_id, uint16_t q, Buf& b,
                                                     uint16_t sent) {
    uint32_t max = p->tx_retries_max(), retries = 0;
    while (sent < b.n && retries < max) {
      retries++;
      uint16_t k = rte_eth_tx_burst(port_id, q, b.pkts + sent, static_cast<uint16_t>(b.n - sent));
      if (k == 0) break;
      sent = static_cast<uint16_t>(sent + k);
    }
    p->count_tx_retries(retries);
    return sent;
  }

  uint16_t thread_;
  PmdCounters* counters_;
  Buf bufs_[kMaxDpPorts];
  uint16_t dirty_[kMaxDpPorts];
  unsigned n_dirty_ = 0;
  Counter dropped_[kMaxDpPorts];
};

}  // namespace ferry
