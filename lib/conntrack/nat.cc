#include "lib/conntrack/nat.h"

#include "lib/conntrack/csum.h"

namespace ferry::ct {
namespace {

bool is_zero(const Addr& a) {
  for (uint8_t b : a.b)
    if (b) return false;
  return true;
}

uint64_t hi64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}
void put64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = static_cast<uint8_t>(v);
}

// Addresses from min to max, capped at 2^32 - 1 (as OVS, for IPv6).
uint32_t addr_delta(const NatSpec& s) {
  if (!s.ipv6) {
    uint32_t lo = load32(s.min.b), hi = load32(s.max.b);
    return hi >= lo ? hi - lo : 0;
  }
  uint64_t mh = hi64(s.min.b), ml = hi64(s.min.b + 8), xh = hi64(s.max.b), xl = hi64(s.max.b + 8);
  uint64_t d;
  if (mh == xh && ml <= xl) {
    d = xl - ml;
  } else if (mh + 1 == xh && ml > xl) {
    d = UINT64_MAX - (ml - xl - 1);
  } else {
    d = (mh < xh) ? 0xfffffffe : 0;
  }
  return d > 0xfffffffe ? 0xfffffffe : static_cast<uint32_t>(d);
}

uint32_t mix(uint32_t h, uint32_t v) {
  h ^= v;
  h *= 0x85ebca6b;
  return h ^ (h >> 13);
}

// Sets an address in the IP header and fixes the IPv4 header checksum and
// the L4 checksum (TCP, UDP unless zero, ICMPv6) when the L4 header is
// whole enough to hold it.
void set_addr(uint8_t* l3, bool v6, bool src, const uint8_t* addr, uint8_t proto, uint8_t* l4,
              uint32_t l4_len) {
  uint8_t* field = v6 ? l3 + (src ? 8 : 24) : l3 + (src ? 12 : 16);
  size_t n = v6 ? 16 : 4;
  if (proto == kProtoTcp && l4_len >= 18) {  // the checksum is there
    csum_replace(l4 + 16, field, addr, n);
  } else if (proto == kProtoUdp && l4_len >= 8) {
    if (load16(l4 + 6)) {
      csum_replace(l4 + 6, field, addr, n);
      if (!load16(l4 + 6)) store16(l4 + 6, 0xffff);
    }
  } else if (v6 && proto == kProtoIcmp6 && l4_len >= 4) {
    csum_replace(l4 + 2, field, addr, n);
  }
  if (!v6) csum_replace(l3 + 10, field, addr, n);
  std::memcpy(field, addr, n);
}

// Sets TCP/UDP ports (network order values), fixing the checksum.
void set_ports(uint8_t proto, uint8_t* l4, uint32_t l4_len, uint16_t sport, uint16_t dport) {
  uint8_t nw[4];
  std::memcpy(nw, &sport, 2);
  std::memcpy(nw + 2, &dport, 2);
  if (proto == kProtoTcp) {
    if (l4_len >= 18) csum_replace(l4 + 16, l4, nw, 4);
  } else if (proto == kProtoUdp) {
    if (load16(l4 + 6)) {
      csum_replace(l4 + 6, l4, nw, 4);
      if (!load16(l4 + 6)) store16(l4 + 6, 0xffff);
    }
  } else {
    return;
  }
  std::memcpy(l4, nw, 4);
}

uint8_t reverse_action(uint8_t a) {
  if (a == kNatSrc) return kNatDst;
  if (a == kNatDst) return kNatSrc;
  return a;
}

}  // namespace

uint64_t next_random(uint64_t* s) {
  uint64_t x = *s ? *s : 0x853c49e6748fea9bull;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *s = x;
  return x;
}

uint32_t nat_hash(const Key& k, const NatSpec& s, uint32_t basis) {
  uint32_t h = basis;
  for (int i = 0; i < 16; i += 4) h = mix(h, load32(s.min.b + i) ^ load32(s.max.b + i));
  h = mix(h, static_cast<uint32_t>(s.port_max) << 16 | s.port_min);
  for (int i = 0; i < 16; i += 4) h = mix(h, load32(k.src + i));
  if (!s.persistent) {
    for (int i = 0; i < 16; i += 4) h = mix(h, load32(k.dst + i));
    h = mix(h, static_cast<uint32_t>(k.sport) << 16 | k.dport);
  }
  h = mix(h, static_cast<uint32_t>(k.proto) << 16 | k.zone);
  return mix(h, 0x27d4eb2f);
}

uint32_t nat_addr_count(const NatSpec& s) {
  if (is_zero(s.min)) return 1;
  return addr_delta(s) + 1;
}

void nat_addr(const Key& k, const NatSpec& s, uint32_t h, uint32_t n, uint8_t out[16]) {
  if (is_zero(s.min)) {  // all-zero: keep the address
    std::memcpy(out, s.kind == NatSpec::kSrc ? k.src : k.dst, 16);
    return;
  }
  uint64_t range = static_cast<uint64_t>(addr_delta(s)) + 1;
  uint32_t off = static_cast<uint32_t>((h % range + n) % range);
  std::memcpy(out, s.min.b, 16);
  if (!s.ipv6) {
    uint32_t a = load32(s.min.b) + off;
    uint8_t b[4] = {static_cast<uint8_t>(a >> 24), static_cast<uint8_t>(a >> 16),
                    static_cast<uint8_t>(a >> 8), static_cast<uint8_t>(a)};
    std::memcpy(out, b, 4);
    return;
  }
  uint64_t hi = hi64(s.min.b), lo = hi64(s.min.b + 8);
  if (UINT64_MAX - off >= lo) {
    lo += off;
  } else {
    hi++;
    lo = off - (UINT64_MAX - lo + 1);
  }
  put64(out, hi);
  put64(out + 8, lo);
}

void nat_port_ranges(const Key& k, const NatSpec& s, uint32_t h, PortRange* sp, PortRange* dp) {
  bool src_ports = s.kind == NatSpec::kSrc && s.port_min;
  if (!src_ports) {
    uint16_t p = from_be16(k.sport);
    *sp = p < 512    ? PortRange{p, 1, 511}
          : p < 1024 ? PortRange{p, 600, 1023}
                     : PortRange{p, 1024, 65535};
    if (sp->curr < sp->min) sp->curr = sp->min;  // port 0 never gets here (invalid)
  } else {
    uint16_t mx = s.port_max >= s.port_min ? s.port_max : s.port_min;
    *sp = PortRange{static_cast<uint16_t>(s.port_min + h % (mx - s.port_min + 1u)), s.port_min, mx};
  }
  if (s.kind == NatSpec::kDst && s.port_min) {
    uint16_t mx = s.port_max >= s.port_min ? s.port_max : s.port_min;
    *dp = PortRange{static_cast<uint16_t>(s.port_min + h % (mx - s.port_min + 1u)), s.port_min, mx};
  } else {
    uint16_t p = from_be16(k.dport);
    *dp = PortRange{p, p, p};
  }
}

uint8_t nat_packet(uint8_t* l3, const Parsed& p, const Conn& c, bool reply) {
  const Key& key = reply ? c.key() : c.rev_key();
  uint8_t action = reply ? reverse_action(c.nat) : c.nat;
  if (action == kNatNone) return 0;
  bool v6 = key.ipv6;
  uint8_t outer_proto = p.related ? (v6 ? kProtoIcmp6 : kProtoIcmp) : key.proto;
  uint8_t* l4 = l3 + p.l4_ofs;
  uint32_t l4_len = p.l3_size - p.l4_ofs;
  if (action == kNatSrc) {
    set_addr(l3, v6, true, key.dst, outer_proto, l4, l4_len);
  } else {
    set_addr(l3, v6, false, key.src, outer_proto, l4, l4_len);
  }
  if (!p.related) {
    set_ports(key.proto, l4, l4_len, key.dport, key.sport);
  } else {
    // The inner header goes the other way: reversed key and action.
    uint8_t* in3 = l3 + p.inner_l3;
    uint8_t* in4 = l3 + p.inner_l4;
    uint32_t in4_len = p.l3_size - p.inner_l4;
    Key rk = key.reversed();
    set_ports(key.proto, in4, in4_len, rk.dport, rk.sport);
    if (reverse_action(action) == kNatSrc) {
      set_addr(in3, v6, true, rk.dst, key.proto, in4, in4_len);
    } else {
      set_addr(in3, v6, false, rk.src, key.proto, in4, in4_len);
    }
    store16(l4 + 2, 0);
    uint32_t sum = v6 ? pseudo_sum_v6(l3, kProtoIcmp6, l4_len) : 0;
    store16(l4 + 2, csum_finish(csum_add(sum, l4, l4_len)));
  }
  return action == kNatSrc ? kSnat : kDnat;
}

}  // namespace ferry::ct
