#include "datapath/vlan_config.h"

#include "lib/packet/flow_key.h"
#include "lib/util/text.h"

namespace ferry {

VlanConfig VlanConfig::from_columns(std::optional<int64_t> tag, const std::vector<int64_t>& trunks,
                                    const std::string& vlan_mode, std::string* warning) {
  VlanConfig c;
  bool have_tag = tag && *tag >= 0 && *tag <= 4095;
  if (tag && !have_tag)
    *warning = strprintf("ignoring invalid tag %lld", static_cast<long long>(*tag));
  for (int64_t t : trunks) {
    if (t >= 0 && t <= 4095) {
      c.trunks.set(static_cast<size_t>(t));
    } else if (warning->empty()) {
      *warning = strprintf("ignoring invalid trunk %lld", static_cast<long long>(t));
    }
  }
  c.all_trunks = c.trunks.none();
  c.tag = have_tag ? static_cast<uint16_t>(*tag) : 0;

  if (vlan_mode.empty()) {
    c.mode = have_tag ? VlanMode::kAccess : VlanMode::kTrunk;
  } else if (vlan_mode == "access") {
    c.mode = VlanMode::kAccess;
  } else if (vlan_mode == "trunk") {
    c.mode = VlanMode::kTrunk;
  } else if (vlan_mode == "native-tagged") {
    c.mode = VlanMode::kNativeTagged;
  } else if (vlan_mode == "native-untagged") {
    c.mode = VlanMode::kNativeUntagged;
  } else {
    *warning =
        "unsupported vlan_mode \"" + vlan_mode + "\", using " + (have_tag ? "access" : "trunk");
    c.mode = have_tag ? VlanMode::kAccess : VlanMode::kTrunk;
  }
  // As OVS: a trunk ignores tag; an access port ignores trunks; the native
  // modes need a tag and count it as a member.
  if (c.mode == VlanMode::kTrunk) c.tag = 0;
  if (c.mode == VlanMode::kAccess) {
    c.trunks.reset();
    c.all_trunks = false;
  }
  // A native mode without a tag keeps the mode with native VLAN 0, as OVS.
  return c;
}

bool VlanConfig::includes(uint16_t vid) const {
  switch (mode) {
    case VlanMode::kAccess:
      return vid == tag;
    case VlanMode::kTrunk:
      return all_trunks || trunks.test(vid);
    case VlanMode::kNativeTagged:
    case VlanMode::kNativeUntagged:
      // As OVS: the native VLAN is a member, VLAN 0 (untagged) is not
      // unless it is the native VLAN.
      if (vid == 0) return tag == 0 && (all_trunks || trunks.test(0));
      return vid == tag || all_trunks || trunks.test(vid);
  }
  return false;
}

std::optional<uint16_t> VlanConfig::input_vlan(uint16_t tci_host) const {
  bool tagged = tci_host & kVlanCfi;
  uint16_t vid = tagged ? (tci_host & kVlanVidMask) : 0;
  switch (mode) {
    case VlanMode::kAccess:
      if (vid != 0) return std::nullopt;  // tagged frame on an access port
      return tag;
    case VlanMode::kTrunk:
      if (!includes(vid)) return std::nullopt;
      return vid;
    case VlanMode::kNativeTagged:
    case VlanMode::kNativeUntagged:
      if (vid == 0) return tag;
      if (!includes(vid)) return std::nullopt;
      return vid;
  }
  return std::nullopt;
}

bool VlanConfig::output_tagged(uint16_t vid) const {
  switch (mode) {
    case VlanMode::kAccess:
      return false;
    case VlanMode::kTrunk:
      return vid != 0;
    case VlanMode::kNativeTagged:
      return vid != 0;
    case VlanMode::kNativeUntagged:
      return vid != 0 && vid != tag;
  }
  return false;
}

std::string VlanConfig::mode_name() const {
  switch (mode) {
    case VlanMode::kAccess:
      return "access";
    case VlanMode::kTrunk:
      return "trunk";
    case VlanMode::kNativeTagged:
      return "native-tagged";
    case VlanMode::kNativeUntagged:
      return "native-untagged";
  }
  return "?";
}

std::string VlanConfig::to_string() const {
  std::string s = mode_name();
  if (mode != VlanMode::kTrunk) s += strprintf(" tag=%u", tag);
  if (mode != VlanMode::kAccess) {
    if (all_trunks) {
      s += " trunks=all";
    } else {
      std::vector<std::string> v;
      for (size_t i = 0; i < trunks.size(); i++) {
        if (trunks.test(i)) v.push_back(std::to_string(i));
      }
      s += " trunks=" + join(v, ",");
    }
  }
  return s;
}

}  // namespace ferry
