// The hashes with which ovs-vswitchd picks a select group's bucket,
// computed by libopenvswitch (lib/ovs/hash/fo-hash.c), so Ferry's choice is
// OVS's for the same packet. Each ORs the flow bits it read into *wc (the
// megaflow must match them). No allocation: usable on a PMD's miss path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "lib/flow/group.h"
#include "lib/flow/of_key.h"

namespace ferry::ovs {

constexpr size_t kMaxHashFields = 32;

// The datapath's hash action (dp_hash): alg 1 symmetric L3/L4, 0 L4 5-tuple.
uint32_t dp_hash(const OfKey& flow, uint8_t alg, uint32_t basis, OfKey* wc);
// OVS's default selection: flow_hash_symmetric_l4(flow, 0).
uint32_t symmetric_l4_hash(const OfKey& flow, OfKey* wc);
// selection_method=hash,fields(...).
uint32_t fields_hash(const OfKey& flow, const GroupProps& props, OfKey* wc);
uint32_t hash_int(uint32_t x, uint32_t basis);
// The link OVS's multipath action picks (lib/flow/action.h kMultipath).
uint32_t multipath_link(const OfKey& flow, int fields, uint16_t basis, int algorithm,
                        uint16_t max_link, uint32_t arg, OfKey* wc);
// A field a group's hash may use.
bool hash_field_supported(uint16_t ovs_id);
// The field with OVS's name ("ip_src"), whole; nullopt when unknown.
std::optional<GroupHashField> hash_field_by_name(const std::string& name);

}  // namespace ferry::ovs
