// libFuzzer target: parse_frame() on arbitrary bytes, at every length.
//
// Each parse reads from an exact-size heap buffer (the frame ends where the
// allocation ends), so AddressSanitizer catches any read past the frame.
// Invariants checked:
//   - the status is a known one; kRunt exactly when len < 14; parsing with
//     and without HeaderOffsets gives the same status and key;
//   - a kOk key has in_port copied, zero padding, no L3/L4 fields for
//     non-IP/ARP ethertypes, and header offsets inside the frame;
//   - extension stability: a prefix that parses kOk (other than an 802.3
//     frame, whose LLC/SNAP check depends on the length) gives the same key
//     and offsets as the whole input: bytes past the headers never matter;
//   - padding: when the whole input is IPv4/IPv6/ARP and parses kOk, every
//     prefix that still holds the whole datagram parses to the same key;
//   - round trip: a kOk key rebuilt with FrameBuilder reparses to the same
//     key (for the fields the builder controls);
//   - tunnels: parse_tunnel_header() (VXLAN and Geneve) on the same bytes
//     reads nothing past them, and a kOk leaves an inner Ethernet header
//     inside the frame; the same bytes as a parse_frame() key say UDP.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "lib/packet/parser.h"
#include "lib/packet/tunnel_header.h"
#include "test/fuzz/frame_rebuild.h"
#include "test/fuzz/fuzz_check.h"

namespace ferry::fuzz {
namespace {

constexpr uint32_t kInPort = 7;

bool has_l3_fields(uint16_t type) {
  return type == kEthTypeIpv4 || type == kEthTypeIpv6 || type == kEthTypeArp ||
         type == kEthTypeRarp;
}

// Checks a kOk result of parsing len bytes.
void check_ok_key(const FlowKey& k, const HeaderOffsets& off, uint32_t len) {
  FUZZ_CHECK(k.in_port == kInPort, "in_port %u", k.in_port);
  // pad1/pad2 are part of an ND target (FlowKey::nd_target()), else zero.
  const bool nd = k.ethertype() == kEthTypeIpv6 && k.nw_proto == kIpProtoIcmpv6 &&
                  (ntohs(k.tp_src) == FlowKey::kNdSolicit || ntohs(k.tp_src) == FlowKey::kNdAdvert);
  FUZZ_CHECK(k.tun_flags == 0 && (nd || (k.pad1 == 0 && k.pad2 == 0)), "padding not zero: %s",
             k.to_string().c_str());
  if (!has_l3_fields(k.ethertype())) {
    FlowKey l2 = zero_key();
    l2.in_port = k.in_port;
    l2.vlan_tci = k.vlan_tci;
    l2.dl_type = k.dl_type;
    std::memcpy(l2.dl_dst, k.dl_dst, 6);
    std::memcpy(l2.dl_src, k.dl_src, 6);
    FUZZ_CHECK(k == l2, "L3/L4 fields for dl_type 0x%04x: %s", k.ethertype(),
               k.to_string().c_str());
  }
  FUZZ_CHECK(off.l3 >= 14 && off.l3 <= len, "l3 offset %u, len %u", off.l3, len);
  FUZZ_CHECK(off.l4 == 0 || (off.l4 >= off.l3 + 20 && off.l4 <= len),
             "l4 offset %u (l3 %u), len %u", off.l4, off.l3, len);
}

// Where the L3 datagram of a kOk frame ends (IP total or payload length,
// the ARP header), or 0 for other frames.
uint32_t datagram_end(const FlowKey& k, const HeaderOffsets& off, const uint8_t* f) {
  const uint8_t* l3 = f + off.l3;
  switch (k.ethertype()) {
    case kEthTypeIpv4:
      return off.l3 + (static_cast<uint32_t>(l3[2]) << 8 | l3[3]);
    case kEthTypeIpv6:
      return off.l3 + 40 + (static_cast<uint32_t>(l3[4]) << 8 | l3[5]);
    case kEthTypeArp:
    case kEthTypeRarp:
      return off.l3 + 28;
    default:
      return 0;
  }
}

void check_round_trip(const FlowKey& k) {
  std::vector<uint8_t> frame = rebuild_frame(k);
  auto buf = std::make_unique<uint8_t[]>(frame.size());
  std::memcpy(buf.get(), frame.data(), frame.size());
  FlowKey again;
  ParseStatus st = parse_frame(buf.get(), static_cast<uint32_t>(frame.size()), kInPort, &again);
  FUZZ_CHECK(st == ParseStatus::kOk, "rebuilt frame: %s", parse_status_name(st));
  FlowKey want = builder_view(k);
  FUZZ_CHECK(again == want, "rebuilt frame parses to\n  %s\nnot\n  %s", again.to_string().c_str(),
             want.to_string().c_str());
}

void check_tunnel(const uint8_t* f, uint32_t len, const FlowKey* key) {
  for (bool geneve : {false, true}) {
    TunnelHeader h;
    TunnelParse st = parse_tunnel_header(f, len, geneve, &h);
    FUZZ_CHECK(st <= TunnelParse::kCriticalOption, "tunnel status %d", static_cast<int>(st));
    if (st != TunnelParse::kOk) continue;
    FUZZ_CHECK(h.outer_len >= 14 + 20 + 16 && h.outer_len + 14 <= len,
               "outer headers of %u bytes in a frame of %u", h.outer_len, len);
    FUZZ_CHECK(h.opt_off + h.opt_len == (geneve ? h.outer_len : 0u),
               "Geneve options at %u+%u in outer headers of %u", h.opt_off, h.opt_len, h.outer_len);
    if (h.opt_len) {
      // The options against a map of the first one's class and type (and of none).
      const uint8_t* o = f + h.opt_off;
      const GeneveOptMap map{static_cast<uint16_t>(o[0] << 8 | o[1]), o[2],
                             static_cast<uint8_t>((o[3] & 0x1f) * 4)};
      for (const GeneveOptMap& m : {map, GeneveOptMap{}}) {
        uint64_t md0 = 0;
        uint8_t present = 0;
        TunnelParse os = read_geneve_options(o, h.opt_len, m, &md0, &present);
        FUZZ_CHECK(os == TunnelParse::kOk || os == TunnelParse::kCriticalOption,
                   "options checked by the header parse read as %d", static_cast<int>(os));
        FUZZ_CHECK(present <= 1 && (present || !md0), "present %u md0 %llx", present,
                   static_cast<unsigned long long>(md0));
      }
    }
    if (key) {
      FUZZ_CHECK(key->dl_type == be16(kEthTypeIpv4) && key->nw_proto == kIpProtoUdp &&
                     ntohs(key->tp_dst) == h.udp_dst,
                 "a tunnel header in a frame that parses as %s", key->to_string().c_str());
    }
  }
}

}  // namespace
}  // namespace ferry::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ferry;
  using namespace ferry::fuzz;
  if (size > UINT16_MAX) return -1;  // frames fit an mbuf; offsets are 16-bit
  const uint32_t n = static_cast<uint32_t>(size);
  auto buf = std::make_unique<uint8_t[]>(size);

  // The whole input.
  if (n) std::memcpy(buf.get(), data, n);
  FlowKey full, plain;
  HeaderOffsets full_off;
  ParseStatus full_st = parse_frame(buf.get(), n, kInPort, &full, &full_off);
  ParseStatus plain_st = parse_frame(buf.get(), n, kInPort, &plain);
  FUZZ_CHECK(full_st < ParseStatus::kCount, "status %d", static_cast<int>(full_st));
  FUZZ_CHECK(plain_st == full_st, "with offsets %s, without %s", parse_status_name(full_st),
             parse_status_name(plain_st));
  if (full_st == ParseStatus::kOk) {
    FUZZ_CHECK(plain == full, "key differs without offsets");
    check_ok_key(full, full_off, n);
    check_round_trip(full);
  }
  const uint32_t end = full_st == ParseStatus::kOk ? datagram_end(full, full_off, data) : 0;
  check_tunnel(buf.get(), n, full_st == ParseStatus::kOk ? &full : nullptr);

  // Every prefix, placed at the end of the allocation.
  for (uint32_t len = 0; len <= n; len++) {
    uint8_t* p = buf.get() + (n - len);
    if (len) std::memcpy(p, data, len);
    FlowKey k;
    HeaderOffsets off;
    ParseStatus st = parse_frame(p, len, kInPort, &k, &off);
    FUZZ_CHECK((st == ParseStatus::kRunt) == (len < 14), "len %u: %s", len, parse_status_name(st));
    FUZZ_CHECK(!end || len < end || (st == ParseStatus::kOk && k == full),
               "prefix of %u bytes holds the datagram (ends at %u) but parses %s: %s", len, end,
               parse_status_name(st), st == ParseStatus::kOk ? k.to_string().c_str() : "-");
    if (st != ParseStatus::kOk) continue;
    check_ok_key(k, off, len);
    if (k.ethertype() == kDlTypeNone) continue;
    FUZZ_CHECK(
        full_st == ParseStatus::kOk && k == full && off.l3 == full_off.l3 && off.l4 == full_off.l4,
        "prefix of %u bytes: %s (l3 %u l4 %u)\nwhole input of %u: %s: %s (l3 %u l4 %u)", len,
        k.to_string().c_str(), off.l3, off.l4, n, parse_status_name(full_st),
        full_st == ParseStatus::kOk ? full.to_string().c_str() : "-", full_off.l3, full_off.l4);
  }
  return 0;
}
