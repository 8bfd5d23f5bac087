#include "tools/ferry-pktgen/vlan_restore.h"

namespace ferry::pktgen {

bool restore_vlan_tag(std::vector<uint8_t>* frame, uint16_t tpid, uint16_t tci) {
  if (frame->size() < 12) return false;
  const uint8_t tag[4] = {static_cast<uint8_t>(tpid >> 8), static_cast<uint8_t>(tpid),
                          static_cast<uint8_t>(tci >> 8), static_cast<uint8_t>(tci)};
  frame->insert(frame->begin() + 12, tag, tag + 4);
  return true;
}

}  // namespace ferry::pktgen
