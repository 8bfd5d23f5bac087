// The byte stream of tcp-send, checked by tcp-recv: the 8-byte word at
// stream offset 8k holds k in network byte order. A byte that arrives at
// the wrong offset (lost, duplicated, reordered or changed on the way)
// breaks the pattern there. No sockets here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace ferry::pktgen {

// Writes the stream's bytes [offset, offset + len) to out.
void fill_stream_pattern(uint64_t offset, uint8_t* out, size_t len);

// Follows a received stream from offset 0.
class StreamPatternChecker {
 public:
  void feed(const uint8_t* data, size_t len);

  uint64_t bytes() const { return bytes_; }
  uint64_t mismatched() const { return mismatched_; }
  // Offset of the first byte that did not match.
  std::optional<uint64_t> first_mismatch() const { return first_mismatch_; }

 private:
  uint64_t bytes_ = 0;
  uint64_t mismatched_ = 0;
  std::optional<uint64_t> first_mismatch_;
};

}  // namespace ferry::pktgen
