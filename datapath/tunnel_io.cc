#include "datapath/tunnel_io.h"

#include <arpa/inet.h>
#include <endian.h>
#include <nmmintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "datapath/ct_exec.h"
#include "datapath/execute.h"
#include "datapath/packet_upcall.h"
#include "datapath/tunnel.h"
#include "lib/packet/parser_inline.h"
#include "lib/packet/tunnel_header.h"

namespace ferry {

namespace {

static_assert(offsetof(Action, mask) == offsetof(Action, value) + 8 && kActionDataBytes == 16,
              "a kData's bytes are its value and mask");

void drop(const ExecContext& ctx, rte_mbuf* m, DropReason r) {
  rte_pktmbuf_free(m);
  ctx.counters->drop(r);
}

inline void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// The UDP checksum over the pseudo-header and the datagram at l4 (as DPDK's
// experimental rte_ipv4_udptcp_cksum_mbuf), to store: only csum=true
// tunnels compute one.
uint16_t udp_checksum(const rte_mbuf* m, const uint8_t* iph, uint32_t l4) {
  const auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(iph);
  const uint32_t ihl = (iph[0] & 0x0f) * 4u;
  uint16_t raw = 0;
  if (rte_raw_cksum_mbuf(m, l4, get16(iph + 2) - ihl, &raw) != 0) return 1;
  uint32_t sum = raw + rte_ipv4_phdr_cksum(ip, 0);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  const auto c = static_cast<uint16_t>(~sum);
  return c == 0 ? 0xffff : c;
}

// The outer UDP source port: a hash of the inner flow over the egress range
// (as OVS's netdev_tnl_get_src_port), so ECMP in the underlay spreads flows.
uint16_t source_port(const TunnelSnapshot& t, const FlowKey& k) {
  // CRC32C over the addresses, ports and protocol, and the source MAC (for
  // non-IP frames): two independent chains, cheap on the PMD.
  const uint64_t* w = k.words();
  uint32_t a = static_cast<uint32_t>(_mm_crc32_u64(0x9747b28c, w[3]));  // nw_src, nw_dst
  uint32_t b = static_cast<uint32_t>(_mm_crc32_u64(0x85ebca6b, w[4] & 0xffffffffULL));  // ports
  b = static_cast<uint32_t>(_mm_crc32_u64(b, w[2] ^ w[1]));  // MACs, proto, tos, ttl
  const uint32_t h = a ^ (b << 7 | b >> 25);
  const uint32_t span = static_cast<uint32_t>(t.egress_max - t.egress_min) + 1;
  return static_cast<uint16_t>(t.egress_min + (uint64_t{h} * span >> 32));
}

// The tunnel port a packet came in on: exact remote_ip before
// remote_ip=flow, then local_ip and the VNI (as OVS's tnl_find).
const DpPort* find_port(const TunnelSnapshot& ts, TunnelType type, const TunnelHeader& h) {
  for (int pass = 0; pass < 2; pass++) {
    for (const DpPort* p : ts.ports) {
      const TunnelConfig& c = p->tunnel->cfg;
      if (c.type != type || c.dst_port != h.udp_dst) continue;
      if (pass == 0 ? (c.remote_flow || c.remote_ip != h.src) : !c.remote_flow) continue;
      if (c.local_ip && !c.local_flow && c.local_ip != h.dst) continue;
      if (!c.in_key_flow && c.key != h.vni) continue;
      return p;
    }
  }
  return nullptr;
}

}  // namespace

namespace {

// Pushes the header (hlen bytes at hdr: Ethernet, IPv4, UDP, the tunnel's
// with its options) in front of m's frame and fills in what depends on the
// packet. False: no headroom.
bool push_outer(const TunnelSnapshot& ts, rte_mbuf* m, const uint8_t* hdr, uint32_t hlen, bool csum,
                const FlowKey& inner) {
  const uint32_t inner_len = rte_pktmbuf_pkt_len(m);
  auto* h = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, static_cast<uint16_t>(hlen)));
  if (!h) return false;
  std::memcpy(h, hdr, hlen);
  uint8_t* iph = h + 14;
  put16(iph + 2, static_cast<uint16_t>(hlen - 14 + inner_len));
  put16(iph + 10, rte_be_to_cpu_16(static_cast<uint16_t>(
                      rte_ipv4_cksum(reinterpret_cast<const rte_ipv4_hdr*>(iph)))));
  uint8_t* udp = iph + 20;
  put16(udp, source_port(ts, inner));
  put16(udp + 4, static_cast<uint16_t>(hlen - 34 + inner_len));
  if (csum) put16(udp + 6, rte_be_to_cpu_16(udp_checksum(m, iph, 34)));
  return true;
}

}  // namespace

void tunnel_output(const ExecContext& ctx, rte_mbuf* m, const DpPort& out, const FlowKey& key) {
  const TunnelSnapshot* ts = ctx.snap->tunnels.get();
  const TunnelConfig& cfg = out.tunnel->cfg;
  const EncapPath path = resolve_encap(ts, cfg, key.tun_dst);
  if (!path.route) return drop(ctx, m, DropReason::kTunnelNoRoute);
  if (!path.neigh) {
    // As OVS: the packet is lost and the control thread asks the underlay
    // (an ARP request from the route's device), at most once a second.
    ctx.counters->drop(DropReason::kTunnelNeighMiss);
    if (!ctx.trace && ctx.upcall &&
        ctx.upcall->send(Upcall::kTnlMiss, ctx.bridge->slot, ntohl(path.hop), m))
      return;
    rte_pktmbuf_free(m);
    return;
  }
  uint8_t hdr[kMaxOuterHeaderLen];
  const uint32_t hlen = write_outer_header(
      outer_header(cfg, *path.route, *path.neigh, path.dst, key, ctx.bridge->tun_md0), hdr);
  if (!push_outer(*ts, m, hdr, hlen, cfg.csum, key)) return drop(ctx, m, DropReason::kNoHeadroom);
  // The outer frame enters the underlay bridge from its internal port.
  queue_tunnel_packet(ctx, m, *path.route->via, 0);  // no metadata: a packet of the underlay
}

void execute_tnl_push(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key, const Action* a,
                      size_t avail) {
  const size_t nd = std::min<size_t>(a->n_data(), avail - 1);
  const DpSnapshot& snap = *ctx.snap;
  const uint8_t idx = a->mac[0];
  const DpBridge* ub =
      idx < snap.bridges.size() && snap.bridges[idx].slot == a->port ? &snap.bridges[idx] : nullptr;
  const int32_t via =
      ub ? ub->port_of(a->value == 0 ? kOfppLocal : static_cast<uint32_t>(a->value)) : -1;
  const uint32_t hlen = a->u16;
  if (via < 0 || !snap.ports[via] || !snap.tunnels || hlen < kOuterHeaderLen ||
      hlen > kMaxOuterHeaderLen || nd * kActionDataBytes < hlen)
    return drop(ctx, m, DropReason::kTunnelNoRoute);
  uint8_t hdr[data_actions_for(kMaxOuterHeaderLen) * kActionDataBytes];
  const size_t n_hdr = data_actions_for(hlen);
  for (size_t d = 0; d < n_hdr; d++)  // each kData's 16 bytes: value, then mask
    std::memcpy(hdr + d * kActionDataBytes, &a[1 + d].value, kActionDataBytes);
  if (!push_outer(*snap.tunnels, m, hdr, hlen, a->flags & 1, key))
    return drop(ctx, m, DropReason::kNoHeadroom);
  // The rest of the list is the underlay bridge's, for the outer packet
  // from its internal port. An output to a port alone (explicit flows on
  // the underlay) needs no key: straight to the port.
  const DpPort& in = *snap.ports[via];
  const Action* rest = a + 1 + nd;
  const size_t n_rest = avail - 1 - nd;
  if (n_rest == 1 && rest->type == ActionType::kOutput && rest->port < kOfppMax) {
    const int32_t id = ub->port_of(rest->port);
    const DpPort* out = id >= 0 ? snap.ports[id] : nullptr;
    if (out && out != &in && !out->special() && !ctx.trace) return ctx.tx->push(*out, m);
  }
  FlowKey outer;
  if (parse_frame_inline(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), in.ofport,
                         &outer, nullptr) != ParseStatus::kOk)
    return drop(ctx, m, DropReason::kTunnelTruncated);
  ExecContext under = ctx;
  under.bridge = ub;
  under.in = &in;
  execute_actions(under, m, outer, rest, n_rest);
}

bool tunnel_terminate(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key) {
  const TunnelSnapshot* ts = ctx.snap->tunnels.get();
  if (!ts || key.dl_type != be16(kEthTypeIpv4) || key.nw_proto != kIpProtoUdp || key.nw_frag ||
      !ts->is_local(key.nw_dst) || !ts->is_tunnel_udp_port(key.tp_dst))
    return false;
  // Which type listens on this port (a VXLAN and a Geneve port never share one).
  const uint16_t dport = ntohs(key.tp_dst);
  TunnelType type = TunnelType::kVxlan;
  for (const DpPort* p : ts->ports) {
    if (p->tunnel->cfg.dst_port == dport) {
      type = p->tunnel->cfg.type;
      break;
    }
  }
  TunnelHeader h;
  // The frame as it leaves (NORMAL may have popped or pushed a tag since
  // the key was taken), checked whole.
  switch (parse_tunnel_header(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m),
                              type == TunnelType::kGeneve, &h)) {
    case TunnelParse::kOk:
      break;
    case TunnelParse::kTruncated:
      drop(ctx, m, DropReason::kTunnelTruncated);
      return true;
    case TunnelParse::kBadChecksum:
      drop(ctx, m, DropReason::kTunnelBadChecksum);
      return true;
    case TunnelParse::kBadHeader:
      drop(ctx, m, DropReason::kTunnelBadHeader);
      return true;
    case TunnelParse::kCriticalOption:
      drop(ctx, m, DropReason::kTunnelCriticalOption);
      return true;
  }
  const DpPort* port = find_port(*ts, type, h);
  if (!port) {
    drop(ctx, m, DropReason::kTunnelNoPort);
    return true;
  }
  uint64_t md0 = 0;
  uint8_t md_present = 0;
  if (h.opt_len) {
    const GeneveOptMap& map = ctx.snap->bridges[port->bridge].tun_md0;
    const TunnelParse st = read_geneve_options(rte_pktmbuf_mtod(m, const uint8_t*) + h.opt_off,
                                               h.opt_len, map, &md0, &md_present);
    if (st != TunnelParse::kOk) {
      drop(ctx, m,
           st == TunnelParse::kCriticalOption ? DropReason::kTunnelCriticalOption
                                              : DropReason::kTunnelBadHeader);
      return true;
    }
  }
  rte_pktmbuf_adj(m, static_cast<uint16_t>(h.outer_len));
  const auto flags = static_cast<uint16_t>(
      FlowKey::kTunPresent | FlowKey::kTunFKey | (h.df ? FlowKey::kTunFDontFragment : 0) |
      (h.udp_csum ? FlowKey::kTunFCsum : 0) | (h.oam ? FlowKey::kTunFOam : 0));
  uint64_t* w = queue_tunnel_packet(ctx, m, *port, flags);
  if (!w) return true;
  // Words 20-23 as FlowKey lays them out.
  FlowKey t;
  t.tun_id = htobe64(h.vni);
  t.tun_src = h.src;
  t.tun_dst = h.dst;
  t.tun_tos = h.tos;
  t.tun_ttl = h.ttl;
  t.tun_gbp_id = 0;
  t.tun_gbp_flags = 0;
  t.tun_md_present = md_present;
  t.tun_tp_dst = htons(h.udp_dst);
  t.tun_md0 = md0;
  std::memcpy(w, t.words() + FlowKey::kTunWord, (FlowKey::kWords - FlowKey::kTunWord) * 8);
  return true;
}

}  // namespace ferry
