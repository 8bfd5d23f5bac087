// A bridge's OpenFlow connections, as OVS's connmgr: the management socket
// (service connections from ovs-ofctl), its controllers (Bridge.controller:
// active targets it connects to, passive ones it listens on), their requests
// against the bridge's flow table and ports, with bundles per connection
// (all-or-nothing commits) and barriers that answer only once every earlier
// change is in effect on every PMD; packet-ins to whichever connections
// want them; roles.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "lib/flow/flow_mod.h"
#include "lib/ovs/database.h"
#include "lib/ovs/openflow.h"
#include "lib/util/result.h"

namespace ferry {

class Bridge;

class OpenFlowHandler {
 public:
  static Result<std::unique_ptr<OpenFlowHandler>> open(Bridge* bridge, const std::string& name);
  void run();
  void wait();
  size_t n_connections() const { return conns_.size(); }

  // Bridge.controller (openflow_conns.cc): connects to new active targets,
  // listens on new passive ones, drops those that left.
  void set_controllers(const std::vector<ovs::ControllerConfig>& controllers);
  // Sends a packet-in to every connection that wants it; how many did.
  size_t send_packet_in(const ovs::OfPacketIn& pi);
  // Some connection wants table misses as packet-ins (OpenFlow < 1.3).
  bool wants_miss() const;
  // One per Controller row, for the database.
  std::vector<ovs::ControllerStatus> controller_status() const;
  // True once after a controller connected, disconnected or changed role.
  bool take_status_changed();
  // Some configured controller is connected (fail_mode standalone).
  bool controller_connected() const;
  bool has_controllers() const { return !controllers_.empty(); }
  // Sends OFPT_PORT_STATUS for every port added, deleted or changed since
  // the last call (the bridge calls it after configuration changes and
  // link checks).
  void check_ports();
  // Milliseconds since a controller was last connected (or since the first
  // was configured); 0 while one is, or when there are none.
  int64_t failure_duration_ms(int64_t now_ms) const;
  // OVS's fail-open trigger: every controller had three inactivity probes
  // to reconnect.
  int64_t fail_open_after_ms() const;

 private:
  struct Bundle {
    uint16_t flags = 0;
    bool closed = false;
    bool failed = false;  // a message was refused: the commit must fail
    std::vector<std::variant<FlowMod, GroupMod>> msgs;  // in the order added
  };
  struct Conn {
    std::unique_ptr<ovs::OfConnection> of;
    std::map<uint32_t, Bundle> bundles;
    std::string target;  // the Controller row it belongs to ("": the management socket)
    bool was_connected = false;
    ovs::OfRole last_role = ovs::OfRole::kEqual;
  };
  struct Controller {
    ovs::ControllerConfig config;
    std::unique_ptr<ovs::OfListener> listener;  // passive targets
    std::string error;                          // a target that could not be used
  };

  OpenFlowHandler(Bridge* bridge, std::unique_ptr<ovs::OfListener> listener)
      : bridge_(bridge), listener_(std::move(listener)) {}
  void accept_connections();
  void handle_role_request(Conn& c, const ovs::OfMessage& msg, const ovs::OfRoleRequest& rr);
  // Refuses a state-changing request from a slave connection (true: refused).
  bool refuse_slave(Conn& c, const ovs::OfMessage& msg);
  void handle(Conn& c, const ovs::OfMessage& msg);
  void handle_flow_mod(Conn& c, const ovs::OfMessage& msg, const FlowMod& fm);
  // Bundles (openflow_bundles.cc).
  void handle_bundle_control(Conn& c, const ovs::OfMessage& msg, const ovs::OfBundleControl& bc);
  void handle_bundle_add(Conn& c, const ovs::OfMessage& msg, const ovs::OfBundleAdd& ba);
  // Applies a bundle's group_mods and flow_mods as one change (false, with
  // nothing changed, when one of them fails: *failed is its index).
  bool commit_bundle(const Bundle& b, size_t* failed, std::string* why);
  void handle_flow_stats(Conn& c, const ovs::OfMessage& msg, const ovs::OfFlowStatsRequest& req,
                         bool aggregate);
  void handle_port_stats(Conn& c, const ovs::OfMessage& msg, const ovs::OfPortStatsRequest& req);
  void handle_packet_out(Conn& c, const ovs::OfMessage& msg, const ovs::OfPacketOut& po);
  void handle_meter_mod(Conn& c, const ovs::OfMessage& msg, const ovs::OfMeterMod& mm);
  void handle_meter_stats(Conn& c, const ovs::OfMessage& msg, uint32_t meter_id, bool config);
  // An error for a flow_mod whose actions name a meter that does not exist.
  bool bad_meter(const FlowMod& fm) const;
  // Groups (openflow_groups.cc).
  void handle_group_mod(Conn& c, const ovs::OfMessage& msg, const GroupMod& gm);
  void handle_group_request(Conn& c, const ovs::OfMessage& msg, uint32_t group_id, bool desc);
  // Strict deletes of the flows whose actions use group id (kGroupAll: any):
  // as OVS, they go with a deleted group.
  std::vector<FlowMod> flows_of_group(uint32_t id) const;
  // Nicira extensions (openflow_nx.cc).
  void handle_ct_flush(const ovs::OfCtFlush& f);
  void handle_tlv_table_mod(Conn& c, const ovs::OfMessage& msg, const ovs::OfTlvMod& mod);
  void handle_resume(Conn& c, const ovs::OfMessage& msg, const ovs::OfResume& r);
  // A flow_mod whose actions name a group that does not exist.
  bool bad_group(const FlowMod& fm) const;
  bool bad_group(const ActionList& actions) const;
  std::vector<ovs::OfPortDesc> port_descs() const;
  // An output in fm's actions to a port number that can never exist.
  bool bad_output(const FlowMod& fm) const;
  // A match or action on tun_metadata0 while the TLV map has no index 0
  // (OVS: NXFMFC_INVALID_TLV_FIELD).
  bool unmapped_tlv(const FlowMod& fm) const;
  // As OVS, which knows the option's length: a set_field on all of
  // tun_metadata0's bytes writes the field whole (shown unmasked). Returns
  // fm, or *buf changed.
  const FlowMod& fit_tlv(const FlowMod& fm, FlowMod* buf) const;

  Bridge* bridge_;
  std::unique_ptr<ovs::OfListener> listener_;
  std::vector<Conn> conns_;
  std::map<std::string, Controller> controllers_;   // by target
  std::map<uint32_t, ovs::OfPortDesc> ports_seen_;  // check_ports()
  uint16_t config_flags_ = 0;
  bool status_changed_ = false;
  int64_t last_connected_ms_ = 0;  // a controller was connected then (or configured)
  // Role election (OpenFlow 1.2+): the largest generation id seen.
  bool have_generation_id_ = false;
  uint64_t generation_id_ = 0;
};

}  // namespace ferry
