#include "lib/conntrack/key.h"

#include "lib/conntrack/csum.h"

namespace ferry::ct {
namespace {

constexpr uint8_t kHopOpts = 0, kRouting = 43, kFragment = 44, kAh = 51, kDstOpts = 60;

// IPv4 header at p (size bytes available). validate: the header checksum.
KeyError l3_v4(const uint8_t* p, uint32_t size, bool validate, Key* k, uint32_t* hlen) {
  if (size < 20) return KeyError::kL3Header;
  uint32_t ihl = (p[0] & 0x0f) * 4u;
  if (ihl < 20 || size < ihl) return KeyError::kL3Header;
  if (load16(p + 6) & 0x3fff) return KeyError::kFragment;
  if (validate && csum_finish(csum_add(0, p, ihl)) != 0) return KeyError::kL3Checksum;
  std::memcpy(k->src, p + 12, 4);
  std::memcpy(k->dst, p + 16, 4);
  k->proto = p[9];
  *hlen = ihl;
  return KeyError::kOk;
}

// IPv6 header and extension headers (OVS's parse_ipv6_ext_hdrs rules).
KeyError l3_v6(const uint8_t* p, uint32_t size, Key* k, uint32_t* hlen) {
  if (size < 40) return KeyError::kL3Header;
  uint8_t nxt = p[6];
  uint32_t off = 40;
  for (;;) {
    if (nxt != kHopOpts && nxt != kRouting && nxt != kDstOpts && nxt != kAh && nxt != kFragment)
      break;
    if (size - off < 8) return KeyError::kL3Header;
    const uint8_t* e = p + off;
    uint32_t len;
    if (nxt == kAh) {
      len = (e[1] + 2u) * 4;
    } else if (nxt == kFragment) {
      len = 8;
      if (load16(e + 2) != 0) return KeyError::kFragment;  // any fragment but an atomic one
    } else {
      len = (e[1] + 1u) * 8;
    }
    nxt = e[0];
    if (size - off < len) return KeyError::kL3Header;
    off += len;
  }
  std::memcpy(k->src, p + 8, 16);
  std::memcpy(k->dst, p + 24, 16);
  k->proto = nxt;
  *hlen = off;
  return KeyError::kOk;
}

struct Ctx {
  const uint8_t* base;  // the outer IP header
  Parsed* out;
};

bool l4_sum_ok(const uint8_t* l3, const uint8_t* l4, uint32_t size, const Key& k) {
  uint32_t s = k.ipv6 ? pseudo_sum_v6(l3, k.proto, size) : pseudo_sum_v4(l3, k.proto, size);
  return csum_finish(csum_add(s, l4, size)) == 0;
}

KeyError l4(const Ctx& c, const uint8_t* l3, const uint8_t* p, uint32_t size, bool outer,
            uint32_t min_len, Key* k);

// An ICMP(v6) error: keys the inner packet (reversed) into k.
KeyError icmp_error(const Ctx& c, const uint8_t* inner, uint32_t size, Key* k) {
  Key in{};
  in.ipv6 = k->ipv6;
  in.zone = k->zone;
  uint32_t hlen = 0;
  KeyError e = k->ipv6 ? l3_v6(inner, size, &in, &hlen) : l3_v4(inner, size, false, &in, &hlen);
  if (e != KeyError::kOk) return e == KeyError::kFragment ? e : KeyError::kIcmpInner;
  if (std::memcmp(in.src, k->dst, 16) != 0) return KeyError::kIcmpInner;
  // ICMPv4 errors need 8 bytes of the inner L4 header; ICMPv6 errors a
  // whole header (OVS passes no check length down for v6).
  e = l4(c, inner, inner + hlen, size - hlen, false, k->ipv6 ? 0 : 8, &in);
  if (e != KeyError::kOk) return KeyError::kIcmpInner;
  *k = in.reversed();
  c.out->related = true;
  c.out->inner_l3 = static_cast<uint16_t>(inner - c.base);
  c.out->inner_l4 = static_cast<uint16_t>(inner + hlen - c.base);
  return KeyError::kOk;
}

void icmp_echo_key(const uint8_t* p, bool v6, Key* k) {
  std::memcpy(&k->sport, p + 4, 2);
  k->dport = k->sport;
  k->stype = p[0];
  k->dtype = reverse_icmp_type(p[0], v6);
}

KeyError l4_icmp4(const Ctx& c, const uint8_t* p, uint32_t size, bool outer, uint32_t min_len,
                  Key* k) {
  if (outer && csum_finish(csum_add(0, p, size)) != 0) return KeyError::kL4Checksum;
  if (size < (min_len ? min_len : 8)) return KeyError::kL4Header;
  switch (p[0]) {
    case 0:
    case 8:
    case 13:
    case 14:
    case 15:
    case 16:  // clang-format off
      if (p[1] != 0) return KeyError::kIcmpType;
      icmp_echo_key(p, false, k);
      return KeyError::kOk;
    case 3: case 4: case 5: case 11: case 12:
      if (!outer) return KeyError::kIcmpType;
      return icmp_error(c, p + 8, size - 8, k);
    default:
      return KeyError::kIcmpType;  // clang-format on
  }
}

KeyError l4_icmp6(const Ctx& c, const uint8_t* l3, const uint8_t* p, uint32_t size, bool outer,
                  Key* k) {
  if (outer && !l4_sum_ok(l3, p, size, *k)) return KeyError::kL4Checksum;
  if (size < 8) return KeyError::kL4Header;
  switch (p[0]) {
    case 128:
    case 129:  // clang-format off
      if (p[1] != 0) return KeyError::kIcmpType;
      icmp_echo_key(p, true, k);
      return KeyError::kOk;
    case 1: case 2: case 3: case 4:
      if (!outer) return KeyError::kIcmpType;
      return icmp_error(c, p + 8, size - 8, k);
    default:
      return KeyError::kIcmpType;  // clang-format on
  }
}

// outer: the packet's own L4 header (checked: lengths, checksum); else an
// ICMP error's inner header (only min_len bytes needed, no checksum).
KeyError l4(const Ctx& c, const uint8_t* l3, const uint8_t* p, uint32_t size, bool outer,
            uint32_t min_len, Key* k) {
  switch (k->proto) {
    case kProtoTcp:
      if (outer) {
        if (size < 20) return KeyError::kL4Header;
        uint32_t tlen = (p[12] >> 4) * 4u;
        if (tlen < 20 || tlen > size) return KeyError::kL4Header;
        if (!l4_sum_ok(l3, p, size, *k)) return KeyError::kL4Checksum;
      } else if (size < (min_len ? min_len : 20)) {
        return KeyError::kL4Header;
      }
      break;
    case kProtoUdp:
      if (outer) {
        if (size < 8) return KeyError::kL4Header;
        uint32_t ulen = load16(p + 4);
        if (ulen < 8 || ulen > size) return KeyError::kL4Header;
        bool none = !k->ipv6 && load16(p + 6) == 0;
        if (!none && !l4_sum_ok(l3, p, size, *k)) return KeyError::kL4Checksum;
      } else if (size < (min_len ? min_len : 8)) {
        return KeyError::kL4Header;
      }
      break;
    case kProtoIcmp:
      if (k->ipv6) return KeyError::kOk;
      return l4_icmp4(c, p, size, outer, min_len, k);
    case kProtoIcmp6:
      if (!k->ipv6) return KeyError::kOk;
      return l4_icmp6(c, l3, p, size, outer, k);
    default:
      return KeyError::kOk;  // no L4 key: ports stay zero
  }
  std::memcpy(&k->sport, p, 2);
  std::memcpy(&k->dport, p + 2, 2);
  if (!k->sport || !k->dport) return KeyError::kL4Header;
  return KeyError::kOk;
}

}  // namespace

uint8_t reverse_icmp_type(uint8_t type, bool v6) {
  if (v6) return type == 128 ? 129 : type == 129 ? 128 : type;
  switch (type) {
    case 8:
      return 0;  // clang-format off
    case 0: return 8;
    case 13: return 14;
    case 14: return 13;
    case 15: return 16;
    case 16: return 15;
    default: return type;  // clang-format on
  }
}

const char* key_error_name(KeyError e) {
  static const char* const kNames[] = {"ok",
                                       "invalid_l3_header",
                                       "l3_checksum",
                                       "fragment",
                                       "invalid_l4_header",
                                       "l4_checksum",
                                       "icmp_type_untracked",
                                       "icmp_error_inner_invalid"};
  return kNames[static_cast<int>(e)];
}

KeyError extract_key(const uint8_t* l3, uint32_t l3_len, bool v6, uint16_t zone, Parsed* out) {
  Key& k = out->key;
  std::memset(&k, 0, sizeof k);
  k.zone = zone;
  k.ipv6 = v6;
  out->related = false;
  out->inner_l3 = out->inner_l4 = 0;
  uint32_t dgram, hlen = 0;
  KeyError e;
  if (!v6) {
    if (l3_len < 20 || (l3[0] >> 4) != 4) return KeyError::kL3Header;
    dgram = load16(l3 + 2);
    if (dgram < (l3[0] & 0x0fu) * 4 || dgram > l3_len) return KeyError::kL3Header;
    e = l3_v4(l3, dgram, true, &k, &hlen);
  } else {
    if (l3_len < 40 || (l3[0] >> 4) != 6) return KeyError::kL3Header;
    dgram = 40u + load16(l3 + 4);
    if (dgram > l3_len) return KeyError::kL3Header;
    e = l3_v6(l3, dgram, &k, &hlen);
  }
  if (e != KeyError::kOk) return e;
  out->l4_ofs = static_cast<uint16_t>(hlen);
  out->l3_size = dgram;
  Ctx c{l3, out};
  return l4(c, l3, l3 + hlen, dgram - hlen, true, 0, &k);
}

uint32_t key_hash(const Key& k, uint32_t basis) {
  uint64_t w[6] = {};
  std::memcpy(w, &k, sizeof k);
  uint64_t h = basis ^ 0x9e3779b97f4a7c15ull;
  for (uint64_t x : w) {
    h ^= x;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 29;
  return static_cast<uint32_t>(h);
}

}  // namespace ferry::ct
