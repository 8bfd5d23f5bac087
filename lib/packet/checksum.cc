#include "lib/packet/checksum.h"

#include <cstring>

#include "lib/packet/parser.h"
#include "lib/util/text.h"

namespace ferry {

uint32_t checksum_add(uint32_t sum, const uint8_t* data, size_t len) {
  uint64_t s = sum;
  size_t i = 0;
  for (; i + 1 < len; i += 2) s += static_cast<uint32_t>(data[i]) << 8 | data[i + 1];
  if (i < len) s += static_cast<uint32_t>(data[i]) << 8;
  while (s >> 32) s = (s & 0xffffffff) + (s >> 32);
  return static_cast<uint32_t>(s);
}

uint16_t checksum_finish(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

uint32_t ipv4_pseudo_sum(uint32_t src_be, uint32_t dst_be, uint8_t proto, uint32_t l4_len) {
  uint8_t ph[12];
  std::memcpy(ph, &src_be, 4);
  std::memcpy(ph + 4, &dst_be, 4);
  ph[8] = 0;
  ph[9] = proto;
  ph[10] = static_cast<uint8_t>(l4_len >> 8);
  ph[11] = static_cast<uint8_t>(l4_len);
  return checksum_add(0, ph, sizeof ph);
}

uint32_t ipv6_pseudo_sum(const uint8_t* src, const uint8_t* dst, uint8_t proto, uint32_t l4_len) {
  uint8_t ph[8] = {static_cast<uint8_t>(l4_len >> 24),
                   static_cast<uint8_t>(l4_len >> 16),
                   static_cast<uint8_t>(l4_len >> 8),
                   static_cast<uint8_t>(l4_len),
                   0,
                   0,
                   0,
                   proto};
  uint32_t sum = checksum_add(0, src, 16);
  sum = checksum_add(sum, dst, 16);
  return checksum_add(sum, ph, sizeof ph);
}

namespace {

uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

const char* proto_name(uint8_t proto) {
  switch (proto) {
    case kIpProtoTcp:
      return "TCP";
    case kIpProtoUdp:
      return "UDP";
    case kIpProtoIcmp:
      return "ICMP";
    default:
      return "ICMPv6";
  }
}

Status check_l4(const uint8_t* l4, uint32_t l4_len, uint8_t proto, uint32_t pseudo, bool ipv6) {
  size_t field;
  switch (proto) {
    case kIpProtoTcp:
      field = 16;
      break;
    case kIpProtoUdp:
      field = 6;
      if (!ipv6 && get16(l4 + 6) == 0) return {};  // no checksum
      break;
    case kIpProtoIcmp:
      field = 2;
      pseudo = 0;  // ICMPv4 has no pseudo-header
      break;
    case kIpProtoIcmpv6:
      field = 2;
      break;
    default:
      return {};
  }
  if (l4_len < field + 2) return {};
  uint16_t stored = get16(l4 + field);
  uint32_t sum = checksum_add(pseudo, l4, field);
  sum = checksum_add(sum, l4 + field + 2, l4_len - field - 2);
  uint16_t want = checksum_finish(sum);
  if (proto == kIpProtoUdp && want == 0) want = 0xffff;
  if (stored != want)
    return make_error(
        strprintf("%s checksum is 0x%04x, expected 0x%04x", proto_name(proto), stored, want));
  return {};
}

}  // namespace

Status verify_checksums(const uint8_t* frame, size_t len) {
  FlowKey key;
  HeaderOffsets off;
  ParseStatus st = parse_frame(frame, static_cast<uint32_t>(len), 0, &key, &off);
  if (st != ParseStatus::kOk)
    return make_error(strprintf("frame does not parse: %s", parse_status_name(st)));
  const uint8_t* ip = frame + off.l3;
  if (key.ethertype() == kEthTypeIpv4) {
    uint32_t ihl = (ip[0] & 0x0f) * 4u;
    uint16_t stored = get16(ip + 10);
    uint32_t sum = checksum_add(0, ip, 10);
    uint16_t want = checksum_finish(checksum_add(sum, ip + 12, ihl - 12));
    if (stored != want)
      return make_error(strprintf("IPv4 header checksum is 0x%04x, expected 0x%04x", stored, want));
    if (key.nw_frag || !off.l4) return {};
    uint32_t l4_len = get16(ip + 2) - ihl;
    return check_l4(frame + off.l4, l4_len, key.nw_proto,
                    ipv4_pseudo_sum(key.nw_src, key.nw_dst, key.nw_proto, l4_len), false);
  }
  if (key.ethertype() == kEthTypeIpv6) {
    if (key.nw_frag || !off.l4) return {};
    uint32_t l4_len = 40u + get16(ip + 4) - (off.l4 - off.l3);
    return check_l4(frame + off.l4, l4_len, key.nw_proto,
                    ipv6_pseudo_sum(key.ipv6_src, key.ipv6_dst, key.nw_proto, l4_len), true);
  }
  return {};
}

}  // namespace ferry
