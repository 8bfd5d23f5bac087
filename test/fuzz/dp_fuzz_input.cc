#include "test/fuzz/dp_fuzz_input.h"

#include <algorithm>

namespace ferry::fuzz {

std::optional<std::vector<uint8_t>> FuzzFrame::on_wire() const {
  if (!stripped_tci) return bytes;
  if (bytes.size() < 12) return std::nullopt;
  std::vector<uint8_t> f(bytes.begin(), bytes.begin() + 12);
  const uint16_t tci = *stripped_tci;
  f.insert(f.end(), {0x81, 0x00, static_cast<uint8_t>(tci >> 8), static_cast<uint8_t>(tci)});
  f.insert(f.end(), bytes.begin() + 12, bytes.end());
  return f;
}

std::vector<FuzzFrame> decode_frames(const uint8_t* data, size_t size, size_t n_ports) {
  std::vector<FuzzFrame> frames;
  size_t pos = 0;
  while (pos + 2 <= size && frames.size() < kMaxFrames) {
    const uint8_t c0 = data[pos], c1 = data[pos + 1];
    pos += 2;
    FuzzFrame f;
    f.port = (c0 & 0x0fu) % n_ports;
    if (c0 & 0x10) {
      if (pos + 2 > size) break;
      f.stripped_tci = static_cast<uint16_t>(data[pos] << 8 | data[pos + 1]);
      pos += 2;
    }
    size_t len = static_cast<size_t>(c0 >> 5) << 8 | c1;
    len = std::min(len, size - pos);
    f.bytes.assign(data + pos, data + pos + len);
    pos += len;
    frames.push_back(std::move(f));
  }
  return frames;
}

}  // namespace ferry::fuzz
