// SEEDS 003: the source's flows kept "unused" after a migration, so that a
// migration back is fast. In Ferry the VM's flows toward its old host are
// its entries on the fabric and the senders; they cannot stay under the
// VM's own MAC (that now leads to the new host), so they stay under a
// virtual MAC: the staged path of a migration back (S406 entries, S408
// sender conversion staged, S410 receiver conversion on the old host),
// exactly the steps that migration's plan would start with. The run that
// holds them stays in the ledger as "held" (plan "retained") until a
// migration back takes them over or the hold time expires (rolled back).
#include "tools/migrate/plan.h"

namespace ferry::migrate {

namespace {

bool retained_step(const Step& s) {
  return s.label == "S406" || s.label == "S408" ||
         (s.label == "S410" && s.apply.method == "vmac/add-rx");
}

}  // namespace

Result<Plan> build_retained_plan(const Inventory& inv, const std::string& vm,
                                 const std::string& host, const std::string& old_host,
                                 const std::string& vmac) {
  PlanOptions o;
  o.name = "000";
  o.vlans_by_set = true;  // memberships are the migrations' business
  auto back = build_plan(inv, vm, host, old_host, {vmac}, o);
  if (!back) return back.error();
  Plan p;
  p.vm = vm;
  p.source = host;
  p.destination = old_host;
  p.name = "retained";
  p.vmacs = {vmac};
  p.senders = back->senders;
  p.hold = true;
  for (const Step& s : back->steps) {
    if (!retained_step(s)) continue;
    Step r = s;
    r.seq = static_cast<int>(p.steps.size());
    r.phase = "retain";
    p.steps.push_back(std::move(r));
  }
  if (p.steps.empty()) return make_error("nothing to retain toward " + old_host);
  return p;
}

std::map<int, std::string> reusable_steps(const Plan& retained,
                                          const std::vector<std::string>& results,
                                          const Plan& plan) {
  std::map<int, std::string> out;
  for (size_t i = 0; i < retained.steps.size(); i++) {
    const Step& r = retained.steps[i];
    bool found = false;
    for (const Step& s : plan.steps) {
      if (s.label != r.label || s.node != r.node || s.apply.method != r.apply.method ||
          s.apply.args != r.apply.args || s.result_var != r.result_var || out.count(s.seq))
        continue;
      out[s.seq] = results.at(i);
      found = true;
      break;
    }
    if (!found) return {};
  }
  return out;
}

}  // namespace ferry::migrate
