// A DPDK port: a device found or probed from its devargs (as OVS-DPDK's
// options:dpdk-devargs), configured with the rx queues asked for and one tx
// queue per transmitting thread when the device has enough (otherwise tx
// queues are shared under a per-queue spinlock, as OVS does).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <rte_spinlock.h>
#include <string>
#include <utility>
#include <vector>

#include "lib/packet/flow_key.h"
#include "lib/util/result.h"

namespace ferry {

class MbufPools;

struct PortSpec {
  std::string name;     // Interface.name
  std::string devargs;  // options:dpdk-devargs (or built for internal ports)
  uint16_t n_rxq = 1;   // options:n_rxq
  uint16_t n_rxd = 2048;
  uint16_t n_txd = 2048;
  uint16_t n_txq = 1;  // transmitting threads: PMDs + the control thread
  std::optional<uint32_t> mtu;
  bool operator==(const PortSpec& o) const {
    return name == o.name && devargs == o.devargs && n_rxq == o.n_rxq && n_rxd == o.n_rxd &&
           n_txd == o.n_txd && n_txq == o.n_txq && mtu == o.mtu;
  }
};

struct PortLink {
  bool up = false;
  uint32_t speed_mbps = 0;
  bool full_duplex = false;
};

struct PortHwStats {
  uint64_t rx_packets = 0, rx_bytes = 0, rx_missed = 0, rx_errors = 0, rx_nombuf = 0;
  uint64_t tx_packets = 0, tx_bytes = 0, tx_errors = 0;
};

class Port {
 public:
  static constexpr uint16_t kMaxQueues = 64;

  // Probes the device if needed, configures and starts it. Fails with
  // EBUSY, touching nothing, when the device's port id is in in_use.
  static Result<std::unique_ptr<Port>> open(
      const PortSpec& spec, MbufPools& pools,
      const std::vector<std::pair<uint16_t, std::string>>& in_use = {});
  ~Port();  // stops and closes it; detaches a device Ferry probed
  // Re-applies a changed spec (queue counts, MTU) to the same device.
  Status reconfigure(const PortSpec& spec, MbufPools& pools);
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;

  uint16_t id() const { return id_; }
  const PortSpec& spec() const { return spec_; }
  const std::string& name() const { return spec_.name; }
  uint16_t n_rxq() const { return n_rxq_; }
  uint16_t n_txq() const { return n_txq_; }
  // True when threads share tx queues and must take txq_lock().
  bool txq_shared() const { return n_txq_ < spec_.n_txq; }
  rte_spinlock_t* txq_lock(uint16_t q) { return &txq_locks_[q]; }
  int numa_node() const { return numa_; }
  uint32_t mtu() const { return mtu_; }
  Mac mac() const;
  PortLink link() const;
  PortHwStats hw_stats() const;
  std::string driver_name() const;

  // Bounded retries of a burst the device took only part of, while it keeps
  // taking some (vhost-user's options:tx-retries-max; 0 for other ports).
  void set_tx_retries_max(uint32_t n) { tx_retries_max_.store(n, std::memory_order_relaxed); }
  uint32_t tx_retries_max() const { return tx_retries_max_.load(std::memory_order_relaxed); }
  void count_tx_retries(uint64_t n) { tx_retries_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t tx_retries() const { return tx_retries_.load(std::memory_order_relaxed); }

 private:
  Port() = default;
  Status configure(MbufPools& pools);
  void drain_rx(uint16_t n_rxq);

  PortSpec spec_;
  uint16_t id_ = 0;
  uint16_t n_rxq_ = 0;
  uint16_t n_txq_ = 0;
  int numa_ = 0;
  uint32_t mtu_ = 1500;
  bool started_ = false;
  bool probed_by_us_ = false;
  rte_spinlock_t txq_locks_[kMaxQueues];
  std::atomic<uint32_t> tx_retries_max_{0};
  std::atomic<uint64_t> tx_retries_{0};
};

// What a pcap replay port (net_pcap with rx_pcap and infinite_rx) will hold:
// its frame count and largest frame, read from the file; nullopt otherwise.
struct PcapReplay {
  uint32_t frames = 0;
  uint32_t max_len = 0;
};
std::optional<PcapReplay> pcap_replay_needs(const std::string& devargs);

// The device of a system port (Interface.type "" or "system"): the kernel
// interface IFACE through DPDK's net_af_packet (frames as they crossed the
// interface: see af_packet_defrag.h), with a 4096-frame ring (8 MB) that
// rides out a PMD that lost its CPU for a while on a shared machine
// (DPDK's default of 512 frames is 50 ms at 10 kpps).
std::string system_port_devargs(const std::string& iface);

// The kernel interface behind a packet-socket port's devargs
// (net_af_packet's "iface=NAME", net_pcap's "rx_iface_in=NAME"); "" for
// other devices.
std::string kernel_iface(const std::string& devargs);
// That interface's carrier (IFF_UP and IFF_RUNNING); nullopt for other
// devices. False when the interface is gone.
std::optional<bool> kernel_carrier(const std::string& devargs);

// Finds (or probes) the ethdev for devargs; its port id. Exposed for tests.
Result<uint16_t> find_or_probe_port(const std::string& devargs, bool* probed);

}  // namespace ferry
