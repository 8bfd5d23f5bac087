// A bridge's Mirror rows turned into what the datapath mirrors with
// (datapath/mirror.h), with OVS's checks and log messages (vswitchd/bridge.c,
// mirror_configure()), and the counters written back to Mirror.statistics.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "datapath/mirror.h"
#include "lib/ovs/database.h"

namespace ferry {

struct MirrorPortInfo {
  uint32_t ofport = 0;  // 0: the port has no working interface
  VlanConfig vlan;
};

struct MirrorStatsRow {
  std::string name;
  uint64_t tx_packets = 0;
  uint64_t tx_bytes = 0;
};

class BridgeMirrors {
 public:
  // Builds the bridge's mirrors from its rows and ports (by Port.name). Sets
  // *changed when the result differs from the last call's (only then is
  // anything logged): nullptr when no mirror is usable.
  std::shared_ptr<const MirrorSnapshot> configure(
      const std::string& bridge, const std::vector<ovs::MirrorConfig>& rows,
      const std::map<std::string, MirrorPortInfo>& ports, bool* changed);
  // Forgets the last configuration: the next configure() reports a change.
  void reset() { signature_.clear(); }
  // The counters of every mirror in use.
  std::vector<MirrorStatsRow> stats() const;

 private:
  std::string signature_;
  std::shared_ptr<const MirrorSnapshot> snapshot_;
  std::map<std::string, std::shared_ptr<GroupStats>> stats_;  // by mirror name
};

}  // namespace ferry
