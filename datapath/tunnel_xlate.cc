#include "datapath/tunnel_xlate.h"

#include <arpa/inet.h>
#include <endian.h>

#include <cstring>

#include "datapath/dp_snapshot.h"
#include "datapath/tunnel.h"
#include "datapath/xlate.h"
#include "lib/flow/field.h"

namespace ferry {

namespace {

constexpr unsigned kMaxHeaderData = data_actions_for(kMaxOuterHeaderLen);

class SnapshotTunnelXlate final : public TunnelXlate {
 public:
  SnapshotTunnelXlate(const DpSnapshot* snap, uint16_t bridge) : snap_(snap), bridge_(bridge) {}

  bool is_tunnel(uint32_t ofport) const override { return port(ofport) != nullptr; }

  bool encap(uint32_t ofport, const OfKey& flow, OfKey* wc, Action* out, unsigned room,
             unsigned* n) const override {
    const DpPort* tp = port(ofport);
    const TunnelSnapshot* ts = snap_->tunnels.get();
    if (!tp || !ts) return false;
    const TunnelConfig& cfg = tp->tunnel->cfg;
    // What the header depends on joins the megaflow.
    if (cfg.remote_flow) field_mark(wc, Field::kTunDst, ~uint64_t{0});
    if (cfg.local_flow) field_mark(wc, Field::kTunSrc, ~uint64_t{0});
    if (cfg.out_key_flow) field_mark(wc, Field::kTunId, ~uint64_t{0});
    if (cfg.tos_inherit || cfg.ttl_inherit) field_mark(wc, Field::kEthType, 0xffff);
    if (cfg.tos_inherit) wc->nw_tos |= 0xfc;
    if (cfg.ttl_inherit) wc->nw_ttl = 0xff;
    const EncapPath path = resolve_encap(ts, cfg, flow.tun_dst);
    if (!path.neigh) return false;  // the PMD drops it with the reason and asks for the neighbour
    const TnlRoute* r = path.route;
    const GeneveOptMap& md0 = snap_->bridges[bridge_].tun_md0;
    if (cfg.type == TunnelType::kGeneve && md0.len) field_mark(wc, Field::kTunMetadata0, ~0ULL);
    const OuterHeader h = outer_header(cfg, *r, *path.neigh, path.dst, flow, md0);
    uint8_t hdr[kMaxHeaderData * kActionDataBytes] = {};
    const uint32_t hlen = write_outer_header(h, hdr);
    const unsigned n_data = data_actions_for(hlen);

    // The underlay bridge's walk of the outer packet, from its internal port.
    const DpBridge& ub = snap_->bridges[r->via->bridge];
    FlowKey outer = zero_key();
    outer.in_port = r->via->ofport;
    std::memcpy(outer.dl_dst, h.dst.data(), 6);
    std::memcpy(outer.dl_src, h.src.data(), 6);
    outer.dl_type = be16(kEthTypeIpv4);
    outer.nw_src = h.ip_src;
    outer.nw_dst = h.ip_dst;
    outer.nw_proto = kIpProtoUdp;
    outer.nw_tos = h.tos;
    outer.nw_ttl = h.ttl;
    outer.tp_dst = htons(h.dst_port);  // the source port is chosen per packet
    FlowKey owc = zero_key();
    const Rule* rule = ub.classifier ? ub.classifier->lookup(outer, &owc) : nullptr;
    XlateOut nested;
    const Action* acts = nullptr;
    size_t n_acts = 0;
    if (rule && rule->needs_xlate) {
      XlateParams p;  // no tunnels: an encapsulation is never nested
      p.groups = ub.groups.get();
      p.recirc = ub.recirc.get();
      xlate(*ub.classifier, outer, rule, &owc, &nested, p);
      if (!nested.stopped) {
        acts = nested.actions;
        n_acts = nested.n_actions;
      }
    } else if (rule) {
      acts = rule->actions->data();
      n_acts = rule->actions->size();
    }
    if (1 + n_data + n_acts > room) return false;
    Action push{};
    push.type = ActionType::kTnlPush;
    push.port = ub.slot;
    push.mac[0] = static_cast<uint8_t>(r->via->bridge);
    push.mac[1] = static_cast<uint8_t>(n_data);
    push.u16 = static_cast<uint16_t>(hlen);
    push.flags = cfg.csum ? 1 : 0;
    push.value = r->via->ofport;
    push.mac[2] = static_cast<uint8_t>(ofport);
    push.mac[3] = static_cast<uint8_t>(ofport >> 8);
    unsigned k = 0;
    out[k++] = push;
    for (unsigned d = 0; d < n_data; d++)
      out[k++] = Action::data_bytes(hdr + d * kActionDataBytes, kActionDataBytes);
    for (size_t i = 0; i < n_acts; i++) out[k++] = acts[i];
    *n = k;
    return true;
  }

 private:
  const DpPort* port(uint32_t ofport) const {
    const int32_t id = snap_->bridges[bridge_].port_of(ofport);
    if (id < static_cast<int32_t>(kMaxDpPorts) || !snap_->ports[id]) return nullptr;
    return snap_->ports[id]->tunnel ? snap_->ports[id] : nullptr;
  }

  const DpSnapshot* snap_;
  uint16_t bridge_;
};

}  // namespace

std::shared_ptr<const TunnelXlate> make_tunnel_xlate(const DpSnapshot* snap, uint16_t bridge) {
  return std::make_shared<SnapshotTunnelXlate>(snap, bridge);
}

}  // namespace ferry
