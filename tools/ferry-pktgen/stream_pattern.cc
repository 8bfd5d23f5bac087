#include "tools/ferry-pktgen/stream_pattern.h"

#include <cstring>

namespace ferry::pktgen {

namespace {

uint8_t pattern_byte(uint64_t offset) {
  return static_cast<uint8_t>((offset / 8) >> (8 * (7 - offset % 8)));
}

void put_word(uint64_t k, uint8_t* out) {
  for (int i = 7; i >= 0; i--) {
    out[i] = static_cast<uint8_t>(k);
    k >>= 8;
  }
}

}  // namespace

void fill_stream_pattern(uint64_t offset, uint8_t* out, size_t len) {
  size_t i = 0;
  for (; i < len && (offset + i) % 8 != 0; i++) out[i] = pattern_byte(offset + i);
  for (; i + 8 <= len; i += 8) put_word((offset + i) / 8, out + i);
  for (; i < len; i++) out[i] = pattern_byte(offset + i);
}

void StreamPatternChecker::feed(const uint8_t* data, size_t len) {
  size_t i = 0;
  auto check_byte = [&](size_t at) {
    if (data[at] == pattern_byte(bytes_ + at)) return;
    mismatched_++;
    if (!first_mismatch_) first_mismatch_ = bytes_ + at;
  };
  for (; i < len && (bytes_ + i) % 8 != 0; i++) check_byte(i);
  uint8_t want[8];
  for (; i + 8 <= len; i += 8) {
    put_word((bytes_ + i) / 8, want);
    if (std::memcmp(want, data + i, 8) == 0) continue;
    for (size_t j = i; j < i + 8; j++) check_byte(j);
  }
  for (; i < len; i++) check_byte(i);
  bytes_ += len;
}

}  // namespace ferry::pktgen
