// NAT: choosing a connection's translated reply tuple (address and port
// ranges, OVS's nat_get_unique_tuple() order) and rewriting packets (IP,
// TCP, UDP, ICMP(v6) checksums; ICMP errors' inner headers too).
#pragma once

#include <cstdint>

#include "lib/conntrack/conn.h"
#include "lib/conntrack/key.h"

namespace ferry::ct {

// What a candidate reply key came to.
enum class Claim : uint8_t { kTaken, kDone, kAbort };

// Tries candidate reply keys for a connection with original key k, in
// OVS's order, until claim(rev) answers kDone (true) or kAbort, or the
// ranges are exhausted (false). claim checks and inserts atomically.
template <class ClaimFn>
bool nat_select(const Key& k, const NatSpec& spec, uint32_t basis, uint64_t* rng, ClaimFn&& claim);

// Rewrites the packet for connection c (OVS's nat_packet()): reply tells
// the packet's direction, related that it is an ICMP error about c.
// Returns the ct_state bit to add (kSnat or kDnat, 0 for none).
uint8_t nat_packet(uint8_t* l3, const Parsed& p, const Conn& c, bool reply);

// ---- implementation details used by nat_select

struct PortRange {
  uint16_t curr, min, max;
};
uint32_t nat_hash(const Key& k, const NatSpec& spec, uint32_t basis);
uint64_t next_random(uint64_t* s);
void nat_addr(const Key& k, const NatSpec& spec, uint32_t h, uint32_t n, uint8_t out[16]);
uint32_t nat_addr_count(const NatSpec& spec);  // addresses in the range (capped)
void nat_port_ranges(const Key& k, const NatSpec& spec, uint32_t h, PortRange* sp, PortRange* dp);

// Tries ports in [min, max] from curr (OVS's nat_get_unique_l4: at most
// 128 in a row, then fewer from random points); *port is set to each.
template <class ClaimFn>
Claim nat_unique_l4(uint16_t* port, PortRange r, uint64_t* rng, ClaimFn&& claim, Key* rev) {
  uint32_t range = static_cast<uint32_t>(r.max) - r.min + 1;
  uint32_t attempts = range < 128 ? range : 128;
  uint16_t orig = *port;
  uint32_t curr = r.curr;
  for (;;) {
    for (uint32_t i = 0; i < attempts; i++) {
      *port = static_cast<uint16_t>(to_be16(static_cast<uint16_t>(curr)));
      Claim c = claim(*rev);
      if (c != Claim::kTaken) return c;
      curr = curr == r.max ? r.min : curr + 1;
    }
    if (attempts < range && attempts >= 16) {
      attempts /= 2;
      curr = r.min + static_cast<uint32_t>(next_random(rng) % range);
      continue;
    }
    *port = orig;
    return Claim::kTaken;
  }
}

template <class ClaimFn>
bool nat_select(const Key& k, const NatSpec& spec, uint32_t basis, uint64_t* rng, ClaimFn&& claim) {
  uint32_t h = nat_hash(k, spec, basis);
  bool pat = k.proto == kProtoTcp || k.proto == kProtoUdp;
  PortRange sp, dp;
  nat_port_ranges(k, spec, spec.random ? static_cast<uint32_t>(next_random(rng)) : h, &sp, &dp);
  // OVS tries one address (chosen by the hash); on exhaustion we go on
  // to the next ones, a few at most.
  uint32_t naddr = nat_addr_count(spec);
  uint32_t tries = naddr < 8 ? naddr : 8;
  for (uint32_t n = 0; n < tries; n++) {
    Key rev = k.reversed();
    if (pat) {
      rev.sport = to_be16(dp.curr);
      rev.dport = to_be16(sp.curr);
    }
    nat_addr(k, spec, h, n, spec.kind == NatSpec::kSrc ? rev.dst : rev.src);
    Claim c;
    if (!pat) {
      c = claim(rev);
    } else {
      c = Claim::kTaken;
      if (spec.kind == NatSpec::kDst && spec.port_min)
        c = nat_unique_l4(&rev.sport, dp, rng, claim, &rev);
      if (c == Claim::kTaken) c = nat_unique_l4(&rev.dport, sp, rng, claim, &rev);
    }
    if (c == Claim::kDone) return true;
    if (c == Claim::kAbort) return false;
  }
  return false;
}

}  // namespace ferry::ct
