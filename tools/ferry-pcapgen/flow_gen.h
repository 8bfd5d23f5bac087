// The frames of ferry-pcapgen: flow number -> 5-tuple -> 60-byte frame.
#pragma once

#include <cstdint>
#include <vector>

#include "tools/ferry-pcapgen/options.h"

namespace ferry::pcapgen {

struct FiveTuple {
  Mac src_mac{};
  Mac dst_mac{};
  uint32_t src_ip = 0;  // host order
  uint32_t dst_ip = 0;
  uint16_t sport = 0;
  uint16_t dport = 0;
};

// The MACs and 5-tuple of flow i (0 <= i < o.flows); the protocol is o.proto.
FiveTuple flow_tuple(const PcapgenOptions& o, uint64_t i);

// The frame of one flow: Ethernet (t's MACs), IPv4 (TTL 64), UDP or TCP
// with valid checksums, zero-padded to 60 bytes.
std::vector<uint8_t> build_frame(const PcapgenOptions& o, const FiveTuple& t);

}  // namespace ferry::pcapgen
