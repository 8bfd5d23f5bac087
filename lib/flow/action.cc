#include "lib/flow/action.h"

#include <algorithm>

#include "lib/flow/ct_action.h"
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
    case ActionType::kController:
    case ActionType::kPacketIn: {
      std::string s =
          strprintf("%s(reason=%s", type == ActionType::kController ? "controller" : "packet_in",
                    packet_in_reason_name(static_cast<PacketInReason>(u8)));
      if (u16 != 0xffff) s += strprintf(",max_len=%u", u16);
      if (port) s += strprintf(",id=%u", port);
      if (userdata_len()) s += strprintf(",userdata=%u bytes", userdata_len());
      if (type == ActionType::kPacketIn) s += strprintf(",table=%u", mac[0]);
      if (flags & kPause) s += ",pause";
      return s + ")";
    }
    case ActionType::kData:
      return "";
    case ActionType::kGroup:
      return strprintf("group:%u", port);
    case ActionType::kConjunction:
      return strprintf("conjunction(%u,%u/%u)", port, mac[0] + 1u, mac[1]);
    case ActionType::kNote:
      return strprintf("note(%u bytes)", port);
    case ActionType::kNoteData:
      return "";
    case ActionType::kStackPush:
    case ActionType::kStackPop:
      return strprintf("%s:%s[%u..%u]", type == ActionType::kStackPush ? "push" : "pop",
                       field_name(static_cast<Field>(u8)).c_str(), mac[2], mac[2] + mac[4] - 1);
    case ActionType::kWriteActions:
      return strprintf("write_actions(%u actions)", u16);
    case ActionType::kClearActions:
      return "clear_actions";
    case ActionType::kLearn:
      return strprintf("learn(table=%u,%u specs)", u8, u16);
    case ActionType::kCt:
      return format_ct(decode_ct(this, 0));
    case ActionType::kCtClear:
      return "ct_clear";
    case ActionType::kRecirc:
      return strprintf("recirc(0x%x)", port);
    case ActionType::kTnlPush:
      return strprintf("tnl_push(header(size=%u)%s)", u16, flags & 1 ? ",csum" : "");
    case ActionType::kLearnSpec:
      return strprintf("learn_spec(%s[%u..%u]->%s[%u..%u])",
                       field_name(static_cast<Field>(mac[0])).c_str(), mac[2], mac[2] + mac[4] - 1,
                       field_name(static_cast<Field>(mac[1])).c_str(), mac[3], mac[3] + mac[4] - 1);
    case ActionType::kOutputTrunc:
      return strprintf("output(port=%u,max_len=%llu)", port,
                       static_cast<unsigned long long>(value));
    case ActionType::kPushMpls:
      if (mask)
        return "push_mpls(" + format_mpls_lse(static_cast<uint32_t>(value)) +
               strprintf(",eth_type=0x%x)", u16);
      return strprintf("push_mpls:0x%04x", u16);
    case ActionType::kPopMpls:
      return strprintf("pop_mpls:0x%04x", u16);
    case ActionType::kDecMplsTtl:
      return "dec_mpls_ttl";
    case ActionType::kMultipath:
      return strprintf("multipath(%u,%u,%u,%llu,%u,%s[%u..%u])", mac[0], u16, mac[1],
                       static_cast<unsigned long long>(value) + 1, port,
                       field_name(static_cast<Field>(u8)).c_str(), mac[2], mac[2] + mac[4] - 1);
  }
  return strprintf("unknown_action_%u", static_cast<unsigned>(type));
}

std::string format_mpls_lse(uint32_t lse) {
  return strprintf("label=%u,tc=%u,ttl=%u,bos=%u", lse >> kMplsLabelShift,
                   (lse & kMplsTcMask) >> kMplsTcShift, lse & kMplsTtlMask,
                   (lse & kMplsBosMask) >> kMplsBosShift);
}

const char* packet_in_reason_name(PacketInReason r) {
  switch (r) {
    case PacketInReason::kNoMatch:
    case PacketInReason::kImplicitMiss:
      return "no_match";
    case PacketInReason::kAction:
      return "action";
    case PacketInReason::kInvalidTtl:
      return "invalid_ttl";
    case PacketInReason::kActionSet:
      return "action_set";
    case PacketInReason::kGroup:
      return "group";
    case PacketInReason::kPacketOut:
      return "packet_out";
    case PacketInReason::kExplicitMiss:
      return "explicit_miss";
  }
  return "unknown";
}

std::string format_actions(const ActionList& actions) {
  if (actions.empty()) return "drop";
  std::string s;
  for (const Action& a : actions) {
    if (a.type == ActionType::kNoteData || a.type == ActionType::kData) continue;
    if (!s.empty()) s += ',';
    s += a.to_string();
  }
  return s;
}

std::string note_bytes(const Action* note, size_t n_following) {
  std::string out;
  const size_t n = std::min<size_t>(note->u16, n_following);
  for (size_t i = 1; i <= n; i++) {
    const auto* p = reinterpret_cast<const char*>(&note[i]) + 4;
    out.append(p, 28);
  }
  out.resize(std::min<size_t>(out.size(), note->port));
  return out;
}

void append_note(ActionList* out, const uint8_t* bytes, size_t len) {
  const size_t n = (len + 27) / 28;
  Action head = Action::clear_actions();
  head.type = ActionType::kNote;
  head.u16 = static_cast<uint16_t>(n);
  head.port = static_cast<uint32_t>(len);
  out->push_back(head);
  for (size_t i = 0; i < n; i++) {
    Action d = Action::clear_actions();
    d.type = ActionType::kNoteData;
    const size_t k = std::min<size_t>(28, len - i * 28);
    std::memcpy(reinterpret_cast<uint8_t*>(&d) + 4, bytes + i * 28, k);
    out->push_back(d);
  }
}

bool actions_are_conjunctive(const ActionList& actions) {
  bool conj = false;
  for (size_t i = 0; i < actions.size(); i++) {
    if (actions[i].type == ActionType::kConjunction) {
      conj = true;
    } else if (actions[i].type == ActionType::kNote) {
      i += actions[i].u16;
    } else {
      return false;
    }
  }
  return conj;
}

bool actions_need_xlate(const ActionList& actions) {
  for (const Action& a : actions) {
    if (translated_only(a.type)) return true;
    switch (a.type) {
      case ActionType::kPacketIn:
      case ActionType::kOutputTrunc:
      case ActionType::kCt:  // the zone, the recirculation: always translated
      case ActionType::kCtClear:
      case ActionType::kRecirc:
      case ActionType::kTnlPush:
      case ActionType::kPushMpls:  // the label pushed and set_mpls_* fold into one push
      case ActionType::kPopMpls:   // a recirculation after a pop to IP
        return true;
      case ActionType::kOutput:
        if (a.port == kOfppController) return true;  // the packet-in carries the pipeline's state
        break;
      case ActionType::kSetField:
        if (!field_in_packet(static_cast<Field>(a.u8)) || field_is_mpls(static_cast<Field>(a.u8)))
          return true;
        break;
      default:
        break;
    }
  }
  return false;
}

void read_data_bytes(const Action* data, size_t n, uint8_t* out, size_t len) {
  size_t at = 0;
  for (size_t i = 0; i < n && at < len; i++) {
    if (data[i].type != ActionType::kData || data[i].u8 != kDataBytes) continue;
    uint8_t buf[kActionDataBytes];
    std::memcpy(buf, &data[i].value, 8);
    std::memcpy(buf + 8, &data[i].mask, 8);
    size_t k = std::min(kActionDataBytes, len - at);
    std::memcpy(out + at, buf, k);
    at += k;
  }
}

bool actions_output_to(const ActionList& actions, uint32_t port) {
  if (port == kOfppNone) return true;
  for (size_t i = 0; i < actions.size(); i++) {
    const Action& a = actions[i];
    if (a.type == ActionType::kOutput && a.port == port) return true;
    // A learn's specs and a note's bytes are not actions of this list.
    if (a.type == ActionType::kLearn || a.type == ActionType::kNote) i += a.u16;
  }
  return false;
}

}  // namespace ferry
