// The fixed datapath the datapath fuzz target switches frames through.
//
// Bridge 0 (four ports with different VLAN modes) has a rule set that
// reaches every action (NORMAL, FLOOD, ALL, IN_PORT, CONTROLLER, MAC and
// VLAN rewrites, VLAN push/pop, meters, outputs to missing ports and to the
// input port, drops and table misses), two address conversions (one
// mirrored), a static FDB entry and GARP watching. Bridge 1's ports are
// decided by their input port alone ("simple match": rules on in_port
// only), so their frames take the burst path (process_simple,
// execute_batch) or, for actions that need a key, the full path.
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

struct BridgeConfig {
  std::vector<VlanConfig> vlans;  // port i's is vlans[i - 1]
  std::vector<FlowMod> flows;
  std::vector<Conversion> conversions;  // all active
  std::vector<StaticFdbEntry> fdb;
  bool watch_garp = false;
};

struct DpFuzzConfig {
  std::vector<BridgeConfig> bridges;
  std::vector<MeterConfig> meters;  // every bridge has them
  size_t mac_table_size = 8;        // small: learning evicts
};

DpFuzzConfig dp_fuzz_config();

// The most VLAN tags one rule's actions can push: push_vlan, mod_vlan_* on
// an untagged frame, and one more for NORMAL tagging the output.
unsigned max_tag_pushes(const DpFuzzConfig& cfg);

}  // namespace ferry::fuzz
