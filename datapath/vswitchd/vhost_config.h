// vhost-user Interface rows as OVS-DPDK reads them: type dpdkvhostuser
// (Ferry listens on <rundir>/<vhost-sock-dir>/<name>) and dpdkvhostuserclient
// (Ferry connects to options:vhost-server-path and reconnects), with
// options:tx-retries-max; and what Interface.status shows about the guest.
#pragma once

#include <cstdint>
#include <string>

#include "datapath/port.h"
#include "lib/ovs/database.h"
#include "lib/util/result.h"

namespace ferry {

bool is_vhost_type(const std::string& type);

// The directory dpdkvhostuser sockets go to: the run directory, or
// other_config:vhost-sock-dir under it (a relative path without ".."; a
// refused one sets *warning and gives the run directory).
std::string vhost_sock_dir(const std::string& rundir, const ovs::StringMap& other_config,
                           std::string* warning);

// Sets spec.devargs (net_vhost) and spec.n_rxq (1 until a guest says more);
// an error text for Interface.error otherwise.
Status vhost_port_spec(const ovs::InterfaceConfig& iface, const std::string& sock_dir,
                       PortSpec& spec);

// options:tx-retries-max: 0 to 32, OVS's default 8.
uint32_t vhost_tx_retries_max(const ovs::InterfaceConfig& iface);

// Interface.status entries of a vhost-user port (mode, socket, status,
// features, num_of_vrings), as OVS-DPDK shows them.
void vhost_status(const Port& port, const std::string& type, ovs::StringMap& status);

}  // namespace ferry
