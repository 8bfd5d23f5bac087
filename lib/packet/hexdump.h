// Human-readable frames for test failure messages and tool output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ferry {

// Offset, 16 bytes of hex and their ASCII per line:
// "0000  ff ff ff ff ff ff 52 54  00 12 34 56 08 06 00 01  |......RT..4V....|"
std::string hexdump(const uint8_t* data, size_t len);
inline std::string hexdump(const std::vector<uint8_t>& frame) {
  return hexdump(frame.data(), frame.size());
}

// Length, parse result and flow key, then the hex dump.
std::string describe_frame(const std::vector<uint8_t>& frame);

// Where two frames first differ ("identical", "byte 23: 0x40 vs 0x3f",
// "lengths 60 vs 64 (equal up to 60)"), then both dumps when they differ.
std::string diff_frames(const std::vector<uint8_t>& expected, const std::vector<uint8_t>& actual);

}  // namespace ferry
