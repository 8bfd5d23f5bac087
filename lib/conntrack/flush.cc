// dpctl/flush-conntrack: everything, a zone, one connection by tuple, or
// the connections an OVS 3.1 ofp_ct_match selects.
#include "lib/conntrack/conntrack_impl.h"

namespace ferry::ct {
namespace {

bool addr_zero(const Addr& a) { return a == Addr{}; }

Key tuple_key(const Tuple& t, uint16_t zone) {
  Key k{};
  k.ipv6 = t.ipv6;
  k.proto = t.proto;
  k.zone = zone;
  std::memcpy(k.src, t.src.b, 16);
  std::memcpy(k.dst, t.dst.b, 16);
  if (k.is_icmp()) {
    k.sport = k.dport = to_be16(t.icmp_id);
    k.stype = t.icmp_type;
    k.dtype = reverse_icmp_type(t.icmp_type, t.ipv6);
  } else {
    k.sport = to_be16(t.sport);
    k.dport = to_be16(t.dport);
  }
  return k;
}

bool icmp(uint8_t proto) { return proto == kProtoIcmp || proto == kProtoIcmp6; }

// OVS's ct_dpif_tuple_ip_cmp_partial(): addresses count only with a family.
bool tuple_matches(const Tuple& t, const Tuple& m, uint8_t proto, uint8_t l3) {
  if (l3 && !addr_zero(m.src) && !(m.src == t.src)) return false;
  if (l3 && !addr_zero(m.dst) && !(m.dst == t.dst)) return false;
  if (icmp(proto)) {
    return m.icmp_id == t.icmp_id && m.icmp_type == t.icmp_type && m.icmp_code == t.icmp_code;
  }
  if (m.sport && m.sport != t.sport) return false;
  if (m.dport && m.dport != t.dport) return false;
  return true;
}

bool tuple_zero(const Tuple& t, uint8_t proto) {
  bool z = addr_zero(t.src) && addr_zero(t.dst);
  return icmp(proto) ? z : z && !t.sport && !t.dport;
}

bool five_tuple(const Tuple& t, uint8_t proto) {
  bool f = !addr_zero(t.src) && !addr_zero(t.dst);
  return icmp(proto) ? f : f && t.sport && t.dport;
}

}  // namespace

Result<size_t> Conntrack::flush(const uint16_t* zone, const Tuple* orig) {
  ConntrackImpl& d = *impl_;
  std::vector<uint32_t> retired;
  {
    std::lock_guard<std::mutex> g(d.ctl_mu_);
    if (orig) {
      // As OVS's conntrack_flush_tuple(): the connection the tuple keys,
      // unless it is the NAT-ed reply tuple.
      Key k = tuple_key(*orig, zone ? *zone : 0);
      bool reply = false;
      uint64_t now = d.last_now_.load(std::memory_order_relaxed);
      Conn* c = d.table_.lookup(k, d.table_.hash(k), now, &reply);
      if (!c || (reply && c->nat)) {
        return make_error("Must flush tuple using the original pre-NATed tuple", ENOENT);
      }
      d.remove_locked(c, &retired);
    } else {
      d.table_.for_each([&](Conn* c) {
        if (!zone || c->key().zone == *zone) d.remove_locked(c, &retired);
      });
    }
  }
  size_t n = retired.size();
  d.flushed_.fetch_add(n, std::memory_order_relaxed);
  d.table_.retire(std::move(retired));
  d.table_.reclaim();
  return n;
}

Result<size_t> Conntrack::flush(const uint16_t* zone, const CtMatch& m) {
  uint8_t l3 = m.l3;
  bool zero = !m.proto && !l3 && tuple_zero(m.orig, m.proto) && tuple_zero(m.reply, m.proto);
  if (zero) return flush(zone, static_cast<const Tuple*>(nullptr));
  if (five_tuple(m.orig, m.proto) && tuple_zero(m.reply, m.proto)) {
    Tuple t = m.orig;
    t.proto = m.proto;
    t.ipv6 = l3 == 6;
    return flush(zone, &t);
  }
  ConntrackImpl& d = *impl_;
  std::vector<uint32_t> retired;
  {
    std::lock_guard<std::mutex> g(d.ctl_mu_);
    d.table_.for_each([&](Conn* c) {
      const Key& k = c->key();
      if (zone && k.zone != *zone) return;
      if (l3 && (l3 == 6) != static_cast<bool>(k.ipv6)) return;
      if (m.proto && m.proto != k.proto) return;
      ConnInfo ci = d.info(c, 0);
      if (!tuple_matches(ci.orig, m.orig, m.proto, l3)) return;
      if (!tuple_matches(ci.reply, m.reply, m.proto, l3)) return;
      d.remove_locked(c, &retired);
    });
  }
  size_t n = retired.size();
  d.flushed_.fetch_add(n, std::memory_order_relaxed);
  d.table_.retire(std::move(retired));
  d.table_.reclaim();
  return n;
}

}  // namespace ferry::ct
