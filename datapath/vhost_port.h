// vhost-user ports (OVS-DPDK's Interface types dpdkvhostuser and
// dpdkvhostuserclient) on DPDK's net_vhost PMD: the devargs for a socket
// path, and what the control thread reads about the guest behind a port
// (connected, queue pairs, negotiated features).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lib/util/result.h"

namespace ferry {

// Queue pairs a vhost-user port can serve; the guest decides how many it uses.
constexpr uint16_t kVhostMaxQueuePairs = 16;

enum class VhostMode : uint8_t {
  kServer,  // dpdkvhostuser: Ferry listens, the guest connects
  kClient,  // dpdkvhostuserclient: the guest (QEMU) listens, Ferry connects and reconnects
};

// net_vhost devargs for the port: "net_vhost_<name>,iface=<path>,...".
Result<std::string> vhost_devargs(const std::string& name, const std::string& path, VhostMode mode);

// Before net_vhost opens the socket of devargs: refuses a path that exists
// and is not a socket, and (server mode) a directory that does not exist
// or a socket another process listens on; removes a stale socket Ferry
// would listen on.
Status vhost_prepare_socket(const std::string& name, const std::string& devargs);

struct VhostGuest {
  bool connected = false;
  uint16_t queue_pairs = 0;  // negotiated vrings / 2, while connected
  uint64_t features = 0;     // negotiated virtio features, while connected
};

// The guest behind a net_vhost port; nullopt for other ports.
std::optional<VhostGuest> vhost_guest(uint16_t port_id);

// Which queues the guest enabled (a guest may enable fewer queue pairs than
// it negotiated: a VM with fewer vCPUs than queues), kept by the control
// thread from net_vhost's queue events.
struct VhostQueues {
  uint64_t rx = 0;  // bit q: the port's rx queue q (the guest's tx vring) is enabled
  uint64_t tx = 0;  // bit q: the port's tx queue q (the guest's rx vring) is enabled
  // Queue pairs 0..n-1 enabled in both directions.
  uint16_t leading_pairs() const;
};

// Applies the port's pending queue events to q. With no guest attached,
// q is cleared (net_vhost forgets a departed guest's queues silently).
void vhost_update_queues(uint16_t port_id, bool connected, VhostQueues& q);

}  // namespace ferry
