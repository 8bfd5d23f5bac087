#include "tools/migrate/plan.h"

#include <algorithm>

#include "lib/util/text.h"

namespace ferry::migrate {

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
    case StepKind::kMigrate:
      return "migrate";
    case StepKind::kDrain:
      return "drain";
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

namespace {

constexpr PlanVariant kVariants[] = {
    // name, staged paths, split by priority, duplicate, metered transfer
    {"000", 1, false, false, false},
    {"000-prio", 2, true, false, false},
    {"003-dup", 1, false, true, true},
    {"baseline", 0, false, false, false},
};

}  // namespace

const PlanVariant* plan_variant(const std::string& name) {
  for (const PlanVariant& v : kVariants)
    if (name == v.name) return &v;
  return nullptr;
}

int vmacs_needed(const std::string& plan_name, size_t thresholds) {
  const PlanVariant* v = plan_variant(plan_name);
  if (v && v->split_by_priority) return static_cast<int>(std::max<size_t>(thresholds, 1)) + 1;
  return v ? v->staged_paths : 1;
}

Result<std::vector<int>> parse_thresholds(const std::string& text) {
  std::vector<int> out;
  for (const std::string& t : split(text, ",")) {
    auto n = parse_u64(t);
    if (!n || *n > 6) return make_error("priority threshold \"" + t + "\": a number 0 to 6");
    if (!out.empty() && static_cast<int>(*n) <= out.back())
      return make_error("priority thresholds must increase (" + text + ")");
    out.push_back(static_cast<int>(*n));
  }
  if (out.empty()) return make_error("no priority threshold");
  return out;
}

bool known_plan(const std::string& plan_name) { return plan_variant(plan_name) != nullptr; }

Step& PlanBuilder::add(std::string label, std::string node, StepKind kind, Command apply,
                       Command undo, std::string text, std::string var) {
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

namespace {

using Builder = PlanBuilder;

// A staged path: a virtual MAC, the fabric switch it crosses, and the
// priority classes it carries ("" = all).
struct Path {
  std::string vmac;
  const Node* fabric;
  std::string classes;
};

// The plan of one migration, phase by phase (SEEDS 000 S404-S610, 001,
// 003), for the properties of its variant.
class MigrationPlanner {
 public:
  MigrationPlanner(const Inventory& inv, const PlanVariant& variant, const PlanOptions& opts,
                   const Vm& vm, const Node& src, const Node& dst)
      : inv_(inv),
        v_(variant),
        opts_(opts),
        vm_(vm),
        src_(src),
        dst_(dst),
        fabric_(inv.fabric()),
        vlan_(std::to_string(vm.vlan)),
        mac_(vm.mac) {
    // The staged path crosses the fabric switch the VM's own path will
    // cross after the migration (the primary), unless told otherwise: then
    // S606 changes the sender's destination MAC but not its path, and no
    // frame still in flight on the staged path can be overtaken.
    // (None without a fabric: plan baseline on hosts whose network
    // re-points itself, as OVN's does.)
    primary_ = !inv.primary_fabric.empty() ? inv.node(inv.primary_fabric)
               : fabric_.empty()           ? nullptr
                                           : fabric_.front();
    staging_ = inv.staging_fabric.empty() ? primary_ : inv.node(inv.staging_fabric);
    transfer_path_ = v_.metered_transfer && !src.mgmt_ip.empty() && !dst.mgmt_ip.empty();
    transfer_match_ = "tcp,nw_src=" + src.mgmt_ip + ",nw_dst=" + dst.mgmt_ip +
                      ",tp_dst=" + std::to_string(kTransferTcpPort);
  }

  // S404: the senders, from the traffic information; the staged paths.
  Status choose(const std::string& vm_name, const std::vector<std::string>& vmacs);
  // staging: the paths, the 001 VLAN additions, both conversions.
  void staging();
  // transfer: the live migration; the destination's first frame.
  void transfer();
  // cut-over: the senders switch to the staged paths; the move completes.
  void cut_over();
  // cleanup: forward only, every step idempotent.
  void cleanup();

  Plan take() { return std::move(b_.plan); }

 private:
  void stage_vlans();
  void stage_paths();
  void stage_conversions();
  void stage_duplicate();
  void stage_local_entry();
  void stage_transfer_path();
  void cleanup_entries();
  void cleanup_conversions();
  void cleanup_duplicate();
  void cleanup_transfer_path();
  void cleanup_paths();
  void cleanup_vlans();

  // The staged sender conversion of path i on host h, and the one S418
  // activates (003-dup: the plain one beside the duplicating one).
  static std::string tx_var(size_t i, const std::string& h) {
    return "tx" + std::to_string(i) + "_" + h;
  }
  std::string cutover_var(size_t i, const std::string& h) const {
    return (v_.duplicate ? "txp" : "tx") + std::to_string(i) + "_" + h;
  }
  std::string meter() const { return "meter=" + std::to_string(kTransferMeterId); }

  const Inventory& inv_;
  const PlanVariant& v_;
  const PlanOptions& opts_;
  const Vm& vm_;
  const Node& src_;
  const Node& dst_;
  std::vector<const Node*> fabric_;
  const Node* primary_;
  const Node* staging_;
  std::string vlan_;
  const std::string& mac_;
  bool transfer_path_;
  std::string transfer_match_;
  std::vector<Path> paths_;
  Builder b_;
};

Status MigrationPlanner::choose(const std::string& vm_name, const std::vector<std::string>& vmacs) {
  b_.plan.vm = vm_name;
  b_.plan.source = src_.name;
  b_.plan.destination = dst_.name;
  b_.plan.name = v_.name;
  b_.plan.vmacs = vmacs;
  for (const Flow& f : inv_.flows) {
    if (f.to != vm_name) continue;
    const Vm* from = inv_.vm(f.from);
    if (from->host == dst_.name) continue;  // reaches the VM locally afterwards
    std::vector<std::string>& s = b_.plan.senders;
    if (std::find(s.begin(), s.end(), from->host) == s.end()) s.push_back(from->host);
  }
  if (v_.split_by_priority) {
    const Node* other = staging_;
    for (const Node* f : fabric_)
      if (f != staging_) other = f;
    // Frame class c (802.1p / DSCP class selector, larger = more important)
    // carries application priority 7 - c (smaller = more important). Class
    // k covers the priorities above threshold k-1 up to threshold k; its
    // path alternates between the staging fabric switch and another one.
    int hi = 7;
    const auto& th = opts_.priority_thresholds;
    for (size_t k = 0; k <= th.size(); k++) {
      int lo = k < th.size() ? 7 - std::clamp(th[k], 0, 6) : 0;
      paths_.push_back(
          {vmacs[k], k % 2 ? other : staging_, std::to_string(lo) + "-" + std::to_string(hi)});
      hi = lo - 1;
    }
  } else if (v_.staged_paths > 0) {
    paths_.push_back({vmacs[0], staging_, ""});
  }
  for (const Path& p : paths_) {
    for (const std::string& h : b_.plan.senders) {
      const Node* hn = inv_.node(h);
      if (!hn->ports.count(p.fabric->name))
        return make_error("host " + h + " has no uplink to fabric switch " + p.fabric->name);
      if (!p.fabric->ports.count(h))
        return make_error("fabric switch " + p.fabric->name + " has no port facing " + h);
    }
    if (!dst_.ports.count(p.fabric->name))
      return make_error("host " + dst_.name + " has no uplink to fabric switch " + p.fabric->name);
  }
  return {};
}

void MigrationPlanner::staging() {
  b_.phase = "staging";
  stage_vlans();
  stage_paths();
  stage_conversions();
  if (v_.duplicate)
    stage_duplicate();
  else
    stage_local_entry();
  if (transfer_path_) stage_transfer_path();
  b_.add("S412", dst_.name, StepKind::kMark, {"events/wait", {"0"}}, {},
         "note the destination's event sequence", "seq");
}

// SEEDS 001: the destination joins the VM's VLAN before anything uses it.
void MigrationPlanner::stage_vlans() {
  if (vm_.vlan == 0 || opts_.vlans_by_set) return;
  // The undo removes the VLAN only where the step added it ($vlanN).
  auto add_vlan = [&](const std::string& node, const std::string& port, const std::string& text) {
    std::string var = "vlan" + std::to_string(b_.plan.steps.size());
    b_.add("001-add", node, StepKind::kVsctl, {"vlan-add", {port, vlan_}},
           {"vlan-remove", {port, vlan_, "$" + var}}, text, var);
  };
  for (const auto& [node, port] : vlan_ports(inv_, dst_))
    add_vlan(node, port,
             "VLAN " + vlan_ + " on " + node + " " + port + " (toward " + dst_.name + ")");
}

// S406: each staged path's entries on its fabric switch and the senders.
void MigrationPlanner::stage_paths() {
  const std::string& destination = dst_.name;
  for (const Path& p : paths_) {
    const Node* f = p.fabric;
    b_.add("S406", f->name, StepKind::kCtl,
           {"fdb/add", {f->bridge, f->ports.at(destination), vlan_, p.vmac}},
           {"fdb/del", {f->bridge, vlan_, p.vmac}},
           "path " + p.vmac + " -> " + f->ports.at(destination) + " (toward " + destination + ")");
    for (const std::string& h : b_.plan.senders) {
      const Node* hn = inv_.node(h);
      b_.add(
          "S406", h, StepKind::kCtl,
          {"fdb/add", {hn->bridge, hn->ports.at(f->name), vlan_, p.vmac}},
          {"fdb/del", {hn->bridge, vlan_, p.vmac}},
          "path " + p.vmac + " -> uplink " + hn->ports.at(f->name) + " (toward " + f->name + ")");
    }
  }
}

// S408 the senders' conversions (staged), S410 the receiver's (active).
void MigrationPlanner::stage_conversions() {
  for (size_t i = 0; i < paths_.size(); i++) {
    const Path& p = paths_[i];
    for (const std::string& h : b_.plan.senders) {
      const Node* hn = inv_.node(h);
      std::string var = tx_var(i, h);
      Command add{v_.duplicate ? "vmac/add-dup" : "vmac/add-tx", {hn->bridge, mac_, p.vmac}};
      if (!p.classes.empty()) add.args.push_back("class=" + p.classes);
      b_.add("S408", h, StepKind::kCtl, add, {"vmac/del", {"$" + var}},
             "sender conversion " + mac_ + " -> " + p.vmac + " (staged)", var);
      if (v_.duplicate) {
        std::string tv = cutover_var(i, h);
        b_.add("S408", h, StepKind::kCtl, {"vmac/add-tx", {hn->bridge, mac_, p.vmac}},
               {"vmac/del", {"$" + tv}},
               "sender conversion " + mac_ + " -> " + p.vmac + " (staged)", tv);
      }
    }
    std::string rv = "rx" + std::to_string(i);
    b_.add("S410", dst_.name, StepKind::kCtl, {"vmac/add-rx", {dst_.bridge, p.vmac, mac_}},
           {"vmac/del", {"$" + rv}}, "receiver conversion " + p.vmac + " -> " + mac_ + " (active)",
           rv);
  }
}

// Duplicate to both paths during the transfer (SEEDS 003 embodiment 2).
// Until the VM is on the destination its copies there go nowhere: a static
// entry toward the path's own uplink drops them (never back out), and the
// VM's RARP moves that entry to its port.
void MigrationPlanner::stage_duplicate() {
  const std::string& destination = dst_.name;
  const std::string& up = dst_.ports.at(paths_[0].fabric->name);
  b_.add("003-hold", destination, StepKind::kCtl, {"move-detect/enable", {dst_.bridge}},
         {"move-detect/disable", {dst_.bridge}}, "move detection on (the VM's RARP places it)");
  Command restore{"fdb/del", {dst_.bridge, vlan_, mac_}};
  if (inv_.host_entries && dst_.ports.count(primary_->name))
    restore = {"fdb/add", {dst_.bridge, dst_.ports.at(primary_->name), vlan_, mac_}};
  b_.add("003-hold", destination, StepKind::kCtl, {"fdb/add", {dst_.bridge, up, vlan_, mac_}},
         restore, "hold " + mac_ + " copies until the VM arrives");
  for (const std::string& h : b_.plan.senders)
    b_.add("003-dup", h, StepKind::kCtl, {"vmac/activate", {"$" + tx_var(0, h)}},
           {"vmac/deactivate", {"$" + tx_var(0, h)}}, "duplicate to both paths");
}

// The destination reaches the VM through the fabric until now: its static
// entry for it (if any) goes, so the VM's first frame is learned on its new
// port.
void MigrationPlanner::stage_local_entry() {
  if (!inv_.host_entries || !primary_ || !dst_.ports.count(primary_->name)) return;
  b_.add("S410", dst_.name, StepKind::kCtl, {"fdb/del", {dst_.bridge, vlan_, mac_}},
         {"fdb/add", {dst_.bridge, dst_.ports.at(primary_->name), vlan_, mac_}},
         "remove the static entry for " + mac_ + " (the VM will be local)");
}

// SEEDS 003: the memory image's own path, capped by a meter so it never
// starves the VMs' traffic (when the hosts' management addresses are known).
void MigrationPlanner::stage_transfer_path() {
  const std::string meter_action = "meter:" + std::to_string(kTransferMeterId);
  b_.add(
      "003-xfer", src_.name, StepKind::kOfctl,
      {"add-meter",
       {meter() + ",kbps,burst,stats,bands=type=drop,rate=" + std::to_string(inv_.transfer_kbps) +
        ",burst_size=" + std::to_string(std::max<int64_t>(1, inv_.transfer_kbps / 10))}},
      {"del-meter", {meter()}}, "meter for the memory-transfer path");
  b_.add("003-xfer", src_.name, StepKind::kOfctl,
         {"add-flow", {"priority=500," + transfer_match_ + ",actions=" + meter_action + ",NORMAL"}},
         {"del-flows", {"--strict", "priority=500," + transfer_match_}},
         "memory-transfer path to " + dst_.name + ", metered");
}

void MigrationPlanner::transfer() {
  b_.phase = "transfer";
  const std::string &source = src_.name, &destination = dst_.name;
  b_.add("S414", "", StepKind::kMove, {"move", {b_.plan.vm, source, destination}},
         {"move", {b_.plan.vm, destination, source}},
         "live migration " + source + " -> " + destination);
  b_.add("S416", destination, StepKind::kFirstFrame,
         {"first-frame", {dst_.bridge, mac_, "$seq", vm_.port}}, {},
         "the VM's first frame on " + destination + " (or the driver's completion)");
}

void MigrationPlanner::cut_over() {
  b_.phase = "cut-over";
  if (!paths_.empty()) {
    for (const std::string& h : b_.plan.senders) {
      Command act{"vmac/commit", {}};
      Command deact{"vmac/commit", {}};
      for (size_t i = 0; i < paths_.size(); i++) {
        act.args.push_back("activate=$" + cutover_var(i, h));
        deact.args.push_back("deactivate=$" + cutover_var(i, h));
      }
      if (v_.duplicate) {
        act.args.push_back("deactivate=$" + tx_var(0, h));
        deact.args.push_back("activate=$" + tx_var(0, h));
      }
      b_.add("S418", h, StepKind::kCtl, act, deact, "activate the sender conversion (cut-over)");
    }
  }
  b_.add("S416", "", StepKind::kMoveWait, {"move-wait", {b_.plan.vm, src_.name, dst_.name}}, {},
         "the driver reports the migration complete");
  b_.plan.point_of_no_return = static_cast<int>(b_.plan.steps.size()) - 1;
}

void MigrationPlanner::cleanup() {
  b_.phase = "cleanup";
  cleanup_entries();
  cleanup_conversions();
  if (v_.duplicate) cleanup_duplicate();
  if (transfer_path_) cleanup_transfer_path();
  cleanup_paths();
  cleanup_vlans();
}

// S602/S604: the VM's own entries point to its new place.
void MigrationPlanner::cleanup_entries() {
  const std::string& destination = dst_.name;
  for (const Node* f : fabric_)
    b_.add("S602", f->name, StepKind::kCtl, {"fdb/del", {f->bridge, vlan_, mac_}}, {},
           "delete " + mac_ + " -> " + f->ports.at(src_.name));
  for (const Node* f : fabric_)
    b_.add("S604", f->name, StepKind::kCtl,
           {"fdb/add", {f->bridge, f->ports.at(destination), vlan_, mac_}}, {},
           mac_ + " -> " + f->ports.at(destination) + " (toward " + destination + ")");
  // Hosts reach the VM through the primary fabric at its new place.
  for (const Node& h : inv_.nodes) {
    if (!inv_.host_entries || h.fabric || h.name == destination || !h.ports.count(primary_->name))
      continue;
    b_.add("S604", h.name, StepKind::kCtl,
           {"fdb/add", {h.bridge, h.ports.at(primary_->name), vlan_, mac_}}, {},
           mac_ + " -> uplink " + h.ports.at(primary_->name));
  }
}

// S606 the senders' conversions, S608 the receiver's. With one path per
// priority class the conversions' counters are read first (S605): how
// many frames each class's path carried, kept in the migration's steps.
void MigrationPlanner::cleanup_conversions() {
  if (v_.split_by_priority) {
    for (const std::string& h : b_.plan.senders)
      b_.add("S605", h, StepKind::kCtl, {"vmac/show", {inv_.node(h)->bridge, "--format", "json"}},
             {}, "the sender conversions' counters, per class");
    b_.add("S605", dst_.name, StepKind::kCtl, {"vmac/show", {dst_.bridge, "--format", "json"}}, {},
           "the receiver conversions' counters, per path");
  }
  for (size_t i = 0; i < paths_.size(); i++) {
    for (const std::string& h : b_.plan.senders) {
      if (v_.duplicate)
        b_.add("S606", h, StepKind::kCtl, {"vmac/del", {"$" + tx_var(0, h)}}, {},
               "remove the duplicating conversion");
      b_.add("S606", h, StepKind::kCtl, {"vmac/del", {"$" + cutover_var(i, h)}}, {},
             "remove the sender conversion");
    }
  }
  // Frames the senders converted before S606 may still be on their way
  // (queues of the switches between): the receiver converts them until
  // its conversions stop counting.
  Command drain{"drain", {dst_.bridge}};
  for (size_t i = 0; i < paths_.size(); i++) drain.args.push_back("$rx" + std::to_string(i));
  if (!paths_.empty())
    b_.add("S607", dst_.name, StepKind::kDrain, drain, {},
           "the receiver conversions stop counting (frames in flight)");
  for (size_t i = 0; i < paths_.size(); i++)
    b_.add("S608", dst_.name, StepKind::kCtl, {"vmac/del", {"$rx" + std::to_string(i)}}, {},
           "remove the receiver conversion");
}

void MigrationPlanner::cleanup_duplicate() {
  b_.add("003-hold", dst_.name, StepKind::kCtl, {"move-detect/disable", {dst_.bridge}}, {},
         "move detection off");
  b_.add("003-hold", dst_.name, StepKind::kCtl, {"fdb/del", {dst_.bridge, vlan_, mac_}}, {},
         "the VM's entry is learned again");
}

void MigrationPlanner::cleanup_transfer_path() {
  b_.add("003-xfer", src_.name, StepKind::kOfctl,
         {"del-flows", {"--strict", "priority=500," + transfer_match_}}, {},
         "remove the memory-transfer path");
  b_.add("003-xfer", src_.name, StepKind::kOfctl, {"del-meter", {meter()}}, {}, "remove its meter");
}

// S610: the staged paths' entries.
void MigrationPlanner::cleanup_paths() {
  for (const Path& p : paths_) {
    b_.add("S610", p.fabric->name, StepKind::kCtl, {"fdb/del", {p.fabric->bridge, vlan_, p.vmac}},
           {}, "delete path " + p.vmac);
    for (const std::string& h : b_.plan.senders)
      b_.add("S610", h, StepKind::kCtl, {"fdb/del", {inv_.node(h)->bridge, vlan_, p.vmac}}, {},
             "delete path " + p.vmac);
  }
}

// SEEDS 001: the source leaves the VLAN unless another VM still needs it.
void MigrationPlanner::cleanup_vlans() {
  if (vm_.vlan == 0 || opts_.vlans_by_set) return;
  for (const Node* f : fabric_)
    b_.add("001-prune", f->name, StepKind::kVlanPrune,
           {"vlan-prune", {f->ports.at(src_.name), vlan_, src_.name, b_.plan.vm}}, {},
           "prune VLAN " + vlan_ + " from " + f->ports.at(src_.name) + " unless still used");
}

}  // namespace

Result<Plan> build_plan(const Inventory& inv, const std::string& vm_name, const std::string& source,
                        const std::string& destination, const std::vector<std::string>& vmacs,
                        const PlanOptions& options) {
  const PlanVariant* variant = plan_variant(options.name);
  if (!variant)
    return make_error("unknown plan \"" + options.name + "\" (000, 000-prio, 003-dup, baseline)");
  const Vm* vm = inv.vm(vm_name);
  if (!vm) return make_error("unknown VM \"" + vm_name + "\"", ENOENT);
  const Node* src = inv.node(source);
  const Node* dst = inv.node(destination);
  if (!dst || dst->fabric) return make_error("unknown host \"" + destination + "\"", ENOENT);
  if (!src || src->fabric) return make_error("unknown source host \"" + source + "\"", ENOENT);
  if (src == dst) return make_error(vm_name + " already runs on " + destination);
  int needed = vmacs_needed(options.name, options.priority_thresholds.size());
  if (static_cast<int>(vmacs.size()) != needed)
    return make_error("plan " + options.name + " needs " + std::to_string(needed) +
                      " virtual MACs");
  for (size_t k = 1; k < options.priority_thresholds.size(); k++)
    if (options.priority_thresholds[k] <= options.priority_thresholds[k - 1])
      return make_error("priority thresholds must increase");
  auto fabric = inv.fabric();
  // Only the plans that stage paths need a fabric; the baseline also runs
  // between hosts joined otherwise (OVN's tunnels, Documentation/ovn.md).
  if (fabric.empty() && (variant->staged_paths > 0 || inv.host_entries))
    return make_error("plan " + options.name + ": the inventory has no fabric switch");
  for (const Node* f : fabric) {
    for (const Node* h : {src, dst})
      if (!f->ports.count(h->name))
        return make_error("fabric switch " + f->name + " has no port facing " + h->name);
  }
  MigrationPlanner planner(inv, *variant, options, *vm, *src, *dst);
  if (Status st = planner.choose(vm_name, vmacs); !st) return st.error();
  planner.staging();
  planner.transfer();
  planner.cut_over();
  planner.cleanup();
  return planner.take();
}

std::vector<std::pair<std::string, std::string>> vlan_ports(const Inventory& inv, const Node& dst) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Node* f : inv.fabric())
    if (f->ports.count(dst.name)) out.push_back({f->name, f->ports.at(dst.name)});
  for (const auto& [fname, uplink] : dst.ports) out.push_back({dst.name, uplink});
  return out;
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

}  // namespace ferry::migrate
