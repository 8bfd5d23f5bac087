// Header parsing into a flow key. Reads only within [data, data+len).
// Frames the datapath must not forward (truncated or malformed headers)
// return a drop reason; the datapath counts each reason by name.
//
// The key follows Open vSwitch's struct flow conventions (see flow_key.h).
// The rules, in the order they are checked:
//
// Ethernet
//   - len < 14: kRunt.
//   - One tag with TPID 0x8100 or 0x88a8 is parsed: vlan_tci = wire TCI |
//     kVlanCfi, dl_type = the ethertype after the tag. A second tag is not
//     parsed: for QinQ (0x88a8 then 0x8100) vlan_tci is the outer tag and
//     dl_type is 0x8100, with no L3 fields. Tag cut short (len < 18):
//     kTruncatedVlan.
//   - Ethertype < 0x600 (802.3 length): as OVS, an LLC/SNAP header
//     (aa aa 03 00 00 00) with an ethertype >= 0x600 gives that ethertype
//     and L3 follows the SNAP header; anything else is dl_type 0x05ff
//     (kDlTypeNone) with no L3 fields.
// ARP and RARP (0x0806, 0x8035)
//   - Fewer than 28 bytes of ARP header: kTruncatedL3.
//   - Only Ethernet/IPv4 ARP (htype 1, ptype 0x0800, hlen 6, plen 4) fills
//     nw_proto (the opcode if it is <= 255, else 0), nw_src/nw_dst (SPA/TPA)
//     and arp_sha/arp_tha; other ARP leaves the L3 fields zero (kOk).
// MPLS (0x8847, 0x8848)
//   - The label stack entries up to the first with BoS set: the first three
//     in the key (FlowKey::mpls_lse), as OVS; nothing after the stack is
//     parsed (no L3 fields). A stack cut short is parsed as far as it goes.
// IPv4 (0x0800)
//   - Fewer than 20 bytes: kTruncatedL3. Version != 4, IHL < 5 or total
//     length < IHL*4: kBadIpv4. Fewer bytes than IHL*4 (options cut short):
//     kTruncatedL3. Total length longer than the bytes present: kBadIpv4.
//     Bytes past the total length (Ethernet padding) are ignored.
//   - Options are skipped, not parsed. nw_tos is the whole TOS byte.
//   - MF set or a non-zero offset: nw_frag = kFragAny, plus kFragLater for a
//     non-zero offset. Later fragments have no L4 fields.
// IPv6 (0x86dd)
//   - Fewer than 40 bytes: kTruncatedL3. Version != 6 or 40 + payload length
//     longer than the bytes present: kBadIpv6. nw_tos is the traffic class.
//   - Extension headers are walked as OVS does (hop-by-hop, routing,
//     destination options, AH, fragment); one running past the payload
//     length: kTruncatedL3. A fragment header with a non-zero offset/flags
//     word sets kFragAny (and kFragLater for a non-zero offset; then nw_proto
//     is 44 as in OVS and there are no L4 fields).
// L4, bounded by the IP payload (not the frame), first fragments and
// unfragmented packets only
//   - TCP needs 20 bytes (tp_src, tp_dst, tcp_flags = low 12 bits of the
//     offset/flags word; the data offset is not checked), UDP 8, SCTP 12
//     (ports), ICMP and ICMPv6 4 (type and code in tp_src/tp_dst as
//     htons(type)/htons(code)). Fewer: kTruncatedL4. Other protocols: no L4
//     fields.
#pragma once

#include <cstdint>

#include "lib/packet/flow_key.h"

namespace ferry {

enum class ParseStatus : uint8_t {
  kOk = 0,
  kRunt,           // shorter than an Ethernet header
  kTruncatedVlan,  // 802.1Q tag cut short
  kTruncatedL3,    // IPv4/IPv6/ARP header cut short
  kBadIpv4,        // version, IHL or total length inconsistent
  kBadIpv6,        // version or payload length inconsistent
  kTruncatedL4,    // TCP/UDP/ICMP header cut short (first fragments only)
  kCount
};

// dl_type of an 802.3 frame without an LLC/SNAP ethertype (OVS's
// FLOW_DL_TYPE_NONE), host order.
constexpr uint16_t kDlTypeNone = 0x05ff;

// Counter names for the drop reasons ("rx_runt", ...), indexed by status.
const char* parse_status_name(ParseStatus s);

// Byte offsets of the headers found, for action execution.
struct HeaderOffsets {
  uint16_t l3 = 0;  // start of the L3 header (after Ethernet and VLAN tags)
  uint16_t l4 = 0;  // start of what follows the IP headers; 0 for non-IP, later fragments
};

// Fills *key (every field; unused ones zero) from the frame. in_port is
// copied into the key. On a non-kOk status *key is unspecified.
// lib/packet/parser_inline.h has the same function inline for the PMD loop.
ParseStatus parse_frame(const uint8_t* data, uint32_t len, uint32_t in_port, FlowKey* key,
                        HeaderOffsets* offsets = nullptr);

}  // namespace ferry
