// The PMD side of connection tracking: a translated kCt runs the packet
// through the datapath's tracker (lib/conntrack/) and leaves the answer in
// the packet's ct fields (FlowKey words 11-19); kRecirc queues the packet,
// with those fields and its recirculation id, for another lookup after the
// burst (datapath/pipeline.cc).
#pragma once

#include <cstdint>
#include <cstring>

#include "lib/flow/action.h"
#include "lib/packet/flow_key.h"

struct rte_mbuf;

namespace ferry {

namespace ct {
struct CtAction;
}

struct ExecContext;
struct DpPort;

constexpr unsigned kMaxRecircDepth = 6;  // as OVS's MAX_RECIRC_DEPTH

// Packets to look up again: each with the port it enters from (the port
// it came in on, or for tunnels the tunnel port or the underlay's internal
// port) and the metadata of its next key (words 11-23 and tun_flags).
struct RecircQueue {
  static constexpr unsigned kMax = 64;
  static constexpr unsigned kMetaWords = FlowKey::kWords - FlowKey::kCtWord;
  rte_mbuf* pkts[kMax];
  const DpPort* in[kMax];
  uint16_t tun_flags[kMax];
  uint64_t meta[kMax][kMetaWords];
  unsigned n = 0;

  // Puts packet i's metadata into its freshly parsed key k.
  void restore(unsigned i, FlowKey* k) const {
    std::memcpy(k->words() + FlowKey::kCtWord, meta[i], sizeof meta[i]);
    k->tun_flags = tun_flags[i];
  }
};

// The mbuf field where a packet keeps the connection its last ct() found
// (ct::CtMeta::conn), so that a ct(commit) after the recirculation needs no
// second lookup (OVS's pkt->md.conn). Registered once after EAL init;
// without it every ct() looks up.
void register_ct_conn_field();

// The tracker's form of the kCt at `ct` (with its data among the `avail`
// actions from it). A translation kept in a megaflow cache holds it beside
// its actions, made once (datapath/xlate_arena.cc), and its kCt points to
// it in `mask` (0 in every other kCt): execute_ct() then decodes nothing.
void prepare_ct(const Action* ct, size_t avail, ct::CtAction* out);
const ct::CtAction* prepared_ct(const Action& ct);

// Runs the kCt at `ct` (with its data among the `avail` actions from it) on
// m; the tracker's answer goes into cur's ct fields. NAT rewrites the frame.
void execute_ct(const ExecContext& ctx, rte_mbuf* m, FlowKey* cur, const Action* ct, size_t avail);

// Queues m (consumed) to be looked up again with recirculation id `id`
// and cur's ct fields; a full queue or too deep a recirculation drops it
// (counted).
void queue_recirc(const ExecContext& ctx, rte_mbuf* m, const FlowKey& cur, uint32_t id);
// Queues m (consumed) to enter the pipeline again from `in`, its key's
// metadata from meta (words 11-23, tun_flags).
void queue_packet(const ExecContext& ctx, rte_mbuf* m, const DpPort& in, const FlowKey& meta);
// The same, the metadata zero but the tunnel's: the queued key's words
// 20-23 (FlowKey::kTunWord...), for the caller to fill in; nullptr when m
// was dropped (counted).
uint64_t* queue_tunnel_packet(const ExecContext& ctx, rte_mbuf* m, const DpPort& in,
                              uint16_t tun_flags);

}  // namespace ferry
