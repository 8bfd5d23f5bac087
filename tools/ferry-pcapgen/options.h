// Command-line options of ferry-pcapgen: how many flows, where to write
// them, and which header fields make the flows distinct.
#pragma once

#include <cstdint>
#include <string>

#include "lib/packet/flow_key.h"
#include "lib/util/result.h"

namespace ferry::pcapgen {

enum class Proto : uint8_t { kUdp, kTcp };
// kIp: flow i has source address src_ip + i * src_step and destination
// address dst_ip + i * dst_step (ports fixed); with a period M, flow i has
// the addresses of flow i mod M and source port sport + i / M. kPort: addresses fixed,
// the source port runs from sport to 65535, then the destination port
// steps by one and the source port starts over.
enum class Vary : uint8_t { kIp, kPort };

struct PcapgenOptions {
  uint64_t flows = 0;
  std::string out;
  Mac dst_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  Mac src_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x10};
  Proto proto = Proto::kUdp;
  Vary vary = Vary::kIp;
  uint32_t src_ip = 0;  // host order
  uint32_t dst_ip = 0;
  uint32_t src_step = 1;
  uint32_t dst_step = 1;
  uint64_t period = 0;    // kIp: 0 = none
  uint64_t mac_step = 0;  // flow i: src_mac + i * mac_step, dst_mac + i * mac_step
  uint16_t sport = 1024;
  uint16_t dport = 9;
  // --vxlan VNI: each frame inside Ethernet/IPv4/UDP/VXLAN from outer_src_ip
  // to outer_dst_ip (port 4789), the outer source port varying per flow.
  int64_t vxlan_vni = -1;
  Mac outer_dst_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  Mac outer_src_mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  uint32_t outer_src_ip = 0xac1f0102;  // 172.31.1.2, host order
  uint32_t outer_dst_ip = 0xac1f0101;  // 172.31.1.1
  bool quiet = false;
  bool help = false;
};

// The largest --flows accepted (a 60-byte frame is 76 bytes in a pcap).
constexpr uint64_t kMaxFlows = 1ull << 24;

PcapgenOptions default_options();
Result<PcapgenOptions> parse_options(int argc, char** argv);
std::string usage();

}  // namespace ferry::pcapgen
