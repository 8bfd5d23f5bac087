#include "tools/ferry-pktgen/stream_header.h"

namespace ferry::pktgen {

namespace {

void put_be(uint8_t* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) {
    out[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

uint64_t get_be(const uint8_t* in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = v << 8 | in[i];
  return v;
}

}  // namespace

void encode_stream_header(const StreamHeader& h, uint8_t* out) {
  put_be(out, kStreamMagic, 4);
  put_be(out + 4, h.stream, 4);
  put_be(out + 8, h.seq, 8);
  put_be(out + 16, static_cast<uint64_t>(h.send_ns), 8);
}

std::optional<StreamHeader> decode_stream_header(const uint8_t* data, size_t len) {
  if (len < kStreamHeaderSize || get_be(data, 4) != kStreamMagic) return std::nullopt;
  StreamHeader h;
  h.stream = static_cast<uint32_t>(get_be(data + 4, 4));
  h.seq = get_be(data + 8, 8);
  h.send_ns = static_cast<int64_t>(get_be(data + 16, 8));
  return h;
}

}  // namespace ferry::pktgen
