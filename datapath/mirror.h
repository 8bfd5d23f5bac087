// Port mirroring (OVSDB's Mirror table), as OVS's translation mirrors
// (ofproto-dpif-xlate.c, mirror_packet()): a packet received on a selected
// source port is copied to the mirror's output port before the pipeline's
// actions, a packet sent to a selected destination port right after that
// output. The copies are datapath actions of the translation, so a megaflow
// caches them with everything else; a mirror's counters ride with the
// translation like a group's (the PMD adds a hit's packets to them).
#pragma once

#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "datapath/vlan_config.h"
#include "lib/flow/group.h"

namespace ferry {

constexpr unsigned kMaxMirrors = 32;  // as OVS (MAX_MIRRORS)
using MirrorMask = uint32_t;

struct DpMirror {
  std::string name;
  bool has_vlans = false;             // select_vlan is not empty: only these VLANs
  std::bitset<4096> vlans;            // select_vlan
  uint32_t out_ofport = 0;            // output_port's OpenFlow number
  uint16_t snaplen = 0;               // 0: whole frames
  MirrorMask dups = 0;                // mirrors with the same output port, this one included
  std::shared_ptr<GroupStats> stats;  // tx_packets, tx_bytes (no buckets)
};

// A bridge port as mirrors see it.
struct MirrorPort {
  uint32_t ofport = 0;
  VlanConfig vlan;
  MirrorMask src = 0;  // mirrors selecting packets received here
  MirrorMask dst = 0;  // mirrors selecting packets sent here
  MirrorMask out = 0;  // mirrors outputting here (nothing received here is switched)
};

struct MirrorSnapshot {
  std::vector<DpMirror> mirrors;  // bit i of a mask is mirrors[i]
  std::vector<MirrorPort> ports;  // every port of the bridge, by ofport

  const MirrorPort* port(uint32_t ofport) const;
  bool is_output(uint32_t ofport) const {
    const MirrorPort* p = port(ofport);
    return p && p->out;
  }
};

// OVS's xvlan_output_translate() and xvlan_put(): the TCI (FlowKey's form:
// network order, kVlanCfi for "tagged", 0 untagged) a copy of a frame of
// VLAN `vid` with priority bits `pcp_bits` leaves `out` with.
uint16_t mirror_output_tci(const VlanConfig& out, uint16_t vid, uint16_t pcp_bits);

}  // namespace ferry
