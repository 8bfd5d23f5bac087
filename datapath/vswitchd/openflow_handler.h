// A bridge's OpenFlow management socket: accepts connections and handles
// their requests against the bridge's flow table and ports, with bundles
// per connection (all-or-nothing commits) and barriers that answer only
// once every earlier change is in effect on every PMD.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/flow/flow_mod.h"
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

 private:
  struct Bundle {
    uint16_t flags = 0;
    bool closed = false;
    bool failed = false;  // a message was refused: the commit must fail
    std::vector<FlowMod> flow_mods;
  };
  struct Conn {
    std::unique_ptr<ovs::OfConnection> of;
    std::map<uint32_t, Bundle> bundles;
  };

  OpenFlowHandler(Bridge* bridge, std::unique_ptr<ovs::OfListener> listener)
      : bridge_(bridge), listener_(std::move(listener)) {}
  void handle(Conn& c, const ovs::OfMessage& msg);
  void handle_flow_mod(Conn& c, const ovs::OfMessage& msg, const FlowMod& fm);
  void handle_bundle_control(Conn& c, const ovs::OfMessage& msg, const ovs::OfBundleControl& bc);
  void handle_bundle_add(Conn& c, const ovs::OfMessage& msg, const ovs::OfBundleAdd& ba);
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
  // A flow_mod whose actions name a group that does not exist.
  bool bad_group(const FlowMod& fm) const;
  bool bad_group(const ActionList& actions) const;
  std::vector<ovs::OfPortDesc> port_descs() const;
  // An output in fm's actions to a port number that can never exist.
  bool bad_output(const FlowMod& fm) const;

  Bridge* bridge_;
  std::unique_ptr<ovs::OfListener> listener_;
  std::vector<Conn> conns_;
  uint16_t config_flags_ = 0;
  uint16_t miss_send_len_ = 128;
};

}  // namespace ferry
