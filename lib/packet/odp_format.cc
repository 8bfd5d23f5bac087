#include "lib/packet/odp_format.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "lib/util/text.h"

namespace ferry {

namespace {

bool all_zero(const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  for (size_t i = 0; i < n; i++) {
    if (b[i]) return false;
  }
  return true;
}

bool all_ones(const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  for (size_t i = 0; i < n; i++) {
    if (b[i] != 0xff) return false;
  }
  return true;
}

std::string masked_mac(const uint8_t* key, const uint8_t* mask) {
  uint8_t m[6];
  for (int i = 0; i < 6; i++) m[i] = key[i] & mask[i];
  return format_mac(m);
}

std::string ip4(uint32_t be) {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &be, buf, sizeof buf);
  return buf;
}

std::string ip6(const uint8_t* a) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, a, buf, sizeof buf);
  return buf;
}

std::string hex(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%#x", v);
  return buf;
}

// One attribute's fields: "name=value" or "name=value/mask", left out
// when wildcarded unless verbose.
class Fields {
 public:
  explicit Fields(bool verbose) : verbose_(verbose) {}
  // Exact: value only. Wildcarded: skipped (verbose: value/0-style mask).
  void add(const char* name, bool zero_mask, bool full_mask, const std::string& value,
           const std::string& mask) {
    if (zero_mask && !verbose_) return;
    std::string f = std::string(name) + "=" + value;
    if (!full_mask) f += "/" + mask;
    items_.push_back(f);
  }
  std::string join() const {
    std::string out;
    for (const std::string& s : items_) out += (out.empty() ? "" : ",") + s;
    return out;
  }
  bool empty() const { return items_.empty(); }

 private:
  bool verbose_;
  std::vector<std::string> items_;
};

// The fragment type, as OVS's enumeration (no, first, later); printed only
// when consulted, even verbose, as OVS does (partial masks have no meaning).
std::string frag_text(uint8_t key) {
  if (!(key & kFragAny)) return "no";
  if (key & kFragLater) return "later";
  return "first";
}

template <typename T>
void add_u(Fields& f, const char* name, T key, T mask, bool host_order, bool as_hex = false) {
  unsigned k = static_cast<unsigned>(key), m = static_cast<unsigned>(mask);
  if (!host_order) {
    k = ntohs(static_cast<uint16_t>(key));
    m = ntohs(static_cast<uint16_t>(mask));
  }
  T all = static_cast<T>(~T(0));
  // A partial mask in hex, as OVS's format_u8u/format_be16 ("dst=256/0xff00").
  f.add(name, mask == 0, mask == all, as_hex ? hex(k & m) : std::to_string(k & m), hex(m));
}

// ",nd(target=...,sll=...)" of a Neighbour Discovery key whose mask names
// them (FlowKey::nd_target/nd_ll), as OVS's datapath flows.
std::string format_nd(const FlowKey& key, const FlowKey& mask, bool verbose) {
  const uint16_t type = ntohs(key.tp_src);
  if (mask.tp_src != 0xffff || (type != FlowKey::kNdSolicit && type != FlowKey::kNdAdvert))
    return "";
  Fields f(verbose);
  uint8_t t[16], ll[6];
  for (int i = 0; i < 16; i++) t[i] = key.nd_target()[i] & mask.nd_target()[i];
  for (int i = 0; i < 6; i++) ll[i] = key.nd_ll()[i] & mask.nd_ll()[i];
  f.add("target", all_zero(mask.nd_target(), 16), all_ones(mask.nd_target(), 16), ip6(t),
        ip6(mask.nd_target()));
  f.add(type == FlowKey::kNdSolicit ? "sll" : "tll", all_zero(mask.nd_ll(), 6),
        all_ones(mask.nd_ll(), 6), format_mac(ll), format_mac(mask.nd_ll()));
  return f.empty() ? "" : ",nd(" + f.join() + ")";
}

// ct_state(+est+trk),ct_zone(0x9),ct_mark(0x1/0x1),... as ovs-vswitchd's
// datapath flows: only what the mask has; a trailing comma.
std::string format_odp_ct(const FlowKey& key, const FlowKey& mask) {
  std::string out;
  // An exact key of an untracked packet: nothing to say.
  if (key.words()[FlowKey::kCtWord] == 0 && mask.ct_state == 0xff) return out;
  if (mask.ct_state) {
    static const char* const kNames[] = {"new", "est", "rel", "rpl", "inv", "trk", "snat", "dnat"};
    out += "ct_state(";
    for (unsigned b = 0; b < 8; b++) {
      if (!(mask.ct_state & (1u << b))) continue;
      out += (key.ct_state & (1u << b)) ? "+" : "-";
      out += kNames[b];
    }
    out += "),";
  }
  auto masked = [&out](const char* name, uint64_t k, uint64_t m, uint64_t all) {
    if (!m) return;
    out += m == all ? strprintf("%s(0x%llx),", name, static_cast<unsigned long long>(k & m))
                    : strprintf("%s(0x%llx/0x%llx),", name, static_cast<unsigned long long>(k & m),
                                static_cast<unsigned long long>(m));
  };
  masked("ct_zone", key.ct_zone, mask.ct_zone, 0xffff);
  masked("ct_mark", key.ct_mark, mask.ct_mark, 0xffffffff);
  if (mask.ct_label[0] || mask.ct_label[1]) {
    out += strprintf("ct_label(0x%llx%016llx),",
                     static_cast<unsigned long long>(key.ct_label[1] & mask.ct_label[1]),
                     static_cast<unsigned long long>(key.ct_label[0] & mask.ct_label[0]));
  }
  if (mask.ct_nw_src || mask.ct_nw_dst || mask.ct_tp_src || mask.ct_tp_dst || mask.ct_nw_proto) {
    out +=
        strprintf("ct_tuple4(src=%s,dst=%s,proto=%u,tp_src=%u,tp_dst=%u),",
                  ip4(key.ct_nw_src & mask.ct_nw_src).c_str(),
                  ip4(key.ct_nw_dst & mask.ct_nw_dst).c_str(), key.ct_nw_proto & mask.ct_nw_proto,
                  ntohs(key.ct_tp_src & mask.ct_tp_src), ntohs(key.ct_tp_dst & mask.ct_tp_dst));
  }
  return out;
}

// "mpls(label=20/0xfffff,tc=0/0,ttl=64/0x0,bos=1/1)" of an MPLS key's label
// stack, as OVS's format_mpls(): every entry up to BoS, all with their
// masks unless the masks are all exact (the values as the key has them);
// nothing when no bit is consulted (unless verbose).
std::string format_mpls_key(const FlowKey& key, const FlowKey& mask, bool verbose) {
  unsigned n = 0;
  bool any = false, exact = true;
  while (n < FlowKey::kMplsLabels) {
    any |= mask.mpls_lse(n) != 0;
    exact &= mask.mpls_lse(n) == 0xffffffff;
    if (key.mpls_lse(n++) & kMplsBosMask) break;
  }
  if (!any && !verbose) return "";
  std::string out;
  for (unsigned i = 0; i < n; i++) {
    const uint32_t k = key.mpls_lse(i), m = mask.mpls_lse(i);
    const unsigned label = k >> kMplsLabelShift, tc = (k & kMplsTcMask) >> kMplsTcShift,
                   ttl = k & kMplsTtlMask, bos = (k & kMplsBosMask) >> kMplsBosShift;
    out += i ? "," : "";
    out += exact ? strprintf("label=%u,tc=%u,ttl=%u,bos=%u", label, tc, ttl, bos)
                 : strprintf("label=%u/0x%x,tc=%u/%x,ttl=%u/0x%x,bos=%u/%x", label,
                             m >> kMplsLabelShift, tc, (m & kMplsTcMask) >> kMplsTcShift, ttl,
                             m & kMplsTtlMask, bos, (m & kMplsBosMask) >> kMplsBosShift);
  }
  return "mpls(" + out + ")";
}

}  // namespace

std::string format_odp_match(const FlowKey& key, const FlowKey& mask,
                             const std::function<std::string(uint32_t)>& port, bool verbose) {
  std::string out = key.recirc_id ? strprintf("recirc_id(0x%x)", key.recirc_id) : "recirc_id(0)";
  out += ",in_port(" + port(key.in_port) + "),";
  out += format_odp_ct(key, mask);
  out += "packet_type(ns=0,id=0),";
  Fields eth(verbose);
  eth.add("src", all_zero(mask.dl_src, 6), all_ones(mask.dl_src, 6),
          masked_mac(key.dl_src, mask.dl_src), format_mac(mask.dl_src));
  eth.add("dst", all_zero(mask.dl_dst, 6), all_ones(mask.dl_dst, 6),
          masked_mac(key.dl_dst, mask.dl_dst), format_mac(mask.dl_dst));
  out += "eth(" + eth.join() + ")";

  bool vlan = mask.vlan_tci != 0 && key.has_vlan();
  std::string inner;
  auto type_attr = [&](uint16_t type_mask) {
    if (type_mask == 0 && !verbose) return std::string();
    char t[40];
    if (type_mask == 0xffff) {
      std::snprintf(t, sizeof t, "eth_type(0x%04x)", key.ethertype());
    } else {
      std::snprintf(t, sizeof t, "eth_type(0x%04x/0x%04x)", key.ethertype() & ntohs(type_mask),
                    ntohs(type_mask));
    }
    return std::string(t);
  };
  inner = type_attr(mask.dl_type);
  const uint16_t type = key.ethertype();
  const bool l3_known = mask.dl_type == 0xffff;
  std::string l3, l4;
  if (l3_known && type == kEthTypeIpv4) {
    Fields f(verbose);
    f.add("src", mask.nw_src == 0, mask.nw_src == 0xffffffff, ip4(key.nw_src & mask.nw_src),
          ip4(mask.nw_src));
    f.add("dst", mask.nw_dst == 0, mask.nw_dst == 0xffffffff, ip4(key.nw_dst & mask.nw_dst),
          ip4(mask.nw_dst));
    add_u<uint8_t>(f, "proto", key.nw_proto, mask.nw_proto, true);
    add_u<uint8_t>(f, "tos", key.nw_tos, mask.nw_tos, true, true);
    add_u<uint8_t>(f, "ttl", key.nw_ttl, mask.nw_ttl, true);
    if (mask.nw_frag) f.add("frag", false, true, frag_text(key.nw_frag), "");
    if (!f.empty()) l3 = "ipv4(" + f.join() + ")";
  } else if (l3_known && type == kEthTypeIpv6) {
    Fields f(verbose);
    uint8_t s[16], d[16];
    for (int i = 0; i < 16; i++) {
      s[i] = key.ipv6_src[i] & mask.ipv6_src[i];
      d[i] = key.ipv6_dst[i] & mask.ipv6_dst[i];
    }
    f.add("src", all_zero(mask.ipv6_src, 16), all_ones(mask.ipv6_src, 16), ip6(s),
          ip6(mask.ipv6_src));
    f.add("dst", all_zero(mask.ipv6_dst, 16), all_ones(mask.ipv6_dst, 16), ip6(d),
          ip6(mask.ipv6_dst));
    add_u<uint8_t>(f, "proto", key.nw_proto, mask.nw_proto, true);
    add_u<uint8_t>(f, "tclass", key.nw_tos, mask.nw_tos, true, true);
    add_u<uint8_t>(f, "hlimit", key.nw_ttl, mask.nw_ttl, true);
    if (mask.nw_frag) f.add("frag", false, true, frag_text(key.nw_frag), "");
    if (!f.empty()) l3 = "ipv6(" + f.join() + ")";
  } else if (l3_known && (type == kEthTypeArp || type == kEthTypeRarp)) {
    Fields f(verbose);
    f.add("sip", mask.nw_src == 0, mask.nw_src == 0xffffffff, ip4(key.nw_src & mask.nw_src),
          ip4(mask.nw_src));
    f.add("tip", mask.nw_dst == 0, mask.nw_dst == 0xffffffff, ip4(key.nw_dst & mask.nw_dst),
          ip4(mask.nw_dst));
    add_u<uint8_t>(f, "op", key.nw_proto, mask.nw_proto, true);
    f.add("sha", all_zero(mask.arp_sha, 6), all_ones(mask.arp_sha, 6),
          masked_mac(key.arp_sha, mask.arp_sha), format_mac(mask.arp_sha));
    f.add("tha", all_zero(mask.arp_tha, 6), all_ones(mask.arp_tha, 6),
          masked_mac(key.arp_tha, mask.arp_tha), format_mac(mask.arp_tha));
    if (!f.empty()) l3 = "arp(" + f.join() + ")";
  } else if (l3_known && eth_type_mpls(type)) {
    l3 = format_mpls_key(key, mask, verbose);
  }
  const bool is_ip = l3_known && (type == kEthTypeIpv4 || type == kEthTypeIpv6);
  if (is_ip && mask.nw_proto == 0xff && !(key.nw_frag & kFragLater)) {
    const char* name = nullptr;
    const char *a = "src", *b = "dst";
    switch (key.nw_proto) {
      case kIpProtoTcp:
        name = "tcp";
        break;
      case kIpProtoUdp:
        name = "udp";
        break;
      case 132:
        name = "sctp";
        break;
      case kIpProtoIcmp:
        name = type == kEthTypeIpv4 ? "icmp" : nullptr;
        a = "type";
        b = "code";
        break;
      case kIpProtoIcmpv6:
        name = type == kEthTypeIpv6 ? "icmpv6" : nullptr;
        a = "type";
        b = "code";
        break;
      default:
        break;
    }
    if (name) {
      Fields f(verbose);
      add_u<uint16_t>(f, a, key.tp_src, mask.tp_src, false);
      add_u<uint16_t>(f, b, key.tp_dst, mask.tp_dst, false);
      if (!f.empty() || verbose) l4 = std::string(name) + "(" + f.join() + ")";
      if (key.nw_proto == kIpProtoIcmpv6) l4 += format_nd(key, mask, verbose);
      if (key.nw_proto == kIpProtoTcp && (mask.tcp_flags || verbose)) {
        uint16_t k = ntohs(key.tcp_flags & mask.tcp_flags), m = ntohs(mask.tcp_flags);
        std::string flags = "tcp_flags(" + hex(k);
        if (m != 0x0fff) flags += "/" + hex(m);
        l4 += (l4.empty() ? "" : ",") + flags + ")";
      }
    }
  }
  for (const std::string* part : {&l3, &l4}) {
    if (!part->empty()) inner += (inner.empty() ? "" : ",") + *part;
  }
  if (vlan) {
    uint16_t tci = ntohs(key.vlan_tci & mask.vlan_tci), m = ntohs(mask.vlan_tci);
    Fields f(verbose);
    f.add("vid", (m & kVlanVidMask) == 0, (m & kVlanVidMask) == kVlanVidMask,
          std::to_string(tci & kVlanVidMask), hex(m & kVlanVidMask));
    f.add("pcp", (m >> kVlanPcpShift) == 0, (m >> kVlanPcpShift) == 7,
          std::to_string(tci >> kVlanPcpShift), hex(m >> kVlanPcpShift));
    out += ",eth_type(0x8100),vlan(" + f.join() + "),encap(" + inner + ")";
  } else if (!inner.empty()) {
    out += "," + inner;
  }
  return out;
}

}  // namespace ferry
