// OpenFlow actions as Ferry executes them. An action list is executed in
// order on the packet; output emits the packet as it is at that point.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "lib/packet/flow_key.h"

namespace ferry {

enum class ActionType : uint8_t {
  kOutput = 1,  // port: a port number or kOfppInPort/Flood/All/Normal/Local/Controller
  kSetEthSrc,   // mac
  kSetEthDst,   // mac
  kSetVlanVid,  // u16 = VID; flags kPushIfNeeded: push a tag when untagged (OF1.0 mod_vlan_vid)
  kSetVlanPcp,  // u8 = PCP; flags kPushIfNeeded as above
  kStripVlan,   // pop the outermost 802.1Q tag if any
  kPushVlan,    // u16 = TPID (0x8100 or 0x88a8), host order; new tag has VID 0
  kMeter,       // u32 = meter id
};

struct Action {
  static constexpr uint8_t kPushIfNeeded = 1;

  ActionType type;
  uint8_t flags;
  uint16_t u16;   // VID, TPID, or controller max_len
  uint32_t port;  // output port or meter id
  uint8_t mac[6];
  uint8_t u8;  // PCP
  uint8_t pad;

  static Action output(uint32_t p, uint16_t max_len = 0) {
    return make(ActionType::kOutput, p, max_len);
  }
  static Action set_eth_src(const Mac& m) { return with_mac(ActionType::kSetEthSrc, m); }
  static Action set_eth_dst(const Mac& m) { return with_mac(ActionType::kSetEthDst, m); }
  static Action set_vlan_vid(uint16_t vid, bool push_if_needed = true) {
    Action a = make(ActionType::kSetVlanVid, 0, vid);
    a.flags = push_if_needed ? kPushIfNeeded : 0;
    return a;
  }
  static Action set_vlan_pcp(uint8_t pcp, bool push_if_needed = true) {
    Action a = make(ActionType::kSetVlanPcp, 0, 0);
    a.u8 = pcp;
    a.flags = push_if_needed ? kPushIfNeeded : 0;
    return a;
  }
  static Action strip_vlan() { return make(ActionType::kStripVlan, 0, 0); }
  static Action push_vlan(uint16_t tpid = kEthTypeVlan) {
    return make(ActionType::kPushVlan, 0, tpid);
  }
  static Action meter(uint32_t id) { return make(ActionType::kMeter, id, 0); }

  bool operator==(const Action& o) const { return std::memcmp(this, &o, sizeof *this) == 0; }
  bool operator!=(const Action& o) const { return !(*this == o); }

  // OVS-like text: "output:2", "NORMAL", "mod_dl_dst:aa:..", "mod_vlan_vid:10", ...
  std::string to_string() const;

 private:
  static Action make(ActionType t, uint32_t p, uint16_t v) {
    Action a;
    std::memset(&a, 0, sizeof a);
    a.type = t;
    a.port = p;
    a.u16 = v;
    return a;
  }
  static Action with_mac(ActionType t, const Mac& m) {
    Action a = make(t, 0, 0);
    std::memcpy(a.mac, m.data(), 6);
    return a;
  }
};

static_assert(sizeof(Action) == 16, "Action is a 16-byte POD");

using ActionList = std::vector<Action>;

// "drop" for an empty list, else the actions joined by ','.
std::string format_actions(const ActionList& actions);
// True when the list outputs to `port` (for out_port filters in flow_mods
// and stats requests; kOfppNone means "any").
bool actions_output_to(const ActionList& actions, uint32_t port);

}  // namespace ferry
