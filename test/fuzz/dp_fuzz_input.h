// How fuzz-datapath reads its input: a sequence of frame records
//
//   byte 0   bits 0-3: input port (harness port index, modulo the number of
//            ports); bit 4: the device stripped a VLAN tag into the mbuf
//            (two TCI bytes follow the header); bits 5-7: frame length / 256
//   byte 1   frame length % 256
//   [2 bytes TCI, network order, when bit 4 is set]
//   frame    the length given, cut short at the end of the input
//
// up to kMaxFrames frames (of at most 2047 bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace ferry::fuzz {

struct FuzzFrame {
  size_t port;
  std::optional<uint16_t> stripped_tci;
  std::vector<uint8_t> bytes;

  // The frame as the pipeline sees it once a stripped tag is put back
  // (rte_vlan_insert), or nullopt when it cannot be (shorter than two MACs).
  std::optional<std::vector<uint8_t>> on_wire() const;
};

constexpr size_t kMaxFrames = 64;

std::vector<FuzzFrame> decode_frames(const uint8_t* data, size_t size, size_t n_ports);

}  // namespace ferry::fuzz
