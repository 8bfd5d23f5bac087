#include "lib/flow/match.h"

#include <arpa/inet.h>

#include "lib/util/text.h"

namespace ferry {

Match Match::of_packet(const FlowKey& key, const FlowKey& mask) {
  Match m;
  m.key = of_key(key);
  m.mask = of_key(mask);
  return m;
}

void Match::normalize() {
  uint64_t* k = key.words();
  const uint64_t* m = mask.words();
  for (size_t i = 0; i < OfKey::kWords; i++) k[i] &= m[i];
}

bool Match::matches(const OfKey& k) const {
  const uint64_t* a = key.words();
  const uint64_t* b = k.words();
  const uint64_t* m = mask.words();
  uint64_t diff = 0;
  for (size_t i = 0; i < OfKey::kWords; i++) diff |= (a[i] ^ b[i]) & m[i];
  return diff == 0;
}

bool Match::matches(const FlowKey& k) const {
  const uint64_t* a = key.words();
  const uint64_t* b = k.words();
  const uint64_t* m = mask.words();
  uint64_t diff = 0;
  for (size_t i = 0; i < FlowKey::kWords; i++) diff |= (a[i] ^ b[i]) & m[i];
  // The metadata is zero: the key (pre-masked) must be too.
  for (size_t i = FlowKey::kWords; i < OfKey::kWords; i++) diff |= a[i];
  return diff == 0;
}

bool Match::is_subset_of(const Match& wider) const {
  const uint64_t* k = key.words();
  const uint64_t* m = mask.words();
  const uint64_t* wk = wider.key.words();
  const uint64_t* wm = wider.mask.words();
  for (size_t i = 0; i < OfKey::kWords; i++) {
    // Every bit the wider match compares, this one compares too, with the
    // same value.
    if ((wm[i] & ~m[i]) || ((k[i] ^ wk[i]) & wm[i])) return false;
  }
  return true;
}

bool Match::overlaps(const Match& other) const {
  const uint64_t* k = key.words();
  const uint64_t* m = mask.words();
  const uint64_t* ok = other.key.words();
  const uint64_t* om = other.mask.words();
  for (size_t i = 0; i < OfKey::kWords; i++) {
    if ((k[i] ^ ok[i]) & m[i] & om[i]) return false;
  }
  return true;
}

uint32_t Match::hash() const {
  uint32_t h = hash_key(mask, hash_key(key));
  for (size_t i = FlowKey::kWords; i < OfKey::kWords; i++) {
    uint64_t w = key.words()[i] * 31 + mask.words()[i];
    h = (h ^ static_cast<uint32_t>(w ^ (w >> 32))) * 0x9e3779b1u;
  }
  return h;
}

Match& Match::set_reg(unsigned n, uint32_t value, uint32_t m) {
  key.regs[n] = value & m;
  mask.regs[n] = m;
  return *this;
}

Match& Match::set_metadata(uint64_t value, uint64_t m) {
  key.metadata = value & m;
  mask.metadata = m;
  return *this;
}

Match& Match::set_in_port(uint32_t port) {
  key.in_port = port;
  mask.in_port = UINT32_MAX;
  return *this;
}

Match& Match::set_dl_src(const Mac& mac) {
  std::memcpy(key.dl_src, mac.data(), 6);
  std::memset(mask.dl_src, 0xff, 6);
  return *this;
}

Match& Match::set_dl_dst(const Mac& mac) {
  std::memcpy(key.dl_dst, mac.data(), 6);
  std::memset(mask.dl_dst, 0xff, 6);
  return *this;
}

Match& Match::set_dl_type(uint16_t ethertype) {
  key.dl_type = htons(ethertype);
  mask.dl_type = 0xffff;
  return *this;
}

Match& Match::set_vlan_vid(uint16_t vid) {
  key.vlan_tci = htons(kVlanCfi | (vid & kVlanVidMask));
  mask.vlan_tci = htons(kVlanCfi | kVlanVidMask);
  return *this;
}

Match& Match::set_no_vlan() {
  key.vlan_tci = 0;
  mask.vlan_tci = 0xffff;
  return *this;
}

Match& Match::set_nw_src(uint32_t addr_be, uint32_t mask_be) {
  key.nw_src = addr_be & mask_be;
  mask.nw_src = mask_be;
  return *this;
}

Match& Match::set_nw_dst(uint32_t addr_be, uint32_t mask_be) {
  key.nw_dst = addr_be & mask_be;
  mask.nw_dst = mask_be;
  return *this;
}

Match& Match::set_nw_proto(uint8_t proto) {
  key.nw_proto = proto;
  mask.nw_proto = 0xff;
  return *this;
}

Match& Match::set_tp_src(uint16_t port) {
  key.tp_src = htons(port);
  mask.tp_src = 0xffff;
  return *this;
}

Match& Match::set_tp_dst(uint16_t port) {
  key.tp_dst = htons(port);
  mask.tp_dst = 0xffff;
  return *this;
}

namespace {

bool all_ones(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != 0xff) return false;
  return true;
}

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

// One "name=value" or "name=value/mask" item; numbers in host order.
void add_num(std::string& s, const char* name, uint64_t v, uint64_t m, uint64_t full, bool hexa) {
  if (!m) return;
  if (!s.empty()) s += ',';
  s += name;
  s += '=';
  s += hexa ? strprintf("0x%llx", static_cast<unsigned long long>(v))
            : strprintf("%llu", static_cast<unsigned long long>(v));
  if (m != full) s += strprintf("/0x%llx", static_cast<unsigned long long>(m));
}

void add_mac(std::string& s, const char* name, const uint8_t* v, const uint8_t* m) {
  if (all_zero(m, 6)) return;
  if (!s.empty()) s += ',';
  s += std::string(name) + "=" + format_mac(v);
  if (!all_ones(m, 6)) s += "/" + format_mac(m);
}

void add_ip4(std::string& s, const char* name, uint32_t v, uint32_t m) {
  if (!m) return;
  char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &v, a, sizeof a);
  if (!s.empty()) s += ',';
  s += std::string(name) + "=" + a;
  if (m != UINT32_MAX) {
    inet_ntop(AF_INET, &m, b, sizeof b);
    s += std::string("/") + b;
  }
}

void add_ip6(std::string& s, const char* name, const uint8_t* v, const uint8_t* m) {
  if (all_zero(m, 16)) return;
  char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, v, a, sizeof a);
  if (!s.empty()) s += ',';
  s += std::string(name) + "=" + a;
  if (!all_ones(m, 16)) {
    inet_ntop(AF_INET6, m, b, sizeof b);
    s += std::string("/") + b;
  }
}

}  // namespace

std::string Match::to_string() const {
  const FlowKey& k = key;
  const FlowKey& m = mask;
  std::string s;
  add_num(s, "in_port", k.in_port, m.in_port, UINT32_MAX, false);
  add_num(s, "vlan_tci", ntohs(k.vlan_tci), ntohs(m.vlan_tci), 0xffff, true);
  add_mac(s, "dl_src", k.dl_src, m.dl_src);
  add_mac(s, "dl_dst", k.dl_dst, m.dl_dst);
  if (m.dl_type) {
    if (!s.empty()) s += ',';
    s += strprintf("dl_type=0x%04x", ntohs(k.dl_type));
    if (m.dl_type != 0xffff) s += strprintf("/0x%04x", ntohs(m.dl_type));
  }
  add_ip4(s, "nw_src", k.nw_src, m.nw_src);
  add_ip4(s, "nw_dst", k.nw_dst, m.nw_dst);
  add_ip6(s, "ipv6_src", k.ipv6_src, m.ipv6_src);
  add_ip6(s, "ipv6_dst", k.ipv6_dst, m.ipv6_dst);
  add_num(s, "nw_proto", k.nw_proto, m.nw_proto, 0xff, false);
  add_num(s, "nw_tos", k.nw_tos, m.nw_tos, 0xff, false);
  add_num(s, "nw_ttl", k.nw_ttl, m.nw_ttl, 0xff, false);
  add_num(s, "nw_frag", k.nw_frag, m.nw_frag, 0xff, true);
  add_num(s, "tp_src", ntohs(k.tp_src), ntohs(m.tp_src), 0xffff, false);
  add_num(s, "tp_dst", ntohs(k.tp_dst), ntohs(m.tp_dst), 0xffff, false);
  add_num(s, "tcp_flags", ntohs(k.tcp_flags), ntohs(m.tcp_flags), 0xffff, true);
  add_mac(s, "arp_sha", k.arp_sha, m.arp_sha);
  add_mac(s, "arp_tha", k.arp_tha, m.arp_tha);
  for (unsigned i = 0; i < 16; i++) {
    add_num(s, strprintf("reg%u", i).c_str(), key.regs[i], mask.regs[i], UINT32_MAX, true);
  }
  if (mask.metadata) {
    if (!s.empty()) s += ',';
    s += strprintf("metadata=0x%llx", static_cast<unsigned long long>(key.metadata));
    if (mask.metadata != UINT64_MAX)
      s += strprintf("/0x%llx", static_cast<unsigned long long>(mask.metadata));
  }
  add_num(s, "pkt_mark", key.pkt_mark, mask.pkt_mark, UINT32_MAX, true);
  return s.empty() ? "any" : s;
}

}  // namespace ferry
