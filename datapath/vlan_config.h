// A port's 802.1Q configuration as OVS defines it (Port.tag, Port.trunks,
// Port.vlan_mode) and the NORMAL action's per-port VLAN decisions.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/util/result.h"

namespace ferry {

enum class VlanMode : uint8_t { kAccess, kTrunk, kNativeTagged, kNativeUntagged };

struct VlanConfig {
  VlanMode mode = VlanMode::kTrunk;
  uint16_t tag = 0;          // access VLAN or native VLAN
  bool all_trunks = true;    // trunk with an empty Port.trunks
  std::bitset<4096> trunks;  // explicit trunk members

  // Builds the config as ovs-vswitchd does from the Port columns; an invalid
  // combination falls back the way OVS does, with a note in *warning.
  static VlanConfig from_columns(std::optional<int64_t> tag, const std::vector<int64_t>& trunks,
                                 const std::string& vlan_mode, std::string* warning);

  // True when frames of VLAN vid (0 = untagged/native of a trunk) may leave
  // or enter on this port.
  bool includes(uint16_t vid) const;

  // The VLAN a frame arriving with this TCI belongs to, or nullopt when the
  // port must drop it (tagged frame on an access port, VID outside the trunks).
  std::optional<uint16_t> input_vlan(uint16_t tci_host) const;

  // Whether a frame of VLAN vid leaves this port tagged.
  bool output_tagged(uint16_t vid) const;

  std::string mode_name() const;
  std::string to_string() const;  // "access tag=10", "trunk trunks=10,20", ...
  bool operator==(const VlanConfig& o) const {
    return mode == o.mode && tag == o.tag && all_trunks == o.all_trunks && trunks == o.trunks;
  }
};

}  // namespace ferry
