#include "datapath/normal.h"

#include <arpa/inet.h>

#include <rte_mbuf.h>

#include "datapath/packet_ops.h"

namespace ferry {

namespace {

bool is_reserved_multicast(const uint8_t* m) {
  // 01:80:c2:00:00:00 - 01:80:c2:00:00:0f (STP, LACP, 802.1X, LLDP ...)
  return m[0] == 0x01 && m[1] == 0x80 && m[2] == 0xc2 && m[3] == 0 && m[4] == 0 &&
         (m[5] & 0xf0) == 0;
}

// Sends m out of `out` as a frame of VLAN vlan: tagged or untagged as the
// port's configuration says, keeping the priority the frame arrived with.
void output_in_vlan(const ExecContext& ctx, rte_mbuf* m, const DpPort& out, uint16_t vlan,
                    uint16_t pcp_bits, const FlowKey& key) {
  bool want_tag = out.vlan.output_tagged(vlan);
  bool has_tag = pkt_has_vlan(m);
  if (want_tag) {
    uint16_t tci = static_cast<uint16_t>(pcp_bits | vlan);
    if (has_tag) {
      pkt_set_vlan_tci(m, tci);
    } else if (!pkt_push_vlan(m, kEthTypeVlan, tci)) {
      rte_pktmbuf_free(m);
      ctx.counters->drop(DropReason::kNoHeadroom);
      return;
    }
  } else if (has_tag) {
    pkt_pop_vlan(m);
  }
  output_packet(ctx, m, out, key);
}

}  // namespace

void execute_normal(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key) {
  const DpBridge& br = *ctx.bridge;
  if (!ctx.in) {  // no input port: NORMAL cannot place the frame in a VLAN
    rte_pktmbuf_free(m);
    ctx.counters->drop(DropReason::kBadOutPort);
    return;
  }
  const DpPort& in = *ctx.in;
  uint16_t tci = ntohs(key.vlan_tci);
  auto vlan_opt = in.vlan.input_vlan(tci);
  if (!vlan_opt) {
    rte_pktmbuf_free(m);
    ctx.counters->drop(DropReason::kVlanInvalid);
    return;
  }
  uint16_t vlan = *vlan_opt;
  uint16_t pcp_bits = (tci & kVlanCfi) ? static_cast<uint16_t>(tci & (7u << kVlanPcpShift)) : 0;

  if (is_reserved_multicast(key.dl_dst) && !br.forward_bpdu) {
    rte_pktmbuf_free(m);
    ctx.counters->drop(DropReason::kReservedMulticast);
    return;
  }

  const FdbSnapshot& fdb = *br.fdb;
  if (br.mac_learning && !mac_is_multicast(key.dl_src) && !ctx.trace) {  // a trace learns nothing
    const FdbSnapshot::Slot* s = fdb.find(vlan, key.dl_src);
    if (s && s->ofport == in.ofport) {
      if (s->state->used_s.load(std::memory_order_relaxed) != ctx.now_s) {
        s->state->used_s.store(ctx.now_s, std::memory_order_relaxed);
      }
    } else if (!(s && s->is_static) && ctx.learn) {
      if (!ctx.learn->learn(br.slot, vlan, key.dl_src, in.ofport))
        ctx.counters->learn_queue_full.inc();
    }
  }

  if (!mac_is_multicast(key.dl_dst)) {
    if (const FdbSnapshot::Slot* d = fdb.find(vlan, key.dl_dst)) {
      int32_t id = br.port_of(d->ofport);
      const DpPort* out = id >= 0 ? ctx.snap->ports[id] : nullptr;
      if (out == &in) {
        rte_pktmbuf_free(m);
        ctx.counters->drop(DropReason::kToInPort);
        return;
      }
      if (out && out->mirror_out) {  // as OVS: "learned port is a mirror port, dropping"
        rte_pktmbuf_free(m);
        ctx.counters->drop(DropReason::kMirrorPort);
        return;
      }
      if (out && out->vlan.includes(vlan)) return output_in_vlan(ctx, m, *out, vlan, pcp_bits, key);
      // A stale entry for a port that left the VLAN: flood as if unknown.
    }
    if (!br.flood_unknown) {
      rte_pktmbuf_free(m);
      ctx.counters->drop(DropReason::kFdbMiss);
      return;
    }
  }

  // Flood within the VLAN.
  const DpPort* targets[kMaxSnapPorts];
  unsigned n = 0;
  for (uint16_t id : br.ports) {
    const DpPort* p = ctx.snap->ports[id];
    if (p && p != &in && p->vlan.includes(vlan) && !(in.uplink && p->uplink) && !p->mirror_out)
      targets[n++] = p;
  }
  if (n == 0) {
    rte_pktmbuf_free(m);
    ctx.counters->drop(DropReason::kNoVlanMembers);
    return;
  }
  for (unsigned i = 0; i + 1 < n; i++) {
    if (rte_mbuf* c = copy_packet(ctx, m)) output_in_vlan(ctx, c, *targets[i], vlan, pcp_bits, key);
  }
  output_in_vlan(ctx, m, *targets[n - 1], vlan, pcp_bits, key);
}

}  // namespace ferry
