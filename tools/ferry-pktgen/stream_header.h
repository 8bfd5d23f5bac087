// The header at the start of every udp-send datagram, in network byte order:
//
//   offset 0  u32 magic      0x46525259 ("FRRY")
//   offset 4  u32 stream id
//   offset 8  u64 sequence number (0, 1, 2 ... per stream)
//   offset 16 u64 send time, CLOCK_MONOTONIC ns (shared by all namespaces
//             of one machine)
//
// The rest of the datagram (up to --size) is zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace ferry::pktgen {

constexpr uint32_t kStreamMagic = 0x46525259;
constexpr size_t kStreamHeaderSize = 24;

struct StreamHeader {
  uint32_t stream = 0;
  uint64_t seq = 0;
  int64_t send_ns = 0;
};

// Writes kStreamHeaderSize bytes at out.
void encode_stream_header(const StreamHeader& h, uint8_t* out);
// nullopt when the datagram is shorter than the header or the magic differs.
std::optional<StreamHeader> decode_stream_header(const uint8_t* data, size_t len);

}  // namespace ferry::pktgen
