// The far side of an emulated vport: the wire behind the uplink or the guest
// behind a VF. Either a pair of rte_rings (unit tests: the test is the wire
// or the guest) or an AF_PACKET socket on a Linux interface (a veth whose
// peer sits in a VM namespace).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lib/util/result.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace ferry::esw {

class Backend {
 public:
  virtual ~Backend() = default;
  // Frames the wire/guest sent towards the NIC.
  virtual uint16_t receive(rte_mempool* pool, rte_mbuf** pkts, uint16_t n) = 0;
  // Delivers frames to the wire/guest; takes every mbuf. Returns how many
  // were delivered (the rest were dropped). Safe from several threads.
  virtual uint16_t deliver(rte_mbuf** pkts, uint16_t n) = 0;
  virtual std::string describe() const = 0;
};

// "ring": creates <prefix>_in (the test enqueues what the wire/guest sends)
// and <prefix>_out (the test dequeues what the NIC delivered).
Result<std::unique_ptr<Backend>> make_ring_backend(const std::string& prefix);
// Any other value names a Linux interface.
Result<std::unique_ptr<Backend>> make_packet_backend(const std::string& ifname);

// The common start of a device's vport's ring names ("esw0_vf1").
std::string ring_prefix(const std::string& device, const std::string& vport);
// The ring names for a device and vport name ("pf", "vf0" ...).
std::string ring_name(const std::string& device, const std::string& vport, bool in);

}  // namespace ferry::esw
