// The control thread's own packets: packet-outs (through the pipeline when
// their actions need translation) and re-injected frames, executed on the
// control thread's tx queue with its own counters.
#include <algorithm>
#include <cstring>
#include <rte_mbuf.h>

#include "datapath/classify.h"
#include "datapath/ct_exec.h"
#include "datapath/datapath.h"
#include "datapath/execute.h"
#include "datapath/tx_buffers.h"
#include "lib/util/clock.h"
#include "lib/util/text.h"

namespace ferry {

namespace {
bool packet_out_needs_xlate(const ActionList& actions) {
  return actions_need_xlate(actions) ||
         std::any_of(actions.begin(), actions.end(), [](const Action& a) {
           return a.type == ActionType::kOutput && a.port == kOfppTable;
         });
}

// An answer the control thread computed and executes itself: every rule
// its walk visited and its groups count the packet now (no cache entry
// collects them for later), as in ovs-vswitchd.
void credit_control(const Classification& c, uint32_t len, int64_t now_ms) {
  if (const Translation* t = c.xlate) {
    for (uint16_t i = 0; i < t->n_rules; i++) t->rules[i]->stats->add(1, len, now_ms);
    for (uint16_t i = 0; i < t->n_groups; i++)
      t->groups[i].stats->add_from_pmd(GroupStats::kPmdSlots, t->groups[i].bucket, 1, len);
  } else if (c.rule) {
    c.rule->stats->add(1, len, now_ms);
  }
  if (c.mirror_rule) c.mirror_rule->stats->add(1, len, now_ms);
  if (c.conv) c.conv->stats->add(1, len);
}
}  // namespace

// A packet-out's recirculations (after ct(table=T)), looked up again one by
// one on the control thread with their ct fields, up to kMaxRecircDepth
// times, as ovs-vswitchd runs a packet-out's recirculations in its datapath.
void Datapath::control_recirc(const DpSnapshot* snap, rte_mempool* pool, RecircQueue* q) {
  auto next = std::make_unique<RecircQueue[]>(2);
  auto xo = std::make_unique<XlateOut>();
  for (unsigned depth = 1; q->n; depth++) {
    RecircQueue* out = &next[depth & 1];
    out->n = 0;
    for (unsigned i = 0; i < q->n; i++) {
      rte_mbuf* m = q->pkts[i];
      const DpPort& in = *q->in[i];
      FlowKey key;
      ParseStatus st = parse_frame(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m),
                                   in.ofport, &key);
      if (st != ParseStatus::kOk) {
        control_counters_.drop(static_cast<DropReason>(st));
        rte_pktmbuf_free(m);
        continue;
      }
      q->restore(i, &key);
      const DpBridge& br = snap->bridges[in.bridge];
      FlowKey wc = zero_key();
      Classification c = classify(br, key, &wc, xo.get());
      ExecContext ctx = control_context(snap, &br, &in, pool);
      ctx.recirc = out;
      ctx.recirc_depth = depth;
      credit_control(c, rte_pktmbuf_pkt_len(m), ctx.now_ms);
      execute_classified(ctx, m, key, c);
    }
    q = out;
  }
}

Status Datapath::execute(int slot, uint32_t in_port, const uint8_t* data, size_t len,
                         const ActionList& actions, const XlateStart* start) {
  const DpSnapshot* snap = snapshot_.load();
  if (!snap || !control_tx_) return make_error("the datapath is not running", EAGAIN);
  const DpBridge* br = snapshot_bridge(snap, slot);
  if (!br) return make_error("no such bridge", ENOENT);
  const DpPort* in = nullptr;
  if (in_port != kOfppNone && in_port != kOfppController) {
    int32_t id = br->port_of(in_port);
    if (id < 0)
      return make_error(strprintf("bridge %s has no port %u", br->name.c_str(), in_port), EINVAL);
    in = snap->ports[id];
  }
  auto pool = pools_.get(0);
  if (!pool) return pool.error();
  rte_mbuf* m = rte_pktmbuf_alloc(*pool);
  if (!m) return make_error("no packet buffer available", ENOBUFS);
  if (len > rte_pktmbuf_tailroom(m)) {
    rte_pktmbuf_free(m);
    return make_error(strprintf("packet of %zu bytes does not fit one buffer", len), EMSGSIZE);
  }
  std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(len)), data, len);
  FlowKey key;
  ParseStatus st = parse_frame(data, static_cast<uint32_t>(len), in ? in->ofport : kOfppNone, &key);
  if (st != ParseStatus::kOk) {
    rte_pktmbuf_free(m);
    return make_error(std::string("malformed packet: ") + parse_status_name(st), EINVAL);
  }
  if (!in) key.in_port = in_port;  // CONTROLLER or NONE, as the packet-out said
  ExecContext ctx = control_context(snap, br, in, *pool);
  auto recirc = std::make_unique<RecircQueue>();
  ctx.recirc = recirc.get();
  if ((start || packet_out_needs_xlate(actions)) && br->classifier) {
    // Through the pipeline (resubmit, output:TABLE, groups, controller,
    // ...): the rules and groups the walk met count the packet, as in
    // ovs-vswitchd.
    auto xo = std::make_unique<XlateOut>();
    FlowKey wc = zero_key();
    XlateParams params;
    params.packet_in_on_miss = br->packet_in_on_miss;
    params.in_packet_out = !start;
    params.groups = br->groups.get();
    params.recirc = br->recirc.get();
    params.tunnels = br->tunnel_xlate.get();
    params.start = start;
    xlate_actions(*br->classifier, key, actions.data(), actions.size(), &wc, xo.get(), params);
    const Translation& t = *xo->publish();
    Classification c;
    c.xlate = &t;
    credit_control(c, static_cast<uint32_t>(len), monotonic_ms());
    execute_translation(ctx, m, key, t);
  } else {
    execute_actions(ctx, m, key, actions);
  }
  if (recirc->n) control_recirc(snap, *pool, recirc.get());
  control_tx_->flush_all();
  commit();
  return {};
}

const DpBridge* Datapath::snapshot_bridge(const DpSnapshot* snap, int slot) const {
  for (const DpBridge& b : snap->bridges) {
    if (b.slot == slot) return &b;
  }
  return nullptr;
}

Status Datapath::inject(int slot, uint32_t in_port, rte_mbuf* m) {
  const DpSnapshot* snap = snapshot_.load();
  const DpBridge* br = snap ? snapshot_bridge(snap, slot) : nullptr;
  int32_t id = br ? br->port_of(in_port) : -1;
  if (!br || id < 0 || !snap->ports[id] || !control_tx_) {
    rte_pktmbuf_free(m);
    return make_error("cannot re-inject: the bridge or its port is gone", ENOENT);
  }
  FlowKey key;
  ParseStatus st =
      parse_frame(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), in_port, &key);
  if (st != ParseStatus::kOk) {
    rte_pktmbuf_free(m);
    return make_error(std::string("malformed packet: ") + parse_status_name(st), EINVAL);
  }
  auto pool = pools_.get(0);
  if (!pool) {
    rte_pktmbuf_free(m);
    return pool.error();
  }
  control_counters_.rx_packets.inc();
  FlowKey wc = zero_key();
  auto xo = std::make_unique<XlateOut>();
  Classification c = classify(*br, key, &wc, xo.get());
  ExecContext ctx = control_context(snap, br, snap->ports[id], *pool);
  execute_classified(ctx, m, key, c);
  control_tx_->flush_all();
  return {};
}

}  // namespace ferry
