#include "datapath/tunnel.h"

#include <arpa/inet.h>

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
