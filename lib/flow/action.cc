#include "lib/flow/action.h"

#include "lib/util/text.h"

namespace ferry {

namespace {

// Reserved port names as ovs-ofctl prints them.
const char* reserved_port_name(uint32_t port) {
  switch (port) {
    case 0xfff7:
      return "UNSET";
    case kOfppInPort:
      return "IN_PORT";
    case kOfppTable:
      return "TABLE";
    case kOfppNormal:
      return "NORMAL";
    case kOfppFlood:
      return "FLOOD";
    case kOfppAll:
      return "ALL";
    case kOfppController:
      return "CONTROLLER";
    case kOfppLocal:
      return "LOCAL";
    case kOfppNone:
      return "ANY";
    default:
      return nullptr;
  }
}

}  // namespace

std::string Action::to_string() const {
  switch (type) {
    case ActionType::kOutput: {
      if (port == kOfppController) return strprintf("CONTROLLER:%u", u16);
      if (port < kOfppMax) return strprintf("output:%u", port);
      const char* name = reserved_port_name(port);
      return name ? name : strprintf("%u", port);
    }
    case ActionType::kSetEthSrc:
      return "mod_dl_src:" + format_mac(mac);
    case ActionType::kSetEthDst:
      return "mod_dl_dst:" + format_mac(mac);
    case ActionType::kSetVlanVid:
      return strprintf("%s:%u", (flags & kPushIfNeeded) ? "mod_vlan_vid" : "set_vlan_vid", u16);
    case ActionType::kSetVlanPcp:
      return strprintf("%s:%u", (flags & kPushIfNeeded) ? "mod_vlan_pcp" : "set_vlan_pcp", u8);
    case ActionType::kStripVlan:
      return "strip_vlan";
    case ActionType::kPushVlan:
      return strprintf("push_vlan:0x%x", u16);
    case ActionType::kMeter:
      return strprintf("meter:%u", port);
  }
  return strprintf("unknown_action_%u", static_cast<unsigned>(type));
}

std::string format_actions(const ActionList& actions) {
  if (actions.empty()) return "drop";
  std::string s;
  for (const Action& a : actions) {
    if (!s.empty()) s += ',';
    s += a.to_string();
  }
  return s;
}

bool actions_output_to(const ActionList& actions, uint32_t port) {
  if (port == kOfppNone) return true;
  for (const Action& a : actions) {
    if (a.type == ActionType::kOutput && a.port == port) return true;
  }
  return false;
}

}  // namespace ferry
