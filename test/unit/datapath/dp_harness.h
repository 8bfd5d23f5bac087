// A Datapath with one PMD and ring-backed ports (rte_eth_from_rings) for
// tests: frames go in on a port's rx ring and what Ferry sends is read from
// its tx ring. The EAL is initialised once for the whole test binary, on
// first use, and cleaned up (with its runtime directory) when the run ends.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "datapath/datapath.h"
#include "datapath/pmd_counters.h"
#include "datapath/vlan_config.h"
#include "lib/flow/flow_table.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace ferry::test {

using Frame = std::vector<uint8_t>;

// Initialises the EAL on the first call (no hugepages, or --in-memory with
// hugepages when enough are free; FERRY_UNIT_EAL=nohuge|huge forces one).
// Returns false with the reason in *error.
bool ensure_eal(std::string* error);

class DpHarness {
 public:
  static constexpr unsigned kPoolSize = 4096;  // the test's own mbufs
  static constexpr unsigned kRxRingSize = 1024;
  static constexpr unsigned kTxRingSize = 4096;

  // n_ports ring ports named p1..pN with OpenFlow ports 1..N, all in bridge
  // "br0" (VLAN configs by port, trunk when not given), no flows yet.
  explicit DpHarness(unsigned n_ports, std::vector<VlanConfig> vlans = {}, unsigned n_pmds = 1);
  ~DpHarness();  // closes ports, checks that no mbuf leaked, frees all
  DpHarness(const DpHarness&) = delete;
  DpHarness& operator=(const DpHarness&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  Datapath& dp() { return *dp_; }
  int slot() const { return slot_; }
  uint16_t port_id(uint32_t ofport) const { return ports_.at(ofport - 1).port_id; }
  FdbTable& fdb() { return dp_->fdb(slot_); }

  // Flows: added to the harness's flow table and published with
  // commit_and_sync().
  FlowTable& flows() { return flows_; }
  void add_flow(const Match& match, uint16_t priority, ActionList actions, uint64_t cookie = 0);
  // The same in another table; returns the rule's statistics.
  std::shared_ptr<RuleStats> add_flow_in(uint8_t table, const Match& match, uint16_t priority,
                                         ActionList actions, uint64_t cookie = 0);
  void publish_flows();
  // Deletes every flow (not published until the next add_flow/publish_flows).
  void clear_flows();

  // Enqueues a frame on a port's rx ring. With stripped_tci, the frame
  // arrives as from a device that stripped its VLAN tag into the mbuf
  // (RTE_MBUF_F_RX_VLAN_STRIPPED, vlan_tci), as net_af_packet does.
  void send(uint32_t ofport, const Frame& frame, std::optional<uint16_t> stripped_tci = {});
  // Waits (generous deadline) until n frames left the port; returns what
  // it got, possibly fewer.
  std::vector<Frame> recv(uint32_t ofport, size_t n);
  // Every frame that left the port and was not read yet.
  std::vector<Frame> take(uint32_t ofport);
  // Returns once every frame sent so far was processed and its outputs
  // transmitted: rx rings empty, then one RCU grace period; then the
  // rules' statistics are pulled from the megaflows (Datapath::sync_stats).
  void quiesce();
  // quiesce(), then dp().run() and commit_and_sync(): learning applied and
  // visible to the PMD.
  void learn();

  const PmdCounters& counters() const { return dp_->pmd(0).counters(); }
  // A counter summed over every PMD.
  uint64_t sum(Counter PmdCounters::*counter) const;
  // PMD 0's drop counter with this name (drop_reason_name).
  uint64_t drops(const std::string& name) const;

  // Closes a port through Datapath::close_port (the harness still drains
  // and frees its rings).
  void close_port(uint32_t ofport);

  rte_ring* rx_ring(uint32_t ofport) { return ports_.at(ofport - 1).rx; }
  rte_ring* tx_ring(uint32_t ofport) { return ports_.at(ofport - 1).tx; }
  rte_mempool* pool() { return pool_; }

  static Frame read_mbuf(const rte_mbuf* m);

 private:
  struct RingPort {
    std::string ethdev;  // "net_ring_<name>"
    rte_ring* rx = nullptr;
    rte_ring* tx = nullptr;
    uint16_t port_id = 0;
    bool ethdev_created = false;
    bool open = false;  // in the Datapath
  };

  void build(unsigned n_ports, const std::vector<VlanConfig>& vlans, unsigned n_pmds);
  void teardown();
  void drain_rings();

  std::string error_;
  unsigned serial_ = 0;
  rte_mempool* pool_ = nullptr;
  std::vector<RingPort> ports_;
  std::unique_ptr<Datapath> dp_;
  int slot_ = -1;
  FlowTable flows_;
};

}  // namespace ferry::test
