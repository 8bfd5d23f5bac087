// The flow key: the header fields a packet is classified on.
//
// Layout and byte order follow Open vSwitch's struct flow so that conversion
// at the lib/ovs boundary is a field copy: in_port is a host-order OpenFlow
// port number (16-bit space, OFPP_* below); vlan_tci, dl_type, tp_src, tp_dst
// and tcp_flags are network order; nw_src/nw_dst are network-order IPv4 (or
// ARP SPA/TPA); MACs and IPv6 addresses are bytes as on the wire.
//
// vlan_tci has kVlanCfi (0x1000) set when the frame carries an 802.1Q tag
// (OVS's convention); 0 means untagged. ARP puts its opcode in nw_proto;
// ICMP puts type/code in tp_src/tp_dst.
#pragma once

#include <arpa/inet.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace ferry {

using Mac = std::array<uint8_t, 6>;

std::optional<Mac> parse_mac(std::string_view s);  // "aa:bb:cc:dd:ee:ff" (or '-')
std::string format_mac(const uint8_t* mac);
inline std::string format_mac(const Mac& mac) { return format_mac(mac.data()); }
inline bool mac_is_multicast(const uint8_t* mac) { return mac[0] & 1; }
inline bool mac_is_zero(const uint8_t* mac) {
  return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

// OpenFlow port numbers in OVS's 16-bit internal space.
constexpr uint32_t kOfppMax = 0xff00;
constexpr uint32_t kOfppInPort = 0xfff8;
constexpr uint32_t kOfppTable = 0xfff9;
constexpr uint32_t kOfppNormal = 0xfffa;
constexpr uint32_t kOfppFlood = 0xfffb;
constexpr uint32_t kOfppAll = 0xfffc;
constexpr uint32_t kOfppController = 0xfffd;
constexpr uint32_t kOfppLocal = 0xfffe;
constexpr uint32_t kOfppNone = 0xffff;  // also "any" in requests

constexpr uint16_t kVlanCfi = 0x1000;
constexpr uint16_t kVlanVidMask = 0x0fff;
constexpr uint16_t kVlanPcpShift = 13;

constexpr uint8_t kFragAny = 1;    // packet is a fragment
constexpr uint8_t kFragLater = 2;  // ... and not the first one

constexpr uint16_t kEthTypeIpv4 = 0x0800;
constexpr uint16_t kEthTypeArp = 0x0806;
constexpr uint16_t kEthTypeVlan = 0x8100;
constexpr uint16_t kEthTypeQinQ = 0x88a8;
constexpr uint16_t kEthTypeIpv6 = 0x86dd;
constexpr uint16_t kEthTypeRarp = 0x8035;
constexpr uint16_t kEthTypeMpls = 0x8847;
constexpr uint16_t kEthTypeMplsMcast = 0x8848;
inline bool eth_type_mpls(uint16_t host_type) {
  return host_type == kEthTypeMpls || host_type == kEthTypeMplsMcast;
}

// An MPLS label stack entry (host order): label 20 bits, TC 3, BoS 1, TTL 8.
constexpr uint32_t kMplsLabelShift = 12, kMplsTcShift = 9, kMplsBosShift = 8;
constexpr uint32_t kMplsLabelMask = 0xfffff000, kMplsTcMask = 0x00000e00;
constexpr uint32_t kMplsBosMask = 0x00000100, kMplsTtlMask = 0x000000ff;
constexpr uint32_t mpls_lse(uint32_t label, uint32_t tc, uint32_t bos, uint32_t ttl) {
  return (label << kMplsLabelShift & kMplsLabelMask) | (tc << kMplsTcShift & kMplsTcMask) |
         (bos << kMplsBosShift & kMplsBosMask) | (ttl & kMplsTtlMask);
}

constexpr uint8_t kIpProtoIcmp = 1;
constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kIpProtoIcmpv6 = 58;

// Network-order constant helper: be16(0x0800) == htons(0x0800).
constexpr uint16_t be16(uint16_t v) { return static_cast<uint16_t>((v << 8) | (v >> 8)); }
constexpr uint32_t be32(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

struct FlowKey {
  // word 0
  uint32_t in_port;
  uint16_t vlan_tci;
  uint16_t dl_type;
  // word 1
  uint8_t dl_dst[6];
  uint8_t nw_proto;
  uint8_t nw_tos;
  // word 2
  uint8_t dl_src[6];
  uint8_t nw_ttl;
  uint8_t nw_frag;
  // word 3
  uint32_t nw_src;
  uint32_t nw_dst;
  // word 4
  uint16_t tp_src;
  uint16_t tp_dst;
  uint16_t tcp_flags;
  // Host order: OVS's FLOW_TNL_F_* bits (kTunF* below) of a packet that
  // came out of a tunnel, with kTunPresent set; 0 for any other packet, so
  // a non-zero tun_flags says words 20-23 need hashing (see word 11).
  uint16_t tun_flags;
  // words 5-8
  uint8_t ipv6_src[16];
  uint8_t ipv6_dst[16];
  // words 9-10
  uint8_t arp_sha[6];
  uint16_t pad1;
  uint8_t arp_tha[6];
  uint16_t pad2;
  // Word 11: where the packet is in its walk (recirculation) and what
  // connection tracking said about it (OVS's recirc_id and ct_* fields,
  // datapath/recirc.h, lib/conntrack/). A packet from a port has all of
  // words 11-19 zero: the ct fields are non-zero only when ct_state is, and
  // a recirculated packet has a non-zero recirc_id, so word 11 alone tells
  // whether words 12-19 need hashing or comparing (kBaseWords).
  uint32_t recirc_id;  // host order
  uint8_t ct_state;    // OVS's CS_* bits (lib/conntrack/conntrack.h)
  uint8_t ct_nw_proto;
  uint16_t ct_zone;  // host order
  // word 12
  uint32_t ct_mark;    // host order
  uint16_t ct_tp_src;  // network order: the connection's original direction
  uint16_t ct_tp_dst;
  // word 13
  uint32_t ct_nw_src;  // network order
  uint32_t ct_nw_dst;
  // words 14-15: as OVS's ovs_u128 (lo word first, host order)
  uint64_t ct_label[2];
  // words 16-19
  uint8_t ct_ipv6_src[16];
  uint8_t ct_ipv6_dst[16];
  // Words 20-23: the tunnel a packet came out of (OVS's struct flow_tnl),
  // or where set_tunnel/set_field sends it; zero unless tun_flags is set
  // or an action wrote them (datapath/tunnel.h).
  uint64_t tun_id;   // network order
  uint32_t tun_src;  // network order
  uint32_t tun_dst;
  uint8_t tun_tos;
  uint8_t tun_ttl;
  uint16_t tun_gbp_id;  // network order
  uint8_t tun_gbp_flags;
  // Geneve options (OVS's tun_metadata): bit 0 set when tun_metadata0 is
  // present; its value, host order, right-aligned (options up to 8 bytes).
  // A bridge's TLV map says which option tun_metadata0 stands for.
  uint8_t tun_md_present;
  uint16_t tun_tp_dst;  // network order: the outer UDP destination port
  uint64_t tun_md0;

  static constexpr size_t kWords = 24;
  static constexpr size_t kBaseWords = 12;  // words 0-11; 12-23 are zero when word 11 and
                                            // tun_flags are
  static constexpr size_t kCtWord = 11;
  static constexpr size_t kCtEndWord = 20;  // words 11-19: recirculation and conntrack
  static constexpr size_t kTunWord = 20;    // words 20-23: the tunnel
  static constexpr size_t kMplsWord = 9;    // words 9-10: MPLS's label stack (ARP's, ND's)

  static constexpr uint16_t kTunFOam = 1 << 0;  // OVS's FLOW_TNL_F_OAM (the public flag)
  static constexpr uint16_t kTunFDontFragment = 1 << 1;
  static constexpr uint16_t kTunFCsum = 1 << 2;
  static constexpr uint16_t kTunFKey = 1 << 3;
  static constexpr uint16_t kTunFOvsMask = (1 << 4) - 1;  // what OVS's flags hold
  static constexpr uint16_t kTunPresent = 0x8000;         // Ferry's: the packet was decapsulated
  static constexpr unsigned kTunMdFields = 1;             // tun_metadata0..: what the key holds

  // IPv6 Neighbour Discovery (ICMPv6 135/136, code 0) reuses space IPv6
  // leaves unused, as OVS reuses arp_sha/arp_tha: the target address in
  // words 9-10 (arp_sha..pad2), the link-layer address option (SLL of a
  // solicitation, TLL of an advertisement) in word 3's first 6 bytes.
  static constexpr uint16_t kNdSolicit = 135;
  static constexpr uint16_t kNdAdvert = 136;
  uint8_t* nd_target() { return arp_sha; }
  const uint8_t* nd_target() const { return arp_sha; }
  uint8_t* nd_ll() { return reinterpret_cast<uint8_t*>(&nw_src); }
  const uint8_t* nd_ll() const { return reinterpret_cast<const uint8_t*>(&nw_src); }

  // MPLS (dl_type 0x8847/0x8848) has no L3 fields in the key, as OVS's
  // parser stops at the label stack: its first kMplsLabels label stack
  // entries (OVS's flow.mpls_lse, network order, as on the wire) live in
  // words 9-10 (arp_sha..), which only ARP and ND use otherwise.
  static constexpr unsigned kMplsLabels = 3;  // OVS's FLOW_MAX_MPLS_LABELS
  // (Through words(): the 16 bytes span arp_sha..pad2.)
  uint8_t* mpls_bytes() { return reinterpret_cast<uint8_t*>(words() + kMplsWord); }
  const uint8_t* mpls_bytes() const {
    return reinterpret_cast<const uint8_t*>(words() + kMplsWord);
  }
  uint32_t mpls_lse(unsigned i) const {  // host order
    uint32_t v;
    std::memcpy(&v, mpls_bytes() + 4 * i, 4);
    return ntohl(v);
  }
  void set_mpls_lse(unsigned i, uint32_t lse) {
    const uint32_t v = htonl(lse);
    std::memcpy(mpls_bytes() + 4 * i, &v, 4);
  }

  const uint64_t* words() const { return reinterpret_cast<const uint64_t*>(this); }
  uint64_t* words() { return reinterpret_cast<uint64_t*>(this); }

  bool operator==(const FlowKey& o) const { return std::memcmp(this, &o, sizeof *this) == 0; }
  bool operator!=(const FlowKey& o) const { return !(*this == o); }

  uint16_t vlan_vid() const { return ntohs(vlan_tci) & kVlanVidMask; }
  bool has_vlan() const { return ntohs(vlan_tci) & kVlanCfi; }
  uint8_t vlan_pcp() const { return static_cast<uint8_t>(ntohs(vlan_tci) >> kVlanPcpShift); }
  uint16_t ethertype() const { return ntohs(dl_type); }
  // Whether words 12-23 may be non-zero (see word 11 and tun_flags).
  bool has_ext_words() const { return (words()[kCtWord] | tun_flags) != 0; }
  bool from_tunnel() const { return tun_flags & kTunPresent; }

  // OVS-style text, e.g. "in_port=1,dl_src=..,dl_dst=..,dl_type=0x0800,...".
  std::string to_string() const;
};

static_assert(sizeof(FlowKey) == FlowKey::kWords * 8, "FlowKey must be whole words");
static_assert(offsetof(FlowKey, recirc_id) == FlowKey::kCtWord * 8, "word 11 is recirc/ct");
static_assert(offsetof(FlowKey, tun_id) == FlowKey::kTunWord * 8, "word 20 is the tunnel");
static_assert(offsetof(FlowKey, arp_sha) == FlowKey::kMplsWord * 8, "word 9 is arp_sha");

// Equality that reads words 12-23 only when word 11 or tun_flags says they
// may be set.
// A packet with word 11 zero has words 12-19 zero, and with tun_flags
// zero too words 20-23.
// Words are XOR-ed together rather than compared with memcmp(), which the
// compiler calls out of line for these sizes (a tenth of a recirculating
// pipeline's cycles went there).
inline bool same_key(const FlowKey& a, const FlowKey& b) {
  const uint64_t* x = a.words();
  const uint64_t* y = b.words();
  uint64_t d = 0;
#pragma GCC unroll 12
  for (size_t i = 0; i < FlowKey::kBaseWords; i++) d |= x[i] ^ y[i];
  if (d) return false;
  if (!a.has_ext_words()) return true;
  const size_t from = x[FlowKey::kCtWord] ? FlowKey::kBaseWords : FlowKey::kTunWord;
  for (size_t i = from; i < FlowKey::kWords; i++) d |= x[i] ^ y[i];
  return d == 0;
}

// ct_clear: the ct fields (words 11-19 but recirc_id) to zero.
inline void clear_ct_fields(FlowKey* k) {
  const uint32_t recirc_id = k->recirc_id;
  std::memset(k->words() + FlowKey::kCtWord, 0,
              (FlowKey::kCtEndWord - FlowKey::kCtWord) * sizeof(uint64_t));
  k->recirc_id = recirc_id;
}

inline FlowKey zero_key() {
  FlowKey k;
  std::memset(&k, 0, sizeof k);
  return k;
}

// All-ones mask for every field (exact match), padding left zero (pad1 and
// pad2 are ND target bytes: all ones).
FlowKey exact_mask();

// Hash over the words of a key (optionally masked); used by caches and
// classifiers. Not cryptographic.
uint32_t hash_key(const FlowKey& key, uint32_t basis = 0);
uint32_t hash_masked_key(const FlowKey& key, const FlowKey& mask, uint32_t basis = 0);

}  // namespace ferry
