// SEEDS 003 retained source flows: after a migration the path back to the
// source stays staged and unused (a "retained" run, held in the ledger with
// its vMAC) for the inventory's retain_hold_ms; a migration back within the
// hold starts with it (its first steps already applied, taken over in the
// transaction that records the migration); past the hold it is rolled back
// like any held run (ferry-migrate expire, or the next migration).
#include <unistd.h>

#include <cstdio>

#include "lib/util/clock.h"
#include "lib/util/text.h"
#include "tools/migrate/cli_common.h"

namespace ferry::migrate::cli {

namespace {

bool kept(const LedgerRow& r) { return r.plan == "retained" && r.status == "held"; }

}  // namespace

std::string reused_seqs(const StateDb::Reuse& r) {
  std::vector<std::string> v;
  for (const auto& [seq, result] : r.applied) v.push_back(std::to_string(seq));
  return join(v, ",");
}

Result<Planned> plan_migration(Context& c, const Args& a, const std::string& vm,
                               const std::string& from, const std::string& to,
                               const PlanOptions& opts) {
  auto ledger = c.db->ledger(false);
  if (!ledger) return ledger.error();
  const LedgerRow* path = nullptr;
  for (const LedgerRow& r : *ledger)
    if (r.vm == vm && kept(r)) path = &r;
  Planned out;
  if (path && path->destination == to && path->vmacs.size() == 1 &&
      vmacs_needed(opts.name, opts.priority_thresholds.size()) == 1) {
    auto plan = build_plan(c.inv, vm, from, to, path->vmacs, opts);
    auto held = c.db->load_run(*path);
    if (plan && held) {
      auto applied = reusable_steps((*held)->plan, (*held)->results, *plan);
      if (!applied.empty()) {
        out.plan = std::move(*plan);
        out.reuse = StateDb::Reuse{path->uuid, path->vmacs, std::move(applied)};
        return out;
      }
    }
  }
  if (path && !a.dry_run) {
    // Not the way back (or another plan): the kept path goes first.
    Outcome o = resume_row(c, a, *path, true);
    if (o.status != RunStatus::kRolledBack)
      return make_error("the path kept toward " + path->destination +
                        " could not be removed: " + o.error);
  }
  auto vmacs = c.db->free_vmacs(vmacs_needed(opts.name, opts.priority_thresholds.size()));
  if (!vmacs) return vmacs.error();
  auto plan = build_plan(c.inv, vm, from, to, *vmacs, opts);
  if (!plan) return plan.error();
  out.plan = std::move(*plan);
  return out;
}

void retain_path(Context& c, const Args& a, const Plan& done, FILE* out) {
  const PlanVariant* v = plan_variant(done.name);
  if (c.inv.retain_hold_ms <= 0 || !v || v->staged_paths == 0) return;
  const Vm* vm = c.inv.vm(done.vm);
  auto vmacs = c.db->free_vmacs(1);
  if (!vmacs) {
    std::fprintf(out, "ferry-migrate: no path kept back to %s: %s\n", done.source.c_str(),
                 vmacs.error().message.c_str());
    return;
  }
  auto plan = build_retained_plan(c.inv, done.vm, done.destination, done.source, (*vmacs)[0]);
  if (!plan) {
    std::fprintf(out, "ferry-migrate: no path kept back to %s: %s\n", done.source.c_str(),
                 plan.error().message.c_str());
    return;
  }
  auto uuid = c.db->create_migration(*plan, vm ? vm->vlan : 0, getpid());
  if (!uuid) {
    std::fprintf(out, "ferry-migrate: no path kept back to %s: %s\n", done.source.c_str(),
                 uuid.error().message.c_str());
    return;
  }
  Run run(*plan);
  auto journal = c.db->journal(*uuid, *plan);
  PrintProgress pp(out, a.verbose);
  Outcome o = run_plan(run, *c.ex, *journal, pp);
  if (o.status == RunStatus::kHeld)
    std::fprintf(out, "ferry-migrate: %s: the path back to %s is kept unused for %d ms (vMAC %s)\n",
                 done.vm.c_str(), done.source.c_str(), c.inv.retain_hold_ms, (*vmacs)[0].c_str());
  else
    std::fprintf(out, "ferry-migrate: no path kept back to %s: %s\n", done.source.c_str(),
                 o.error.c_str());
}

void expire_retained(Context& c, const Args& a) {
  auto ledger = c.db->ledger(false);
  if (!ledger) return;
  int64_t now = wall_ms();
  for (const LedgerRow& r : *ledger)
    if (kept(r) && now - r.started_ms >= c.inv.retain_hold_ms) (void)resume_row(c, a, r, true);
}

int cmd_expire(const Args& a) {
  auto ctx = open_context(a, true);
  if (!ctx) return fail(ctx.error().message);
  Context& c = **ctx;
  expire_retained(c, a);
  auto ledger = c.db->ledger(false);
  if (!ledger) return fail(ledger.error().message);
  int left = 0;
  for (const LedgerRow& r : *ledger)
    if (kept(r)) {
      left++;
      std::printf("ferry-migrate: %s: path toward %s kept for %lld ms more\n", r.vm.c_str(),
                  r.destination.c_str(),
                  static_cast<long long>(c.inv.retain_hold_ms - (wall_ms() - r.started_ms)));
    }
  if (!left) std::printf("ferry-migrate: no path kept\n");
  return 0;
}

}  // namespace ferry::migrate::cli
