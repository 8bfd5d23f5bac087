#include "tools/ferry-pcapgen/flow_gen.h"

#include "lib/packet/builder.h"

namespace ferry::pcapgen {

FiveTuple flow_tuple(const PcapgenOptions& o, uint64_t i) {
  FiveTuple t;
  if (o.vary == Vary::kIp) {
    // Unsigned arithmetic: addresses wrap modulo 2^32 (options.cc checks
    // that the varying one does not).
    t.src_ip = o.src_ip + static_cast<uint32_t>(i * o.src_step);
    t.dst_ip = o.dst_ip + static_cast<uint32_t>(i * o.dst_step);
    t.sport = o.sport;
    t.dport = o.dport;
    return t;
  }
  uint64_t span = 65536ull - o.sport;
  t.src_ip = o.src_ip;
  t.dst_ip = o.dst_ip;
  t.sport = static_cast<uint16_t>(o.sport + i % span);
  t.dport = static_cast<uint16_t>(o.dport + i / span);
  return t;
}

std::vector<uint8_t> build_frame(const PcapgenOptions& o, const FiveTuple& t) {
  FrameBuilder b;
  b.eth(o.dst_mac, o.src_mac).ipv4(be32(t.src_ip), be32(t.dst_ip));
  if (o.proto == Proto::kTcp) {
    b.tcp(t.sport, t.dport, kTcpSyn);
  } else {
    b.udp(t.sport, t.dport);
  }
  return b.pad_to(60).build();
}

}  // namespace ferry::pcapgen
