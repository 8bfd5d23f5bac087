// A canned OpenFlow switch for tests: accepts connections on an OfListener
// and answers every request with fixed replies, on its own thread running
// the OVS poll loop. Records every message it received.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "lib/ovs/openflow.h"

namespace ferry::ovs {

class FakeSwitch {
 public:
  // flow_mods with this priority are answered with OFPFMFC_OVERLAP; a
  // bundle holding one fails its commit with OFPBFC_MSG_FAILED.
  static constexpr uint16_t kRejectPriority = 666;
  static constexpr uint32_t kRejectGroup = 666;  // a group_mod for it is refused
  // A flow stats request matching this in_port gets kManyFlows flows
  // (several multipart replies).
  static constexpr uint32_t kManyFlowsPort = 99;
  static constexpr int kManyFlows = 3000;

  explicit FakeSwitch(std::unique_ptr<OfListener> listener);
  ~FakeSwitch();  // stops the thread

  std::vector<OfMessage> received() const;
  void clear();

  static std::vector<OfPortDesc> ports();
  static std::vector<OfFlowStats> flows();
  static std::vector<OfFlowStats> many_flows();
  static std::vector<OfPortStats> port_stats();

 private:
  void loop();
  void handle(OfConnection& conn, const OfMessage& msg);

  std::unique_ptr<OfListener> listener_;
  std::vector<std::unique_ptr<OfConnection>> conns_;
  mutable std::mutex mu_;
  std::vector<OfMessage> received_;
  bool bundle_rejects_ = false;
  uint16_t config_flags_ = 0;  // as set by set_config
  uint16_t miss_send_len_ = 128;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace ferry::ovs
