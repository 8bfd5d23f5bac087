#include "tools/migrate/plan.h"

#include <algorithm>

namespace ferry::migrate {

using rpc::Json;

const char* step_kind_name(StepKind k) {
  switch (k) {
    case StepKind::kCtl:
      return "ctl";
    case StepKind::kVsctl:
      return "vsctl";
    case StepKind::kMark:
      return "mark";
    case StepKind::kMove:
      return "move";
    case StepKind::kFirstFrame:
      return "first-frame";
    case StepKind::kMoveWait:
      return "move-wait";
    case StepKind::kVlanPrune:
      return "vlan-prune";
    case StepKind::kOfctl:
      return "ofctl";
  }
  return "?";
}

Command resolve(const Command& c, const Vars& vars) {
  Command out = c;
  for (std::string& a : out.args) {
    // "$x" as a whole argument, or "key=$x" (vmac/commit activate=$tx).
    size_t dollar = a.find('$');
    if (dollar == std::string::npos) continue;
    auto it = vars.find(a.substr(dollar + 1));
    if (it != vars.end()) a = a.substr(0, dollar) + it->second;
  }
  return out;
}

int vmacs_needed(const std::string& plan_name) {
  if (plan_name == "baseline") return 0;
  if (plan_name == "000-prio") return 2;
  return 1;
}

bool known_plan(const std::string& plan_name) {
  return plan_name == "000" || plan_name == "000-prio" || plan_name == "003-dup" ||
         plan_name == "baseline";
}

namespace {

struct Builder {
  Plan plan;
  std::string phase;

  Step& add(std::string label, std::string node, StepKind kind, Command apply, Command undo,
            std::string text, std::string var = "") {
    Step s;
    s.seq = static_cast<int>(plan.steps.size());
    s.phase = phase;
    s.label = std::move(label);
    s.node = std::move(node);
    s.kind = kind;
    s.apply = std::move(apply);
    s.undo = std::move(undo);
    s.text = std::move(text);
    s.result_var = std::move(var);
    plan.steps.push_back(std::move(s));
    return plan.steps.back();
  }
};

// A staged path: a virtual MAC, the fabric switch it crosses, and the
// priority classes it carries ("" = all).
struct Path {
  std::string vmac;
  const Node* fabric;
  std::string classes;
};

}  // namespace

Result<Plan> build_plan(const Inventory& inv, const std::string& vm_name, const std::string& source,
                        const std::string& destination, const std::vector<std::string>& vmacs,
                        const PlanOptions& options) {
  if (!known_plan(options.name))
    return make_error("unknown plan \"" + options.name + "\" (000, 000-prio, 003-dup, baseline)");
  const Vm* vm = inv.vm(vm_name);
  if (!vm) return make_error("unknown VM \"" + vm_name + "\"", ENOENT);
  const Node* src = inv.node(source);
  const Node* dst = inv.node(destination);
  if (!dst || dst->fabric) return make_error("unknown host \"" + destination + "\"", ENOENT);
  if (!src || src->fabric) return make_error("unknown source host \"" + source + "\"", ENOENT);
  if (src == dst) return make_error(vm_name + " already runs on " + destination);
  if (static_cast<int>(vmacs.size()) != vmacs_needed(options.name))
    return make_error("plan " + options.name + " needs " +
                      std::to_string(vmacs_needed(options.name)) + " virtual MACs");
  auto fabric = inv.fabric();
  if (fabric.empty()) return make_error("the inventory has no fabric switch");
  for (const Node* f : fabric) {
    for (const Node* h : {src, dst})
      if (!f->ports.count(h->name))
        return make_error("fabric switch " + f->name + " has no port facing " + h->name);
  }

  Builder b;
  b.plan.vm = vm_name;
  b.plan.source = source;
  b.plan.destination = destination;
  b.plan.name = options.name;
  b.plan.vmacs = vmacs;
  // S404: the senders, from the traffic information.
  for (const Flow& f : inv.flows) {
    if (f.to != vm_name) continue;
    const Vm* from = inv.vm(f.from);
    if (from->host == destination) continue;  // reaches the VM locally afterwards
    if (std::find(b.plan.senders.begin(), b.plan.senders.end(), from->host) == b.plan.senders.end())
      b.plan.senders.push_back(from->host);
  }
  const std::string vlan = std::to_string(vm->vlan);
  const std::string& mac = vm->mac;

  std::vector<Path> paths;
  // The staged path crosses the fabric switch the VM's own path will
  // cross after the migration (the primary), unless told otherwise: then
  // S606 changes the sender's destination MAC but not its path, and no
  // frame still in flight on the staged path can be overtaken.
  const Node* primary = inv.primary_fabric.empty() ? fabric.front() : inv.node(inv.primary_fabric);
  const Node* staging = inv.staging_fabric.empty() ? primary : inv.node(inv.staging_fabric);
  if (options.name == "000-prio") {
    const Node* other = staging;
    for (const Node* f : fabric)
      if (f != staging) other = f;
    int p = std::clamp(options.priority_threshold, 0, 6);
    // Frame class c (802.1p / DSCP class selector, larger = more important)
    // carries application priority 7 - c (smaller = more important).
    paths.push_back({vmacs[0], staging, std::to_string(7 - p) + "-7"});
    paths.push_back({vmacs[1], other, "0-" + std::to_string(6 - p)});
  } else if (options.name != "baseline") {
    paths.push_back({vmacs[0], staging, ""});
  }
  for (const Path& p : paths) {
    for (const std::string& h : b.plan.senders) {
      const Node* hn = inv.node(h);
      if (!hn->ports.count(p.fabric->name))
        return make_error("host " + h + " has no uplink to fabric switch " + p.fabric->name);
      if (!p.fabric->ports.count(h))
        return make_error("fabric switch " + p.fabric->name + " has no port facing " + h);
    }
    if (!dst->ports.count(p.fabric->name))
      return make_error("host " + destination + " has no uplink to fabric switch " +
                        p.fabric->name);
  }

  // --- staging: the M paths, the 001 VLAN additions, both conversions ---
  b.phase = "staging";
  // SEEDS 001: the destination joins the VM's VLAN before anything uses it.
  if (vm->vlan != 0) {
    // The undo removes the VLAN only where the step added it ($vlanN).
    auto add_vlan = [&](const std::string& node, const std::string& port, const std::string& text) {
      std::string var = "vlan" + std::to_string(b.plan.steps.size());
      b.add("001-add", node, StepKind::kVsctl, {"vlan-add", {port, vlan}},
            {"vlan-remove", {port, vlan, "$" + var}}, text, var);
    };
    for (const Node* f : fabric)
      add_vlan(
          f->name, f->ports.at(destination),
          "VLAN " + vlan + " on " + f->ports.at(destination) + " (toward " + destination + ")");
    for (const auto& [fname, uplink] : dst->ports)
      add_vlan(destination, uplink, "VLAN " + vlan + " on uplink " + uplink);
  }
  for (const Path& p : paths) {
    const Node* f = p.fabric;
    b.add("S406", f->name, StepKind::kCtl,
          {"fdb/add", {f->bridge, f->ports.at(destination), vlan, p.vmac}},
          {"fdb/del", {f->bridge, vlan, p.vmac}},
          "path " + p.vmac + " -> " + f->ports.at(destination) + " (toward " + destination + ")");
    for (const std::string& h : b.plan.senders) {
      const Node* hn = inv.node(h);
      b.add("S406", h, StepKind::kCtl,
            {"fdb/add", {hn->bridge, hn->ports.at(f->name), vlan, p.vmac}},
            {"fdb/del", {hn->bridge, vlan, p.vmac}},
            "path " + p.vmac + " -> uplink " + hn->ports.at(f->name) + " (toward " + f->name + ")");
    }
  }
  for (size_t i = 0; i < paths.size(); i++) {
    const Path& p = paths[i];
    for (const std::string& h : b.plan.senders) {
      const Node* hn = inv.node(h);
      std::string var = "tx" + std::to_string(i) + "_" + h;
      Command add{options.name == "003-dup" ? "vmac/add-dup" : "vmac/add-tx",
                  {hn->bridge, mac, p.vmac}};
      if (!p.classes.empty()) add.args.push_back("class=" + p.classes);
      b.add("S408", h, StepKind::kCtl, add, {"vmac/del", {"$" + var}},
            "sender conversion " + mac + " -> " + p.vmac + " (staged)", var);
      if (options.name == "003-dup") {
        std::string tv = "txp" + std::to_string(i) + "_" + h;
        b.add("S408", h, StepKind::kCtl, {"vmac/add-tx", {hn->bridge, mac, p.vmac}},
              {"vmac/del", {"$" + tv}}, "sender conversion " + mac + " -> " + p.vmac + " (staged)",
              tv);
      }
    }
    std::string rv = "rx" + std::to_string(i);
    b.add("S410", destination, StepKind::kCtl, {"vmac/add-rx", {dst->bridge, p.vmac, mac}},
          {"vmac/del", {"$" + rv}}, "receiver conversion " + p.vmac + " -> " + mac + " (active)",
          rv);
  }
  if (options.name == "003-dup") {
    // Duplicate to both paths during the transfer (SEEDS 003 embodiment 2).
    // Until the VM is on the destination its copies there go nowhere: a
    // static entry toward the path's own uplink drops them (never back
    // out), and the VM's RARP moves that entry to its port.
    const std::string& up = dst->ports.at(paths[0].fabric->name);
    b.add("003-hold", destination, StepKind::kCtl, {"move-detect/enable", {dst->bridge}},
          {"move-detect/disable", {dst->bridge}}, "move detection on (the VM's RARP places it)");
    Command restore{"fdb/del", {dst->bridge, vlan, mac}};
    if (inv.host_entries && dst->ports.count(primary->name))
      restore = {"fdb/add", {dst->bridge, dst->ports.at(primary->name), vlan, mac}};
    b.add("003-hold", destination, StepKind::kCtl, {"fdb/add", {dst->bridge, up, vlan, mac}},
          restore, "hold " + mac + " copies until the VM arrives");
    for (const std::string& h : b.plan.senders)
      b.add("003-dup", h, StepKind::kCtl, {"vmac/activate", {"$tx0_" + h}},
            {"vmac/deactivate", {"$tx0_" + h}}, "duplicate to both paths");
  }
  // The destination reaches the VM through the fabric until now: its
  // static entry for it (if any) goes, so the VM's first frame is learned
  // on its new port.
  if (inv.host_entries && dst->ports.count(primary->name) && options.name != "003-dup")
    b.add("S410", destination, StepKind::kCtl, {"fdb/del", {dst->bridge, vlan, mac}},
          {"fdb/add", {dst->bridge, dst->ports.at(primary->name), vlan, mac}},
          "remove the static entry for " + mac + " (the VM will be local)");
  // SEEDS 003: the memory image's own path, capped by a meter so it never
  // starves the VMs' traffic (when the hosts' management addresses are known).
  const bool transfer_path =
      options.name == "003-dup" && !src->mgmt_ip.empty() && !dst->mgmt_ip.empty();
  const std::string transfer_match =
      "tcp,nw_src=" + src->mgmt_ip + ",nw_dst=" + dst->mgmt_ip + ",tp_dst=49152";
  if (transfer_path) {
    b.add(
        "003-xfer", source, StepKind::kOfctl,
        {"add-meter",
         {"meter=49152,kbps,burst,stats,bands=type=drop,rate=" + std::to_string(inv.transfer_kbps) +
          ",burst_size=" + std::to_string(std::max<int64_t>(1, inv.transfer_kbps / 10))}},
        {"del-meter", {"meter=49152"}}, "meter for the memory-transfer path");
    b.add("003-xfer", source, StepKind::kOfctl,
          {"add-flow", {"priority=500," + transfer_match + ",actions=meter:49152,NORMAL"}},
          {"del-flows", {"--strict", "priority=500," + transfer_match}},
          "memory-transfer path to " + destination + ", metered");
  }
  b.add("S412", destination, StepKind::kMark, {"events/wait", {"0"}}, {},
        "note the destination's event sequence", "seq");

  // --- transfer: the live migration; the destination's first frame ---
  b.phase = "transfer";
  b.add("S414", "", StepKind::kMove, {"move", {vm_name, source, destination}},
        {"move", {vm_name, destination, source}},
        "live migration " + source + " -> " + destination);
  b.add("S416", destination, StepKind::kFirstFrame,
        {"first-frame", {dst->bridge, mac, "$seq", vm->port}}, {},
        "the VM's first frame on " + destination + " (or the driver's completion)");

  // --- cut-over: the senders switch to the staged paths ---
  b.phase = "cut-over";
  if (!paths.empty()) {
    for (const std::string& h : b.plan.senders) {
      Command act{"vmac/commit", {}};
      Command deact{"vmac/commit", {}};
      for (size_t i = 0; i < paths.size(); i++) {
        std::string ref =
            (options.name == "003-dup" ? "$txp" : "$tx") + std::to_string(i) + "_" + h;
        act.args.push_back("activate=" + ref);
        deact.args.push_back("deactivate=" + ref);
      }
      if (options.name == "003-dup") {
        act.args.push_back("deactivate=$tx0_" + h);
        deact.args.push_back("activate=$tx0_" + h);
      }
      b.add("S418", h, StepKind::kCtl, act, deact, "activate the sender conversion (cut-over)");
    }
  }
  b.add("S416", "", StepKind::kMoveWait, {"move-wait", {vm_name, source, destination}}, {},
        "the driver reports the migration complete");
  b.plan.point_of_no_return = static_cast<int>(b.plan.steps.size()) - 1;

  // --- cleanup: forward only, every step idempotent ---
  b.phase = "cleanup";
  for (const Node* f : fabric)
    b.add("S602", f->name, StepKind::kCtl, {"fdb/del", {f->bridge, vlan, mac}}, {},
          "delete " + mac + " -> " + f->ports.at(source));
  for (const Node* f : fabric)
    b.add("S604", f->name, StepKind::kCtl,
          {"fdb/add", {f->bridge, f->ports.at(destination), vlan, mac}}, {},
          mac + " -> " + f->ports.at(destination) + " (toward " + destination + ")");
  // Hosts reach the VM through the primary fabric at its new place.
  for (const Node& h : inv.nodes) {
    if (!inv.host_entries || h.fabric || h.name == destination || !h.ports.count(primary->name))
      continue;
    b.add("S604", h.name, StepKind::kCtl,
          {"fdb/add", {h.bridge, h.ports.at(primary->name), vlan, mac}}, {},
          mac + " -> uplink " + h.ports.at(primary->name));
  }
  for (size_t i = 0; i < paths.size(); i++) {
    for (const std::string& h : b.plan.senders) {
      if (options.name == "003-dup")
        b.add("S606", h, StepKind::kCtl, {"vmac/del", {"$tx0_" + h}}, {},
              "remove the duplicating conversion");
      std::string ref = (options.name == "003-dup" ? "$txp" : "$tx") + std::to_string(i) + "_" + h;
      b.add("S606", h, StepKind::kCtl, {"vmac/del", {ref}}, {}, "remove the sender conversion");
    }
  }
  for (size_t i = 0; i < paths.size(); i++)
    b.add("S608", destination, StepKind::kCtl, {"vmac/del", {"$rx" + std::to_string(i)}}, {},
          "remove the receiver conversion");
  if (options.name == "003-dup") {
    b.add("003-hold", destination, StepKind::kCtl, {"move-detect/disable", {dst->bridge}}, {},
          "move detection off");
    b.add("003-hold", destination, StepKind::kCtl, {"fdb/del", {dst->bridge, vlan, mac}}, {},
          "the VM's entry is learned again");
  }
  if (transfer_path) {
    b.add("003-xfer", source, StepKind::kOfctl,
          {"del-flows", {"--strict", "priority=500," + transfer_match}}, {},
          "remove the memory-transfer path");
    b.add("003-xfer", source, StepKind::kOfctl, {"del-meter", {"meter=49152"}}, {},
          "remove its meter");
  }
  for (const Path& p : paths) {
    b.add("S610", p.fabric->name, StepKind::kCtl, {"fdb/del", {p.fabric->bridge, vlan, p.vmac}}, {},
          "delete path " + p.vmac);
    for (const std::string& h : b.plan.senders)
      b.add("S610", h, StepKind::kCtl, {"fdb/del", {inv.node(h)->bridge, vlan, p.vmac}}, {},
            "delete path " + p.vmac);
  }
  if (vm->vlan != 0) {
    for (const Node* f : fabric)
      b.add("001-prune", f->name, StepKind::kVlanPrune,
            {"vlan-prune", {f->ports.at(source), vlan, source, vm_name}}, {},
            "prune VLAN " + vlan + " from " + f->ports.at(source) + " unless still used");
  }
  return std::move(b.plan);
}

int paths_available(const Inventory& inv) { return static_cast<int>(inv.fabric().size()); }

Result<Plan> build_paths_plan(const Inventory& inv, const std::string& vm_name,
                              const std::string& host, const std::vector<std::string>& vmacs) {
  const Vm* vm = inv.vm(vm_name);
  if (!vm) return make_error("unknown VM \"" + vm_name + "\"", ENOENT);
  const Node* h = inv.node(host);
  if (!h || h->fabric) return make_error("unknown host \"" + host + "\"", ENOENT);
  auto fabric = inv.fabric();
  if (vmacs.empty() || vmacs.size() > fabric.size())
    return make_error("--candidates: 1 to " + std::to_string(fabric.size()) +
                      " (one path per fabric switch)");
  Builder b;
  b.plan.vm = vm_name;
  b.plan.source = host;
  b.plan.destination = host;
  b.plan.name = "paths";
  b.plan.vmacs = vmacs;
  b.plan.hold = true;
  for (const Flow& f : inv.flows) {
    if (f.to != vm_name) continue;
    const std::string& sh = inv.vm(f.from)->host;
    if (sh != host &&
        std::find(b.plan.senders.begin(), b.plan.senders.end(), sh) == b.plan.senders.end())
      b.plan.senders.push_back(sh);
  }
  if (b.plan.senders.empty()) return make_error("no sender of " + vm_name + " in the flows");
  const std::string vlan = std::to_string(vm->vlan);
  b.phase = "staging";
  for (size_t i = 0; i < vmacs.size(); i++) {
    const Node* f = fabric[i];
    if (!f->ports.count(host) || !h->ports.count(f->name))
      return make_error("no link between " + host + " and " + f->name);
    std::string m = "m" + std::to_string(i + 1);
    b.add("E3-path", f->name, StepKind::kCtl,
          {"fdb/add", {f->bridge, f->ports.at(host), vlan, vmacs[i]}},
          {"fdb/del", {f->bridge, vlan, vmacs[i]}},
          "candidate " + m + ": " + vmacs[i] + " -> " + host);
    for (const std::string& sn : b.plan.senders) {
      const Node* s = inv.node(sn);
      if (!s->ports.count(f->name)) return make_error("no link between " + sn + " and " + f->name);
      b.add("E3-path", sn, StepKind::kCtl,
            {"fdb/add", {s->bridge, s->ports.at(f->name), vlan, vmacs[i]}},
            {"fdb/del", {s->bridge, vlan, vmacs[i]}}, "candidate " + m + " via " + f->name);
      std::string var = "tx" + std::to_string(i) + "_" + sn;
      b.add("E3-tx", sn, StepKind::kCtl, {"vmac/add-tx", {s->bridge, vm->mac, vmacs[i]}},
            {"vmac/del", {"$" + var}}, "sender conversion to " + m + " (staged)", var);
    }
    std::string rv = "rx" + std::to_string(i);
    b.add("E3-rx", host, StepKind::kCtl, {"vmac/add-rx", {h->bridge, vmacs[i], vm->mac}},
          {"vmac/del", {"$" + rv}}, "receiver conversion of " + m, rv);
  }
  for (const std::string& sn : b.plan.senders)
    b.add("E3-activate", sn, StepKind::kCtl, {"vmac/activate", {"$tx0_" + sn}},
          {"vmac/deactivate", {"$tx0_" + sn}}, "senders use candidate m1");
  return std::move(b.plan);
}

Json command_to_json(const Command& c) {
  Json args = Json::array();
  for (const std::string& a : c.args) args.push_back(Json(a));
  Json o = Json::object();
  o.set("method", c.method);
  o.set("args", std::move(args));
  return o;
}

namespace {

Result<Command> command_from_json(const Json* j) {
  Command c;
  if (!j || !j->is_object()) return c;
  const Json* m = j->find("method");
  const Json* a = j->find("args");
  if (!m || !m->is_string() || !a || !a->is_array()) return make_error("bad command in step");
  c.method = m->as_string();
  for (const Json& x : a->as_array()) {
    if (!x.is_string()) return make_error("bad command argument in step");
    c.args.push_back(x.as_string());
  }
  return c;
}

}  // namespace

Json step_to_json(const Step& s) {
  Json o = Json::object();
  o.set("seq", s.seq);
  o.set("phase", s.phase);
  o.set("label", s.label);
  o.set("node", s.node);
  o.set("kind", step_kind_name(s.kind));
  o.set("apply", command_to_json(s.apply));
  if (!s.undo.empty()) o.set("undo", command_to_json(s.undo));
  if (!s.result_var.empty()) o.set("var", s.result_var);
  o.set("text", s.text);
  return o;
}

Result<Step> step_from_json(const Json& j) {
  Step s;
  auto get = [&](const char* k) -> std::string {
    const Json* v = j.find(k);
    return v && v->is_string() ? v->as_string() : "";
  };
  const Json* seq = j.find("seq");
  if (!seq || !seq->is_int()) return make_error("stored step without seq");
  s.seq = static_cast<int>(seq->as_int());
  s.phase = get("phase");
  s.label = get("label");
  s.node = get("node");
  s.text = get("text");
  s.result_var = get("var");
  std::string kind = get("kind");
  bool found = false;
  for (StepKind k :
       {StepKind::kCtl, StepKind::kVsctl, StepKind::kMark, StepKind::kMove, StepKind::kFirstFrame,
        StepKind::kMoveWait, StepKind::kVlanPrune, StepKind::kOfctl})
    if (kind == step_kind_name(k)) {
      s.kind = k;
      found = true;
    }
  if (!found) return make_error("stored step with unknown kind \"" + kind + "\"");
  auto apply = command_from_json(j.find("apply"));
  auto undo = command_from_json(j.find("undo"));
  if (!apply) return apply.error();
  if (!undo) return undo.error();
  s.apply = *apply;
  s.undo = *undo;
  return s;
}

}  // namespace ferry::migrate
