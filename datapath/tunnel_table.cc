#include "datapath/tunnel_table.h"

#include <arpa/inet.h>

#include <algorithm>

#include "lib/packet/builder.h"
#include "lib/util/text.h"

namespace ferry {

std::string format_ipv4(uint32_t be) {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &be, buf, sizeof buf);
  return buf;
}

namespace {

uint32_t mask_of(uint8_t plen) { return plen ? htonl(~uint32_t{0} << (32 - plen)) : 0; }

bool parse_cidr(const std::string& s, uint32_t* addr, uint8_t* plen) {
  auto slash = s.find('/');
  auto ip = parse_ipv4(s.substr(0, slash));
  if (!ip) return false;
  unsigned p = 32;
  if (slash != std::string::npos) {
    auto v = parse_u64(s.substr(slash + 1), 10);
    if (!v || *v > 32) return false;
    p = static_cast<unsigned>(*v);
  }
  *plen = static_cast<uint8_t>(p);
  *addr = *ip & mask_of(*plen);
  return true;
}

}  // namespace

Status TunnelTable::add_route(const std::string& cidr, const std::string& dev,
                              const std::string& gw) {
  TnlRoute r;
  if (!parse_cidr(cidr, &r.prefix, &r.plen)) return make_error("Invalid parameters");
  if (!gw.empty()) {
    auto g = parse_ipv4(gw);
    if (!g) return make_error("Invalid pkt_mark or gateway");
    r.gw = *g;
  }
  // The source: the device's address on the subnet of the next hop.
  const uint32_t hop = r.gw ? r.gw : r.prefix;
  for (const LocalAddress& a : local_) {
    if (a.dev != dev) continue;
    if (!r.src || (hop & mask_of(a.plen)) == (a.addr & mask_of(a.plen))) r.src = a.addr;
  }
  if (!r.src) return make_error("Error while inserting route.");
  r.dev = dev;
  r.user = true;
  std::erase_if(user_, [&](const TnlRoute& u) { return u.prefix == r.prefix && u.plen == r.plen; });
  user_.push_back(r);
  return {};
}

Status TunnelTable::del_route(const std::string& cidr) {
  uint32_t addr;
  uint8_t plen;
  if (!parse_cidr(cidr, &addr, &plen)) return make_error("Invalid parameters");
  size_t n =
      std::erase_if(user_, [&](const TnlRoute& u) { return u.prefix == addr && u.plen == plen; });
  if (!n) return make_error("Not found");
  return {};
}

bool TunnelTable::set_local_addresses(std::vector<LocalAddress> addrs) {
  if (addrs == local_) return false;
  local_ = std::move(addrs);
  return true;
}

std::vector<TnlRoute> TunnelTable::routes() const {
  std::vector<TnlRoute> v = user_;
  for (const LocalAddress& a : local_) {
    TnlRoute net;
    net.prefix = a.addr & mask_of(a.plen);
    net.plen = a.plen;
    net.src = a.addr;
    net.dev = a.dev;
    v.push_back(net);
    if (a.plen != 32) {
      TnlRoute host = net;
      host.prefix = a.addr;
      host.plen = 32;
      v.push_back(host);
    }
  }
  std::stable_sort(v.begin(), v.end(), [](const TnlRoute& a, const TnlRoute& b) {
    if (a.plen != b.plen) return a.plen > b.plen;
    return a.user && !b.user;
  });
  return v;
}

std::string TunnelTable::show_routes() const {
  std::string out = "Route Table:\n";
  for (const TnlRoute& r : routes()) {
    out += r.user ? "User: " : "Cached: ";
    out += format_ipv4(r.prefix) + strprintf("/%u", r.plen) + " dev " + r.dev;
    if (r.gw) out += " GW " + format_ipv4(r.gw);
    out += " SRC " + format_ipv4(r.src);
    if (!r.user && r.plen == 32 && r.prefix == r.src) out += " local";
    out += "\n";
  }
  return out;
}

Result<std::string> TunnelTable::lookup(const std::string& ip) const {
  auto a = parse_ipv4(ip);
  if (!a) return make_error("Invalid parameters");
  TunnelSnapshot s;
  s.routes = routes();
  const TnlRoute* r = s.route(*a);
  if (!r) return make_error("Not found");
  return "src " + format_ipv4(r->src) + "\ngateway " + format_ipv4(r->gw) + "\ndev " + r->dev +
         "\n";
}

Status TunnelTable::set_neigh(const std::string& dev, const std::string& ip, const std::string& mac,
                              int64_t now_ms) {
  auto a = parse_ipv4(ip);
  if (!a) return make_error("bad IP address");
  auto m = parse_mac(mac);
  if (!m) return make_error("bad MAC address");
  std::erase_if(neigh_, [&](const TnlNeigh& n) { return n.ip == *a; });
  TnlNeigh n;
  n.ip = *a;
  n.mac = *m;
  n.dev = dev;
  n.is_static = true;
  n.expires_ms = now_ms;
  neigh_.push_back(n);
  return {};
}

bool TunnelTable::learn_neigh(const std::string& dev, uint32_t ip, const Mac& mac, int64_t now_ms) {
  for (TnlNeigh& n : neigh_) {
    if (n.ip != ip) continue;
    if (n.is_static) return false;
    const bool changed = n.mac != mac || n.dev != dev;
    n.mac = mac;
    n.dev = dev;
    n.expires_ms = now_ms + aging_ms_;
    return changed;
  }
  TnlNeigh n;
  n.ip = ip;
  n.mac = mac;
  n.dev = dev;
  n.expires_ms = now_ms + aging_ms_;
  neigh_.push_back(n);
  return true;
}

bool TunnelTable::expire(int64_t now_ms) {
  return std::erase_if(neigh_, [&](const TnlNeigh& n) {
           return !n.is_static && n.expires_ms <= now_ms;
         }) != 0;
}

std::string TunnelTable::show_neigh(int64_t now_ms) const {
  (void)now_ms;
  std::string out =
      "IP                                            MAC                 Bridge\n"
      "==========================================================================\n";
  for (const TnlNeigh& n : neigh_) {
    std::string ip = format_ipv4(n.ip);
    ip.resize(46, ' ');  // INET6_ADDRSTRLEN, as OVS pads it
    out += ip + format_mac(n.mac) + "   " + n.dev + "\n";
  }
  return out;
}

}  // namespace ferry
