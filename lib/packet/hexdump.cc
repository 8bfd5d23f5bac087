#include "lib/packet/hexdump.h"

#include <algorithm>

#include "lib/packet/parser.h"
#include "lib/util/text.h"

namespace ferry {

std::string hexdump(const uint8_t* data, size_t len) {
  std::string out;
  for (size_t line = 0; line < len; line += 16) {
    out += strprintf("%04zx ", line);
    std::string ascii;
    for (size_t i = line; i < line + 16; i++) {
      if (i - line == 8) out += ' ';
      if (i < len) {
        out += strprintf(" %02x", data[i]);
        ascii += (data[i] >= 0x20 && data[i] < 0x7f) ? static_cast<char>(data[i]) : '.';
      } else {
        out += "   ";
      }
    }
    out += "  |" + ascii + "|\n";
  }
  return out;
}

std::string describe_frame(const std::vector<uint8_t>& frame) {
  FlowKey key;
  ParseStatus st = parse_frame(frame.data(), static_cast<uint32_t>(frame.size()), 0, &key);
  std::string out = strprintf("%zu bytes, ", frame.size());
  if (st == ParseStatus::kOk) {
    out += key.to_string();
  } else {
    out += parse_status_name(st);
  }
  return out + "\n" + hexdump(frame);
}

std::string diff_frames(const std::vector<uint8_t>& expected, const std::vector<uint8_t>& actual) {
  size_t n = std::min(expected.size(), actual.size());
  size_t i = 0;
  while (i < n && expected[i] == actual[i]) i++;
  if (i == n && expected.size() == actual.size()) return "identical";
  std::string out;
  if (i < n) {
    out = strprintf("byte %zu: expected 0x%02x, got 0x%02x", i, expected[i], actual[i]);
  } else {
    out = strprintf("lengths %zu vs %zu (equal up to %zu)", expected.size(), actual.size(), n);
  }
  return out + "\nexpected:\n" + hexdump(expected) + "actual:\n" + hexdump(actual);
}

}  // namespace ferry
