// ferry-migrate migrate-set: SEEDS 001 embodiments 2-4, the scheduled set.
// The set is a run of its own in the ledger (plan "set", its VM the set's
// name): the VLAN additions, one kMigrate step per migration (each a
// migration with its own ledger row tied to the set), the prunes. Crash
// and resume work as for one migration: the set's journal says which
// migration was in flight, and that migration's own journal finishes it.
#include <unistd.h>

#include <cstdio>
#include <set>

#include "lib/rpc/json.h"
#include "lib/util/clock.h"
#include "lib/util/text.h"
#include "tools/migrate/cli_common.h"

namespace ferry::migrate::cli {

using rpc::Json;

namespace {

std::string ended(const Outcome& o) {
  std::string s = run_status_name(o.status);
  return o.error.empty() ? s : s + ": " + o.error;
}

// kMigrate's command: migrate VM SRC DST PLAN THRESHOLD SET.
Args sub_args(const Args& a, const Command& cmd) {
  Args s = a;
  s.plan = cmd.args.at(3);
  if (auto t = parse_thresholds(cmd.args.at(4))) s.thresholds = *t;
  s.dry_run = false;
  s.json = false;
  return s;
}

}  // namespace

void install_set_hooks(Context& c, const Args& a) {
  Context* cp = &c;
  c.ex->run_migration = [cp, a](const Command& cmd) -> Result<std::string> {
    Args s = sub_args(a, cmd);
    auto o = migrate_one(*cp, s, cmd.args.at(0), cmd.args.at(2), cmd.args.at(5),
                         a.json ? stderr : stdout, false);
    // A migration that could not start is the set's failure (before its
    // point of no return the set rolls its additions back); one that ran
    // ended one way or another, and the set goes on.
    if (!o) return o.error();
    return ended(*o);
  };
  c.ex->find_migration = [cp, a](const Command& cmd) -> Result<std::optional<std::string>> {
    auto l = cp->db->ledger(true);
    if (!l) return l.error();
    const LedgerRow* row = nullptr;
    for (const LedgerRow& r : *l)
      if (r.set == cmd.args.at(5) && r.vm == cmd.args.at(0)) row = &r;
    if (!row) return std::optional<std::string>();
    if (row->status == "done") return std::optional<std::string>("done");
    if (row->status == "rolled-back")
      return std::optional<std::string>(ended({RunStatus::kRolledBack, row->error}));
    return std::optional<std::string>(ended(resume_row(*cp, sub_args(a, cmd), *row, false)));
  };
}

int finish_set(Context& c, const std::string& uuid, const Run& run, const Outcome& o, bool json) {
  Json rep = Json::object();
  rep.set("set", run.plan.vm);
  rep.set("status", run_status_name(o.status));
  rep.set("error", o.error);
  Json migrations = Json::object();
  Json steps = Json::array();
  bool all_done = o.status == RunStatus::kDone;
  for (size_t i = 0; i < run.plan.steps.size(); i++) {
    const Step& s = run.plan.steps[i];
    if (s.kind == StepKind::kMigrate) {
      migrations.set(s.apply.args.at(0), run.results[i]);
      if (run.results[i] != "done") all_done = false;
    }
    Json e = Json::object();
    e.set("seq", s.seq);
    e.set("label", s.label);
    e.set("node", s.node);
    e.set("command", s.apply.method + " " + join(s.apply.args, " "));
    e.set("state", step_state_name(run.states[i]));
    e.set("result", run.results[i]);
    steps.push_back(std::move(e));
  }
  rep.set("migrations", migrations);
  rep.set("steps", steps);
  (void)c.db->set_report(uuid, rep.dump());
  FILE* out = json ? stderr : stdout;
  std::fprintf(out, "ferry-migrate: set %s: %s%s%s\n", run.plan.vm.c_str(),
               run_status_name(o.status), o.error.empty() ? "" : ": ", o.error.c_str());
  for (const auto& [vm, r] : migrations.as_object())
    std::fprintf(out, "ferry-migrate:   %s: %s\n", vm.c_str(),
                 r.as_string().empty() ? "not started" : r.as_string().c_str());
  if (json) std::printf("%s\n", rep.dump().c_str());
  return all_done ? 0 : 1;
}

int cmd_migrate_set(const Args& a) {
  if (a.moves.empty()) return fail("usage: migrate-set VM=HOST [VM=HOST ...]");
  if (!known_plan(a.plan))
    return fail("unknown plan \"" + a.plan + "\" (000, 000-prio, 003-dup, baseline)");
  auto ctx = open_context(a, true);
  if (!ctx) return fail(ctx.error().message);
  Context& c = **ctx;
  auto ledger = c.db->ledger(false);
  if (!ledger) return fail(ledger.error().message);
  std::vector<Move> moves;
  for (const std::string& m : a.moves) {
    size_t eq = m.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size())
      return fail("migrate-set: \"" + m + "\" is not VM=HOST");
    Move mv{m.substr(0, eq), "", m.substr(eq + 1)};
    auto from = where_runs(c, mv.vm);
    if (!from) return fail(from.error().message);
    mv.source = *from;
    for (const LedgerRow& r : *ledger)
      if (r.vm == mv.vm && r.plan != "retained")
        return fail(mv.vm + " has a migration in progress (" + r.source + " -> " + r.destination +
                    ", " + r.status + "): abort or resume it first");
    moves.push_back(mv);
  }
  PlanOptions opts;
  opts.name = a.plan;
  opts.priority_thresholds = a.thresholds;
  std::string name = "set-" + std::to_string(wall_ms());
  auto plan = build_set_plan(c.inv, moves, name, opts);
  if (!plan) return fail(plan.error().message);
  FILE* out = a.json ? stderr : stdout;
  if (a.dry_run) {
    std::printf("scheduled set %s: %zu migrations, plan %s\n", name.c_str(), moves.size(),
                a.plan.c_str());
    print_steps(*plan);
    for (const Move& m : moves) {
      auto o = migrate_one(c, a, m.vm, m.destination, name, out, false);
      if (!o) return fail(o.error().message);
    }
    return 0;
  }
  std::set<std::string> nodes;
  for (const Step& s : plan->steps)
    if (!s.node.empty()) nodes.insert(s.node);
  if (Status s = c.ex->check_reachable({nodes.begin(), nodes.end()}); !s)
    return fail(s.error().message + "; nothing was changed");
  auto uuid = c.db->create_migration(*plan, 0, getpid());
  if (!uuid) return fail(uuid.error().message);
  std::fprintf(out, "ferry-migrate: scheduled set %s: %s, %zu steps\n", name.c_str(),
               join(a.moves, " ").c_str(), plan->steps.size());
  std::fflush(out);
  Run run(*plan);
  install_kill_hook(run);
  auto journal = c.db->journal(*uuid, *plan);
  PrintProgress pp(out, a.verbose);
  Outcome o = run_plan(run, *c.ex, *journal, pp);
  return finish_set(c, *uuid, run, o, a.json);
}

}  // namespace ferry::migrate::cli
