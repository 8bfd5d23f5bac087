// Which of a bridge's Controller rows it may connect to now, by
// ovs-vswitchd's rules (bridge.c, bridge_configure_remotes):
// - none while Open_vSwitch other_config:flow-restore-wait is true (ovs-ctl
//   restart restores the saved flows before any controller may change them);
// - under self-confinement (the default; --no-self-confinement lifts it), a
//   "unix:" target only inside the run directory, a "punix:" one only as
//   punix:<rundir>/<bridge>.* with no further '/', so a database user cannot
//   make the switch overwrite or connect to arbitrary sockets.
#pragma once

#include <string>
#include <vector>

#include "lib/ovs/database.h"

namespace ferry {

struct ControllerPolicy {
  std::string rundir;
  bool self_confinement = true;
  bool flow_restore_wait = false;
};

// The allowed controllers; each refused one gets OVS's message in *refused.
std::vector<ovs::ControllerConfig> allowed_controllers(const ovs::BridgeConfig& bc,
                                                       const ControllerPolicy& policy,
                                                       std::vector<std::string>* refused);

// OVS's flow-restore-wait latch: true at start, follows the database while
// true, and once false stays false (a later "true" means nothing).
bool next_flow_restore_wait(bool current, const ovs::StringMap& other_config);

}  // namespace ferry
