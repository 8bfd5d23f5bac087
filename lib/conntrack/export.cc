// Migration: connections serialized to bytes and added back elsewhere.
//
// Format (all integers little-endian): "FCT1", u32 count, then per
// connection: two keys (src[16] dst[16] sport[2] dport[2] as in the
// packet, stype, dtype, u16 zone, proto, ipv6), nat, l4_state, alg,
// u32 mark, u64 label lo, u64 label hi, two TCP peers (u32 seqlo, u32
// seqhi, u16 max_win, wscale, state), u32 milliseconds left.
#include <string>

#include "lib/conntrack/conntrack_impl.h"

namespace ferry::ct {
namespace {

constexpr char kMagic[4] = {'F', 'C', 'T', '1'};
constexpr size_t kKeyBytes = 16 + 16 + 2 + 2 + 1 + 1 + 2 + 1 + 1;
constexpr size_t kPeerBytes = 4 + 4 + 2 + 1 + 1;
constexpr size_t kRecordBytes = 2 * kKeyBytes + 3 + 4 + 16 + 2 * kPeerBytes + 4;

struct Writer {
  std::vector<uint8_t>* out;
  void bytes(const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    out->insert(out->end(), b, b + n);
  }
  void u8(uint8_t v) { out->push_back(v); }
  void u16(uint16_t v) { u64n(v, 2); }
  void u32(uint32_t v) { u64n(v, 4); }
  void u64(uint64_t v) { u64n(v, 8); }
  void u64n(uint64_t v, int n) {
    for (int i = 0; i < n; i++) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void key(const Key& k) {
    bytes(k.src, 16);
    bytes(k.dst, 16);
    bytes(&k.sport, 2);
    bytes(&k.dport, 2);
    u8(k.stype);
    u8(k.dtype);
    u16(k.zone);
    u8(k.proto);
    u8(k.ipv6);
  }
};

struct Reader {
  const uint8_t* p;
  void bytes(void* d, size_t n) {
    std::memcpy(d, p, n);
    p += n;
  }
  uint8_t u8() { return *p++; }
  uint64_t un(int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= uint64_t{p[i]} << (8 * i);
    p += n;
    return v;
  }
  Key key() {
    Key k{};
    bytes(k.src, 16);
    bytes(k.dst, 16);
    bytes(&k.sport, 2);
    bytes(&k.dport, 2);
    k.stype = u8();
    k.dtype = u8();
    k.zone = static_cast<uint16_t>(un(2));
    k.proto = u8();
    k.ipv6 = u8();
    return k;
  }
};

struct Record {
  Key key, rev;
  uint8_t nat, l4_state, alg;
  uint32_t mark;
  Label label;
  TcpPeer peer[2];
  uint32_t left_ms;
};

bool addr_in(const uint8_t* a, const std::vector<Addr>& addrs) {
  for (const Addr& x : addrs)
    if (std::memcmp(a, x.b, 16) == 0) return true;
  return false;
}

bool wanted(const Conn* c, const ExportFilter& f) {
  if (f.has_zone && c->key().zone != f.zone) return false;
  if (f.addrs.empty()) return true;
  const Key& k = c->key();
  const Key& r = c->rev_key();
  return addr_in(k.src, f.addrs) || addr_in(k.dst, f.addrs) || addr_in(r.src, f.addrs) ||
         addr_in(r.dst, f.addrs);
}

// Checks a record read from untrusted bytes.
const char* check(const Record& r) {
  if (r.key.ipv6 > 1 || r.rev.ipv6 != r.key.ipv6) return "bad address family";
  if (r.rev.proto != r.key.proto || r.rev.zone != r.key.zone) return "keys disagree";
  if (r.nat > kNatDst || r.alg > CtAction::kTftp || r.l4_state > 2) return "bad state";
  for (const TcpPeer& p : r.peer)
    if (p.state > static_cast<uint8_t>(TcpState::kTimeWait)) return "bad TCP state";
  if (!r.key.ipv6)
    for (int i = 4; i < 16; i++)
      if (r.key.src[i] || r.key.dst[i] || r.rev.src[i] || r.rev.dst[i]) return "bad IPv4 address";
  return nullptr;
}

}  // namespace

std::vector<uint8_t> Conntrack::export_conns(const ExportFilter& f, uint64_t now_ms) const {
  ConntrackImpl& d = *impl_;
  std::vector<uint8_t> out(kMagic, kMagic + 4);
  Writer w{&out};
  w.u32(0);
  uint32_t n = 0;
  std::lock_guard<std::mutex> g(d.ctl_mu_);
  d.table_.for_each([&](Conn* c) {
    if (c->expired(now_ms) || !wanted(c, f)) return;
    w.key(c->key());
    w.key(c->rev_key());
    ConnLock l(c);
    w.u8(c->nat);
    w.u8(c->l4_state);
    w.u8(c->alg);
    w.u32(c->mark);
    w.u64(c->label.lo);
    w.u64(c->label.hi);
    for (const TcpPeer& p : c->peer) {
      w.u32(p.seqlo);
      w.u32(p.seqhi);
      w.u16(p.max_win);
      w.u8(p.wscale);
      w.u8(p.state);
    }
    uint64_t left = c->expires() - now_ms;
    w.u32(left > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(left));
    n++;
  });
  for (int i = 0; i < 4; i++) out[4 + i] = static_cast<uint8_t>(n >> (8 * i));
  return out;
}

Result<size_t> Conntrack::import_conns(const uint8_t* data, size_t len, uint64_t now_ms) {
  if (len < 8 || std::memcmp(data, kMagic, 4) != 0)
    return make_error("not a connection export (no FCT1 header)");
  Reader rd{data + 4};
  uint64_t n = rd.un(4);
  if ((len - 8) != n * kRecordBytes)
    return make_error("connection export of " + std::to_string(len) + " bytes does not hold " +
                      std::to_string(n) + " connections");
  std::vector<Record> recs(n);
  for (uint64_t i = 0; i < n; i++) {
    Record& r = recs[i];
    r.key = rd.key();
    r.rev = rd.key();
    r.nat = rd.u8();
    r.l4_state = rd.u8();
    r.alg = rd.u8();
    r.mark = static_cast<uint32_t>(rd.un(4));
    r.label.lo = rd.un(8);
    r.label.hi = rd.un(8);
    for (TcpPeer& p : r.peer) {
      p.seqlo = static_cast<uint32_t>(rd.un(4));
      p.seqhi = static_cast<uint32_t>(rd.un(4));
      p.max_win = static_cast<uint16_t>(rd.un(2));
      p.wscale = rd.u8();
      p.state = rd.u8();
    }
    r.left_ms = static_cast<uint32_t>(rd.un(4));
    if (const char* why = check(r))
      return make_error("connection " + std::to_string(i) + " of the export: " + why);
  }
  ConntrackImpl& d = *impl_;
  unsigned tid = d.table_.control_tid();
  size_t added = 0;
  std::lock_guard<std::mutex> g(d.ctl_mu_);
  for (const Record& r : recs) {
    if (d.n_conns_.load() >= d.max_conns_.load()) break;
    Conn* c = d.table_.alloc(tid);
    if (!c) break;
    c->node[0].key = r.key;
    c->node[0].hash = d.table_.hash(r.key);
    c->node[1].key = r.rev;
    c->node[1].hash = d.table_.hash(r.rev);
    c->nat = r.nat;
    c->l4_state = r.l4_state;
    c->alg = r.alg;
    c->mark = r.mark;
    c->label = r.label;
    c->peer[0] = r.peer[0];
    c->peer[1] = r.peer[1];
    c->expiration.store(now_ms + r.left_ms, std::memory_order_relaxed);
    c->zone_counted = r.key.zone;
    if (!d.table_.insert(c, now_ms)) {  // already tracked here
      d.table_.release(tid, c);
      continue;
    }
    d.n_conns_.fetch_add(1, std::memory_order_relaxed);
    d.zone_count_[r.key.zone].fetch_add(1, std::memory_order_relaxed);
    added++;
  }
  d.imported_.fetch_add(added, std::memory_order_relaxed);
  return added;
}

}  // namespace ferry::ct
