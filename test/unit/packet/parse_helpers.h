// Helpers for the parser tests: parse from an exact-size heap copy (so a
// sanitizer build catches any read past len) and print keys in full.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "lib/packet/flow_key.h"
#include "lib/packet/parser.h"
#include "lib/util/text.h"

namespace ferry::test {

struct Parsed {
  ParseStatus status;
  FlowKey key;
  HeaderOffsets off;
};

inline Parsed parse_prefix(const std::vector<uint8_t>& frame, size_t len, uint32_t in_port = 7) {
  std::unique_ptr<uint8_t[]> buf(new uint8_t[len ? len : 1]);
  if (len) std::memcpy(buf.get(), frame.data(), len);
  Parsed p;
  p.off.l3 = p.off.l4 = 0xdead;
  p.status = parse_frame(buf.get(), static_cast<uint32_t>(len), in_port, &p.key, &p.off);
  return p;
}

inline Parsed parse(const std::vector<uint8_t>& frame, uint32_t in_port = 7) {
  return parse_prefix(frame, frame.size(), in_port);
}

// A key with the Ethernet fields set and everything else zero.
inline FlowKey eth_key(const Mac& dst, const Mac& src, uint16_t ethertype, uint32_t in_port = 7) {
  FlowKey k = zero_key();
  k.in_port = in_port;
  std::memcpy(k.dl_dst, dst.data(), 6);
  std::memcpy(k.dl_src, src.data(), 6);
  k.dl_type = be16(ethertype);
  return k;
}

// Every word of the key in hex plus its text form, for failure messages.
inline std::string key_dump(const FlowKey& k) {
  std::string s = k.to_string() + "\n   words:";
  for (size_t i = 0; i < FlowKey::kWords; i++) s += " " + hex(&k.words()[i], 8);
  return s;
}

}  // namespace ferry::test

#define CHECK_KEY(actual, expected)                        \
  do {                                                     \
    INFO("got:      " << ferry::test::key_dump(actual));   \
    INFO("expected: " << ferry::test::key_dump(expected)); \
    CHECK((actual) == (expected));                         \
  } while (0)
