#include "tools/ferry-pcapgen/flow_gen.h"

#include <algorithm>

#include "lib/packet/builder.h"

namespace ferry::pcapgen {

namespace {

// mac + n as 48-bit numbers (options.cc checks that the first octet stays).
Mac mac_plus(const Mac& mac, uint64_t n) {
  uint64_t v = 0;
  for (uint8_t b : mac) v = v << 8 | b;
  v += n;
  Mac out;
  for (int k = 5; k >= 0; k--, v >>= 8) out[static_cast<size_t>(k)] = static_cast<uint8_t>(v);
  return out;
}

}  // namespace

FiveTuple flow_tuple(const PcapgenOptions& o, uint64_t i) {
  FiveTuple t;
  t.src_mac = mac_plus(o.src_mac, i * o.mac_step);
  t.dst_mac = mac_plus(o.dst_mac, i * o.mac_step);
  if (o.vary == Vary::kIp) {
    // Unsigned arithmetic: addresses wrap modulo 2^32 (options.cc checks
    // that the varying one does not).
    uint64_t a = o.period ? i % o.period : i;
    t.src_ip = o.src_ip + static_cast<uint32_t>(a * o.src_step);
    t.dst_ip = o.dst_ip + static_cast<uint32_t>(a * o.dst_step);
    t.sport = static_cast<uint16_t>(o.sport + (o.period ? i / o.period : 0));
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
  b.eth(t.dst_mac, t.src_mac).ipv4(be32(t.src_ip), be32(t.dst_ip));
  if (o.proto == Proto::kTcp) {
    b.tcp(t.sport, t.dport, kTcpSyn);
  } else {
    b.udp(t.sport, t.dport);
  }
  std::vector<uint8_t> inner = b.pad_to(60).build();
  if (o.vxlan_vni < 0) return inner;
  const auto vni = static_cast<uint32_t>(o.vxlan_vni);
  std::vector<uint8_t> payload(8 + inner.size(), 0);
  payload[0] = 0x08;  // I: the VNI is valid
  payload[4] = static_cast<uint8_t>(vni >> 16);
  payload[5] = static_cast<uint8_t>(vni >> 8);
  payload[6] = static_cast<uint8_t>(vni);
  std::copy(inner.begin(), inner.end(), payload.begin() + 8);
  // The outer source port, as a tunnel endpoint picks it: from the inner flow.
  const auto sport = static_cast<uint16_t>(
      49152 + (t.src_ip * 2654435761u ^ t.dst_ip ^ (uint32_t{t.sport} << 16 | t.dport)) % 16384);
  std::vector<uint8_t> f = FrameBuilder()
                               .eth(o.outer_dst_mac, o.outer_src_mac)
                               .ipv4(be32(o.outer_src_ip), be32(o.outer_dst_ip))
                               .dont_fragment()
                               .udp(sport, 4789)
                               .payload(payload)
                               .build();
  f[40] = f[41] = 0;  // no outer UDP checksum, as VXLAN endpoints send over IPv4
  return f;
}

}  // namespace ferry::pcapgen
