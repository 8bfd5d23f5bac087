// An emulated NIC (net_ferry_esw) with ring backends for tests: the test is
// the wire behind the uplink and the guests behind the VFs, and the host
// behind the representors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct rte_mempool;
struct rte_ring;

namespace ferry::test {

using Bytes = std::vector<uint8_t>;

class EswFixture {
 public:
  // vport names: "pf", "vf0", "vf1" ...
  EswFixture(const std::string& name, unsigned vfs, const std::string& extra = "");
  ~EswFixture();
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  uint16_t port(const std::string& vport) const;  // its representor's ethdev
  // The wire/guest sends a frame towards the NIC.
  void far_send(const std::string& vport, const Bytes& frame);
  // Frames the NIC delivered to the wire/guest: waits for n (generously).
  std::vector<Bytes> far_recv(const std::string& vport, size_t n);
  std::vector<Bytes> far_take(const std::string& vport);
  // The host's side of a representor.
  std::vector<Bytes> host_recv(const std::string& vport, size_t n,
                               std::vector<uint32_t>* marks = nullptr);
  std::vector<Bytes> host_take(const std::string& vport);
  void host_send(const std::string& vport, const Bytes& frame);
  uint64_t xstat(const std::string& name) const;
  // Waits until the switch thread has taken every frame the test sent.
  void settle();

 private:
  std::string name_;
  unsigned vfs_;
  std::string error_;
  rte_mempool* pool_ = nullptr;
  std::vector<uint16_t> ports_;
  std::vector<rte_ring*> in_, out_;
  uint64_t sent_ = 0;
  size_t index(const std::string& vport) const;
};

// Frame builders.
Bytes udp_frame(const std::string& dst, const std::string& src, const std::string& ip_src,
                const std::string& ip_dst, uint16_t sport, uint16_t dport, int vlan = -1,
                uint32_t payload_seq = 0);
Bytes mac_bytes(const std::string& mac);

}  // namespace ferry::test
