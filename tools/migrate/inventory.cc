#include "tools/migrate/inventory.h"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "lib/util/text.h"

namespace ferry::migrate {

using rpc::Json;

namespace {

Result<std::string> str(const Json& obj, const char* key, const std::string& where, bool required,
                        std::string def = "") {
  const Json* v = obj.find(key);
  if (!v) {
    if (required) return make_error(where + ": missing \"" + key + "\"");
    return def;
  }
  if (!v->is_string()) return make_error(where + ": \"" + key + "\" must be a string");
  return v->as_string();
}

Result<int> integer(const Json& obj, const char* key, const std::string& where, int def, int lo,
                    int hi) {
  const Json* v = obj.find(key);
  if (!v) return def;
  if (!v->is_int() || v->as_int() < lo || v->as_int() > hi)
    return make_error(where + ": \"" + key + "\" must be an integer " + std::to_string(lo) +
                      " to " + std::to_string(hi));
  return static_cast<int>(v->as_int());
}

Result<std::map<std::string, std::string>> string_map(const Json& obj, const char* key,
                                                      const std::string& where) {
  std::map<std::string, std::string> out;
  const Json* v = obj.find(key);
  if (!v) return out;
  if (!v->is_object()) return make_error(where + ": \"" + key + "\" must be an object");
  for (const auto& [k, val] : v->as_object()) {
    if (!val.is_string()) return make_error(where + ": \"" + key + "." + k + "\" must be a string");
    out[k] = val.as_string();
  }
  return out;
}

Result<Node> parse_node(const Json& j, bool fabric, size_t index) {
  std::string where = std::string(fabric ? "fabric" : "hosts") + "[" + std::to_string(index) + "]";
  if (!j.is_object()) return make_error(where + ": must be an object");
  Node n;
  n.fabric = fabric;
  auto name = str(j, "name", where, true);
  if (!name) return name.error();
  n.name = *name;
  where += " (" + n.name + ")";
  // A fabric switch may be any OpenFlow switch instead of a Ferry daemon:
  // then "openflow" (a vconn target) replaces "ctl".
  auto openflow = str(j, "openflow", where, false);
  if (!openflow) return openflow.error();
  if (!openflow->empty() && !fabric)
    return make_error(where + ": \"openflow\" is for fabric switches (hosts run Ferry)");
  n.openflow = *openflow;
  auto ctl = str(j, "ctl", where, n.openflow.empty());
  auto db = str(j, "db", where, false);
  auto bridge = str(j, "bridge", where, false, "br0");
  auto netns = str(j, "netns", where, false);
  auto lv = str(j, "libvirt", where, false, "qemu+ssh://" + n.name + "/system");
  if (!lv) return lv.error();
  n.libvirt = *lv;
  auto mgmt = str(j, "mgmt_ip", where, false);
  if (!mgmt) return mgmt.error();
  n.mgmt_ip = *mgmt;
  auto ports = string_map(j, fabric ? "ports" : "uplinks", where);
  for (const Error* e : {ctl ? nullptr : &ctl.error(), db ? nullptr : &db.error(),
                         bridge ? nullptr : &bridge.error(), netns ? nullptr : &netns.error(),
                         ports ? nullptr : &ports.error()})
    if (e) return *e;
  n.ctl = *ctl;
  n.db = *db;
  n.bridge = *bridge;
  n.netns = *netns;
  n.ports = *ports;
  return n;
}

Result<QemuVm> parse_qemu(const Json* j, const std::string& where) {
  QemuVm q;
  if (!j) return q;
  if (!j->is_object()) return make_error(where + ": \"qemu\" must be an object");
  auto qmp = str(*j, "qmp", where + ".qemu", true);
  auto incoming = str(*j, "incoming", where + ".qemu", false);
  for (const Error* e : {qmp ? nullptr : &qmp.error(), incoming ? nullptr : &incoming.error()})
    if (e) return *e;
  q.qmp = *qmp;
  q.incoming = *incoming;
  if (const Json* st = j->find("start")) {
    if (!st->is_array()) return make_error(where + ".qemu: \"start\" must be a list of strings");
    for (const Json& a : st->as_array()) {
      if (!a.is_string()) return make_error(where + ".qemu: \"start\" must be a list of strings");
      q.start.push_back(a.as_string());
    }
  }
  return q;
}

Result<Vm> parse_vm(const Json& j, size_t index) {
  std::string where = "vms[" + std::to_string(index) + "]";
  if (!j.is_object()) return make_error(where + ": must be an object");
  Vm vm;
  auto name = str(j, "name", where, true);
  if (!name) return name.error();
  vm.name = *name;
  where += " (" + vm.name + ")";
  auto mac = str(j, "mac", where, true);
  if (!mac) return mac.error();
  auto cmac = canonical_mac(*mac, where + ": \"mac\"");
  if (!cmac) return cmac.error();
  vm.mac = *cmac;
  auto ip = str(j, "ip", where, false);
  auto host = str(j, "host", where, true);
  auto port = str(j, "port", where, false, vm.name);
  auto netns = str(j, "netns", where, false);
  auto domain = str(j, "libvirt", where, false, vm.name);
  auto vlan = integer(j, "vlan", where, 0, 0, 4095);
  auto qemu = parse_qemu(j.find("qemu"), where);
  for (const Error* e :
       {ip ? nullptr : &ip.error(), host ? nullptr : &host.error(), port ? nullptr : &port.error(),
        netns ? nullptr : &netns.error(), domain ? nullptr : &domain.error(),
        vlan ? nullptr : &vlan.error(), qemu ? nullptr : &qemu.error()})
    if (e) return *e;
  vm.qemu = *qemu;
  vm.ip = *ip;
  vm.host = *host;
  vm.port = *port;
  vm.netns = *netns;
  vm.libvirt = *domain;
  vm.vlan = *vlan;
  return vm;
}

// Pool: a list of MACs, or {"first": MAC, "count": N}.
Result<std::vector<std::string>> parse_pool(const Json* j) {
  std::vector<std::string> out;
  if (!j) return out;
  if (j->is_array()) {
    for (const Json& m : j->as_array()) {
      if (!m.is_string()) return make_error("vmac_pool: entries must be strings");
      auto c = canonical_mac(m.as_string(), "vmac_pool");
      if (!c) return c.error();
      out.push_back(*c);
    }
    return out;
  }
  if (!j->is_object()) return make_error("vmac_pool: a list of MACs or {\"first\", \"count\"}");
  auto first = str(*j, "first", "vmac_pool", true);
  if (!first) return first.error();
  auto c = canonical_mac(*first, "vmac_pool.first");
  if (!c) return c.error();
  auto count = integer(*j, "count", "vmac_pool", 16, 1, 65536);
  if (!count) return count.error();
  uint64_t base = *parse_u64(join(split(*c, ":"), ""), 16);
  for (int i = 0; i < *count; i++) {
    uint64_t v = base + static_cast<uint64_t>(i);
    out.push_back(strprintf("%02x:%02x:%02x:%02x:%02x:%02x", static_cast<unsigned>(v >> 40) & 255,
                            static_cast<unsigned>(v >> 32) & 255,
                            static_cast<unsigned>(v >> 24) & 255,
                            static_cast<unsigned>(v >> 16) & 255,
                            static_cast<unsigned>(v >> 8) & 255, static_cast<unsigned>(v) & 255));
  }
  return out;
}

}  // namespace

Result<std::string> canonical_mac(const std::string& text, const std::string& what) {
  auto parts = split(text, ":-");
  if (parts.size() != 6) return make_error(what + ": malformed MAC \"" + text + "\"");
  std::string out;
  for (const std::string& p : parts) {
    auto v = parse_u64(p, 16);
    if (p.size() != 2 || !v) return make_error(what + ": malformed MAC \"" + text + "\"");
    if (!out.empty()) out += ':';
    out += strprintf("%02x", static_cast<unsigned>(*v));
  }
  return out;
}

const Node* Inventory::node(const std::string& name) const {
  for (const Node& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

const Vm* Inventory::vm(const std::string& name) const {
  for (const Vm& v : vms)
    if (v.name == name) return &v;
  return nullptr;
}

std::vector<const Node*> Inventory::fabric() const {
  std::vector<const Node*> out;
  for (const Node& n : nodes)
    if (n.fabric) out.push_back(&n);
  return out;
}

Result<Inventory> parse_inventory(const Json& json) {
  if (!json.is_object()) return make_error("inventory: must be a JSON object");
  Inventory inv;
  auto driver = str(json, "driver", "inventory", false, "netns");
  if (!driver) return driver.error();
  if (*driver != "netns" && *driver != "libvirt" && *driver != "qemu")
    return make_error("inventory: unknown driver \"" + *driver + "\" (netns, libvirt, qemu)");
  inv.driver = *driver;
  auto staging = str(json, "staging_fabric", "inventory", false);
  auto primary = str(json, "primary_fabric", "inventory", false);
  if (!primary) return primary.error();
  inv.primary_fabric = *primary;
  if (const Json* he = json.find("host_entries")) {
    if (!he->is_bool()) return make_error("inventory: \"host_entries\" must be true or false");
    inv.host_entries = he->as_bool();
  }
  if (const Json* d = json.find("discover")) {
    if (!d->is_bool()) return make_error("inventory: \"discover\" must be true or false");
    inv.discover = d->as_bool();
  }
  auto pktgen = str(json, "pktgen", "inventory", false, "ferry-pktgen");
  auto downtime = integer(json, "downtime_ms", "inventory", 50, 0, 60000);
  auto precopy = integer(json, "precopy_ms", "inventory", 200, 0, 600000);
  auto switchover = integer(json, "switchover_wait_ms", "inventory", 200, 0, 60000);
  auto rounds = integer(json, "announce_rounds", "inventory", 1, 1, 10);
  auto retain = integer(json, "retain_hold_ms", "inventory", 0, 0, 86400000);
  auto pool = parse_pool(json.find("vmac_pool"));
  for (const Error* e :
       {staging ? nullptr : &staging.error(), pktgen ? nullptr : &pktgen.error(),
        downtime ? nullptr : &downtime.error(), precopy ? nullptr : &precopy.error(),
        switchover ? nullptr : &switchover.error(), rounds ? nullptr : &rounds.error(),
        retain ? nullptr : &retain.error(), pool ? nullptr : &pool.error()})
    if (e) return *e;
  inv.staging_fabric = *staging;
  inv.pktgen = *pktgen;
  inv.downtime_ms = *downtime;
  inv.precopy_ms = *precopy;
  inv.switchover_wait_ms = *switchover;
  inv.announce_rounds = *rounds;
  inv.retain_hold_ms = *retain;
  if (const Json* t = json.find("transfer_kbps")) {
    if (!t->is_int() || t->as_int() < 1)
      return make_error("inventory: \"transfer_kbps\" must be a positive integer");
    inv.transfer_kbps = t->as_int();
  }
  inv.vmac_pool = *pool;
  std::set<std::string> names;
  for (const char* section : {"hosts", "fabric"}) {
    const Json* arr = json.find(section);
    if (!arr) continue;
    if (!arr->is_array())
      return make_error(std::string("inventory: \"") + section + "\" must be a list");
    for (size_t i = 0; i < arr->as_array().size(); i++) {
      auto n = parse_node(arr->as_array()[i], std::string(section) == "fabric", i);
      if (!n) return n.error();
      if (!names.insert(n->name).second)
        return make_error("inventory: duplicate switch name \"" + n->name + "\"");
      inv.nodes.push_back(std::move(*n));
    }
  }
  if (const Json* arr = json.find("vms")) {
    if (!arr->is_array()) return make_error("inventory: \"vms\" must be a list");
    for (size_t i = 0; i < arr->as_array().size(); i++) {
      auto vm = parse_vm(arr->as_array()[i], i);
      if (!vm) return vm.error();
      if (inv.vm(vm->name)) return make_error("inventory: duplicate VM \"" + vm->name + "\"");
      const Node* h = inv.node(vm->host);
      if (!h || h->fabric)
        return make_error("inventory: VM " + vm->name + " is on unknown host \"" + vm->host + "\"");
      inv.vms.push_back(std::move(*vm));
    }
  }
  if (const Json* arr = json.find("flows")) {
    if (!arr->is_array()) return make_error("inventory: \"flows\" must be a list");
    for (size_t i = 0; i < arr->as_array().size(); i++) {
      const Json& f = arr->as_array()[i];
      std::string where = "flows[" + std::to_string(i) + "]";
      if (!f.is_object()) return make_error(where + ": must be an object");
      auto from = str(f, "from", where, true);
      auto to = str(f, "to", where, true);
      auto prio = integer(f, "priority", where, 7, 0, 7);
      for (const Error* e : {from ? nullptr : &from.error(), to ? nullptr : &to.error(),
                             prio ? nullptr : &prio.error()})
        if (e) return *e;
      if (!inv.discover && (!inv.vm(*from) || !inv.vm(*to)))
        return make_error(where + ": unknown VM " + (inv.vm(*from) ? *to : *from));
      inv.flows.push_back({*from, *to, *prio});
    }
  }
  // Links must name switches that exist, both ways.
  for (const Node& n : inv.nodes) {
    for (const auto& [peer, port] : n.ports) {
      const Node* p = inv.node(peer);
      if (!p || p->fabric == n.fabric)
        return make_error("inventory: " + n.name + " has a link to \"" + peer +
                          "\", which is not " + (n.fabric ? "a host" : "a fabric switch"));
    }
  }
  if (!inv.primary_fabric.empty()) {
    const Node* s = inv.node(inv.primary_fabric);
    if (!s || !s->fabric)
      return make_error("inventory: primary_fabric \"" + inv.primary_fabric +
                        "\" is not a fabric switch");
  }
  if (!inv.staging_fabric.empty()) {
    const Node* s = inv.node(inv.staging_fabric);
    if (!s || !s->fabric)
      return make_error("inventory: staging_fabric \"" + inv.staging_fabric +
                        "\" is not a fabric switch");
  }
  return inv;
}

Result<Inventory> load_inventory(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read inventory \"" + path + "\"", ENOENT);
  std::stringstream ss;
  ss << in.rdbuf();
  auto json = rpc::parse_json(ss.str());
  if (!json) return make_error("inventory " + path + ": " + json.error().message);
  auto inv = parse_inventory(*json);
  if (!inv) return make_error(path + ": " + inv.error().message);
  return inv;
}

}  // namespace ferry::migrate
