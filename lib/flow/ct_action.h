// OVS's ct() action (ovs-actions(7), "Connection Tracking") as Ferry keeps it
// in an action list: a kCt followed by kData actions (lib/flow/action.h).
// The pipeline's translation (datapath/xlate_ct.h) resolves a zone read
// from a field and the recirculation table; PMDs execute the resolved kCt
// by calling the tracker (lib/conntrack/) and kRecirc by looking the
// packet up again.
#pragma once

#include <cstdint>
#include <string>

#include "lib/flow/action.h"
#include "lib/flow/field.h"

namespace ferry {

constexpr uint8_t kCtNoRecirc = 0xff;  // ct() without table=

struct CtSpec {
  static constexpr uint8_t kCommit = 1;
  static constexpr uint8_t kForce = 2;
  static constexpr uint8_t kNat = 4;        // nat(...) present (maybe without a range)
  static constexpr uint8_t kSetMark = 8;    // exec(set_field:...->ct_mark)
  static constexpr uint8_t kSetLabel = 16;  // exec(set_field:...->ct_label)

  // NAT flags (nat_flags).
  static constexpr uint8_t kNatSrc = 1;
  static constexpr uint8_t kNatDst = 2;
  static constexpr uint8_t kNatPersistent = 4;
  static constexpr uint8_t kNatHash = 8;     // OVS's "hash" (proto_hash)
  static constexpr uint8_t kNatRandom = 16;  // OVS's "random" (proto_random)
  static constexpr uint8_t kNatAddrRange = 32;
  static constexpr uint8_t kNatPortRange = 64;
  static constexpr uint8_t kNatIpv6 = 128;

  uint8_t flags = 0;
  uint16_t zone = 0;                // the immediate zone
  Field zone_field = Field::kNone;  // zone=FIELD[ofs..]: read at translation
  uint8_t zone_ofs = 0, zone_bits = 0;
  uint8_t recirc_table = kCtNoRecirc;
  uint8_t alg = 0;  // the helper's port number as OVS keeps it: 0, 21 (ftp), 69 (tftp)
  uint32_t mark = 0, mark_mask = 0;
  uint64_t label[2] = {0, 0}, label_mask[2] = {0, 0};  // as ovs_u128: lo, hi
  uint8_t nat_flags = 0;
  uint8_t nat_min[16] = {}, nat_max[16] = {};  // network order; IPv4 in the first 4 bytes
  uint16_t port_min = 0, port_max = 0;         // host order
};

// Appends kCt and its kData actions.
void append_ct(ActionList* out, const CtSpec& spec);
// Reads a kCt and the `n_following` actions after it (at least its kData).
CtSpec decode_ct(const Action* ct, size_t n_following);
// OVS's text: "ct(commit,zone=5,table=3,nat(src=10.0.0.1:1000-2000))".
std::string format_ct(const CtSpec& spec);

}  // namespace ferry
