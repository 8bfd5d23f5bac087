// A fabric switch that speaks only OpenFlow (SEEDS 000: "any switch that
// accepts MAC -> out port entries", e.g. Open vSwitch): the control-socket
// commands the orchestrator sends fabric switches, as flow_mods. An entry
// `MAC on VLAN -> port` is the flow
//   priority=1000,dl_vlan=V,dl_dst=MAC,actions=output:PORT
// (VLAN 0: frames without an 802.1Q header), above the switch's own
// forwarding (e.g. OVS's priority-0 NORMAL flow).
#pragma once

#include <string>
#include <vector>

#include "lib/util/result.h"

namespace ferry::migrate {

inline constexpr int kFabricFlowPriority = 1000;

// An ovs-ofctl-style change (lib/ovs/of_client.h).
struct OfChange {
  std::string command;  // add-flow, del-flows, ...
  std::string spec;
  bool strict = false;
};

// fdb/add BRIDGE PORT VLAN MAC -> add-flow; fdb/del BRIDGE VLAN MAC ->
// del-flows --strict. Any other command cannot be said in OpenFlow: an
// error naming it.
Result<OfChange> fabric_change(const std::string& method, const std::vector<std::string>& args);

}  // namespace ferry::migrate
