// The packet path: OVS's conntrack_execute()/process_one() per packet.
#include <algorithm>
#include <cstring>

#include "lib/conntrack/conntrack_impl.h"
#include "lib/conntrack/nat.h"

namespace ferry::ct {

struct ConntrackImpl::Pkt {
  uint8_t* l3;
  CtMeta* m;
  Parsed p;
  Key key;  // the packet's key (after a NAT-ed lookup: its connection's, in its direction)
  uint32_t hash;
  bool reply = false;
  bool keyed = false;
  uint16_t zone;     // the ct() action's zone
  uint16_t zone_in;  // the zone of the packet's previous ct()
  L4View l4() const { return L4View{l3 + p.l4_ofs, p.l3_size - p.l4_ofs}; }
};

// Three phases over the batch: key every packet and prefetch its bucket,
// prefetch the first node of each chain, then track each packet.
void ConntrackImpl::execute(unsigned tid, PacketRef* pkts, size_t n, const CtAction& a,
                            uint64_t now) {
  table_.online(tid);
  if (n == 1) {  // the datapath's case (one packet per kCt): no batch to set up
    Pkt x;
    if (key_packet(tid, pkts[0], a, &x)) track(tid, x, a, now);
    return;
  }
  constexpr size_t kBatch = 32;
  Pkt xs[kBatch];
  for (size_t base = 0; base < n; base += kBatch) {
    size_t m = std::min(kBatch, n - base);
    for (size_t i = 0; i < m; i++) {
      if (key_packet(tid, pkts[base + i], a, &xs[i])) table_.prefetch_bucket(xs[i].hash);
    }
    for (size_t i = 0; i < m; i++)
      if (xs[i].keyed) table_.prefetch_chain(xs[i].hash);
    for (size_t i = 0; i < m; i++)
      if (xs[i].keyed) track(tid, xs[i], a, now);
  }
}

bool ConntrackImpl::key_packet(unsigned tid, PacketRef& pkt, const CtAction& a, Pkt* xp) {
  Pkt& x = *xp;
  CtMeta& m = *pkt.meta;
  x.keyed = false;
  bool v6 = pkt.dl_type == 0x86dd;
  if (!v6 && pkt.dl_type != 0x0800) {
    count(tid, kCtrUntracked);
    return false;
  }
  x.l3 = pkt.l3;
  x.m = &m;
  x.zone = a.zone;
  x.zone_in = m.zone;
  x.reply = false;
  if (cached(tid, pkt, m, a)) return false;
  if (m.state && m.zone != a.zone) m.state = 0;  // a new zone starts afresh

  KeyError e = extract_key(pkt.l3, pkt.l3_len, v6, a.zone, &x.p);
  if (e != KeyError::kOk) [[unlikely]] {
    count(tid, static_cast<Ctr>(static_cast<int>(e) - 1));
    m.state = kInv;
    m.conn = nullptr;
    write_md(x, nullptr);
    return false;
  }
  x.keyed = true;
  x.key = x.p.key;
  x.hash = table_.hash(x.key);
  return true;
}

// OVS's process_one_fast: a packet this thread tracked to a connection of
// this zone earlier in the same pass (before its last quiesce) needs no
// key and no lookup; a commit sets the mark and label, a nat() translates
// an IPv4 packet (not an ICMP error) by its connection. Not for force, a
// packet NAT-ed already, an ALG, or IPv6 NAT: they take the whole path.
bool ConntrackImpl::cached(unsigned tid, const PacketRef& pkt, CtMeta& m, const CtAction& a) {
  if (!m.conn || m.conn_tid != tid || m.conn_pass != threads_[tid].pass || !(m.state & kTrk) ||
      (m.state & (kInv | kSnat | kDnat)) || m.zone != a.zone || a.force ||
      a.alg != CtAction::kNoAlg)
    return false;
  Conn* c = static_cast<Conn*>(const_cast<void*>(m.conn));
  // The packet's own connection: its original tuple is the one the
  // packet's ct fields name (whatever carried the pointer).
  const Key& k = c->key();
  const bool icmp = k.is_icmp();
  auto same16 = [](const uint8_t* x, const uint8_t* y) {
    uint64_t a[2], b[2];
    std::memcpy(a, x, 16);
    std::memcpy(b, y, 16);
    return ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0;
  };
  if (c->alg || k.zone != a.zone || k.proto != m.orig_proto || !same16(k.src, m.orig_src.b) ||
      !same16(k.dst, m.orig_dst.b) ||
      (icmp ? k.stype != from_be16(m.orig_tp_src)
            : k.sport != m.orig_tp_src || k.dport != m.orig_tp_dst))
    return false;
  if (a.nat && c->nat) {
    if (k.ipv6 || (m.state & kRel) || pkt.l3_len < 20) return false;
    Parsed p{};
    p.l4_ofs = static_cast<uint16_t>((pkt.l3[0] & 0x0f) * 4u);
    p.l3_size = static_cast<uint32_t>(pkt.l3[2] << 8 | pkt.l3[3]);
    if (p.l4_ofs < 20 || p.l3_size > pkt.l3_len || p.l4_ofs + 8u > p.l3_size) return false;
    m.state |= nat_packet(pkt.l3, p, *c, m.conn_reply);
  }
  if (a.commit) set_mark_label(a, m, c);
  count(tid, kCtrCached);
  return true;
}

void ConntrackImpl::track(unsigned tid, Pkt& x, const CtAction& a, uint64_t now) {
  CtMeta& m = *x.m;
  Conn* c;
  if (m.state & (kSnat | kDnat)) {
    // Already NAT-ed by an earlier ct(): find the connection by the
    // reverse of what the packet now carries.
    Key rk = x.key.reversed();
    bool r = false;
    c = table_.lookup(rk, table_.hash(rk), now, &r);
    if (c) {
      x.reply = !r;
      x.key = x.reply ? c->rev_key() : c->key();
      x.hash = c->node[x.reply].hash;
    } else {
      count(tid, kCtrNatLookupMiss);
    }
  } else {
    c = table_.lookup(x.key, x.hash, now, &x.reply);
  }

  if (a.force && x.reply && c) [[unlikely]] {
    c->expiration.store(0, std::memory_order_relaxed);  // the sweeper removes it
    count(tid, kCtrForced);
    c = nullptr;
  }

  bool create_new = false;
  if (c) [[likely]] {
    create_new = update_state(tid, x, c, now);
    if (a.nat && !create_new) handle_nat(x, c, x.reply);
  } else if ((c = check_orig_tuple(x, a, now))) {
    create_new = update_state(tid, x, c, now);
  } else if (x.p.related) {
    m.state = kInv;  // an ICMP error about no connection
    count(tid, kCtrInvRelatedNoConn);
  } else {
    create_new = true;
  }
  if (create_new) c = create(tid, x, a, now);

  write_md(x, c);
  if (c && a.commit) set_mark_label(a, m, c);
  m.conn = (m.state & kInv) ? nullptr : c;
  m.conn_tid = static_cast<uint16_t>(tid);
  m.conn_pass = threads_[tid].pass;
  m.conn_reply = x.reply;
}

bool ConntrackImpl::update_state(unsigned tid, Pkt& x, Conn* c, uint64_t now) {
  CtMeta& m = *x.m;
  if (x.p.related) {
    m.state |= kRel;
    if (x.reply) m.state |= kRpl;
    return false;
  }
  UpdateResult r;
  {
    ConnLock l(c);
    r = update_conn(c, c->key(), x.l4(), x.reply, seq_check_.load(std::memory_order_relaxed));
    set_expiration(c, x.zone, r.tm, now);
  }
  if (r.seq_bypass) count(tid, kCtrTcpSeqBypass);
  switch (r.res) {
    case Update::kValid:
      m.state = static_cast<uint8_t>((m.state | kEst) & ~kNew);
      if (x.reply) m.state |= kRpl;
      break;
    case Update::kInvalid:
      m.state = kInv;
      count(tid, r.err == UpdateError::kTcpFlags ? kCtrInvTcpFlags : kCtrInvTcpSeq);
      break;
    case Update::kNew:  // a SYN on a closed connection: the old one goes
      c->expiration.store(0, std::memory_order_relaxed);
      count(tid, kCtrReopened);
      return true;
    case Update::kValidNew:
      m.state |= kNew;
      break;
  }
  return false;
}

void ConntrackImpl::handle_nat(Pkt& x, Conn* c, bool reply) {
  CtMeta& m = *x.m;
  if (!c->nat) return;
  bool natted = m.state & (kSnat | kDnat);
  if (natted && x.zone == x.zone_in) return;
  m.state &= static_cast<uint8_t>(~(kSnat | kDnat));
  m.state |= nat_packet(x.l3, x.p, *c, reply);
}

Conn* ConntrackImpl::check_orig_tuple(Pkt& x, const CtAction& a, uint64_t now) {
  const CtMeta& m = *x.m;
  if (!(m.state & (kSnat | kDnat)) || !m.orig_proto || a.nat) return nullptr;
  Key k{};
  std::memcpy(k.src, m.orig_src.b, 16);
  std::memcpy(k.dst, m.orig_dst.b, 16);
  k.ipv6 = x.key.ipv6;
  k.proto = m.orig_proto;
  k.zone = m.zone;
  if (x.key.is_icmp()) {
    k.sport = x.key.sport;
    k.dport = x.key.dport;
    k.stype = static_cast<uint8_t>(from_be16(m.orig_tp_src));
    k.dtype = reverse_icmp_type(k.stype, k.ipv6);
  } else {
    k.sport = m.orig_tp_src;
    k.dport = m.orig_tp_dst;
  }
  bool r;
  return table_.lookup(k, table_.hash(k), now, &r);
}

Conn* ConntrackImpl::create(unsigned tid, Pkt& x, const CtAction& a, uint64_t now) {
  for (int attempt = 0; attempt < 2; attempt++) {
    bool r = false;
    if (Conn* c = table_.lookup(x.key, x.hash, now, &r)) {
      // Another thread created it meanwhile: track the packet with it.
      x.reply = r;
      if (!update_state(tid, x, c, now) && a.nat) handle_nat(x, c, r);
      return c;
    }
    bool raced = false;
    Conn* c = not_found(tid, x, a, now, &raced);
    if (!raced) return c;
  }
  count(tid, kCtrCollision);
  return nullptr;
}

Conn* ConntrackImpl::not_found(unsigned tid, Pkt& x, const CtAction& a, uint64_t now, bool* raced) {
  CtMeta& m = *x.m;
  L4View v = x.l4();
  if (!valid_new(x.key, v)) {
    m.state = kInv;
    count(tid, kCtrInvNew);
    return nullptr;
  }
  m.state = kNew;
  if (!a.commit) return nullptr;
  uint32_t lim = effective_limit(x.zone);
  if (lim && zone_count_[x.zone].load(std::memory_order_relaxed) >= lim) {
    count(tid, kCtrZoneFull);
    return nullptr;
  }
  if (n_conns_.load(std::memory_order_relaxed) >= max_conns_.load(std::memory_order_relaxed)) {
    count(tid, kCtrTableFull);
    return nullptr;
  }
  Conn* c = table_.alloc(tid);
  if (!c) {
    count(tid, kCtrNoMemory);
    return nullptr;
  }
  c->node[0].key = x.key;
  c->node[0].hash = x.hash;
  Tm tm = new_conn_state(c, x.key, v);
  set_expiration(c, x.zone, static_cast<int>(tm), now);
  c->alg = a.alg;
  // Counted before it is visible: a sweep may remove it at once.
  c->zone_counted = x.zone;
  n_conns_.fetch_add(1, std::memory_order_relaxed);
  zone_count_[x.zone].fetch_add(1, std::memory_order_relaxed);
  auto undo = [&] {
    n_conns_.fetch_sub(1, std::memory_order_relaxed);
    zone_count_[x.zone].fetch_sub(1, std::memory_order_relaxed);
    table_.release(tid, c);
  };
  bool nat = a.nat && a.nat_spec.kind != NatSpec::kNone;
  if (nat) {
    c->nat = a.nat_spec.kind == NatSpec::kSrc ? kNatSrc : kNatDst;
    bool exists = false;
    bool ok = nat_select(x.key, a.nat_spec, basis_, &threads_[tid].rng, [&](const Key& rev) {
      bool r;
      uint32_t h = table_.hash(rev);
      if (table_.lookup(rev, h, now, &r)) return Claim::kTaken;
      c->node[1].key = rev;
      c->node[1].hash = h;
      if (table_.insert(c, now)) return Claim::kDone;
      if (table_.lookup(x.key, x.hash, now, &r)) {
        exists = true;
        return Claim::kAbort;
      }
      return Claim::kTaken;
    });
    if (!ok) {
      undo();
      if (exists) {
        *raced = true;
      } else {
        count(tid, kCtrNatExhausted);
      }
      return nullptr;
    }
  } else {
    c->node[1].key = x.key.reversed();
    c->node[1].hash = table_.hash(c->node[1].key);
    if (!table_.insert(c, now)) {
      undo();
      *raced = true;
      return nullptr;
    }
  }
  count(tid, kCtrCreated);
  if (nat) m.state |= nat_packet(x.l3, x.p, *c, false);
  return c;
}

void ConntrackImpl::write_md(Pkt& x, const Conn* c) {
  CtMeta& m = *x.m;
  m.state |= kTrk;
  m.zone = x.zone;
  if (c) {
    Conn* mc = const_cast<Conn*>(c);
    ConnLock l(mc);
    m.mark = c->mark;
    m.label = c->label;
  } else {
    m.mark = 0;
    m.label = Label{};
  }
  const Key* k = c ? &c->key() : x.keyed ? &x.key : nullptr;
  if (!k) {
    m.ipv6 = false;
    m.orig_src = m.orig_dst = Addr{};
    m.orig_tp_src = m.orig_tp_dst = 0;
    m.orig_proto = 0;
    return;
  }
  m.ipv6 = k->ipv6;
  std::memcpy(m.orig_src.b, k->src, 16);
  std::memcpy(m.orig_dst.b, k->dst, 16);
  m.orig_proto = k->proto;
  if (k->is_icmp()) {
    m.orig_tp_src = to_be16(k->stype);
    m.orig_tp_dst = 0;  // the ICMP code
  } else {
    m.orig_tp_src = k->sport;
    m.orig_tp_dst = k->dport;
  }
}

void ConntrackImpl::set_mark_label(const CtAction& a, CtMeta& m, Conn* c) {
  if (!a.set_mark && !a.set_label) return;
  ConnLock l(c);
  if (a.set_mark) {
    m.mark = a.mark | (m.mark & ~a.mark_mask);
    c->mark = m.mark;
  }
  if (a.set_label) {
    m.label.lo = a.label.lo | (m.label.lo & ~a.label_mask.lo);
    m.label.hi = a.label.hi | (m.label.hi & ~a.label_mask.hi);
    c->label = m.label;
  }
}

}  // namespace ferry::ct
