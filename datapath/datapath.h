// The software datapath as the control thread drives it: DPDK ports, PMD
// threads, and per-bridge state (classifier, FDB, port membership, megaflow
// caches). Changes accumulate in a model; commit() publishes them to the
// PMDs as one immutable snapshot (all or nothing), commit_and_sync() also
// waits until every PMD uses it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "datapath/dp_snapshot.h"
#include "datapath/execute.h"
#include "datapath/fdb_table.h"
#include "datapath/mbuf_pools.h"
#include "datapath/packet_upcall.h"
#include "datapath/pmd.h"
#include "datapath/port.h"
#include "datapath/recirc.h"
#include "datapath/rxq_scheduler.h"
#include "datapath/tunnel_table.h"
#include "datapath/upcall.h"
#include "lib/conntrack/conntrack.h"
#include "lib/flow/classifier.h"
#include "lib/util/rcu.h"
#include "lib/util/waiter.h"

namespace ferry {

class MegaflowCache;
class TxBuffers;

struct BridgePortSpec {
  uint16_t port_id = 0;  // DPDK port id
  uint32_t ofport = 0;
  std::string name;
  VlanConfig vlan;
  std::vector<std::pair<uint16_t, int>> rxq_affinity;  // queue -> core (pmd-rxq-affinity)
  bool uplink = false;                                 // Port other_config:ferry-role=uplink
};

struct BridgeOptions {
  bool mac_learning = true;
  bool flood_unknown = true;
  bool move_detect = false;
  bool watch_garp = false;
  bool forward_bpdu = false;
  size_t mac_table_size = FdbTable::kDefaultMaxEntries;
  int mac_aging_s = FdbTable::kDefaultAgingSeconds;
};

struct PmdConfig {
  std::vector<int> cores{-1};  // one entry per PMD; -1 = not pinned
  int64_t sleep_max_us = 0;
  // Megaflows per PMD and bridge: caches start small (they stay in the CPU
  // caches) and grow fourfold when three quarters full, up to flow_limit
  // (other_config:flow-limit).
  size_t megaflow_capacity = 4096;
  size_t flow_limit = 200000;
  uint32_t emc_insert_inv_prob = 100;  // other_config:emc-insert-inv-prob; 0 disables the EMC
  RxqAssign rxq_assign = RxqAssign::kCycles;  // other_config:pmd-rxq-assign (OVS's default)
  int64_t max_idle_ms = 10000;                // other_config:max-idle
  bool rxq_isolate = true;                    // other_config:pmd-rxq-isolate
};

class Datapath {
 public:
  explicit Datapath(unsigned n_mbufs = MbufPools::kDefaultMbufs);
  ~Datapath();  // stops PMDs and closes ports
  Datapath(const Datapath&) = delete;
  Datapath& operator=(const Datapath&) = delete;

  // PMD threads. Restarts them when the set of cores changes.
  Status set_pmds(const PmdConfig& config);
  const PmdConfig& pmd_config() const { return pmd_config_; }
  size_t n_pmds() const { return pmds_.size(); }
  const Pmd& pmd(size_t i) const { return *pmds_[i]; }

  // Ports: opened here, then placed in a bridge with set_bridge_ports().
  Result<Port*> open_port(const PortSpec& spec);
  // Takes the port out of every bridge, waits until no PMD uses it, closes it.
  void close_port(uint16_t port_id);
  // Re-applies a changed spec (a vhost-user guest's queue pairs) to an open
  // port in place: no PMD polls or transmits on it meanwhile, and the
  // device stays (a connected guest stays connected).
  Status reconfigure_port(uint16_t port_id, const PortSpec& spec);
  Port* port(uint16_t port_id);
  // Tunnel ports (datapath/tunnel.h): no device, an id from kMaxDpPorts up
  // to place in a bridge like a DPDK port's.
  Result<uint16_t> open_tunnel_port(const std::string& name, const TunnelConfig& cfg);
  void close_tunnel_port(uint16_t id);
  // Routes and neighbours of the underlay (ovs/route, tnl/neigh); call
  // tunnels_changed() after changing them.
  TunnelTable& tunnels() { return tnl_; }
  void tunnels_changed() {
    tnl_changes_++;
    dirty_ = true;
  }
  std::vector<Port*> ports() const;
  uint64_t tx_dropped(uint16_t port_id) const;  // all threads
  // A port's counters under the names of OVSDB's Interface.statistics.
  NamedCounters port_statistics(uint16_t port_id) const;

  // Bridges, by slot.
  int add_bridge(const std::string& name);
  void remove_bridge(int slot);
  void set_bridge_ports(int slot, std::vector<BridgePortSpec> ports);
  void set_bridge_classifier(int slot, std::shared_ptr<const Classifier> classifier);
  void set_bridge_conversions(int slot, std::shared_ptr<const ConversionSnapshot> conversions);
  void set_bridge_meters(int slot, std::shared_ptr<const MeterSnapshot> meters);
  // Groups and port liveness: translations depend on them (a new generation).
  void set_bridge_groups(int slot, std::shared_ptr<const GroupSnapshot> groups);
  // The bridge's mirrors (nullptr: none); cached translations are made again.
  void set_bridge_mirrors(int slot, std::shared_ptr<const MirrorSnapshot> mirrors);
  void set_bridge_options(int slot, const BridgeOptions& options);
  // While set, a table miss goes to the bridge's controllers (a controller
  // speaking OpenFlow < 1.3 is connected, as OVS).
  void set_bridge_packet_in_on_miss(int slot, bool on);
  // Fail-open (OVS's): every packet is switched with NORMAL, above all flows.
  void set_bridge_fail_open(int slot, bool on);
  // The Geneve option the bridge's tun_metadata0 stands for (its TLV map).
  void set_bridge_tun_md0(int slot, const GeneveOptMap& map);
  FdbTable& fdb(int slot);
  // Marks the bridge's FDB changed (after fdb/add, fdb/flush ...).
  void fdb_changed(int slot) {
    dirty_ = true;
    (void)slot;
  }
  // The megaflow caches of a bridge, one per PMD (for dumps).
  std::vector<const MegaflowCache*> megaflow_caches(int slot) const;
  // Credits rules with what the bridge's megaflows counted since the last
  // time (datapath/megaflow_stats.h): call before reading RuleStats for a
  // reply (flow statistics, idle timeouts, flow removal). run() does it for
  // every bridge every kStatsPullMs.
  void sync_stats(int slot);
  void sync_stats();
  static constexpr int64_t kStatsPullMs = 200;
  static constexpr int64_t kCtSweepMs = 500;  // connection expiry (lib/conntrack/)

  void commit();
  void commit_and_sync();
  // Re-places rx queues on PMDs from the cycles measured since the last
  // placement (dpif-netdev/pmd-rxq-rebalance). Warnings go to the log.
  void rebalance();
  // Which PMDs are isolated by pmd-rxq-affinity, by PMD index.
  const std::vector<bool>& isolated_pmds() const { return isolated_; }
  // Share of a PMD's processing cycles spent on an rx queue since the last
  // placement, in percent (pmd-rxq-show's "pmd usage").
  double rxq_usage(size_t pmd, uint16_t port_id, uint16_t queue) const;
  const DpSnapshot* snapshot() const { return snapshot_.load(); }

  // Executes actions on a packet from the control thread (packet-out),
  // as if it arrived on in_port (kOfppNone: no input port). With `start`
  // (a resumed continuation, NXT_RESUME) they are translated from that
  // table with that metadata.
  Status execute(int slot, uint32_t in_port, const uint8_t* data, size_t len,
                 const ActionList& actions, const XlateStart* start = nullptr);
  // Runs a frame through the bridge's whole pipeline (conversions, flow
  // table, actions) from the control thread, as if it arrived on in_port:
  // re-injection of a frame a PMD handed up. Takes the mbuf.
  Status inject(int slot, uint32_t in_port, rte_mbuf* m);
  const PmdCounters& control_counters() const { return control_counters_; }
  // The packet-buffer pool the control thread uses (traces, packet-out).
  Result<rte_mempool*> control_pool() { return pools_.get(0); }

  // Control loop: learning requests, FDB aging, RCU reclamation.
  void run();
  // The datapath's connection tracker (dpctl/*conntrack*, ct-* commands).
  ct::Conntrack& conntrack() { return *conntrack_; }
  static constexpr unsigned kControlCtTid = 64;
  static constexpr unsigned kCtThreads = kControlCtTid + 1;
  // What run() collected for the daemon: MACs learned or moved, and frames
  // PMDs handed up (GARP/RARP copies, misses on move-detecting bridges).
  std::vector<LearnEvent> take_learn_events() { return std::move(learn_events_); }
  std::vector<PacketUpcall> take_packet_upcalls() { return std::move(packet_upcalls_); }
  void wait(Waiter& w);

 private:
  struct BridgeModel {
    std::string name;
    std::shared_ptr<const Classifier> classifier;
    std::shared_ptr<const ConversionSnapshot> conversions;
    std::shared_ptr<const MeterSnapshot> meters;
    std::shared_ptr<const GroupSnapshot> groups;
    std::shared_ptr<const MirrorSnapshot> mirrors;
    uint64_t generation = 1;  // bumped with the classifier, the conversions or the groups
    std::vector<BridgePortSpec> ports;
    BridgeOptions options;
    bool packet_in_on_miss = false;
    bool fail_open = false;
    GeneveOptMap tun_md0;
    FdbTable fdb;
    std::vector<std::unique_ptr<MegaflowCache>> caches;  // by PMD index
    std::shared_ptr<RecircTable> recirc = std::make_shared<RecircTable>();
  };
  class FdbLearnSink;
  class ControlUpcaller;

  void drain_upcalls();
  void grow_caches();
  ExecContext control_context(const DpSnapshot* snap, const DpBridge* br, const DpPort* in,
                              rte_mempool* pool);
  const DpBridge* snapshot_bridge(const DpSnapshot* snap, int slot) const;
  void control_recirc(const DpSnapshot* snap, rte_mempool* pool, RecircQueue* q);
  void rebuild_caches(BridgeModel& b);
  // Frees a snapshot no PMD will load again, after a grace period; when
  // rules may go with it, first pulls every cache's statistics and waits
  // one more grace period (datapath_stats.cc).
  void retire_snapshot(const DpSnapshot* old);
  void retire_caches();
  void pull_stats(int slot);  // -1: every bridge
  std::unique_ptr<DpSnapshot> build_snapshot();
  void assign_rxqs(DpSnapshot& snap);
  uint64_t rxq_cycles(uint16_t port_id, uint16_t queue) const;
  static void compute_simple(const DpSnapshot& snap, DpPort& port);

  Rcu rcu_;
  RcuPtr<DpSnapshot> snapshot_;
  Notifier notifier_;
  MbufPools pools_;
  std::map<uint16_t, std::unique_ptr<Port>> ports_;
  std::map<uint16_t, std::shared_ptr<const TunnelPort>> tunnel_ports_;
  TunnelTable tnl_;
  std::shared_ptr<const TunnelSnapshot> build_tunnels(const DpSnapshot& snap) const;
  void couple_tunnel_generations(DpSnapshot& snap);
  uint64_t tnl_changes_ = 0, tnl_sig_ = 0, tnl_epoch_ = 0;
  std::vector<std::unique_ptr<Pmd>> pmds_;
  PmdConfig pmd_config_;
  std::map<int, std::unique_ptr<BridgeModel>> bridges_;
  bool dirty_ = true;
  uint64_t version_ = 0;
  int64_t next_fdb_run_ms_ = 0;

  // The control thread as a transmitter (packet-out): its own tx index.
  PmdCounters control_counters_;
  std::unique_ptr<TxBuffers> control_tx_;
  std::unique_ptr<FdbLearnSink> control_learn_;
  std::unique_ptr<ControlUpcaller> control_upcall_;
  uint16_t control_tx_index_ = 0;
  std::vector<LearnEvent> learn_events_;
  std::vector<PacketUpcall> packet_upcalls_;
  // Caches replaced by bigger ones: PMDs may use them until the next
  // snapshot's grace period (retired), then their statistics are pulled a
  // last time before they are freed (draining).
  struct OldCache {
    int slot;
    std::shared_ptr<MegaflowCache> cache;
  };
  std::vector<OldCache> retired_caches_;
  // Connection tracking (lib/conntrack/): PMDs are tracker threads 0..n-1,
  // the control thread (packet-outs) kControlCtTid.
  std::unique_ptr<ct::Conntrack> conntrack_;
  int64_t next_ct_sweep_ms_ = 0;
  std::vector<OldCache> draining_caches_;
  int64_t next_stats_pull_ms_ = 0;
  // The current placement of rx queues, kept across snapshots; redone when
  // the set of queues changes or on rebalance().
  std::map<std::pair<uint16_t, uint16_t>, size_t> placement_;
  std::map<std::pair<uint16_t, uint16_t>, uint64_t> cycles_base_;
  std::vector<bool> isolated_;
  bool replace_ = true;
  int reconfiguring_ = -1;  // a port left out of snapshots while reconfigure_port() runs
};

}  // namespace ferry
