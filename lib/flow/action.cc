#include "lib/flow/action.h"

#include "lib/flow/field.h"
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
    case ActionType::kGotoTable:
      return strprintf("goto_table:%u", u8);
    case ActionType::kResubmit: {
      std::string p = port == kOfppInPort ? "" : strprintf("%u", port);
      if (u8 == 0xff) return "resubmit:" + p;
      return strprintf("resubmit(%s,%u)", p.c_str(), u8);
    }
    case ActionType::kSetField: {
      auto f = static_cast<Field>(u8);
      if (flags & kInstruction) {
        return strprintf("write_metadata:0x%llx/0x%llx", static_cast<unsigned long long>(value),
                         static_cast<unsigned long long>(mask));
      }
      if (mask == low_bits(field_bits(f))) {
        return strprintf("set_field:0x%llx->%s", static_cast<unsigned long long>(value),
                         field_name(f).c_str());
      }
      return strprintf("set_field:0x%llx/0x%llx->%s", static_cast<unsigned long long>(value),
                       static_cast<unsigned long long>(mask), field_name(f).c_str());
    }
    case ActionType::kMove:
      return strprintf("move:%s[%u..%u]->%s[%u..%u]",
                       field_name(static_cast<Field>(mac[0])).c_str(), mac[2], mac[2] + mac[4] - 1,
                       field_name(static_cast<Field>(mac[1])).c_str(), mac[3], mac[3] + mac[4] - 1);
    case ActionType::kDecTtl:
      return "dec_ttl";
    case ActionType::kClone:
      return strprintf("clone(%u actions)", u16);
    case ActionType::kOutputField:
      return strprintf("output:%s[%u..%u]", field_name(static_cast<Field>(u8)).c_str(), mac[2],
                       mac[2] + mac[4] - 1);
    case ActionType::kGroup:
      return strprintf("group:%u", port);
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

bool actions_need_xlate(const ActionList& actions) {
  for (const Action& a : actions) {
    switch (a.type) {
      case ActionType::kGotoTable:
      case ActionType::kResubmit:
      case ActionType::kMove:
      case ActionType::kOutputField:
      case ActionType::kGroup:
        return true;
      case ActionType::kSetField:
        if (!field_in_packet(static_cast<Field>(a.u8))) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

bool actions_output_to(const ActionList& actions, uint32_t port) {
  if (port == kOfppNone) return true;
  for (const Action& a : actions) {
    if (a.type == ActionType::kOutput && a.port == port) return true;
  }
  return false;
}

}  // namespace ferry
