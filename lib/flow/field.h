// The fields the pipeline's actions read and write (set_field, load, move,
// write_metadata, mod_nw_*, mod_tp_*), as numbers: a field's value is a
// host-order unsigned integer of field_bits(f) bits, whatever byte order the
// key keeps it in. Fields wider than 64 bits (IPv6 addresses, xxregs) are
// 128-bit fields that only moves name (field_get_bits/field_set_bits read
// and write them 64 bits at a time); a set_field on one is two set_fields,
// on its high and low halves (kIpv6SrcHi/Lo ..., xxregN's halves are
// xreg(2N) and xreg(2N+1)).
#pragma once

#include <cstdint>
#include <string>

#include "lib/flow/of_key.h"

namespace ferry {

enum class Field : uint8_t {
  kNone = 0,
  kInPort,
  kEthSrc,
  kEthDst,
  kEthType,  // read-only
  kVlanTci,  // the TCI with OVS's CFI convention (0x1000 set when tagged)
  kIpSrc,
  kIpDst,
  kIpProto,  // read-only
  kIpDscp,   // the six DSCP bits (OVS's ip_dscp_shifted; ip_dscp is << 2)
  kIpEcn,
  kIpTtl,
  kTpSrc,  // TCP/UDP/SCTP source port (ICMP type)
  kTpDst,  // ... destination port (ICMP code)
  kArpSha,
  kArpTha,
  kMetadata,
  kPktMark,
  kReg0,                    // kReg0 + n: regN (16 of them)
  kXreg0 = kReg0 + 16,      // kXreg0 + n: xregN (8 of them)
  kIpv6SrcHi = kXreg0 + 8,  // bytes 0-7 of ipv6_src
  kIpv6SrcLo,               // bytes 8-15
  kIpv6DstHi,
  kIpv6DstLo,
  kIpv6Label,  // write-only: the key has no flow label (reads give 0)
  // The tunnel (FlowKey words 20-23): metadata the datapath keeps with the
  // packet and an output to a tunnel port encapsulates with.
  kTunId,
  kTunSrc,
  kTunDst,
  kTunTos,
  kTunTtl,
  kTunFlags,  // OVS's public flags (oam)
  kTunGbpId,
  kTunGbpFlags,
  kTunMetadata0,  // a Geneve option (FlowKey::tun_md0); a write makes it present
  kArpOp,         // 16 bits; the key keeps the low 8 (in nw_proto, as OVS)
  // IPv6 Neighbour Discovery, read-only (FlowKey::nd_ll/nd_target; zero
  // unless the key is a solicitation (sll) or an advertisement (tll)).
  kNdSll,
  kNdTll,
  kNdTargetHi,
  kNdTargetLo,
  // MPLS: the outermost label stack entry (FlowKey::mpls_lse(0)); zero
  // unless the key is MPLS. mpls_bos is read-only.
  kMplsLabel,
  kMplsTc,
  kMplsBos,
  kMplsTtl,
  // 128-bit fields (moves and the stack only):
  kIpv6Src,
  kIpv6Dst,
  kXxreg0,                  // kXxreg0 + n: xxregN (4 of them)
  kNdTarget = kXxreg0 + 4,  // read-only
  kCount,
};

inline Field reg_field(unsigned n) {
  return static_cast<Field>(static_cast<unsigned>(Field::kReg0) + n);
}
inline Field xreg_field(unsigned n) {
  return static_cast<Field>(static_cast<unsigned>(Field::kXreg0) + n);
}

inline Field xxreg_field(unsigned n) {
  return static_cast<Field>(static_cast<unsigned>(Field::kXxreg0) + n);
}
// The high and low 64-bit halves of a 128-bit field (kNone for others).
Field wide_half(Field f, bool high);
inline bool field_is_wide(Field f) { return f >= Field::kIpv6Src && f < Field::kCount; }

// Width in bits (0 for kNone or an unknown value).
unsigned field_bits(Field f);
// True for fields of the packet itself (a write must reach the frame); false
// for the pipeline's metadata (registers, metadata, pkt_mark) and in_port.
bool field_in_packet(Field f);
bool field_writable(Field f);
inline bool field_is_mpls(Field f) { return f >= Field::kMplsLabel && f <= Field::kMplsTtl; }
inline bool field_is_tunnel(Field f) { return f >= Field::kTunId && f <= Field::kTunMetadata0; }
// Whether a write must reach the datapath (the frame, or the tunnel
// metadata an output to a tunnel port reads): a translation emits it.
inline bool field_in_datapath(Field f) { return field_in_packet(f) || field_is_tunnel(f); }
// OVS's name ("reg3", "eth_dst", "nw_ttl", ...), for logs and tests.
std::string field_name(Field f);

uint64_t field_get(const OfKey& k, Field f);
// Bits of `mask` take `value`'s; the others keep theirs.
void field_set(OfKey* k, Field f, uint64_t value, uint64_t mask);
// Marks `mask`'s bits of the field as consulted in a wildcard mask.
inline void field_mark(OfKey* wc, Field f, uint64_t mask) { field_set(wc, f, mask, mask); }

// Bits ofs..ofs+n-1 (n <= 64) of any field, 128-bit ones included.
uint64_t field_get_bits(const OfKey& k, Field f, unsigned ofs, unsigned n);
// Writes those bits; calls put(half, value, mask) for each field (a
// 128-bit field's half) it wrote, if put is given.
template <class Put>
void field_set_bits(OfKey* k, Field f, unsigned ofs, unsigned n, uint64_t v, Put&& put);

// All-ones for a field of n bits.
inline uint64_t low_bits(unsigned n) { return n >= 64 ? ~0ULL : (1ULL << n) - 1; }

template <class Put>
void field_set_bits(OfKey* k, Field f, unsigned ofs, unsigned n, uint64_t v, Put&& put) {
  v &= low_bits(n);
  if (!field_is_wide(f)) {
    field_set(k, f, v << ofs, low_bits(n) << ofs);
    put(f, v << ofs, low_bits(n) << ofs);
    return;
  }
  // Low half first (bits 0-63), then the high half.
  if (ofs < 64) {
    const unsigned m = n < 64 - ofs ? n : 64 - ofs;
    const uint64_t lv = (v & low_bits(m)) << ofs, lm = low_bits(m) << ofs;
    field_set(k, wide_half(f, false), lv, lm);
    put(wide_half(f, false), lv, lm);
    if (m == n) return;
    v >>= m;
    n -= m;
    ofs = 64;
  }
  const uint64_t hv = v << (ofs - 64), hm = low_bits(n) << (ofs - 64);
  field_set(k, wide_half(f, true), hv, hm);
  put(wide_half(f, true), hv, hm);
}

}  // namespace ferry
