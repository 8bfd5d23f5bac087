// A small fluent frame builder for tests and tools (never the forwarding
// path). Layers are described in any order and serialized by build() with
// lengths and IPv4/TCP/UDP/ICMP/ICMPv6 checksums filled in:
//
//   auto f = FrameBuilder()
//                .eth(dst, src)
//                .vlan(10, 3)
//                .ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2)).ttl(5)
//                .udp(1000, 2000)
//                .payload("hello")
//                .build();  // padded to 60 bytes
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "lib/packet/flow_key.h"

namespace ferry {

using Ipv6Addr = std::array<uint8_t, 16>;

// TCP flag bits, as in the low 12 bits of FlowKey::tcp_flags (host order).
constexpr uint16_t kTcpFin = 0x001;
constexpr uint16_t kTcpSyn = 0x002;
constexpr uint16_t kTcpRst = 0x004;
constexpr uint16_t kTcpPsh = 0x008;
constexpr uint16_t kTcpAck = 0x010;
constexpr uint16_t kTcpUrg = 0x020;
constexpr uint16_t kTcpEce = 0x040;
constexpr uint16_t kTcpCwr = 0x080;
constexpr uint16_t kTcpNs = 0x100;

constexpr Mac kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// IPv4 address a.b.c.d in network order.
constexpr uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return be32(static_cast<uint32_t>(a) << 24 | static_cast<uint32_t>(b) << 16 |
              static_cast<uint32_t>(c) << 8 | d);
}
std::optional<uint32_t> parse_ipv4(std::string_view s);  // network order
std::optional<Ipv6Addr> parse_ipv6(std::string_view s);
// An IPv6 literal for tests; aborts with a message on a malformed literal.
Ipv6Addr ip6(const char* s);

class FrameBuilder {
 public:
  // Ethernet. Without eth(), both MACs are zero.
  FrameBuilder& eth(const Mac& dst, const Mac& src);
  // The ethertype (or 802.3 length) when no L3 layer names one; default
  // 0x88b5 (IEEE local experimental).
  FrameBuilder& ethertype(uint16_t type);
  // Adds a tag (outermost first): TPID 0x8100 or 0x88a8, PCP 0-7, DEI bit.
  FrameBuilder& vlan(uint16_t vid, uint8_t pcp = 0, uint16_t tpid = kEthTypeVlan, bool dei = false);

  // IPv4 with TTL 64, ID 0, no flags; the modifiers below apply to it.
  FrameBuilder& ipv4(uint32_t src_be, uint32_t dst_be);
  FrameBuilder& tos(uint8_t tos);  // IPv4 TOS byte or IPv6 traffic class
  FrameBuilder& ttl(uint8_t ttl);  // IPv4 TTL or IPv6 hop limit
  FrameBuilder& ip_id(uint16_t id);
  FrameBuilder& dont_fragment(bool df = true);
  // IPv4: sets MF and the fragment offset (in bytes, a multiple of 8).
  // IPv6: adds a fragment extension header with these values and `id`.
  FrameBuilder& fragment(uint16_t offset_bytes, bool more_fragments, uint32_t id = 0);
  // IPv4 options, zero-padded to a multiple of 4 bytes (at most 40).
  FrameBuilder& ip_options(const std::vector<uint8_t>& options);
  // Protocol number when no L4 layer is built (e.g. later fragments).
  FrameBuilder& ip_proto(uint8_t proto);
  // IPv6 with hop limit 64, traffic class 0.
  FrameBuilder& ipv6(const Ipv6Addr& src, const Ipv6Addr& dst);
  FrameBuilder& flow_label(uint32_t label);

  FrameBuilder& udp(uint16_t src_port, uint16_t dst_port);
  FrameBuilder& tcp(uint16_t src_port, uint16_t dst_port, uint16_t flags = kTcpSyn,
                    uint32_t seq = 0, uint32_t ack = 0);
  // ICMP (or ICMPv6 over IPv6) echo request/reply with identifier and sequence.
  FrameBuilder& icmp_echo(uint16_t id, uint16_t seq, bool reply = false);
  // Any ICMP/ICMPv6 message: type, code and the 4 bytes after the checksum.
  FrameBuilder& icmp(uint8_t type, uint8_t code, uint32_t rest = 0);

  // ARP over Ethernet/IPv4 (addresses in network order). These also set
  // the Ethernet addresses: requests go to broadcast from sha, replies to
  // tha from sha.
  FrameBuilder& arp(uint16_t op, const Mac& sha, uint32_t spa, const Mac& tha, uint32_t tpa);
  FrameBuilder& arp_request(const Mac& sha, uint32_t spa, uint32_t tpa);
  FrameBuilder& arp_reply(const Mac& sha, uint32_t spa, const Mac& tha, uint32_t tpa);
  // Gratuitous ARP: a broadcast request with SPA = TPA = ip, THA zero.
  FrameBuilder& gratuitous_arp(const Mac& mac, uint32_t ip);
  // RARP reverse request as QEMU announces a VM after migration: ethertype
  // 0x8035, opcode 3, SHA = THA = mac, SPA = TPA = 0, broadcast.
  FrameBuilder& rarp(const Mac& mac);

  FrameBuilder& payload(const std::vector<uint8_t>& bytes);
  FrameBuilder& payload(std::string_view text);
  // n bytes of a counting pattern (0, 1, 2 ...).
  FrameBuilder& payload_size(size_t n);
  // Zero-pads the frame to at least n bytes (default 60, the Ethernet
  // minimum without FCS); 0 disables padding.
  FrameBuilder& pad_to(size_t n);
  // Leaves checksum fields zero (for negative tests).
  FrameBuilder& no_checksums();

  std::vector<uint8_t> build() const;

 private:
  enum class L3 : uint8_t { kNone, kIpv4, kIpv6, kArp };
  enum class L4 : uint8_t { kNone, kUdp, kTcp, kIcmp };
  struct Tag {
    uint16_t tpid, tci;
  };

  uint8_t proto_number() const;
  void build_l4(std::vector<uint8_t>& out) const;
  void build_ipv4(std::vector<uint8_t>& out, const std::vector<uint8_t>& l4) const;
  void build_ipv6(std::vector<uint8_t>& out, const std::vector<uint8_t>& l4) const;
  void build_arp(std::vector<uint8_t>& out) const;

  Mac dst_{}, src_{};
  uint16_t ethertype_ = 0x88b5;
  std::vector<Tag> tags_;
  L3 l3_ = L3::kNone;
  L4 l4_ = L4::kNone;
  // IP
  uint32_t ip_src_ = 0, ip_dst_ = 0;
  Ipv6Addr ip6_src_{}, ip6_dst_{};
  uint8_t tos_ = 0, ttl_ = 64;
  uint16_t ip_id_ = 0;
  bool df_ = false, frag_ = false, mf_ = false;
  uint16_t frag_offset_ = 0;
  uint32_t frag_id_ = 0;
  std::vector<uint8_t> ip_options_;
  std::optional<uint8_t> ip_proto_;
  uint32_t flow_label_ = 0;
  // L4
  uint16_t sport_ = 0, dport_ = 0, tcp_flags_ = 0;
  uint32_t seq_ = 0, ack_ = 0;
  uint8_t icmp_type_ = 0, icmp_code_ = 0;
  uint32_t icmp_rest_ = 0;
  bool icmp_echo_ = false, icmp_reply_ = false;
  // ARP
  uint16_t arp_op_ = 0;
  Mac arp_sha_{}, arp_tha_{};
  uint32_t arp_spa_ = 0, arp_tpa_ = 0;

  std::vector<uint8_t> payload_;
  size_t pad_to_ = 60;
  bool checksums_ = true;
};

}  // namespace ferry
