#include "datapath/mirror.h"

#include <arpa/inet.h>

#include <algorithm>

#include "lib/packet/flow_key.h"

namespace ferry {

const MirrorPort* MirrorSnapshot::port(uint32_t ofport) const {
  auto it = std::lower_bound(ports.begin(), ports.end(), ofport,
                             [](const MirrorPort& p, uint32_t o) { return p.ofport < o; });
  return it != ports.end() && it->ofport == ofport ? &*it : nullptr;
}

uint16_t mirror_output_tci(const VlanConfig& out, uint16_t vid, uint16_t pcp_bits) {
  if (out.mode == VlanMode::kAccess) return 0;
  if (out.mode == VlanMode::kNativeUntagged && vid == out.tag) return 0;
  const auto tci = static_cast<uint16_t>(vid | pcp_bits);
  return tci ? htons(static_cast<uint16_t>(tci | kVlanCfi)) : 0;
}

}  // namespace ferry
