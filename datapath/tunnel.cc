#include "datapath/tunnel.h"

#include <arpa/inet.h>
#include <endian.h>

#include <algorithm>
#include <cstring>

#include "lib/flow/action.h"
#include "lib/packet/builder.h"
#include "lib/util/text.h"

namespace ferry {

bool is_tunnel_type(const std::string& type) { return type == "vxlan" || type == "geneve"; }

const char* tunnel_type_name(TunnelType t) { return t == TunnelType::kGeneve ? "geneve" : "vxlan"; }

namespace {

std::string get(const std::map<std::string, std::string>& o, const char* k) {
  auto it = o.find(k);
  return it == o.end() ? std::string() : it->second;
}

Result<bool> parse_bool(const std::string& name, const std::string& v, bool dflt) {
  if (v.empty()) return dflt;
  if (v == "true") return true;
  if (v == "false") return false;
  return make_error(name + ": \"" + v + "\" is not true or false");
}

}  // namespace

Result<TunnelConfig> parse_tunnel_options(const std::string& type,
                                          const std::map<std::string, std::string>& options) {
  TunnelConfig c;
  c.type = type == "geneve" ? TunnelType::kGeneve : TunnelType::kVxlan;
  c.dst_port = c.type == TunnelType::kGeneve ? kGenevePort : kVxlanPort;
  static const char* const kKnown[] = {"remote_ip",  "local_ip", "key",         "in_key",
                                       "out_key",    "dst_port", "tos",         "ttl",
                                       "df_default", "csum",     "packet_type", "exts"};
  for (const auto& [k, v] : options) {
    bool known = false;
    for (const char* n : kKnown) known |= k == n;
    if (!known) return make_error(type + " tunnel: unknown option \"" + k + "\"");
  }
  const std::string remote = get(options, "remote_ip");
  if (remote.empty()) return make_error(type + " tunnel: missing 'options:remote_ip'");
  if (remote == "flow") {
    c.remote_flow = true;
  } else if (auto ip = parse_ipv4(remote)) {
    c.remote_ip = *ip;
  } else {
    return make_error(type + " tunnel: remote_ip \"" + remote + "\" is not an IPv4 address");
  }
  const std::string local = get(options, "local_ip");
  if (local == "flow") {
    c.local_flow = true;
  } else if (!local.empty()) {
    auto ip = parse_ipv4(local);
    if (!ip) return make_error(type + " tunnel: local_ip \"" + local + "\" is not an IPv4 address");
    c.local_ip = *ip;
  }
  for (const char* which : {"key", "in_key", "out_key"}) {
    const std::string k = get(options, which);
    if (k.empty()) continue;
    bool flow = k == "flow";
    uint64_t value = 0;
    if (!flow) {
      auto v = parse_number(k);
      if (!v || *v > 0xffffff)
        return make_error(type + " tunnel: " + which + " \"" + k + "\" is not a 24-bit VNI");
      value = *v;
    }
    const std::string w = which;
    if (w != "out_key") c.in_key_flow = flow;
    if (w != "in_key") c.out_key_flow = flow;
    if (!flow) c.key = value;
  }
  const std::string port = get(options, "dst_port");
  if (!port.empty()) {
    auto v = parse_u64(port, 10);
    if (!v || *v == 0 || *v > 65535)
      return make_error(type + " tunnel: dst_port \"" + port + "\" is not a UDP port");
    c.dst_port = static_cast<uint16_t>(*v);
  }
  const std::string tos = get(options, "tos");
  if (tos == "inherit") {
    c.tos_inherit = true;
  } else if (!tos.empty()) {
    auto v = parse_number(tos);
    if (!v || *v > 255) return make_error(type + " tunnel: tos \"" + tos + "\" is not 0-255");
    c.tos = static_cast<uint8_t>(*v);
  }
  const std::string ttl = get(options, "ttl");
  if (ttl == "inherit") {
    c.ttl_inherit = true;
  } else if (!ttl.empty()) {
    auto v = parse_number(ttl);
    if (!v || *v == 0 || *v > 255)
      return make_error(type + " tunnel: ttl \"" + ttl + "\" is not 1-255");
    c.ttl = static_cast<uint8_t>(*v);
  }
  auto df = parse_bool("df_default", get(options, "df_default"), true);
  if (!df) return df.error();
  c.df = *df;
  auto csum = parse_bool("csum", get(options, "csum"), false);
  if (!csum) return csum.error();
  c.csum = *csum;
  const std::string pt = get(options, "packet_type");
  if (!pt.empty() && pt != "legacy_l2")
    return make_error(
        type + " tunnel: packet_type \"" + pt + "\" is not supported (legacy_l2 only)", ENOTSUP);
  const std::string exts = get(options, "exts");
  if (!exts.empty())
    return make_error(type + " tunnel: exts (VXLAN GBP) is not supported", ENOTSUP);
  return c;
}

uint32_t write_outer_header(const OuterHeader& h, uint8_t* p) {
  auto put16 = [](uint8_t* q, uint16_t v) {
    q[0] = static_cast<uint8_t>(v >> 8);
    q[1] = static_cast<uint8_t>(v);
  };
  std::memcpy(p, h.dst.data(), 6);
  std::memcpy(p + 6, h.src.data(), 6);
  put16(p + 12, kEthTypeIpv4);
  uint8_t* ip = p + 14;
  std::memset(ip, 0, 20 + 8 + 8);
  ip[0] = 0x45;
  ip[1] = h.tos;
  put16(ip + 6, h.df ? 0x4000 : 0);
  ip[8] = h.ttl;
  ip[9] = kIpProtoUdp;
  std::memcpy(ip + 12, &h.ip_src, 4);
  std::memcpy(ip + 16, &h.ip_dst, 4);
  uint8_t* udp = ip + 20;
  put16(udp + 2, h.dst_port);
  uint8_t* th = udp + 8;
  if (h.type == TunnelType::kVxlan) {
    th[0] = 0x08;  // I: the VNI is valid
  } else {
    put16(th + 2, 0x6558);  // Geneve, version 0: an Ethernet frame follows
  }
  th[4] = static_cast<uint8_t>(h.vni >> 16);
  th[5] = static_cast<uint8_t>(h.vni >> 8);
  th[6] = static_cast<uint8_t>(h.vni);
  if (h.type != TunnelType::kGeneve || !h.opt.len) return kOuterHeaderLen;
  const uint32_t n = write_geneve_option(h.opt, h.opt_value, th + 8);
  th[0] = static_cast<uint8_t>(n / 4);   // the options' length, in words
  if (h.opt.type & 0x80) th[1] |= 0x40;  // C: a critical option is present
  return kOuterHeaderLen + n;
}

OuterHeader outer_header(const TunnelConfig& cfg, const TnlRoute& r, const TnlNeigh& n,
                         uint32_t dst, const FlowKey& key, const GeneveOptMap& md0) {
  OuterHeader h;
  h.dst = n.mac;
  h.src = r.mac;
  h.ip_src = cfg.local_flow ? key.tun_src : (cfg.local_ip ? cfg.local_ip : r.src);
  h.ip_dst = dst;
  const bool ip = key.dl_type == be16(kEthTypeIpv4) || key.dl_type == be16(kEthTypeIpv6);
  h.tos = cfg.tos_inherit && ip ? static_cast<uint8_t>(key.nw_tos & 0xfc) : cfg.tos;
  h.ttl = cfg.ttl_inherit && ip ? key.nw_ttl : cfg.ttl;
  h.df = cfg.df;
  h.dst_port = cfg.dst_port;
  h.type = cfg.type;
  h.vni = static_cast<uint32_t>(cfg.out_key_flow ? be64toh(key.tun_id) : cfg.key);
  if (cfg.type == TunnelType::kGeneve && (key.tun_md_present & 1) && md0.len) {
    h.opt = md0;
    h.opt_value = key.tun_md0;
  }
  return h;
}

namespace {

// OVS's format_geneve_opts: "{class=0x102,type=0x80,len=4,0x10002}".
std::string format_geneve_opts(const uint8_t* o, uint32_t len) {
  std::string s;
  for (uint32_t at = 0; at + 4 <= len;) {
    const uint32_t olen = (o[at + 3] & 0x1f) * 4u;
    if (at + 4 + olen > len) break;
    s += strprintf("{class=%#x,type=%#x,len=%u", static_cast<unsigned>(o[at] << 8 | o[at + 1]),
                   static_cast<unsigned>(o[at + 2]), olen);
    if (olen) {
      s += ",0x";
      uint32_t i = 0;
      while (i + 1 < olen && o[at + 4 + i] == 0) i++;  // as OVS: no leading zeros
      s += strprintf("%x", static_cast<unsigned>(o[at + 4 + i++]));
      for (; i < olen; i++) s += strprintf("%02x", static_cast<unsigned>(o[at + 4 + i]));
    }
    s += "}";
    at += 4 + olen;
  }
  return s;
}

}  // namespace

std::string format_tnl_push(const Action* a, size_t avail) {
  uint8_t h[kMaxOuterHeaderLen + kActionDataBytes] = {};
  const size_t nd = std::min<size_t>(a->n_data(), avail - 1);
  const uint32_t hlen = std::min<uint32_t>(a->u16, kMaxOuterHeaderLen);
  if (hlen < kOuterHeaderLen || nd * kActionDataBytes < hlen) return "tnl_push(?)";
  read_data_bytes(a + 1, nd, h, hlen);
  auto ip = [](const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &v, buf, sizeof buf);
    return std::string(buf);
  };
  auto g16 = [](const uint8_t* p) { return static_cast<unsigned>(p[0] << 8 | p[1]); };
  const uint8_t* iph = h + 14;
  const uint8_t* udp = iph + 20;
  const uint8_t* th = udp + 8;
  const bool geneve = g16(udp + 2) != kVxlanPort && g16(th + 2) == 0x6558;
  const unsigned vni = static_cast<unsigned>(th[4] << 16 | th[5] << 8 | th[6]);
  const uint32_t opt_len =
      geneve ? std::min<uint32_t>((th[0] & 0x3f) * 4u, hlen - kOuterHeaderLen) : 0;
  std::string tun =
      geneve ? strprintf(
                   "geneve(%s%svni=0x%x%s)", th[1] & 0x80 ? "oam," : "",
                   th[1] & 0x40 ? "crit," : "", vni,
                   opt_len ? (",options(" + format_geneve_opts(th + 8, opt_len) + ")").c_str() : "")
             : strprintf("vxlan(flags=0x%x,vni=0x%x)", static_cast<unsigned>(th[0]) << 24, vni);
  return strprintf(
      "tnl_push(tnl_port(%u),header(size=%u,type=%u,eth(dst=%s,src=%s,dl_type=0x0800),"
      "ipv4(src=%s,dst=%s,proto=17,tos=%#x,ttl=%u,frag=0x%x),udp(src=0,dst=%u,csum=0x0),%s),"
      "out_port(%llu))",
      static_cast<unsigned>(a->mac[2] | a->mac[3] << 8), static_cast<unsigned>(hlen),
      geneve ? 5u : 4u, format_mac(h).c_str(), format_mac(h + 6).c_str(), ip(iph + 12).c_str(),
      ip(iph + 16).c_str(), iph[1], iph[8], g16(iph + 6), g16(udp + 2), tun.c_str(),
      static_cast<unsigned long long>(a->value));
}

const TnlRoute* TunnelSnapshot::route(uint32_t dst) const {
  const uint32_t d = ntohl(dst);
  for (const TnlRoute& r : routes) {
    const uint32_t mask = r.plen ? ~uint32_t{0} << (32 - r.plen) : 0;
    if ((d & mask) == ntohl(r.prefix)) return &r;
  }
  return nullptr;
}

const TnlNeigh* TunnelSnapshot::neighbour(uint32_t ip) const {
  for (const TnlNeigh& n : neighbours) {
    if (n.ip == ip) return &n;
  }
  return nullptr;
}

EncapPath resolve_encap(const TunnelSnapshot* ts, const TunnelConfig& cfg, uint32_t tun_dst) {
  EncapPath p;
  p.dst = cfg.remote_flow ? tun_dst : cfg.remote_ip;
  const TnlRoute* r = ts && p.dst ? ts->route(p.dst) : nullptr;
  if (!r || !r->via) return p;
  p.route = r;
  p.hop = r->gw ? r->gw : p.dst;
  p.neigh = ts->neighbour(p.hop);
  return p;
}

bool TunnelSnapshot::is_local(uint32_t ip) const {
  for (uint32_t a : local_ips) {
    if (a == ip) return true;
  }
  return false;
}

bool TunnelSnapshot::is_tunnel_udp_port(uint16_t port_be) const {
  const uint16_t p = ntohs(port_be);
  for (uint16_t u : udp_ports) {
    if (u == p) return true;
  }
  return false;
}

}  // namespace ferry
