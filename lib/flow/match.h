// A match: a flow key and a mask (1 bits are compared). The key is kept
// pre-masked so two matches are equal iff their keys and masks are.
#pragma once

#include <string>

#include "lib/flow/of_key.h"

namespace ferry {

struct Match {
  OfKey key = zero_of_key();
  OfKey mask = zero_of_key();

  static Match catchall() { return Match{}; }
  // A match on packet fields only (a megaflow's key and mask).
  static Match of_packet(const FlowKey& key, const FlowKey& mask);

  // Clears key bits the mask does not cover.
  void normalize();
  bool matches(const OfKey& k) const;
  // A packet's key as it enters the pipeline (metadata zero).
  bool matches(const FlowKey& k) const;
  // True when every packet this match accepts is also accepted by `wider`
  // (OpenFlow's "loose" selection of rules by a flow_mod or stats request).
  bool is_subset_of(const Match& wider) const;
  // True when some packet could match both.
  bool overlaps(const Match& other) const;
  bool operator==(const Match& o) const { return key == o.key && mask == o.mask; }
  bool operator!=(const Match& o) const { return !(*this == o); }
  uint32_t hash() const;

  // Field setters (exact match) for code and tests that build matches.
  Match& set_in_port(uint32_t port);
  Match& set_dl_src(const Mac& mac);
  Match& set_dl_dst(const Mac& mac);
  Match& set_dl_type(uint16_t ethertype);  // host order
  Match& set_vlan_vid(uint16_t vid);       // tagged with this VID
  Match& set_no_vlan();                    // untagged only
  Match& set_nw_src(uint32_t addr_be, uint32_t mask_be = 0xffffffff);
  Match& set_nw_dst(uint32_t addr_be, uint32_t mask_be = 0xffffffff);
  Match& set_nw_proto(uint8_t proto);
  Match& set_tp_src(uint16_t port);  // host order
  Match& set_tp_dst(uint16_t port);  // host order
  Match& set_reg(unsigned n, uint32_t value, uint32_t mask = UINT32_MAX);
  Match& set_metadata(uint64_t value, uint64_t mask = UINT64_MAX);

  // Plain text for logs and tests (lib/ovs formats the OVS syntax).
  std::string to_string() const;
};

}  // namespace ferry
