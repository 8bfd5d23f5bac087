// The datapath's side of tunnel ports (datapath/tunnel.h): opening and
// closing them, the tunnel part of each snapshot (routes, neighbours and
// local addresses resolved against the snapshot's ports) and the coupling
// of tunnel bridges' megaflow generations to what their encapsulations
// depend on.
#include <algorithm>

#include "datapath/datapath.h"
#include "datapath/tunnel_xlate.h"
#include "lib/util/text.h"

namespace ferry {

// A bridge with tunnel ports caches encapsulations that depend on the
// other bridges (the underlay's walk), the routes and the neighbours: its
// megaflows are of the generation of all of them. tnl_epoch_ moves whenever
// any of those changed since the last snapshot.
void Datapath::couple_tunnel_generations(DpSnapshot& snap) {
  uint64_t sig = tnl_changes_ * 0x9e3779b97f4a7c15ULL;
  for (const DpBridge& b : snap.bridges) {
    sig = (sig ^ b.slot) * 0x100000001b3ULL;
    sig = (sig ^ b.generation) * 0x100000001b3ULL;
  }
  if (sig != tnl_sig_) {
    tnl_sig_ = sig;
    tnl_epoch_++;
  }
  for (uint16_t i = 0; i < snap.bridges.size(); i++) {
    DpBridge& b = snap.bridges[i];
    bool has_tunnel = false;
    for (uint16_t id : b.ports) has_tunnel |= id >= kMaxDpPorts;
    if (!has_tunnel) continue;
    b.generation += tnl_epoch_ << 32;
    b.tunnel_xlate = make_tunnel_xlate(&snap, i);
  }
}

std::shared_ptr<const TunnelSnapshot> Datapath::build_tunnels(const DpSnapshot& snap) const {
  auto t = std::make_shared<TunnelSnapshot>();
  t->egress_min = tnl_.egress_min;
  t->egress_max = tnl_.egress_max;
  for (const TnlRoute& r : tnl_.routes()) {
    TnlRoute s = r;
    for (const auto& dp : snap.port_storage) {
      if (dp->name == r.dev && dp->port && !dp->tunnel) {
        s.via = dp.get();
        s.bridge = dp->bridge;
        s.mac = dp->port->mac();
      }
    }
    t->routes.push_back(s);
  }
  t->neighbours = tnl_.neighbours();
  for (const LocalAddress& a : tnl_.local_addresses()) t->local_ips.push_back(a.addr);
  for (const auto& dp : snap.port_storage) {
    if (!dp->tunnel) continue;
    t->ports.push_back(dp.get());
    const uint16_t u = dp->tunnel->cfg.dst_port;
    if (std::find(t->udp_ports.begin(), t->udp_ports.end(), u) == t->udp_ports.end())
      t->udp_ports.push_back(u);
  }
  return t;
}

Result<uint16_t> Datapath::open_tunnel_port(const std::string& name, const TunnelConfig& cfg) {
  for (uint16_t id = kMaxDpPorts; id < kMaxSnapPorts; id++) {
    if (tunnel_ports_.count(id)) continue;
    auto p = std::make_shared<TunnelPort>();
    p->cfg = cfg;
    p->name = name;
    tunnel_ports_[id] = std::move(p);
    dirty_ = true;
    return id;
  }
  return make_error(strprintf("too many tunnel ports (Ferry's limit is %u)", kMaxTunnelPorts),
                    ENOSPC);
}

void Datapath::close_tunnel_port(uint16_t id) {
  for (auto& [slot, b] : bridges_) {
    for (const BridgePortSpec& s : b->ports) {
      if (s.port_id == id) b->fdb.flush_port(s.ofport);
    }
    std::erase_if(b->ports, [&](const BridgePortSpec& ps) { return ps.port_id == id; });
  }
  tunnel_ports_.erase(id);
  dirty_ = true;
}

}  // namespace ferry
