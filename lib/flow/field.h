// The fields the pipeline's actions read and write (set_field, load, move,
// write_metadata, mod_nw_*, mod_tp_*), as numbers: a field's value is a
// host-order unsigned integer of field_bits(f) bits, whatever byte order the
// key keeps it in. Fields wider than 64 bits (IPv6 addresses, xxregs) are
// not among them yet.
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
  kReg0,                // kReg0 + n: regN (16 of them)
  kXreg0 = kReg0 + 16,  // kXreg0 + n: xregN (8 of them)
  kCount = kXreg0 + 8,
};

inline Field reg_field(unsigned n) {
  return static_cast<Field>(static_cast<unsigned>(Field::kReg0) + n);
}
inline Field xreg_field(unsigned n) {
  return static_cast<Field>(static_cast<unsigned>(Field::kXreg0) + n);
}

// Width in bits (0 for kNone or an unknown value).
unsigned field_bits(Field f);
// True for fields of the packet itself (a write must reach the frame); false
// for the pipeline's metadata (registers, metadata, pkt_mark) and in_port.
bool field_in_packet(Field f);
bool field_writable(Field f);
// OVS's name ("reg3", "eth_dst", "nw_ttl", ...), for logs and tests.
std::string field_name(Field f);

uint64_t field_get(const OfKey& k, Field f);
// Bits of `mask` take `value`'s; the others keep theirs.
void field_set(OfKey* k, Field f, uint64_t value, uint64_t mask);
// Marks `mask`'s bits of the field as consulted in a wildcard mask.
inline void field_mark(OfKey* wc, Field f, uint64_t mask) { field_set(wc, f, mask, mask); }

// All-ones for a field of n bits.
inline uint64_t low_bits(unsigned n) { return n >= 64 ? ~0ULL : (1ULL << n) - 1; }

}  // namespace ferry
