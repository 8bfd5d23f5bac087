// SEEDS 001 embodiments 2-4: the scheduled set. One plan for several
// migrations planned together: the VLAN additions all of them need, one
// kMigrate step per migration (each runs as a migration of its own, with
// its own ledger row and steps, without VLAN steps), then the prunes.
#include <set>
#include <tuple>

#include "tools/migrate/plan.h"

namespace ferry::migrate {

namespace {

std::string join_thresholds(const std::vector<int>& t) {
  std::string out;
  for (int x : t) out += (out.empty() ? "" : ",") + std::to_string(x);
  return out;
}

}  // namespace

Result<Plan> build_set_plan(const Inventory& inv, const std::vector<Move>& moves,
                            const std::string& set_name, const PlanOptions& options) {
  if (moves.empty()) return make_error("a scheduled set needs at least one migration");
  if (!plan_variant(options.name))
    return make_error("unknown plan \"" + options.name + "\" (000, 000-prio, 003-dup, baseline)");
  PlanBuilder b;
  Plan& plan = b.plan;
  plan.vm = set_name;
  plan.name = "set";
  std::set<std::string> seen;
  for (const Move& m : moves) {
    const Vm* vm = inv.vm(m.vm);
    if (!vm) return make_error("unknown VM \"" + m.vm + "\"", ENOENT);
    if (!seen.insert(m.vm).second) return make_error(m.vm + " is twice in the set");
    const Node* src = inv.node(m.source);
    const Node* dst = inv.node(m.destination);
    if (!dst || dst->fabric) return make_error("unknown host \"" + m.destination + "\"", ENOENT);
    if (!src || src->fabric) return make_error("unknown source host \"" + m.source + "\"", ENOENT);
    if (src == dst) return make_error(m.vm + " already runs on " + m.destination);
  }
  // Before the first migration: every membership any of them needs, once
  // (the undo removes it only where the step added it).
  std::set<std::tuple<std::string, std::string, int>> added;
  std::vector<std::pair<size_t, std::string>> additions;  // step, the host it is for
  for (const Move& m : moves) {
    int vlan = inv.vm(m.vm)->vlan;
    if (vlan == 0) continue;
    std::string v = std::to_string(vlan);
    for (const auto& [node, port] : vlan_ports(inv, *inv.node(m.destination))) {
      if (!added.insert({node, port, vlan}).second) continue;
      std::string var = "vlan" + std::to_string(plan.steps.size());
      additions.push_back({plan.steps.size(), m.destination});
      b.phase = "staging";
      b.add("001-add", node, StepKind::kVsctl, {"vlan-add", {port, v}},
            {"vlan-remove", {port, v, "$" + var}},
            "VLAN " + v + " on " + node + " " + port + " (toward " + m.destination + ")", var);
    }
  }
  // The migrations, one after the other. The first one started is the
  // set's point of no return: from then on the set only goes forward (each
  // migration completes or rolls itself back; the set goes on with the next).
  for (size_t i = 0; i < moves.size(); i++) {
    const Move& m = moves[i];
    if (i == 0) plan.point_of_no_return = static_cast<int>(plan.steps.size());
    b.phase = "transfer";
    b.add("001-set", "", StepKind::kMigrate,
          {"migrate",
           {m.vm, m.source, m.destination, options.name,
            join_thresholds(options.priority_thresholds), set_name}},
          {}, "migration " + m.vm + " " + m.source + " -> " + m.destination,
          "mv" + std::to_string(i));
  }
  // After the last: each source that a VM of the VLAN left is pruned unless
  // a VM of it runs there now (or is migrating onto it); each addition no
  // VM ended up using (its migration rolled back) is removed again.
  for (size_t i = 0; i < moves.size(); i++) {
    const Move& m = moves[i];
    int vlan = inv.vm(m.vm)->vlan;
    if (vlan == 0) continue;
    std::string v = std::to_string(vlan);
    for (const Node* f : inv.fabric()) {
      if (!f->ports.count(m.source)) continue;
      b.phase = "cleanup";
      b.add("001-prune", f->name, StepKind::kVlanPrune,
            {"vlan-prune", {f->ports.at(m.source), v, m.source, m.vm, "$mv" + std::to_string(i)}},
            {}, "prune VLAN " + v + " from " + f->ports.at(m.source) + " unless still used", "");
    }
  }
  for (const auto& [k, host] : additions) {
    // Copied: add() may move the steps.
    std::string node = plan.steps[k].node, port = plan.steps[k].apply.args[0];
    std::string v = plan.steps[k].apply.args[1], var = plan.steps[k].result_var;
    b.phase = "cleanup";
    b.add(
        "001-unadd", node, StepKind::kVlanPrune, {"vlan-unadd", {port, v, host, "", "$" + var}}, {},
        "remove VLAN " + v + " from " + port + " if the set added it and no VM of it is on " + host,
        "");
  }
  return std::move(b.plan);
}

}  // namespace ferry::migrate
