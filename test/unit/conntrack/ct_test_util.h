// Helpers for the tracker's tests: real frames (FrameBuilder, checksums
// computed), their ct() results, and state strings.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "lib/conntrack/conntrack.h"
#include "lib/conntrack/key.h"
#include "lib/packet/builder.h"
#include "lib/packet/checksum.h"

namespace ferry::ct::test {

struct Pkt {
  std::vector<uint8_t> bytes;
  CtMeta meta{};
  uint16_t dl_type() const { return static_cast<uint16_t>(bytes[12] << 8 | bytes[13]); }
  PacketRef ref() {
    return PacketRef{bytes.data() + 14, static_cast<uint32_t>(bytes.size() - 14), dl_type(), &meta};
  }
};

inline Pkt pkt(const FrameBuilder& b) { return Pkt{b.build(), {}}; }

inline FrameBuilder v4(uint32_t src, uint32_t dst) {
  return FrameBuilder().eth({2, 0, 0, 0, 0, 2}, {2, 0, 0, 0, 0, 1}).ipv4(src, dst);
}
inline FrameBuilder v6(const char* src, const char* dst) {
  return FrameBuilder().eth({2, 0, 0, 0, 0, 2}, {2, 0, 0, 0, 0, 1}).ipv6(ip6(src), ip6(dst));
}

// ct_state as "+trk+new" (OVS's bit order: new est rel rpl inv trk snat dnat).
inline std::string st(uint8_t s) {
  static const char* const kNames[] = {"new", "est", "rel", "rpl", "inv", "trk", "snat", "dnat"};
  std::string out;
  for (int i = 0; i < 8; i++)
    if (s & (1 << i)) out += std::string("+") + kNames[i];
  return out.empty() ? "0" : out;
}

// Runs one packet through ct() and returns its state string. The packet's
// meta carries over (as across recirculations) unless fresh is set.
inline std::string run(Conntrack& ct, Pkt& p, const CtAction& a, uint64_t now = 1000,
                       unsigned tid = 0, bool fresh = true) {
  if (fresh) p.meta = CtMeta{};
  PacketRef r = p.ref();
  ct.execute(tid, &r, 1, a, now);
  return st(p.meta.state);
}

inline CtAction commit(uint16_t zone = 0) {
  CtAction a;
  a.commit = true;
  a.zone = zone;
  return a;
}
inline CtAction track(uint16_t zone = 0) {
  CtAction a;
  a.zone = zone;
  return a;
}

inline Addr addr4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  Addr x;
  x.b[0] = a;
  x.b[1] = b;
  x.b[2] = c;
  x.b[3] = d;
  return x;
}
inline Addr addr6(const char* s) {
  Addr x;
  Ipv6Addr a = ip6(s);
  std::memcpy(x.b, a.data(), 16);
  return x;
}

inline Conntrack::Config small_config() {
  Conntrack::Config c;
  c.max_conns = 10000;
  c.max_threads = 4;
  return c;
}

inline std::vector<std::string> dump_lines(const Conntrack& ct, const uint16_t* zone = nullptr,
                                           bool verbose = false, uint64_t now = 1000) {
  std::vector<std::string> out;
  ct.dump(
      zone, [&](const ConnInfo& ci) { out.push_back(Conntrack::format(ci, verbose)); }, now);
  return out;
}

}  // namespace ferry::ct::test
