// DPDK's environment abstraction layer, initialised once per process from
// the Open_vSwitch other_config keys OVS-DPDK uses: dpdk-init, dpdk-extra,
// dpdk-lcore-mask, dpdk-socket-mem, dpdk-socket-limit, dpdk-hugepage-dir.
// DPDK's own log lines go to Ferry's log (module "dpdk").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lib/util/result.h"

namespace ferry {

class DpdkEnv {
 public:
  // "true", "try" or "false"/unset, as OVS.
  static bool wanted(const std::map<std::string, std::string>& other_config);
  // The EAL arguments Ferry would pass for this configuration.
  static std::vector<std::string> eal_args(const std::map<std::string, std::string>& other_config);
  // Initialises the EAL (once per process; later calls return the first
  // result). Restores the calling thread's CPU affinity afterwards.
  static Status init(const std::map<std::string, std::string>& other_config);
  static bool initialized();
  static std::string version();  // "DPDK 22.11.11"
};

}  // namespace ferry
