// Translation of a megaflow (its masked key and the cached answer: the
// conversion and the OpenFlow rule's actions) into one rte_flow transfer
// rule for the NIC's embedded switch. What cannot be expressed there (NORMAL,
// several outputs, meters, ARP fields, a mirror conversion ...) stays in
// software with the reason recorded.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <rte_flow.h>
#include <string>
#include <vector>

#include "lib/flow/action.h"
#include "lib/packet/flow_key.h"
#include "lib/util/result.h"

namespace ferry {

// A bridge port as the translation sees it.
struct OffloadPortInfo {
  uint16_t port_id = 0;        // DPDK port id (the representor)
  uint16_t switch_domain = 0;  // rte_eth_switch_info.domain_id
};
// The ofport's port on an embedded switch, nullopt when it is not one.
using OffloadPortLookup = std::function<std::optional<OffloadPortInfo>(uint32_t ofport)>;

// One rte_flow rule with storage for every spec, mask and conf it points to.
class RteFlowSpec {
 public:
  RteFlowSpec();
  RteFlowSpec(const RteFlowSpec&) = delete;
  RteFlowSpec& operator=(const RteFlowSpec&) = delete;

  rte_flow_attr attr{};
  std::vector<rte_flow_item> items;      // END-terminated
  std::vector<rte_flow_action> actions;  // END-terminated
  uint16_t proxy_port = 0;               // the port to create it through (the input's)

  template <class T>
  T* own(const T& v) {
    auto p = std::make_shared<T>(v);
    storage_.push_back(p);
    return p.get();
  }
  // testpmd's flow syntax, read back from the arrays themselves (golden
  // tests, offload/show).
  std::string to_string() const;

 private:
  std::vector<std::shared_ptr<void>> storage_;
};

// What a megaflow's answer is, for the translation.
struct OffloadAnswer {
  const ActionList* actions = nullptr;  // nullptr: table miss
  bool has_conversion = false;          // the destination MAC is rewritten first
  Mac conversion_to{};
  bool conversion_mirror = false;
};

// The rule for a megaflow, or the reason it stays in software (code ENOTSUP).
Result<std::unique_ptr<RteFlowSpec>> translate_megaflow(const FlowKey& key, const FlowKey& mask,
                                                        const OffloadAnswer& answer,
                                                        const OffloadPortLookup& ports,
                                                        uint32_t priority = 0);

}  // namespace ferry
