// Raw Ethernet frames through an AF_PACKET socket bound to one interface.
// Sending writes the exact bytes given; receiving sees only frames the
// interface received (PACKET_IGNORE_OUTGOING, and outgoing ones are also
// dropped by packet type), with a VLAN tag the kernel stripped put back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/util/result.h"

namespace ferry::pktgen {

struct ReceivedFrame {
  std::vector<uint8_t> bytes;  // as on the wire (without FCS)
  bool vlan_restored = false;
  bool truncated = false;  // longer than the receive buffer
};

class PacketSocket {
 public:
  enum class Mode { kSend, kReceive };

  static Result<PacketSocket> open(const std::string& iface, Mode mode);

  PacketSocket(PacketSocket&& o) noexcept : fd_(o.fd_), ifindex_(o.ifindex_) { o.fd_ = -1; }
  PacketSocket& operator=(PacketSocket&&) = delete;
  PacketSocket(const PacketSocket&) = delete;
  ~PacketSocket();

  int fd() const { return fd_; }

  Status send(const std::vector<uint8_t>& frame);
  // Non-blocking: nullopt when nothing is queued.
  Result<std::optional<ReceivedFrame>> receive();

 private:
  PacketSocket(int fd, int ifindex) : fd_(fd), ifindex_(ifindex) {}

  int fd_;
  int ifindex_;
};

}  // namespace ferry::pktgen
