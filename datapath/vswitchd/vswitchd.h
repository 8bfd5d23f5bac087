// The daemon: reads its configuration from OVSDB, keeps bridges, ports and
// the datapath in line with it, writes status back, and serves the control
// socket. Everything here runs on the one control thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "datapath/datapath.h"
#include "datapath/link_notifier.h"
#include "datapath/vswitchd/bridge.h"
#include "datapath/vswitchd/event_log.h"
#include "datapath/vswitchd/move_detector.h"
#include "datapath/vswitchd/options.h"
#include "datapath/vswitchd/telemetry.h"
#include "lib/ovs/database.h"
#include "lib/rpc/command.h"
#include "lib/rpc/unixctl_server.h"
#include "lib/util/result.h"

namespace ferry {

class OffloadManager;

class Vswitchd {
 public:
  explicit Vswitchd(const VswitchdOptions& options);
  ~Vswitchd();
  Vswitchd(const Vswitchd&) = delete;
  Vswitchd& operator=(const Vswitchd&) = delete;

  // Opens the control socket and the database connection.
  Status start();
  // The main loop; returns the process exit code.
  int run();
  // Orderly teardown (PMDs stopped, ports closed); safe to call twice.
  void shutdown();

  void request_exit() { exiting_ = true; }

  // For commands.
  const VswitchdOptions& options() const { return options_; }
  rpc::CommandRegistry& commands() { return commands_; }
  Datapath* datapath() { return dp_.get(); }
  Bridge* bridge(const std::string& name);
  const std::map<std::string, std::unique_ptr<Bridge>>& bridges() const { return bridges_; }
  EventLog& events() { return events_; }
  MoveDetector& move_detector() { return mover_; }
  // The route switcher (SEEDS 004), nullptr until DPDK is up.
  OffloadManager* offload() { return offload_.get(); }
  uint32_t next_conversion_id() { return next_conversion_id_++; }
  // A command changed state kept in the database (conversions, static FDB
  // entries): written in this main-loop iteration (state_persist.h).
  void state_changed() { state_dirty_ = true; }
  // The bridge holding conversion id, or nullptr.
  Bridge* bridge_of_conversion(uint32_t id);

  // Statistics counters of pmd-stats-clear are kept as baselines.
  std::map<std::string, uint64_t>& pmd_stats_baseline() { return pmd_baseline_; }
  // dpif/set-dp-features: features turned down at run time (name -> value).
  std::map<std::string, uint64_t>& dp_features_runtime() { return dp_features_runtime_; }
  // Tunnels (commands_tnl.cc): when an ARP request last went to a next hop.
  std::map<uint32_t, int64_t>& tunnel_arp_sent() { return tunnel_arp_sent_; }

 private:
  void reconfigure(const ovs::Config& cfg);
  void configure_dpdk(const ovs::Config& cfg);
  PmdConfig pmd_config(const ovs::Config& cfg) const;
  void write_status(bool with_stats);
  void write_controller_status();
  void send_packet_in(Bridge& b, const PacketUpcall& up);
  void register_commands();
  void handle_datapath_events();
  void configure_offload(const ovs::Config& cfg);  // offload_config.cc

  VswitchdOptions options_;
  std::string rundir_;
  std::string unixctl_path_;
  std::string unixctl_link_;
  rpc::CommandRegistry commands_;
  std::unique_ptr<rpc::UnixctlServer> unixctl_;
  std::unique_ptr<ovs::Ovsdb> db_;
  std::unique_ptr<Datapath> dp_;
  std::unique_ptr<Telemetry> telemetry_;  // after DPDK is up
  std::map<std::string, std::unique_ptr<Bridge>> bridges_;
  std::unique_ptr<OffloadManager> offload_;
  std::set<std::string> skipped_bridges_;
  std::string vhost_sock_warning_;  // the last vhost-sock-dir refusal logged
  uint64_t applied_seqno_ = 0;
  int64_t next_stats_ms_ = 0;
  int64_t next_link_check_ms_ = 0;
  std::map<std::string, bool> link_up_;
  uint64_t link_checks_ = 0;
  LinkNotifier link_notifier_;
  bool dpdk_failed_ = false;
  bool lock_warned_ = false;
  // OVS's flow-restore-wait latch (controller_policy.h); controller targets
  // refused by self-confinement, each logged once.
  bool flow_restore_wait_ = true;
  // Ferry's state in Bridge external_ids (state_persist.cc): bridges whose
  // state was read back, what was last written, and keys that could not be
  // restored (kept in the database as they were).
  void restore_state(Bridge& b, const ovs::StringMap& external_ids);
  void persist_state();
  void forget_state(const std::string& bridge);
  std::set<std::string> restored_;
  std::map<std::string, ovs::StringMap> persisted_;
  std::map<std::string, ovs::StringMap> unrestored_;
  bool state_dirty_ = false;
  std::set<std::string> refused_controllers_;
  bool exiting_ = false;
  bool shut_down_ = false;
  bool daemon_completed_ = false;
  std::map<std::string, uint64_t> pmd_baseline_;
  std::map<std::string, uint64_t> dp_features_runtime_;
  // CT_Zone timeout policies applied to the tracker (ct_zones.cc).
  void configure_ct_zones(const ovs::Config& cfg);
  std::map<uint16_t, std::map<std::string, int64_t>> ct_zone_policies_;
  EventLog events_;
  MoveDetector mover_{&events_};
  std::map<uint32_t, int64_t> tunnel_arp_sent_;
  uint32_t next_conversion_id_ = 1;
  uint64_t packet_ins_unsent_ = 0;  // no connection wanted them
};

// Command tables, each next to what it controls (commands_*.cc).
void register_core_commands(Vswitchd& d);
void register_fdb_commands(Vswitchd& d);
void register_dpif_commands(Vswitchd& d);
void register_ofproto_commands(Vswitchd& d);
void register_vmac_commands(Vswitchd& d);
void register_migration_commands(Vswitchd& d);
void register_memory_commands(Vswitchd& d);
void register_offload_commands(Vswitchd& d);
void register_dp_features_commands(Vswitchd& d);
void register_ct_commands(Vswitchd& d);
void register_tnl_commands(Vswitchd& d);
// Datapath.capabilities for the netdev Datapath row: the features of
// dpif/show-dp-features (as set-dp-features left them) and ct_flush, as
// ovs-vswitchd writes its probed ones (commands_dp_features.cc).
ovs::StringMap datapath_capabilities(Vswitchd& d);
// Tunnels' control side (commands_tnl.cc): the internal ports' addresses
// (routes, decapsulation) and the PMDs' kTnlSnoop/kTnlMiss upcalls.
void refresh_tunnel_addresses(Vswitchd& d);
void tunnel_upcall(Vswitchd& d, Bridge& b, const PacketUpcall& up);
// OVS's syntax for the OpenFlow actions among a translation's, recirc(0x..)
// and tnl_push(...) for the datapath's own (which OpenFlow has no action
// for) (commands_dpif.cc).
std::string format_datapath_actions(const ActionList& actions, const ovs::PortNames& names);
// For dpctl/dump-flows (commands_offload.cc): "offloaded:yes|no|partial, "
// for a software megaflow, and the block of flows in the NIC.
std::string offload_megaflow_fields(Vswitchd& d, int slot, const FlowKey& key, const FlowKey& mask);
std::string offload_dump_hw(Vswitchd& d, const std::string& only_bridge);

}  // namespace ferry
