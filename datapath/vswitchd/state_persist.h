// Ferry's own switch state that OVS has no column for, kept where OVS keeps
// per-bridge state of other programs, the Bridge's external_ids, so a
// restarted daemon (crash, ovs-ctl restart, upgrade) brings it back by
// itself:
//   ferry-vmac-ID       "dir=rx|tx from=MAC to=MAC ports=PORT[,PORT...]
//                        [class=LO-HI] mirror=on|off state=staged|active"
//                        (a vmac/ conversion; ports by name)
//   ferry-fdb-VLAN-MAC  "PORT" (a static FDB entry: fdb/add, move detection)
// The offload policy needs nothing here: it is Bridge other_config already.
#pragma once

#include <cstdint>
#include <string>

#include "datapath/conversion.h"
#include "lib/ovs/database.h"
#include "lib/util/result.h"

namespace ferry {

class Bridge;
class FdbTable;

// Whether Ferry owns this external_ids key (it rewrites and removes those).
bool is_state_key(const std::string& key);

// The keys that describe b's conversions and, when fdb is given, its static
// FDB entries.
ovs::StringMap bridge_state_keys(const Bridge& b, const FdbTable* fdb);

// A ferry-vmac- key back into a conversion of bridge b (its ports must
// exist and be up).
Result<Conversion> parse_conversion_state(const Bridge& b, const std::string& key,
                                          const std::string& value);

struct StaticFdbState {
  uint16_t vlan = 0;
  Mac mac{};
  uint32_t ofport = 0;
};
// A ferry-fdb- key back into a static entry of bridge b.
Result<StaticFdbState> parse_fdb_state(const Bridge& b, const std::string& key,
                                       const std::string& value);

}  // namespace ferry
