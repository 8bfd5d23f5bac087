// Tunnels on the control thread: OVS's ovs/route/*, tnl/neigh/* (and the
// older tnl/arp/* names), tnl/ports/show and tnl/egress_port_range; the
// underlay's addresses read from the internal ports; neighbours learned from
// the ARP frames PMDs copy up, and ARP requests for the ones they miss.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <tuple>

#include "datapath/vswitchd/vswitchd.h"
#include "lib/packet/builder.h"
#include "lib/packet/parser.h"
#include "lib/util/clock.h"
#include "lib/util/log.h"
#include "lib/util/text.h"

namespace ferry {

FERRY_LOG_MODULE(tunnel_log, "tunnel");

namespace {

using Args = std::vector<std::string>;
using rpc::ReplyPtr;

constexpr int64_t kArpRetryMs = 1000;  // one ARP request per next hop and second, as OVS

// The internal port named dev: its bridge and MAC.
struct Device {
  Bridge* bridge = nullptr;
  Mac mac{};
};

Device find_device(Vswitchd& d, const std::string& dev) {
  for (const auto& [bname, b] : d.bridges()) {
    for (const auto& [pname, p] : b->ports()) {
      if (pname == dev && p.dp && (p.type == "internal" || p.type == "tap"))
        return Device{b.get(), p.dp->mac()};
    }
  }
  return {};
}

void changed(Vswitchd& d) {
  d.datapath()->tunnels_changed();
  d.datapath()->commit();
}

bool need_dp(Vswitchd& d, const ReplyPtr& r) {
  if (d.datapath()) return true;
  r->error("DPDK is not initialized");
  return false;
}

void route_add(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  if (!need_dp(d, r)) return;
  if (!find_device(d, a[1]).bridge) return r->error("Error while inserting route.");
  Status st = d.datapath()->tunnels().add_route(a[0], a[1], a.size() > 2 ? a[2] : "");
  if (!st.ok()) return r->error(st.error().message);
  changed(d);
  r->ok("OK\n");
}

void route_del(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  if (!need_dp(d, r)) return;
  Status st = d.datapath()->tunnels().del_route(a[0]);
  if (!st.ok()) return r->error(st.error().message);
  changed(d);
  r->ok("OK\n");
}

void route_show(Vswitchd& d, const Args&, const ReplyPtr& r) {
  if (!need_dp(d, r)) return;
  r->ok(d.datapath()->tunnels().show_routes());
}

void route_lookup(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  if (!need_dp(d, r)) return;
  auto v = d.datapath()->tunnels().lookup(a[0]);
  if (!v) return r->error(v.error().message);
  r->ok(*v);
}

void neigh_set(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  if (!need_dp(d, r)) return;
  Status st = d.datapath()->tunnels().set_neigh(a[0], a[1], a[2], monotonic_ms());
  if (!st.ok()) return r->error(st.error().message);
  changed(d);
  r->ok("OK\n");
}

void neigh_show(Vswitchd& d, const Args&, const ReplyPtr& r) {
  if (!need_dp(d, r)) return;
  r->ok(d.datapath()->tunnels().show_neigh(monotonic_ms()));
}

void neigh_flush(Vswitchd& d, const Args&, const ReplyPtr& r) {
  if (!need_dp(d, r)) return;
  d.datapath()->tunnels().flush_neigh();
  changed(d);
  r->ok("OK\n");
}

void neigh_aging(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  if (!need_dp(d, r)) return;
  TunnelTable& t = d.datapath()->tunnels();
  if (a.empty()) return r->ok(strprintf("%lld\n", static_cast<long long>(t.aging_ms() / 1000)));
  auto v = parse_u64(a[0], 10);
  if (!v || *v == 0 || *v > 3600) return r->error("bad aging value");
  t.set_aging_ms(static_cast<int64_t>(*v) * 1000);
  r->ok("OK\n");
}

void ports_show(Vswitchd& d, const Args&, const ReplyPtr& r) {
  std::string out = "Listening ports:\n";
  std::map<std::pair<std::string, uint16_t>, unsigned> listening;
  for (const auto& [bname, b] : d.bridges()) {
    for (const auto& [pname, p] : b->ports()) {
      if (p.tunnel < 0) continue;
      const char* type = tunnel_type_name(p.tunnel_cfg.type);
      listening[{std::string(type) + "_sys_" + std::to_string(p.tunnel_cfg.dst_port),
                 p.tunnel_cfg.dst_port}]++;
    }
  }
  for (const auto& [k, n] : listening)
    out += strprintf("%s (%u) ref_cnt=%u\n", k.first.c_str(), k.second, n);
  r->ok(out);
}

void egress_port_range(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  if (!need_dp(d, r)) return;
  TunnelTable& t = d.datapath()->tunnels();
  if (a.empty())
    return r->ok(strprintf("Tunnel UDP source port range: %u-%u\n", t.egress_min, t.egress_max));
  if (a.size() != 2) return r->error("Invalid number of arguments.");
  auto lo = parse_u64(a[0], 10), hi = parse_u64(a[1], 10);
  if (!lo || !hi || *lo == 0 || *hi > 65535 || *lo > *hi) return r->error("Invalid parameters.");
  t.egress_min = static_cast<uint16_t>(*lo);
  t.egress_max = static_cast<uint16_t>(*hi);
  changed(d);
  r->ok("OK\n");
}

}  // namespace

void refresh_tunnel_addresses(Vswitchd& d) {
  if (!d.datapath()) return;
  std::set<std::string> internal;
  for (const auto& [bname, b] : d.bridges()) {
    for (const auto& [pname, p] : b->ports()) {
      if (p.dp && (p.type == "internal" || p.type == "tap")) internal.insert(pname);
    }
  }
  std::vector<LocalAddress> addrs;
  ifaddrs* list = nullptr;
  if (!internal.empty() && getifaddrs(&list) == 0) {
    for (ifaddrs* i = list; i; i = i->ifa_next) {
      if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !internal.count(i->ifa_name))
        continue;
      LocalAddress a;
      a.dev = i->ifa_name;
      a.addr = reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr;
      const uint32_t mask =
          i->ifa_netmask
              ? ntohl(reinterpret_cast<const sockaddr_in*>(i->ifa_netmask)->sin_addr.s_addr)
              : ~uint32_t{0};
      a.plen = static_cast<uint8_t>(__builtin_popcount(mask));
      addrs.push_back(a);
    }
    freeifaddrs(list);
  }
  std::sort(addrs.begin(), addrs.end(), [](const LocalAddress& x, const LocalAddress& y) {
    return std::tie(x.dev, x.addr) < std::tie(y.dev, y.addr);
  });
  TunnelTable& t = d.datapath()->tunnels();
  bool ch = t.set_local_addresses(std::move(addrs));
  ch |= t.expire(monotonic_ms());
  if (ch) changed(d);
}

void tunnel_upcall(Vswitchd& d, Bridge& b, const PacketUpcall& up) {
  Datapath* dp = d.datapath();
  if (!dp) return;
  TunnelTable& t = dp->tunnels();
  const int64_t now = monotonic_ms();
  if (up.type == Upcall::kTnlSnoop) {
    FlowKey k;
    if (!up.pkt ||
        parse_frame(rte_pktmbuf_mtod(up.pkt.get(), const uint8_t*),
                    rte_pktmbuf_data_len(up.pkt.get()), up.ofport, &k) != ParseStatus::kOk)
      return;
    // Only a neighbour on a subnet of the bridge's internal port.
    for (const LocalAddress& a : t.local_addresses()) {
      const uint32_t m = a.plen ? htonl(~uint32_t{0} << (32 - a.plen)) : 0;
      if (a.dev != b.name() || (k.nw_src & m) != (a.addr & m) || k.nw_src == a.addr) continue;
      Mac mac;
      std::memcpy(mac.data(), k.arp_sha, 6);
      if (t.learn_neigh(a.dev, k.nw_src, mac, now)) {
        FLOG_DBG(tunnel_log, "neighbour %s is %s on %s", format_ipv4(k.nw_src).c_str(),
                 format_mac(mac).c_str(), a.dev.c_str());
        changed(d);
      }
      return;
    }
    return;
  }
  // kTnlMiss: ask the underlay for the next hop's MAC.
  const uint32_t hop = htonl(up.ofport);
  int64_t& last = d.tunnel_arp_sent()[hop];
  if (last && now - last < kArpRetryMs) return;
  last = now;
  TunnelSnapshot s;
  s.routes = t.routes();
  const TnlRoute* r = s.route(hop);
  if (!r) return;
  Device dev = find_device(d, r->dev);
  if (!dev.bridge) return;
  std::vector<uint8_t> frame = FrameBuilder().arp_request(dev.mac, r->src, hop).build();
  auto pool = dp->control_pool();
  rte_mbuf* m = pool ? rte_pktmbuf_alloc(*pool) : nullptr;
  if (!m) return;
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())));
  if (!p) {
    rte_pktmbuf_free(m);
    return;
  }
  std::memcpy(p, frame.data(), frame.size());
  Status st = dp->inject(dev.bridge->slot(), kOfppLocal, m);
  if (!st.ok())
    FLOG_DBG(tunnel_log, "ARP request for %s: %s", format_ipv4(hop).c_str(),
             st.error().message.c_str());
}

void register_tnl_commands(Vswitchd& d) {
  auto bind = [&d](void (*fn)(Vswitchd&, const Args&, const ReplyPtr&)) {
    return [&d, fn](const Args& a, const ReplyPtr& r) { fn(d, a, r); };
  };
  d.commands().add_table({
      {"ovs/route/add", "ip_addr/prefix_len out_br_name [gw] [pkt_mark=mark]", 2, 4,
       bind(route_add)},
      {"ovs/route/del", "ip_addr/prefix_len [pkt_mark=mark]", 1, 2, bind(route_del)},
      {"ovs/route/show", "", 0, 0, bind(route_show)},
      {"ovs/route/lookup", "ip_addr [pkt_mark=mark]", 1, 2, bind(route_lookup)},
      {"tnl/neigh/set", "BRIDGE IP MAC", 3, 3, bind(neigh_set)},
      {"tnl/neigh/show", "", 0, 0, bind(neigh_show)},
      {"tnl/neigh/flush", "", 0, 0, bind(neigh_flush)},
      {"tnl/neigh/aging", "[SECS]", 0, 1, bind(neigh_aging)},
      {"tnl/arp/set", "BRIDGE IP MAC", 3, 3, bind(neigh_set)},
      {"tnl/arp/show", "", 0, 0, bind(neigh_show)},
      {"tnl/arp/flush", "", 0, 0, bind(neigh_flush)},
      {"tnl/arp/aging", "[SECS]", 0, 1, bind(neigh_aging)},
      {"tnl/ports/show", "-v", 0, 1, bind(ports_show)},
      {"tnl/egress_port_range", "min max", 0, 2, bind(egress_port_range)},
  });
}

}  // namespace ferry
