// Inventory discovery (SEEDS 000 S402): the VMs each hypervisor's Ferry
// daemon knows, from `vlan/show BRIDGE --format json` (the FDB by port
// and VLAN). A port of a host's bridge that is not an uplink and has
// exactly one learned unicast MAC is a VM port; the VM is named after the
// port unless the inventory already lists its MAC.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tools/migrate/inventory.h"

namespace ferry::migrate {

struct Discovered {
  std::vector<Vm> vms;             // one per VM port found, host/port/vlan/mac filled in
  std::vector<std::string> notes;  // ports skipped and why, unreachable hosts
};

// One host's vlan/show reply: its VM ports. `exclude` holds MACs that are
// not VMs (the vMAC pool).
Discovered discover_from_vlan_show(const Node& host, const std::string& reply,
                                   const std::vector<std::string>& exclude);

// Asks every host of the inventory (`ctl(host, method, args)`); a host that
// does not answer is a note, not an error.
using CtlFn = std::function<Result<std::string>(const std::string& node, const std::string& method,
                                                const std::vector<std::string>& args)>;
Discovered discover_vms(const Inventory& inv, const CtlFn& ctl);

// Merges what was discovered into the inventory: a listed VM whose MAC was
// found takes the host, port and VLAN where it was found; an unlisted one is
// added (named after its port, or PORT@HOST when two hosts use the port
// name). Returns one line per change.
std::vector<std::string> merge_discovered(Inventory& inv, const Discovered& d);

}  // namespace ferry::migrate
