// The outer headers of a VXLAN or Geneve packet (Ethernet, optional 802.1Q
// tag, IPv4, UDP, the tunnel header), read and checked without DPDK: the
// datapath's decapsulation (datapath/tunnel_io.cc) and the parser fuzz
// target use it. Every way the outer headers can be wrong has its status.
#pragma once

#include <cstdint>

namespace ferry {

enum class TunnelParse : uint8_t {
  kOk,
  kTruncated,       // shorter than the headers say (or than an inner Ethernet header)
  kBadChecksum,     // IPv4 header checksum, or a non-zero UDP checksum, wrong
  kBadHeader,       // not IPv4/UDP, VXLAN without its I flag, Geneve of another
                    // version or payload type
  kCriticalOption,  // a Geneve option with the critical bit (Ferry maps none)
};

struct TunnelHeader {
  uint32_t outer_len = 0;  // bytes before the inner frame
  uint32_t vni = 0;
  uint32_t src = 0, dst = 0;  // network order
  uint8_t tos = 0, ttl = 0;
  bool df = false;
  bool udp_csum = false;  // the UDP checksum was present (and right)
  bool oam = false;       // Geneve's O bit
  uint16_t udp_dst = 0;   // host order
};

// frame/len: the whole packet. geneve: the header after UDP is Geneve
// (else VXLAN), as the UDP port said.
TunnelParse parse_tunnel_header(const uint8_t* frame, uint32_t len, bool geneve, TunnelHeader* out);

}  // namespace ferry
