// The fixed bridge the datapath fuzz target switches frames through: four
// ports with different VLAN modes, a rule set that reaches every action
// (NORMAL, FLOOD, ALL, IN_PORT, CONTROLLER, MAC and VLAN rewrites, VLAN
// push/pop, meters, outputs to missing ports and to the input port, drops
// and table misses), two address conversions (one mirrored), two meters and
// a static FDB entry.
#pragma once

#include <cstdint>
#include <vector>

#include "datapath/conversion.h"
#include "datapath/meter.h"
#include "datapath/vlan_config.h"
#include "lib/flow/flow_mod.h"

namespace ferry::fuzz {

struct StaticFdbEntry {
  uint16_t vlan;
  Mac mac;
  uint32_t ofport;
};

struct DpFuzzConfig {
  std::vector<VlanConfig> vlans;  // port i+1's configuration
  std::vector<FlowMod> flows;
  std::vector<Conversion> conversions;  // all active
  std::vector<MeterConfig> meters;
  std::vector<StaticFdbEntry> fdb;
  size_t mac_table_size = 8;  // small: learning evicts
};

DpFuzzConfig dp_fuzz_config();

// The most VLAN tags one rule's actions can push: push_vlan, mod_vlan_* on
// an untagged frame, and one more for NORMAL tagging the output.
unsigned max_tag_pushes(const std::vector<FlowMod>& flows);

}  // namespace ferry::fuzz
