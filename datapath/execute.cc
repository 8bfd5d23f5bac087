#include "datapath/execute.h"

#include <arpa/inet.h>

#include <algorithm>
#include <rte_mbuf.h>

#include "datapath/ct_exec.h"
#include "datapath/normal.h"
#include "datapath/packet_fields.h"
#include "datapath/packet_headers.h"
#include "datapath/packet_in.h"
#include "datapath/packet_mpls.h"
#include "datapath/packet_ops.h"
#include "datapath/packet_upcall.h"
#include "datapath/tunnel_io.h"
#include "datapath/tx_buffers.h"

namespace ferry {

namespace {

void drop(const ExecContext& ctx, rte_mbuf* m, DropReason r) {
  rte_pktmbuf_free(m);
  ctx.counters->drop(r);
}

void flood_all(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key) {
  const DpPort* targets[kMaxSnapPorts];
  unsigned n = 0;
  for (uint16_t id : ctx.bridge->ports) {
    const DpPort* p = ctx.snap->ports[id];
    if (p && p != ctx.in) targets[n++] = p;
  }
  if (n == 0) return drop(ctx, m, DropReason::kNoVlanMembers);
  for (unsigned i = 0; i + 1 < n; i++) {
    if (rte_mbuf* c = copy_packet(ctx, m)) output_packet(ctx, c, *targets[i], key);
  }
  output_packet(ctx, m, *targets[n - 1], key);
}

void output_to(const ExecContext& ctx, rte_mbuf* m, FlowKey& cur, uint32_t port) {
  switch (port) {
    case kOfppInPort:
      if (!ctx.in) return drop(ctx, m, DropReason::kBadOutPort);
      return output_packet(ctx, m, *ctx.in, cur);
    case kOfppNormal:
      return execute_normal(ctx, m, cur);
    case kOfppFlood:
    case kOfppAll:
      return flood_all(ctx, m, cur);
    case kOfppController:
      return drop(ctx, m, DropReason::kController);
    default:
      break;
  }
  int32_t id = ctx.bridge->port_of(port);
  if (id < 0 || !ctx.snap->ports[id]) return drop(ctx, m, DropReason::kBadOutPort);
  const DpPort& out = *ctx.snap->ports[id];
  if (&out == ctx.in) return drop(ctx, m, DropReason::kToInPort);  // OpenFlow: only IN_PORT may
  output_packet(ctx, m, out, cur);
}

// A copy of m as it is, with the pipeline state of pi, to the controllers.
void send_packet_in(const ExecContext& ctx, const rte_mbuf* m, const Action* pi, size_t avail) {
  if (ctx.trace) return;  // tracing sends nothing
  rte_mbuf* rec = ctx.upcall && ctx.pool ? build_packet_in(ctx.pool, m, pi, avail) : nullptr;
  if (rec && ctx.upcall->send(Upcall::kPacketIn, ctx.bridge->slot,
                              ctx.in ? ctx.in->ofport : kOfppNone, rec)) {
    return;
  }
  if (rec) rte_pktmbuf_free(rec);
  ctx.counters->drop(DropReason::kController);
}

uint16_t key_tci(uint16_t wire_tci) { return htons(static_cast<uint16_t>(wire_tci | kVlanCfi)); }

}  // namespace

void execute_batch(const ExecContext& ctx, rte_mbuf** pkts, uint16_t n, const ActionList& actions) {
  // The output port first: a bad one drops the whole burst.
  const Action& out_action = actions.back();
  const DpPort* out = nullptr;
  if (out_action.port == kOfppInPort) {
    out = ctx.in;
  } else {
    int32_t id = ctx.bridge->port_of(out_action.port);
    out = id >= 0 ? ctx.snap->ports[id] : nullptr;
    if (out && out->special()) out = nullptr;  // never batchable (Datapath::compute_simple)
    if (out && out == ctx.in) {
      rte_pktmbuf_free_bulk(pkts, n);
      return ctx.counters->drop(DropReason::kToInPort, n);
    }
  }
  if (!out) {
    rte_pktmbuf_free_bulk(pkts, n);
    return ctx.counters->drop(DropReason::kBadOutPort, n);
  }
  for (size_t a = 0; a + 1 < actions.size(); a++) {
    const Action& act = actions[a];
    for (uint16_t i = 0; i < n; i++) {
      rte_mbuf* m = pkts[i];
      if (!m) continue;
      switch (act.type) {
        case ActionType::kSetEthDst:
          pkt_set_eth_dst(m, act.mac);
          break;
        case ActionType::kSetEthSrc:
          pkt_set_eth_src(m, act.mac);
          break;
        case ActionType::kSetVlanVid:
        case ActionType::kSetVlanPcp: {
          uint16_t tci;
          if (pkt_has_vlan(m)) {
            tci = pkt_vlan_tci(m);
          } else if (act.flags & Action::kPushIfNeeded) {
            if (!pkt_push_vlan(m, kEthTypeVlan, 0)) {
              drop(ctx, m, DropReason::kNoHeadroom);
              pkts[i] = nullptr;
              continue;
            }
            tci = 0;
          } else {
            continue;
          }
          tci = act.type == ActionType::kSetVlanVid
                    ? static_cast<uint16_t>((tci & ~kVlanVidMask) | (act.u16 & kVlanVidMask))
                    : static_cast<uint16_t>((tci & ~(7u << kVlanPcpShift)) |
                                            ((act.u8 & 7u) << kVlanPcpShift));
          pkt_set_vlan_tci(m, tci);
          break;
        }
        case ActionType::kStripVlan:
          pkt_pop_vlan(m);
          break;
        case ActionType::kPushVlan: {
          // VID 0, PCP 0, as ovs-vswitchd (not the outer tag's copy).
          if (!pkt_push_vlan(m, act.u16, 0)) {
            drop(ctx, m, DropReason::kNoHeadroom);
            pkts[i] = nullptr;
          }
          break;
        }
        case ActionType::kMeter: {
          MeterState* meter = ctx.bridge->meters ? ctx.bridge->meters->find(act.port) : nullptr;
          if (meter && !meter->admit(rte_pktmbuf_pkt_len(m), ctx.now_ns)) {
            drop(ctx, m, DropReason::kMeter);
            pkts[i] = nullptr;
          }
          break;
        }
        case ActionType::kOutput:
        default:  // not batchable (batchable_actions): never here
          break;
      }
    }
  }
  if (__builtin_expect(ctx.trace != nullptr, 0)) {
    for (uint16_t i = 0; i < n; i++) {
      if (pkts[i]) output_traced(ctx, pkts[i], *out);
    }
    return;
  }
  uint16_t k = 0;
  for (uint16_t i = 0; i < n; i++) {
    if (pkts[i]) pkts[k++] = pkts[i];
  }
  ctx.tx->push_burst(*out, pkts, k);
}

rte_mbuf* copy_packet(const ExecContext& ctx, const rte_mbuf* m) {
  rte_mbuf* c = rte_pktmbuf_copy(m, ctx.pool, 0, UINT32_MAX);
  if (!c) ctx.counters->drop(DropReason::kNoMbuf);
  return c;
}

void output_special(const ExecContext& ctx, rte_mbuf* m, const DpPort& out, const FlowKey& key) {
  if (out.tunnel) {
    if (ctx.trace) return output_traced(ctx, m, out);  // a trace shows the inner frame
    return tunnel_output(ctx, m, out, key);
  }
  if (!ctx.trace && tunnel_terminate(ctx, m, key)) return;
  if (key.dl_type == be16(kEthTypeArp) && !ctx.trace && ctx.upcall) {
    // The underlay's neighbours are learned from the ARP frames its
    // internal port gets (as OVS snoops them on the way to it).
    rte_mbuf* c = rte_pktmbuf_copy(m, ctx.pool, 0, UINT32_MAX);
    if (c && !ctx.upcall->send(Upcall::kTnlSnoop, ctx.bridge->slot, out.ofport, c))
      rte_pktmbuf_free(c);
  }
  if (__builtin_expect(ctx.trace != nullptr, 0)) return output_traced(ctx, m, out);
  ctx.tx->push(out, m);
}

void output_traced(const ExecContext& ctx, rte_mbuf* m, const DpPort& out) {
  ctx.trace->output(out, m);
  rte_pktmbuf_free(m);
}

void execute_classified(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key,
                        const Classification& c) {
  if (c.batchable) return execute_batch(ctx, &m, 1, *c.rule->actions);
  if (!c.conv) {
    if (c.xlate) return execute_translation(ctx, m, key, *c.xlate);  // (a miss to controllers)
    if (!c.rule) return drop(ctx, m, DropReason::kNoRule);
    return execute_actions(ctx, m, key, *c.rule->actions);
  }
  if (c.conv->mirror) {
    // Duplicate-to-both: the frame also continues unconverted.
    if (rte_mbuf* copy = copy_packet(ctx, m)) {
      if (c.mirror_rule) {
        execute_actions(ctx, copy, key, *c.mirror_rule->actions);
      } else {
        drop(ctx, copy, DropReason::kNoRule);
      }
    }
  }
  pkt_set_eth_dst(m, c.conv->to);
  if (!c.rule) return drop(ctx, m, DropReason::kNoRule);
  if (c.xlate) return execute_translation(ctx, m, converted_key(key, *c.conv), *c.xlate);
  execute_actions(ctx, m, converted_key(key, *c.conv), *c.rule->actions);
}

void execute_translation(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key,
                         const Translation& t) {
  // A walk that stopped (too deep, too many resubmits, ...) drops the
  // packet, whatever it emitted before: ovs-vswitchd clears the actions of
  // a translation that failed.
  if (t.n_actions == 0 || t.stopped) {
    return drop(ctx, m,
                t.stopped       ? DropReason::kXlateStopped
                : t.ttl_expired ? DropReason::kTtlExpired
                                : DropReason::kActionDrop);
  }
  execute_actions(ctx, m, key, t.actions, t.n_actions);
}

void execute_actions(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key,
                     const ActionList& actions) {
  execute_actions(ctx, m, key, actions.data(), actions.size());
}

void execute_actions(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key, const Action* actions,
                     size_t n) {
  // The last output at this level sends the packet itself, unless a clone
  // (a group's bucket) comes after it; a clone's outputs (the actions it
  // counts) send copies. A packet-in sends a copy but ends the run like an
  // output.
  int last_out = -1;
  bool clone_after = false;
  for (size_t i = 0; i < n; i++) {
    const ActionType t = actions[i].type;
    if (t == ActionType::kOutput || t == ActionType::kPacketIn || t == ActionType::kOutputTrunc ||
        t == ActionType::kRecirc) {
      last_out = static_cast<int>(i);
      clone_after = false;
      i += actions[i].n_data();
      continue;
    }
    if (t == ActionType::kCt) {
      i += actions[i].n_data();
      continue;
    }
    if (actions[i].type == ActionType::kClone) {
      clone_after = true;
      i += actions[i].u16;
    }
  }
  // Nothing leaves: a drop. (Clones, even with no output at this level,
  // run below, on copies of the packet as the actions before them left it.)
  if (last_out < 0 && !clone_after) return drop(ctx, m, DropReason::kActionDrop);

  // With a clone after the last output, every output sends a copy and the
  // packet is freed at the end (not a drop).
  const int end = clone_after ? static_cast<int>(n) - 1 : last_out;
  const int owner = clone_after ? -1 : last_out;
  FlowKey cur = key;
  for (int i = 0; i <= end; i++) {
    const Action& a = actions[i];
    switch (a.type) {
      case ActionType::kOutput: {
        rte_mbuf* p = i == owner ? m : copy_packet(ctx, m);
        if (p) output_to(ctx, p, cur, a.port);
        break;
      }
      case ActionType::kOutputTrunc: {  // the copy sent is cut, the packet goes on whole
        rte_mbuf* p = i == owner ? m : copy_packet(ctx, m);
        if (p) {
          pkt::truncate_frame(p, static_cast<uint32_t>(a.value), static_cast<int64_t>(a.mask));
          output_to(ctx, p, cur, a.port);
        }
        break;
      }
      case ActionType::kSetEthSrc:
        pkt_set_eth_src(m, a.mac);
        std::memcpy(cur.dl_src, a.mac, 6);
        break;
      case ActionType::kSetEthDst:
        pkt_set_eth_dst(m, a.mac);
        std::memcpy(cur.dl_dst, a.mac, 6);
        break;
      case ActionType::kSetVlanVid:
      case ActionType::kSetVlanPcp: {
        uint16_t tci;
        if (pkt_has_vlan(m)) {
          tci = pkt_vlan_tci(m);
        } else if (a.flags & Action::kPushIfNeeded) {
          if (!pkt_push_vlan(m, kEthTypeVlan, 0)) {
            if (i == owner) return drop(ctx, m, DropReason::kNoHeadroom);
            ctx.counters->drop(DropReason::kNoHeadroom);
            continue;
          }
          tci = 0;
        } else {
          break;
        }
        if (a.type == ActionType::kSetVlanVid) {
          tci = static_cast<uint16_t>((tci & ~kVlanVidMask) | (a.u16 & kVlanVidMask));
        } else {
          tci = static_cast<uint16_t>((tci & ~(7u << kVlanPcpShift)) |
                                      ((a.u8 & 7u) << kVlanPcpShift));
        }
        pkt_set_vlan_tci(m, tci);
        cur.vlan_tci = key_tci(tci);
        break;
      }
      case ActionType::kStripVlan:
        if (pkt_has_vlan(m)) {
          pkt_pop_vlan(m);
          cur.vlan_tci = 0;
        }
        break;
      case ActionType::kPushVlan: {
        // VID 0, PCP 0, as ovs-vswitchd (not the outer tag's copy).
        if (!pkt_push_vlan(m, a.u16, 0)) {
          if (i == owner) return drop(ctx, m, DropReason::kNoHeadroom);
          ctx.counters->drop(DropReason::kNoHeadroom);
          continue;
        }
        cur.vlan_tci = key_tci(0);
        break;
      }
      case ActionType::kMeter: {
        MeterState* meter = ctx.bridge->meters ? ctx.bridge->meters->find(a.port) : nullptr;
        if (meter && !meter->admit(rte_pktmbuf_pkt_len(m), ctx.now_ns))
          return drop(ctx, m, DropReason::kMeter);
        break;
      }
      case ActionType::kSetField: {
        const auto f = static_cast<Field>(a.u8);
        if (field_is_tunnel(f) || pkt_set_field(m, f, a.value, a.mask)) {
          OfKey k = of_key(cur);
          field_set(&k, f, a.value, a.mask);
          cur = k.packet();
        }
        break;
      }
      case ActionType::kDecTtl: {
        const int ttl = pkt_ttl(m);
        if (ttl < 0) break;  // not IP: nothing to do, as OVS
        if (ttl <= 1) return drop(ctx, m, DropReason::kTtlExpired);
        pkt_set_field(m, Field::kIpTtl, static_cast<uint64_t>(ttl - 1), 0xff);
        cur.nw_ttl = static_cast<uint8_t>(ttl - 1);
        break;
      }
      case ActionType::kClone: {
        const size_t inner = std::min<size_t>(a.u16, static_cast<size_t>(end - i));
        if (rte_mbuf* c = copy_packet(ctx, m)) execute_actions(ctx, c, cur, &a + 1, inner);
        i += static_cast<int>(inner);
        break;
      }
      case ActionType::kPacketIn: {
        send_packet_in(ctx, m, &a, n - static_cast<size_t>(i));
        if (i == owner) {
          ctx.counters->packet_in_consumed.inc();
          rte_pktmbuf_free(m);  // sent as the packet-in's copy
          return;
        }
        i += static_cast<int>(a.n_data());
        break;
      }
      case ActionType::kCt:
        execute_ct(ctx, m, &cur, &a, n - static_cast<size_t>(i));
        i += static_cast<int>(a.n_data());
        break;
      case ActionType::kCtClear:
        clear_ct_fields(&cur);
        break;
      case ActionType::kRecirc: {
        rte_mbuf* p = i == owner ? m : copy_packet(ctx, m);
        if (p) queue_recirc(ctx, p, cur, a.port);
        break;
      }
      case ActionType::kPushMpls:  // translated: value is the entry (datapath/xlate_mpls.h)
        if (!pkt_push_mpls(m, a.u16, static_cast<uint32_t>(a.value))) {
          if (i == owner) return drop(ctx, m, DropReason::kNoHeadroom);
          ctx.counters->drop(DropReason::kNoHeadroom);
          continue;
        }
        key_push_mpls(&cur, a.u16, static_cast<uint32_t>(a.value));
        break;
      case ActionType::kPopMpls:
        if (pkt_pop_mpls(m, a.u16)) key_pop_mpls(&cur, a.u16);
        break;
      case ActionType::kTnlPush:  // the rest of the list is the underlay's, on the outer packet
        return execute_tnl_push(ctx, m, cur, &a, n - static_cast<size_t>(i));
      case ActionType::kData:
        break;
      default:
        // translated_only(): pipeline actions are translated away (datapath/xlate.h) before
        // execution; a list that still has them was not translated.
        break;
    }
  }
  if (last_out < 0) return drop(ctx, m, DropReason::kActionDrop);  // only copies left
  if (clone_after) rte_pktmbuf_free(m);                            // every output sent a copy
}

}  // namespace ferry
