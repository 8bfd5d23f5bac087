#include "lib/ovs/db/config_convert.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "lib/ovs/db/fo-db.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(log_, "ovsdb_config");

namespace ferry::ovs {

namespace {

constexpr int64_t kMaxVlan = 4095;
constexpr int64_t kMaxOfport = 0xff00 - 1;  // OFPP_MAX
constexpr int64_t kMaxMtu = 65535;

const char* const kVlanModes[] = {"access", "trunk", "native-tagged", "native-untagged",
                                  "dot1q-tunnel"};
const char* const kFailModes[] = {"standalone", "secure"};
const char* const kProtocols[] = {"OpenFlow10", "OpenFlow11", "OpenFlow12",
                                  "OpenFlow13", "OpenFlow14", "OpenFlow15"};

// "aa:bb:cc:dd:ee:ff", the form the "mac" column documents.
bool is_mac(const std::string& s) {
  if (s.size() != 17) return false;
  for (size_t i = 0; i < s.size(); i++) {
    bool colon = i % 3 == 2;
    if (colon ? s[i] != ':' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

template <size_t N>
bool one_of(const std::string& s, const char* const (&set)[N]) {
  return std::find(std::begin(set), std::end(set), s) != std::end(set);
}

StringMap to_map(const fo_smap& m) {
  StringMap out;
  for (size_t i = 0; i < m.n; i++) out[m.keys[i]] = m.values[i];
  return out;
}

// An optional integer column (0 or 1 values) checked against [lo, hi].
std::optional<int64_t> ranged(const int64_t* v, size_t n, int64_t lo, int64_t hi, const char* what,
                              const std::string& row) {
  if (n == 0) return std::nullopt;
  if (v[0] < lo || v[0] > hi) {
    FLOG_WARN(log_, "%s: %s %lld out of range %lld..%lld, ignored", row.c_str(), what,
              static_cast<long long>(v[0]), static_cast<long long>(lo), static_cast<long long>(hi));
    return std::nullopt;
  }
  return v[0];
}

// A set of VLANs (Port.trunks, Mirror.select_vlan), sorted; values outside
// 0..4095 are dropped with a log line.
std::vector<int64_t> vlan_list(const int64_t* v, size_t n, const char* what,
                               const std::string& row) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < 0 || v[i] > kMaxVlan) {
      FLOG_WARN(log_, "%s: %s %lld out of range 0..%lld, ignored", row.c_str(), what,
                static_cast<long long>(v[i]), static_cast<long long>(kMaxVlan));
      continue;
    }
    out.push_back(v[i]);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

InterfaceConfig convert_iface(const fo_db_iface& c) {
  InterfaceConfig i;
  i.name = c.name;
  i.type = c.type;
  i.options = to_map(c.options);
  i.other_config = to_map(c.other_config);
  std::string row = "interface " + i.name;
  i.ofport_request =
      ranged(c.ofport_request, c.n_ofport_request, 1, kMaxOfport, "ofport_request", row);
  i.mtu_request = ranged(c.mtu_request, c.n_mtu_request, 1, kMaxMtu, "mtu_request", row);
  if (c.n_ofport == 1 && c.ofport[0] >= 1 && c.ofport[0] <= kMaxOfport) i.ofport = c.ofport[0];
  std::string mac = c.mac;
  if (!mac.empty() && !is_mac(mac)) {
    FLOG_WARN(log_, "%s: mac \"%s\" is not an Ethernet address, ignored", row.c_str(), mac.c_str());
    mac.clear();
  }
  i.mac = mac;
  return i;
}

PortConfig convert_port(const fo_db_port& c, std::set<std::string>* iface_names) {
  PortConfig p;
  p.name = c.name;
  std::string row = "port " + p.name;
  p.tag = ranged(c.tag, c.n_tag, 0, kMaxVlan, "tag", row);
  p.trunks = vlan_list(c.trunks, c.n_trunks, "trunk", row);
  p.vlan_mode = c.vlan_mode;
  if (!p.vlan_mode.empty() && !one_of(p.vlan_mode, kVlanModes)) {
    FLOG_WARN(log_, "%s: unknown vlan_mode \"%s\", ignored", row.c_str(), p.vlan_mode.c_str());
    p.vlan_mode.clear();
  }
  p.other_config = to_map(c.other_config);
  for (size_t i = 0; i < c.n_ifaces; i++) {
    InterfaceConfig iface = convert_iface(c.ifaces[i]);
    if (!iface_names->insert(iface.name).second) {
      FLOG_WARN(log_, "%s: interface %s is already in another port, ignored", row.c_str(),
                iface.name.c_str());
      continue;
    }
    p.interfaces.push_back(std::move(iface));
  }
  std::sort(p.interfaces.begin(), p.interfaces.end(),
            [](const InterfaceConfig& a, const InterfaceConfig& b) { return a.name < b.name; });
  return p;
}

std::vector<std::string> names(const char* const* v, size_t n) {
  std::vector<std::string> out(v, v + n);
  std::sort(out.begin(), out.end());
  return out;
}

// A Mirror row; VLANs outside 0..4095 and a snaplen outside 0..65535 are
// dropped with a log line (servers with other schemas may send them).
MirrorConfig convert_mirror(const fo_db_mirror& c) {
  MirrorConfig m;
  m.name = c.name;
  std::string row = "mirror " + m.name;
  m.select_all = c.select_all;
  m.select_src_port = names(c.select_src_port, c.n_select_src_port);
  m.select_dst_port = names(c.select_dst_port, c.n_select_dst_port);
  m.select_vlan = vlan_list(c.select_vlan, c.n_select_vlan, "select_vlan", row);
  m.output_port = c.output_port;
  m.output_vlan = ranged(c.output_vlan, c.n_output_vlan, 1, kMaxVlan, "output_vlan", row);
  m.snaplen = ranged(c.snaplen, c.n_snaplen, 0, 65535, "snaplen", row);
  return m;
}

BridgeConfig convert_bridge(const fo_db_bridge& c, std::set<std::string>* port_names,
                            std::set<std::string>* iface_names) {
  BridgeConfig b;
  b.name = c.name;
  std::string row = "bridge " + b.name;
  b.datapath_type = c.datapath_type;
  b.fail_mode = c.fail_mode;
  if (!b.fail_mode.empty() && !one_of(b.fail_mode, kFailModes)) {
    FLOG_WARN(log_, "%s: unknown fail_mode \"%s\", ignored", row.c_str(), b.fail_mode.c_str());
    b.fail_mode.clear();
  }
  b.other_config = to_map(c.other_config);
  b.external_ids = to_map(c.external_ids);
  for (size_t i = 0; i < c.n_protocols; i++) {
    std::string p = c.protocols[i];
    if (!one_of(p, kProtocols)) {
      FLOG_WARN(log_, "%s: unknown protocol \"%s\", ignored", row.c_str(), p.c_str());
      continue;
    }
    b.protocols.push_back(p);
  }
  std::sort(b.protocols.begin(), b.protocols.end());
  for (size_t i = 0; i < c.n_controllers; i++) {
    const fo_db_controller& r = c.controllers[i];
    ControllerConfig cc;
    cc.target = r.target;
    cc.connection_mode = r.connection_mode;
    if (r.n_inactivity_probe) cc.inactivity_probe = r.inactivity_probe[0];
    if (r.n_max_backoff) cc.max_backoff = r.max_backoff[0];
    cc.other_config = to_map(r.other_config);
    if (cc.target.empty()) {
      FLOG_WARN(log_, "%s: controller with an empty target, ignored", row.c_str());
      continue;
    }
    b.controllers.push_back(std::move(cc));
  }
  std::sort(
      b.controllers.begin(), b.controllers.end(),
      [](const ControllerConfig& x, const ControllerConfig& y) { return x.target < y.target; });
  for (size_t i = 0; i < c.n_mirrors; i++) b.mirrors.push_back(convert_mirror(c.mirrors[i]));
  std::sort(b.mirrors.begin(), b.mirrors.end(),
            [](const MirrorConfig& x, const MirrorConfig& y) { return x.name < y.name; });
  // Ports in name order, so which port keeps a duplicated interface does not
  // depend on the IDL's order.
  std::vector<const fo_db_port*> ports;
  for (size_t i = 0; i < c.n_ports; i++) ports.push_back(&c.ports[i]);
  std::sort(ports.begin(), ports.end(), [](const fo_db_port* x, const fo_db_port* y) {
    return std::string(x->name) < y->name;
  });
  for (const fo_db_port* port : ports) {
    if (!port_names->insert(port->name).second) {
      FLOG_WARN(log_, "%s: port %s is already in another bridge, ignored", row.c_str(), port->name);
      continue;
    }
    b.ports.push_back(convert_port(*port, iface_names));
  }
  return b;
}

// A Datapath row. The schema bounds zones to 0..65535 and timeouts to
// 0..2^32-1; a value outside (a server with another schema) is logged and
// skipped.
DatapathConfig convert_datapath(const fo_db_datapath& c) {
  DatapathConfig d;
  d.name = c.name;
  for (size_t i = 0; i < c.n_zones; i++) {
    const fo_db_ct_zone& z = c.zones[i];
    if (z.zone < 0 || z.zone > 65535) {
      FLOG_WARN(log_, "Datapath %s: CT zone %lld out of range 0..65535, ignored", c.name,
                static_cast<long long>(z.zone));
      continue;
    }
    auto& tp = d.ct_zones[static_cast<uint16_t>(z.zone)];
    for (size_t k = 0; k < z.n_timeouts; k++) {
      if (z.timeout_values[k] < 0 || z.timeout_values[k] > UINT32_MAX) {
        FLOG_WARN(log_, "Datapath %s: zone %lld: timeout %s=%lld out of range, ignored", c.name,
                  static_cast<long long>(z.zone), z.timeout_keys[k],
                  static_cast<long long>(z.timeout_values[k]));
        continue;
      }
      tp[z.timeout_keys[k]] = z.timeout_values[k];
    }
  }
  return d;
}

}  // namespace

std::optional<Config> convert_config(const fo_db_config* c) {
  if (!c) return std::nullopt;
  Config cfg;
  cfg.next_cfg = c->next_cfg;
  cfg.other_config = to_map(c->other_config);
  cfg.external_ids = to_map(c->external_ids);
  // Bridges in name order, so the first claim on a port or interface name
  // does not depend on the IDL's hash order.
  std::vector<const fo_db_bridge*> bridges;
  for (size_t i = 0; i < c->n_bridges; i++) bridges.push_back(&c->bridges[i]);
  std::sort(bridges.begin(), bridges.end(), [](const fo_db_bridge* a, const fo_db_bridge* b) {
    return std::string(a->name) < b->name;
  });
  std::set<std::string> port_names, iface_names;
  for (const fo_db_bridge* b : bridges)
    cfg.bridges.push_back(convert_bridge(*b, &port_names, &iface_names));
  for (size_t i = 0; i < c->n_datapaths; i++)
    cfg.datapaths.push_back(convert_datapath(c->datapaths[i]));
  std::sort(cfg.datapaths.begin(), cfg.datapaths.end(),
            [](const DatapathConfig& a, const DatapathConfig& b) { return a.name < b.name; });
  return cfg;
}

}  // namespace ferry::ovs
