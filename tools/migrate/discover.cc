#include "tools/migrate/discover.h"

#include <algorithm>
#include <map>
#include <set>

#include "lib/rpc/json.h"

namespace ferry::migrate {

using rpc::Json;

namespace {

std::string text(const Json& o, const char* key) {
  const Json* v = o.find(key);
  if (!v) return "";
  if (v->is_string()) return v->as_string();
  if (v->is_int()) return std::to_string(v->as_int());
  return "";
}

bool multicast(const std::string& mac) {
  // canonical "xx:..": the low bit of the first octet.
  return mac.size() >= 2 && (std::stoi(mac.substr(0, 2), nullptr, 16) & 1);
}

}  // namespace

Discovered discover_from_vlan_show(const Node& host, const std::string& reply,
                                   const std::vector<std::string>& exclude) {
  Discovered d;
  auto j = rpc::parse_json(reply);
  const Json* ports = j ? j->find("ports") : nullptr;
  if (!ports || !ports->is_array()) {
    d.notes.push_back(host.name + ": vlan/show: unexpected reply");
    return d;
  }
  std::set<std::string> uplinks;
  for (const auto& [peer, port] : host.ports) uplinks.insert(port);
  std::set<std::string> skip(exclude.begin(), exclude.end());
  // port -> (vlan, MACs) over every VLAN the port carries.
  std::map<std::string, std::vector<std::pair<int, std::string>>> by_port;
  for (const Json& p : ports->as_array()) {
    std::string port = text(p, "port");
    if (port.empty() || port == "LOCAL" || uplinks.count(port)) continue;
    const Json* macs = p.find("macs");
    if (!macs || !macs->is_array()) continue;
    int vlan = std::atoi(text(p, "vlan").c_str());
    for (const Json& m : macs->as_array()) {
      if (!m.is_string()) continue;
      auto mac = canonical_mac(m.as_string(), "mac");
      if (!mac || multicast(*mac) || skip.count(*mac)) continue;
      by_port[port].emplace_back(vlan, *mac);
    }
  }
  for (const auto& [port, list] : by_port) {
    if (list.size() != 1) {
      d.notes.push_back(host.name + ": port " + port + " has " + std::to_string(list.size()) +
                        " MACs behind it: not a VM port, skipped");
      continue;
    }
    Vm vm;
    vm.name = port;
    vm.mac = list[0].second;
    vm.vlan = list[0].first;
    vm.host = host.name;
    vm.port = port;
    vm.libvirt = port;
    d.vms.push_back(std::move(vm));
  }
  return d;
}

Discovered discover_vms(const Inventory& inv, const CtlFn& ctl) {
  Discovered all;
  for (const Node& n : inv.nodes) {
    if (n.fabric) continue;
    auto reply = ctl(n.name, "vlan/show", {n.bridge, "--format", "json"});
    if (!reply) {
      all.notes.push_back(n.name + ": not discovered: " + reply.error().message);
      continue;
    }
    Discovered d = discover_from_vlan_show(n, *reply, inv.vmac_pool);
    all.vms.insert(all.vms.end(), d.vms.begin(), d.vms.end());
    all.notes.insert(all.notes.end(), d.notes.begin(), d.notes.end());
  }
  // A MAC seen on two VM ports (a move in progress, or a stale
  // entry): which one is the VM is not for discovery to guess.
  std::map<std::string, int> seen;
  for (const Vm& v : all.vms) seen[v.mac]++;
  std::vector<Vm> kept;
  for (Vm& v : all.vms) {
    if (seen[v.mac] > 1) {
      all.notes.push_back(v.host + ": " + v.mac + " on port " + v.port +
                          " is also behind another VM port: skipped");
      continue;
    }
    kept.push_back(std::move(v));
  }
  all.vms = std::move(kept);
  return all;
}

std::vector<std::string> merge_discovered(Inventory& inv, const Discovered& d) {
  std::vector<std::string> changes;
  std::map<std::string, int> port_names;
  for (const Vm& v : d.vms) port_names[v.port]++;
  for (const Vm& found : d.vms) {
    auto listed = std::find_if(inv.vms.begin(), inv.vms.end(),
                               [&](const Vm& v) { return v.mac == found.mac; });
    if (listed != inv.vms.end()) {
      if (listed->host != found.host || listed->port != found.port || listed->vlan != found.vlan) {
        changes.push_back(listed->name + ": found on " + found.host + " port " + found.port +
                          " VLAN " + std::to_string(found.vlan) + " (inventory: " + listed->host +
                          " port " + listed->port + " VLAN " + std::to_string(listed->vlan) + ")");
        listed->host = found.host;
        listed->port = found.port;
        listed->vlan = found.vlan;
      }
      continue;
    }
    Vm vm = found;
    if (port_names[vm.port] > 1 || inv.vm(vm.name)) vm.name = vm.port + "@" + vm.host;
    if (inv.vm(vm.name)) {
      changes.push_back(found.host + ": port " + found.port + " (" + found.mac + "): the name " +
                        vm.name + " is taken, skipped");
      continue;
    }
    changes.push_back(vm.name + ": discovered on " + vm.host + " port " + vm.port + " VLAN " +
                      std::to_string(vm.vlan) + " MAC " + vm.mac);
    inv.vms.push_back(std::move(vm));
  }
  return changes;
}

}  // namespace ferry::migrate
