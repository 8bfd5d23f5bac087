// A bridge as the daemon manages it: the OpenFlow flow table (the source of
// truth for its rules), its ports (from OVSDB, opened as DPDK ports in the
// datapath), its OpenFlow management socket, and its slot in the datapath.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "datapath/conversion.h"
#include "datapath/datapath.h"
#include "datapath/meter.h"
#include "datapath/tunnel.h"
#include "datapath/vhost_port.h"
#include "datapath/vlan_config.h"
#include "datapath/vswitchd/mirror_config.h"
#include "lib/flow/flow_table.h"
#include "lib/flow/group.h"
#include "lib/flow/tlv_table.h"
#include "lib/ovs/database.h"
#include "lib/ovs/ofparse.h"
#include "lib/util/waiter.h"

namespace ferry {

class OpenFlowHandler;

// move-detect/enable: what counts as a move on this bridge.
struct MoveDetectConfig {
  bool enabled = false;
  // OLD:NEW pairs: a VM that was reached on VLAN OLD may appear on VLAN NEW.
  std::vector<std::pair<uint16_t, uint16_t>> vlan_map;
  // MACs registered as migrating (move-detect/expect): their first GARP or
  // RARP anywhere on the bridge counts as the move.
  std::vector<Mac> expected;
  // Upcalls handled per second (a token bucket holding one second's worth);
  // the rest are dropped, counted and logged (move-detect/enable rate=N).
  uint32_t rate = 100;
};

// garp/announce: a GARP arriving on the port is turned into a dummy IP
// packet from the VM's address to dst_ip (SEEDS 002, embodiment 2).
struct AnnounceConfig {
  uint32_t dst_ip = 0;  // network order
  Mac dst_mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
};

// Port.other_config:ferry-role. Conversions default to uplink ports on the
// receive side and to VM ports on the send side.
enum class PortRole : uint8_t { kVm, kUplink };

struct BridgePort {
  std::string name;  // Port.name (= its single Interface's name)
  PortRole role = PortRole::kVm;
  std::string type;     // Interface.type
  uint32_t ofport = 0;  // 0: none assigned (the interface failed)
  Port* dp = nullptr;   // the open DPDK port (owned by the Datapath)
  int tunnel = -1;      // a tunnel port's id in the Datapath (datapath/tunnel.h)
  TunnelConfig tunnel_cfg;
  PortSpec spec;
  VlanConfig vlan;
  std::vector<std::pair<uint16_t, int>> rxq_affinity;  // other_config:pmd-rxq-affinity
  std::string error;                                   // Interface.error, "" when none
  int64_t created_ms = 0;
  // vhost-user: the queues the guest enabled, and its queue pairs at the last check.
  VhostQueues vhost_queues;
  uint16_t vhost_pairs_seen = 0;
};

class Bridge {
 public:
  // dp may be null until DPDK is initialised (attach_datapath later).
  // Unless fail_mode is "secure", the new bridge gets OVS's default
  // priority=0,actions=NORMAL flow.
  Bridge(const std::string& name, const std::string& rundir, Datapath* dp,
         const std::string& fail_mode = "");
  ~Bridge();
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  const std::string& name() const { return name_; }
  int slot() const { return slot_; }
  Datapath* datapath() const { return dp_; }
  void attach_datapath(Datapath* dp);

  // Applies this bridge's OVSDB rows: ports, VLANs, options.
  void reconfigure(const ovs::BridgeConfig& cfg);

  // Where dpdkvhostuser sockets go (Open_vSwitch other_config:vhost-sock-dir).
  void set_vhost_sock_dir(const std::string& dir) { vhost_sock_dir_ = dir; }
  // vhost-user ports take as many rx queues as their guest has queue
  // pairs; true when a port changed.
  bool follow_vhost_guests();

  // OpenFlow connections and flow timeouts.
  void run(int64_t now_ms);
  void wait(Waiter& w, int64_t now_ms);

  FlowTable& flows() { return flows_; }
  // Brings the rules' statistics up to date with what the datapath's
  // megaflows counted: before anything reports them (flow statistics,
  // flow removal) or decides on them (idle timeouts).
  void sync_rule_stats() {
    if (dp_) dp_->sync_stats(slot_);
  }
  ConversionTable& conversions() { return conversions_; }
  const ConversionTable& conversions() const { return conversions_; }
  MeterTable& meters() { return meters_; }
  GroupTable& groups() { return groups_; }
  // Geneve options <-> tun_metadata fields (NXT_TLV_TABLE_MOD).
  TlvTable& tlv_table() { return tlv_table_; }
  // The datapath learns what tun_metadata0 stands for (after a TLV map change).
  void publish_tlv_table();
  // Reads the ports' link state; a change reaches the datapath (fast_failover
  // and watched buckets translate again) with the next publish_flows().
  void refresh_liveness();
  // Pushes the flow table and the conversions to the datapath when they
  // changed; with sync, also waits until every PMD uses them (OpenFlow
  // barrier, bundle commit, vmac/* replies).
  void publish_flows(bool sync);
  // Hands changed flows and conversions to the datapath's model without
  // committing, so several bridges can change in one commit.
  void push();
  const BridgeOptions& options() const { return options_; }
  // The counters of the bridge's mirrors (Mirror.statistics).
  std::vector<MirrorStatsRow> mirror_stats() const { return mirrors_.stats(); }

  // Learn actions (bridge_learn.cc): runs the learns of this key's
  // translation and applies what they learn; refresh_learned() does it for
  // the megaflows that learn and saw packets lately (Bridge::run calls it).
  void learn_for(const FlowKey& key, int64_t now_ms);
  void refresh_learned(int64_t now_ms);

  // Move detection (move-detect/*) and GARP announcements (garp/announce).
  const MoveDetectConfig& move_detect() const { return move_detect_; }
  void set_move_detect(MoveDetectConfig cfg);
  const std::map<uint32_t, AnnounceConfig>& announce() const { return announce_; }
  void set_announce(uint32_t ofport, std::optional<AnnounceConfig> cfg);
  // OpenFlow ports of the given role (uplinks, or VM ports: neither LOCAL nor uplink).
  std::vector<uint32_t> ports_with_role(PortRole role) const;

  const std::map<std::string, BridgePort>& ports() const { return ports_; }
  const BridgePort* port_by_ofport(uint32_t ofport) const;
  const BridgePort* port_by_name(const std::string& name) const;
  ovs::PortNames port_names() const;
  // "LOCAL", a port name, or the number.
  std::string port_label(uint32_t ofport) const;
  uint64_t datapath_id() const { return datapath_id_; }
  // Names this bridge in the continuations of its paused packet-ins (OVS
  // puts the bridge's uuid there): NXT_RESUME must bring it back.
  const std::array<uint8_t, 16>& continuation_id() const { return continuation_id_; }
  const std::string& openflow_error() const { return of_error_; }
  OpenFlowHandler* openflow() { return openflow_.get(); }

 private:
  void close_port(BridgePort& p);
  void open_port(BridgePort& p);
  void configure_tunnel(BridgePort& p, const ovs::InterfaceConfig& iface);
  uint32_t allocate_ofport(const ovs::InterfaceConfig& iface, bool is_local);
  void push_ports();
  void update_datapath_id(const ovs::BridgeConfig& cfg);
  void apply_options();
  void configure_mirrors(const std::vector<ovs::MirrorConfig>& rows);
  const DpBridge* dp_bridge() const;

  std::string name_;
  std::string rundir_;
  std::string vhost_sock_dir_;
  Datapath* dp_ = nullptr;
  int slot_ = -1;
  FlowTable flows_;
  uint64_t published_generation_ = 0;
  ConversionTable conversions_;
  MeterTable meters_;
  GroupTable groups_;
  BridgeMirrors mirrors_;
  TlvTable tlv_table_;
  uint64_t published_groups_ = 0;
  std::vector<uint32_t> live_ports_;  // sorted
  bool liveness_changed_ = false;
  MoveDetectConfig move_detect_;
  std::map<uint32_t, AnnounceConfig> announce_;
  std::map<std::string, BridgePort> ports_;
  std::set<uint32_t> reserved_ofports_;
  BridgeOptions options_;
  uint64_t datapath_id_ = 0;
  std::array<uint8_t, 16> continuation_id_{};
  std::unique_ptr<OpenFlowHandler> openflow_;
  bool packet_in_on_miss_ = false;
  bool standalone_ = true;  // fail_mode: standalone (default) or secure
  bool fail_open_ = false;  // standalone, and the controllers are gone: NORMAL above all
  void run_fail_open(int64_t now_ms);
  std::string of_error_;
  int64_t next_learn_refresh_ms_ = 0;
};

// The PortSpec (devargs, queues) for an Interface row, or an error text for
// interface types Ferry does not support.
Result<PortSpec> port_spec_for(const std::string& bridge, const ovs::InterfaceConfig& iface,
                               const std::string& vhost_sock_dir = "");

}  // namespace ferry
