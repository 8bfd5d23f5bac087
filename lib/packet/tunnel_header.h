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
  kCriticalOption,  // a Geneve option with the critical bit that nothing maps
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
  uint32_t opt_off = 0;   // Geneve: where its options start, and their bytes
  uint32_t opt_len = 0;
};

// The Geneve option a bridge's tun_metadata0 stands for (its TLV map's
// index 0); len 0: none.
struct GeneveOptMap {
  uint16_t cls = 0;
  uint8_t type = 0;
  uint8_t len = 0;  // bytes: 4..124, a multiple of 4
  bool operator==(const GeneveOptMap&) const = default;
};

// frame/len: the whole packet. geneve: the header after UDP is Geneve
// (else VXLAN), as the UDP port said.
// Geneve's options are checked for their lengths only (whether each is
// understood depends on the port's bridge: read_geneve_options).
TunnelParse parse_tunnel_header(const uint8_t* frame, uint32_t len, bool geneve, TunnelHeader* out);

// The options (opts/len, as parse_tunnel_header found them) against a
// bridge's map, as OVS reads them: the mapped option (class, type and
// length alike) gives *md0 its value (the low 64 bits Ferry keeps: one
// longer with other bits set is not understood) and *present 1; others are
// skipped unless critical (kCriticalOption).
TunnelParse read_geneve_options(const uint8_t* opts, uint32_t len, const GeneveOptMap& map,
                                uint64_t* md0, uint8_t* present);

// Writes the option tun_metadata0 becomes (4 + map.len bytes) at out.
uint32_t write_geneve_option(const GeneveOptMap& map, uint64_t md0, uint8_t* out);

}  // namespace ferry
