#include "datapath/ct_exec.h"

#include <cstring>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "datapath/execute.h"
#include "lib/conntrack/conntrack.h"
#include "lib/flow/ct_action.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(ct_exec_log, "ct_exec");

namespace ferry {

namespace {

ct::CtAction to_ct_action(const CtSpec& s) {
  ct::CtAction a;
  a.zone = s.zone;
  a.commit = s.flags & CtSpec::kCommit;
  a.force = s.flags & CtSpec::kForce;
  a.set_mark = s.flags & CtSpec::kSetMark;
  a.mark = s.mark;
  a.mark_mask = s.mark_mask;
  a.set_label = s.flags & CtSpec::kSetLabel;
  a.label = ct::Label{s.label[0], s.label[1]};
  a.label_mask = ct::Label{s.label_mask[0], s.label_mask[1]};
  a.nat = s.flags & CtSpec::kNat;
  const uint8_t f = s.nat_flags;
  ct::NatSpec& n = a.nat_spec;
  n.kind = f & CtSpec::kNatSrc   ? ct::NatSpec::kSrc
           : f & CtSpec::kNatDst ? ct::NatSpec::kDst
                                 : ct::NatSpec::kNone;
  n.ipv6 = f & CtSpec::kNatIpv6;
  if (f & CtSpec::kNatAddrRange) {
    std::memcpy(n.min.b, s.nat_min, 16);
    std::memcpy(n.max.b, s.nat_max, 16);
  }
  if (f & CtSpec::kNatPortRange) {
    n.port_min = s.port_min;
    n.port_max = s.port_max;
  }
  n.persistent = f & CtSpec::kNatPersistent;
  n.random = f & CtSpec::kNatRandom;
  n.hash = f & CtSpec::kNatHash;
  a.alg = s.alg == 21   ? ct::CtAction::kFtp
          : s.alg == 69 ? ct::CtAction::kTftp
                        : ct::CtAction::kNoAlg;
  return a;
}

void meta_from_key(const FlowKey& k, ct::CtMeta* m) {
  m->state = k.ct_state;
  m->zone = k.ct_zone;
  m->mark = k.ct_mark;
  m->label = ct::Label{k.ct_label[0], k.ct_label[1]};
  m->orig_proto = k.ct_nw_proto;
  m->orig_tp_src = k.ct_tp_src;
  m->orig_tp_dst = k.ct_tp_dst;
  m->ipv6 = k.ethertype() == kEthTypeIpv6;
  if (m->ipv6) {
    std::memcpy(m->orig_src.b, k.ct_ipv6_src, 16);
    std::memcpy(m->orig_dst.b, k.ct_ipv6_dst, 16);
  } else {
    std::memcpy(m->orig_src.b, &k.ct_nw_src, 4);
    std::memcpy(m->orig_dst.b, &k.ct_nw_dst, 4);
  }
}

void key_from_meta(const ct::CtMeta& m, FlowKey* k) {
  k->ct_state = m.state;
  k->ct_zone = m.zone;
  k->ct_mark = m.mark;
  k->ct_label[0] = m.label.lo;
  k->ct_label[1] = m.label.hi;
  k->ct_nw_proto = m.orig_proto;
  k->ct_tp_src = m.orig_tp_src;
  k->ct_tp_dst = m.orig_tp_dst;
  std::memset(k->ct_ipv6_src, 0, 32);
  k->ct_nw_src = k->ct_nw_dst = 0;
  if (m.ipv6) {
    std::memcpy(k->ct_ipv6_src, m.orig_src.b, 16);
    std::memcpy(k->ct_ipv6_dst, m.orig_dst.b, 16);
  } else {
    std::memcpy(&k->ct_nw_src, m.orig_src.b, 4);
    std::memcpy(&k->ct_nw_dst, m.orig_dst.b, 4);
  }
}

// The L3 header's offset: after the Ethernet header and any 802.1Q/802.1ad
// tags; 0 when the frame is too short.
uint32_t l3_offset(const uint8_t* d, uint32_t len) {
  uint32_t off = 12;
  while (off + 2 <= len) {
    const uint16_t t = static_cast<uint16_t>(d[off] << 8 | d[off + 1]);
    if (t != kEthTypeVlan && t != kEthTypeQinQ) return off + 2;
    off += 4;
  }
  return 0;
}

}  // namespace

namespace {

struct CtConnField {
  const void* conn;
  uint32_t pass;
  uint16_t tid;
  bool reply;
};
int g_conn_field = -1;  // the mbuf dynamic field's offset; -1: none

}  // namespace

void register_ct_conn_field() {
  static const rte_mbuf_dynfield desc = {"ferry_ct_conn", sizeof(CtConnField), alignof(CtConnField),
                                         0};
  g_conn_field = rte_mbuf_dynfield_register(&desc);
  if (g_conn_field < 0)
    FLOG_WARN(ct_exec_log, "no mbuf field for a packet's connection (%s): every ct() looks up",
              rte_strerror(rte_errno));
}

void prepare_ct(const Action* ct, size_t avail, ct::CtAction* out) {
  *out = to_ct_action(decode_ct(ct, avail - 1));
}

const ct::CtAction* prepared_ct(const Action& ct) {
  return reinterpret_cast<const ct::CtAction*>(static_cast<uintptr_t>(ct.mask));
}

void execute_ct(const ExecContext& ctx, rte_mbuf* m, FlowKey* cur, const Action* ct, size_t avail) {
  if (!ctx.conntrack) {
    ctx.counters->drop(DropReason::kCtUnavailable);
    return;
  }
  ct::CtAction decoded;
  const ct::CtAction* prepared = prepared_ct(*ct);
  if (!prepared) prepare_ct(ct, avail, &decoded);
  const ct::CtAction& action = prepared ? *prepared : decoded;
  ct::CtMeta meta;
  meta_from_key(*cur, &meta);
  if (m->nb_segs > 1 && rte_pktmbuf_linearize(m) != 0) {
    // The tracker reads a contiguous frame: a packet it cannot see is
    // tracked as invalid.
    meta = ct::CtMeta{};
    meta.state = ct::kTrk | ct::kInv;
    meta.zone = action.zone;
    key_from_meta(meta, cur);
    return;
  }
  uint8_t* d = rte_pktmbuf_mtod(m, uint8_t*);
  const uint32_t len = rte_pktmbuf_data_len(m);
  const uint32_t l3 = l3_offset(d, len);
  ct::PacketRef ref;
  ref.l3 = d + l3;
  ref.l3_len = l3 && l3 <= len ? len - l3 : 0;
  ref.dl_type = cur->ethertype();
  ref.meta = &meta;
  // A stale field (another packet's, or this mbuf's last use) is harmless:
  // the tracker takes it only from this thread's current pass and for the
  // connection the packet's ct fields name.
  CtConnField* cf = g_conn_field >= 0 ? RTE_MBUF_DYNFIELD(m, g_conn_field, CtConnField*) : nullptr;
  if (cf) {
    meta.conn = cf->conn;
    meta.conn_pass = cf->pass;
    meta.conn_tid = cf->tid;
    meta.conn_reply = cf->reply;
  }
  ctx.conntrack->execute(ctx.ct_tid, &ref, 1, action, static_cast<uint64_t>(ctx.now_ms));
  key_from_meta(meta, cur);
  if (cf) *cf = CtConnField{meta.conn, meta.conn_pass, meta.conn_tid, meta.conn_reply};
}

void queue_packet(const ExecContext& ctx, rte_mbuf* m, const DpPort& in, const FlowKey& meta) {
  RecircQueue* q = ctx.recirc;
  if (!q || ctx.recirc_depth >= kMaxRecircDepth) {
    rte_pktmbuf_free(m);
    return ctx.counters->drop(DropReason::kRecircDepth);
  }
  if (q->n >= RecircQueue::kMax) {
    rte_pktmbuf_free(m);
    return ctx.counters->drop(DropReason::kRecircQueueFull);
  }
  std::memcpy(q->meta[q->n], meta.words() + FlowKey::kCtWord, sizeof q->meta[0]);
  q->tun_flags[q->n] = meta.tun_flags;
  q->in[q->n] = &in;
  q->pkts[q->n++] = m;
}

uint64_t* queue_tunnel_packet(const ExecContext& ctx, rte_mbuf* m, const DpPort& in,
                              uint16_t tun_flags) {
  RecircQueue* q = ctx.recirc;
  if (!q || ctx.recirc_depth >= kMaxRecircDepth) {
    rte_pktmbuf_free(m);
    ctx.counters->drop(DropReason::kRecircDepth);
    return nullptr;
  }
  if (q->n >= RecircQueue::kMax) {
    rte_pktmbuf_free(m);
    ctx.counters->drop(DropReason::kRecircQueueFull);
    return nullptr;
  }
  uint64_t* w = q->meta[q->n];
#pragma GCC unroll 16
  for (unsigned i = 0; i < RecircQueue::kMetaWords; i++) w[i] = 0;
  q->tun_flags[q->n] = tun_flags;
  q->in[q->n] = &in;
  q->pkts[q->n++] = m;
  return w + (FlowKey::kTunWord - FlowKey::kCtWord);
}

void queue_recirc(const ExecContext& ctx, rte_mbuf* m, const FlowKey& cur, uint32_t id) {
  if (!ctx.in) {
    rte_pktmbuf_free(m);
    return ctx.counters->drop(DropReason::kRecircDepth);
  }
  FlowKey k = cur;
  k.recirc_id = id;
  queue_packet(ctx, m, *ctx.in, k);
}

}  // namespace ferry
