// ferry-migrate discover, and the inventory's "discover": the VMs the
// hypervisors' daemons know (tools/migrate/discover.h).
#include <cstdio>

#include "lib/rpc/json.h"
#include "tools/migrate/cli_common.h"
#include "tools/migrate/discover.h"

namespace ferry::migrate::cli {

using rpc::Json;

static Discovered discover(Context& ctx) {
  return discover_vms(ctx.inv, [&](const std::string& node, const std::string& method,
                                   const std::vector<std::string>& args) {
    return ctx.ex->ctl(node, method, args, 2000);
  });
}

// Merges d into inv and lets the driver fill in what it needs; the changes.
static std::vector<std::string> merge(Context& ctx, Inventory& inv, const Discovered& d) {
  std::vector<std::string> changes = merge_discovered(inv, d);
  for (Vm& vm : inv.vms)
    if (const Node* h = inv.node(vm.host)) ctx.driver->locate(vm, *h);
  return changes;
}

Status apply_discovery(Context& ctx, bool verbose) {
  Discovered d = discover(ctx);
  std::vector<std::string> changes = merge(ctx, ctx.inv, d);
  if (verbose) {
    for (const std::string& n : d.notes)
      std::fprintf(stderr, "ferry-migrate: discovery: %s\n", n.c_str());
    for (const std::string& c : changes)
      std::fprintf(stderr, "ferry-migrate: discovery: %s\n", c.c_str());
  }
  for (const Flow& f : ctx.inv.flows) {
    for (const std::string& name : {f.from, f.to}) {
      if (!ctx.inv.vm(name)) {
        return make_error("inventory: flow " + f.from + " -> " + f.to + ": unknown VM " + name +
                          " (neither listed nor discovered)");
      }
    }
  }
  return {};
}

int cmd_discover(const Args& a) {
  auto c = open_context(a, true, false);
  if (!c) return fail(c.error().message);
  Context& ctx = **c;
  Discovered d = discover(ctx);
  Inventory merged = ctx.inv;
  std::vector<std::string> changes = merge(ctx, merged, d);
  if (a.json) {
    // The inventory's "vms" section, ready to paste, and the notes.
    Json vms = Json::array();
    for (const Vm& vm : merged.vms) {
      Json o = Json::object();
      o.set("name", vm.name);
      o.set("mac", vm.mac);
      if (!vm.ip.empty()) o.set("ip", vm.ip);
      o.set("host", vm.host);
      o.set("port", vm.port);
      o.set("vlan", Json(static_cast<int64_t>(vm.vlan)));
      if (!vm.netns.empty()) o.set("netns", vm.netns);
      vms.push_back(std::move(o));
    }
    Json notes = Json::array();
    for (const std::string& n : d.notes) notes.push_back(Json(n));
    for (const std::string& n : changes) notes.push_back(Json(n));
    Json out = Json::object();
    out.set("vms", std::move(vms));
    out.set("notes", std::move(notes));
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("%-12s %-17s %4s %-6s %-10s %s\n", "VM", "MAC", "VLAN", "host", "port", "source");
  for (const Vm& vm : merged.vms) {
    bool found = false;
    for (const Vm& f : d.vms) found |= f.mac == vm.mac;
    bool listed = ctx.inv.vm(vm.name) != nullptr;
    std::printf("%-12s %-17s %4d %-6s %-10s %s\n", vm.name.c_str(), vm.mac.c_str(), vm.vlan,
                vm.host.c_str(), vm.port.c_str(),
                !listed ? "discovered"
                : found ? "inventory, seen"
                        : "inventory, not seen");
  }
  for (const std::string& n : d.notes) std::printf("note: %s\n", n.c_str());
  for (const std::string& n : changes)
    if (n.find(": found on ") != std::string::npos) std::printf("moved: %s\n", n.c_str());
  return 0;
}

}  // namespace ferry::migrate::cli
