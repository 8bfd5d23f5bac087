#include "lib/packet/builder.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "lib/packet/checksum.h"

namespace ferry {

std::optional<uint32_t> parse_ipv4(std::string_view s) {
  std::string str(s);
  in_addr a;
  if (inet_pton(AF_INET, str.c_str(), &a) != 1) return std::nullopt;
  return a.s_addr;
}

std::optional<Ipv6Addr> parse_ipv6(std::string_view s) {
  std::string str(s);
  Ipv6Addr a;
  if (inet_pton(AF_INET6, str.c_str(), a.data()) != 1) return std::nullopt;
  return a;
}

Ipv6Addr ip6(const char* s) {
  auto a = parse_ipv6(s);
  if (!a) {
    std::fprintf(stderr, "ip6(): malformed IPv6 literal \"%s\"\n", s);
    std::abort();
  }
  return *a;
}

namespace {

void put8(std::vector<uint8_t>& v, uint8_t x) { v.push_back(x); }
void put16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(static_cast<uint8_t>(x >> 8));
  v.push_back(static_cast<uint8_t>(x));
}
void put32(std::vector<uint8_t>& v, uint32_t x) {
  put16(v, static_cast<uint16_t>(x >> 16));
  put16(v, static_cast<uint16_t>(x));
}
void put_bytes(std::vector<uint8_t>& v, const void* p, size_t n) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  v.insert(v.end(), b, b + n);
}
void set16(std::vector<uint8_t>& v, size_t at, uint16_t x) {
  v[at] = static_cast<uint8_t>(x >> 8);
  v[at + 1] = static_cast<uint8_t>(x);
}

}  // namespace

FrameBuilder& FrameBuilder::eth(const Mac& dst, const Mac& src) {
  dst_ = dst;
  src_ = src;
  return *this;
}

FrameBuilder& FrameBuilder::ethertype(uint16_t type) {
  ethertype_ = type;
  return *this;
}

FrameBuilder& FrameBuilder::vlan(uint16_t vid, uint8_t pcp, uint16_t tpid, bool dei) {
  uint16_t tci =
      static_cast<uint16_t>((pcp & 7) << kVlanPcpShift | (dei ? 0x1000 : 0) | (vid & kVlanVidMask));
  tags_.push_back(Tag{tpid, tci});
  return *this;
}

FrameBuilder& FrameBuilder::ipv4(uint32_t src_be, uint32_t dst_be) {
  l3_ = L3::kIpv4;
  ip_src_ = src_be;
  ip_dst_ = dst_be;
  return *this;
}

FrameBuilder& FrameBuilder::ipv6(const Ipv6Addr& src, const Ipv6Addr& dst) {
  l3_ = L3::kIpv6;
  ip6_src_ = src;
  ip6_dst_ = dst;
  return *this;
}

FrameBuilder& FrameBuilder::tos(uint8_t tos) {
  tos_ = tos;
  return *this;
}

FrameBuilder& FrameBuilder::ttl(uint8_t ttl) {
  ttl_ = ttl;
  return *this;
}

FrameBuilder& FrameBuilder::ip_id(uint16_t id) {
  ip_id_ = id;
  return *this;
}

FrameBuilder& FrameBuilder::dont_fragment(bool df) {
  df_ = df;
  return *this;
}

FrameBuilder& FrameBuilder::fragment(uint16_t offset_bytes, bool more_fragments, uint32_t id) {
  frag_ = true;
  frag_offset_ = offset_bytes;
  mf_ = more_fragments;
  frag_id_ = id;
  return *this;
}

FrameBuilder& FrameBuilder::ip_options(const std::vector<uint8_t>& options) {
  ip_options_ = options;
  while (ip_options_.size() % 4) ip_options_.push_back(0);
  if (ip_options_.size() > 40) ip_options_.resize(40);
  return *this;
}

FrameBuilder& FrameBuilder::ip_proto(uint8_t proto) {
  ip_proto_ = proto;
  return *this;
}

FrameBuilder& FrameBuilder::flow_label(uint32_t label) {
  flow_label_ = label & 0xfffff;
  return *this;
}

FrameBuilder& FrameBuilder::udp(uint16_t src_port, uint16_t dst_port) {
  l4_ = L4::kUdp;
  sport_ = src_port;
  dport_ = dst_port;
  return *this;
}

FrameBuilder& FrameBuilder::tcp(uint16_t src_port, uint16_t dst_port, uint16_t flags, uint32_t seq,
                                uint32_t ack) {
  l4_ = L4::kTcp;
  sport_ = src_port;
  dport_ = dst_port;
  tcp_flags_ = flags & 0x1ff;
  seq_ = seq;
  ack_ = ack;
  return *this;
}

FrameBuilder& FrameBuilder::icmp_echo(uint16_t id, uint16_t seq, bool reply) {
  l4_ = L4::kIcmp;
  icmp_echo_ = true;
  icmp_reply_ = reply;
  icmp_code_ = 0;
  icmp_rest_ = static_cast<uint32_t>(id) << 16 | seq;
  return *this;
}

FrameBuilder& FrameBuilder::icmp(uint8_t type, uint8_t code, uint32_t rest) {
  l4_ = L4::kIcmp;
  icmp_echo_ = false;
  icmp_type_ = type;
  icmp_code_ = code;
  icmp_rest_ = rest;
  return *this;
}

FrameBuilder& FrameBuilder::arp(uint16_t op, const Mac& sha, uint32_t spa, const Mac& tha,
                                uint32_t tpa) {
  l3_ = L3::kArp;
  ethertype_ = kEthTypeArp;
  arp_op_ = op;
  arp_sha_ = sha;
  arp_spa_ = spa;
  arp_tha_ = tha;
  arp_tpa_ = tpa;
  return *this;
}

FrameBuilder& FrameBuilder::arp_request(const Mac& sha, uint32_t spa, uint32_t tpa) {
  eth(kBroadcastMac, sha);
  return arp(1, sha, spa, Mac{}, tpa);
}

FrameBuilder& FrameBuilder::arp_reply(const Mac& sha, uint32_t spa, const Mac& tha, uint32_t tpa) {
  eth(tha, sha);
  return arp(2, sha, spa, tha, tpa);
}

FrameBuilder& FrameBuilder::gratuitous_arp(const Mac& mac, uint32_t ip) {
  return arp_request(mac, ip, ip);
}

FrameBuilder& FrameBuilder::rarp(const Mac& mac) {
  eth(kBroadcastMac, mac);
  arp(3, mac, 0, mac, 0);
  ethertype_ = kEthTypeRarp;
  return *this;
}

FrameBuilder& FrameBuilder::payload(const std::vector<uint8_t>& bytes) {
  payload_ = bytes;
  return *this;
}

FrameBuilder& FrameBuilder::payload(std::string_view text) {
  payload_.assign(text.begin(), text.end());
  return *this;
}

FrameBuilder& FrameBuilder::payload_size(size_t n) {
  payload_.resize(n);
  for (size_t i = 0; i < n; i++) payload_[i] = static_cast<uint8_t>(i);
  return *this;
}

FrameBuilder& FrameBuilder::pad_to(size_t n) {
  pad_to_ = n;
  return *this;
}

FrameBuilder& FrameBuilder::no_checksums() {
  checksums_ = false;
  return *this;
}

// L4 header and payload; the checksum is filled by the L3 builder, which
// knows the pseudo-header.
void FrameBuilder::build_l4(std::vector<uint8_t>& out) const {
  switch (l4_) {
    case L4::kUdp:
      put16(out, sport_);
      put16(out, dport_);
      put16(out, static_cast<uint16_t>(8 + payload_.size()));
      put16(out, 0);
      break;
    case L4::kTcp:
      put16(out, sport_);
      put16(out, dport_);
      put32(out, seq_);
      put32(out, ack_);
      put16(out, static_cast<uint16_t>(5 << 12 | tcp_flags_));
      put16(out, 65535);  // window
      put16(out, 0);      // checksum
      put16(out, 0);      // urgent pointer
      break;
    case L4::kIcmp: {
      uint8_t type = icmp_type_;
      if (icmp_echo_) {
        if (l3_ == L3::kIpv6) {
          type = icmp_reply_ ? 129 : 128;
        } else {
          type = icmp_reply_ ? 0 : 8;
        }
      }
      put8(out, type);
      put8(out, icmp_code_);
      put16(out, 0);
      put32(out, icmp_rest_);
      break;
    }
    case L4::kNone:
      break;
  }
  put_bytes(out, payload_.data(), payload_.size());
}

namespace {

// Offset of the checksum field in an L4 header, or -1.
int l4_checksum_offset(uint8_t proto) {
  switch (proto) {
    case kIpProtoTcp:
      return 16;
    case kIpProtoUdp:
      return 6;
    case kIpProtoIcmp:
    case kIpProtoIcmpv6:
      return 2;
    default:
      return -1;
  }
}

}  // namespace

uint8_t FrameBuilder::proto_number() const {
  if (ip_proto_) return *ip_proto_;
  switch (l4_) {
    case L4::kUdp:
      return kIpProtoUdp;
    case L4::kTcp:
      return kIpProtoTcp;
    case L4::kIcmp:
      return l3_ == L3::kIpv6 ? kIpProtoIcmpv6 : kIpProtoIcmp;
    case L4::kNone:
      break;
  }
  return 59;  // "no next header"
}

void FrameBuilder::build_ipv4(std::vector<uint8_t>& out, const std::vector<uint8_t>& l4) const {
  const uint8_t proto = proto_number();
  const size_t start = out.size();
  const size_t ihl = 20 + ip_options_.size();
  put8(out, static_cast<uint8_t>(0x40 | ihl / 4));
  put8(out, tos_);
  put16(out, static_cast<uint16_t>(ihl + l4.size()));
  put16(out, ip_id_);
  uint16_t frag = static_cast<uint16_t>((df_ ? 0x4000 : 0) | (frag_ && mf_ ? 0x2000 : 0) |
                                        (frag_ ? (frag_offset_ / 8) & 0x1fff : 0));
  put16(out, frag);
  put8(out, ttl_);
  put8(out, proto);
  put16(out, 0);
  put_bytes(out, &ip_src_, 4);
  put_bytes(out, &ip_dst_, 4);
  put_bytes(out, ip_options_.data(), ip_options_.size());
  if (checksums_) set16(out, start + 10, inet_checksum(out.data() + start, ihl));
  const size_t l4_start = out.size();
  put_bytes(out, l4.data(), l4.size());
  int csum = l4_checksum_offset(proto);
  if (checksums_ && l4_ != L4::kNone && csum >= 0 && l4.size() >= static_cast<size_t>(csum) + 2) {
    uint32_t sum = proto == kIpProtoIcmp
                       ? 0
                       : ipv4_pseudo_sum(ip_src_, ip_dst_, proto, static_cast<uint32_t>(l4.size()));
    uint16_t c = checksum_finish(checksum_add(sum, l4.data(), l4.size()));
    if (proto == kIpProtoUdp && c == 0) c = 0xffff;
    set16(out, l4_start + static_cast<size_t>(csum), c);
  }
}

void FrameBuilder::build_ipv6(std::vector<uint8_t>& out, const std::vector<uint8_t>& l4) const {
  const uint8_t proto = proto_number();
  const size_t ext = frag_ ? 8 : 0;
  put32(out, 6u << 28 | static_cast<uint32_t>(tos_) << 20 | flow_label_);
  put16(out, static_cast<uint16_t>(ext + l4.size()));
  put8(out, frag_ ? 44 : proto);
  put8(out, ttl_);
  put_bytes(out, ip6_src_.data(), 16);
  put_bytes(out, ip6_dst_.data(), 16);
  if (frag_) {
    put8(out, proto);
    put8(out, 0);
    put16(out, static_cast<uint16_t>((frag_offset_ & 0xfff8) | (mf_ ? 1 : 0)));
    put32(out, frag_id_);
  }
  const size_t l4_start = out.size();
  put_bytes(out, l4.data(), l4.size());
  int csum = l4_checksum_offset(proto);
  if (checksums_ && l4_ != L4::kNone && csum >= 0 && l4.size() >= static_cast<size_t>(csum) + 2) {
    uint32_t sum =
        ipv6_pseudo_sum(ip6_src_.data(), ip6_dst_.data(), proto, static_cast<uint32_t>(l4.size()));
    uint16_t c = checksum_finish(checksum_add(sum, l4.data(), l4.size()));
    if (proto == kIpProtoUdp && c == 0) c = 0xffff;
    set16(out, l4_start + static_cast<size_t>(csum), c);
  }
}

void FrameBuilder::build_arp(std::vector<uint8_t>& out) const {
  put16(out, 1);
  put16(out, kEthTypeIpv4);
  put8(out, 6);
  put8(out, 4);
  put16(out, arp_op_);
  put_bytes(out, arp_sha_.data(), 6);
  put_bytes(out, &arp_spa_, 4);
  put_bytes(out, arp_tha_.data(), 6);
  put_bytes(out, &arp_tpa_, 4);
  put_bytes(out, payload_.data(), payload_.size());
}

std::vector<uint8_t> FrameBuilder::build() const {
  std::vector<uint8_t> out;
  out.reserve(128 + payload_.size());
  put_bytes(out, dst_.data(), 6);
  put_bytes(out, src_.data(), 6);
  for (const Tag& t : tags_) {
    put16(out, t.tpid);
    put16(out, t.tci);
  }
  std::vector<uint8_t> l4;
  switch (l3_) {
    case L3::kIpv4:
      put16(out, kEthTypeIpv4);
      build_l4(l4);
      build_ipv4(out, l4);
      break;
    case L3::kIpv6:
      put16(out, kEthTypeIpv6);
      build_l4(l4);
      build_ipv6(out, l4);
      break;
    case L3::kArp:
      put16(out, ethertype_);
      build_arp(out);
      break;
    case L3::kNone:
      put16(out, ethertype_);
      put_bytes(out, payload_.data(), payload_.size());
      break;
  }
  if (out.size() < pad_to_) out.resize(pad_to_, 0);
  return out;
}

}  // namespace ferry
