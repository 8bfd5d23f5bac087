// Shared pieces of ferry-migrate's commands (tools/migrate/cli*.cc).
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/migrate/executor.h"
#include "tools/migrate/state_db.h"

namespace ferry::migrate::cli {

struct Args {
  std::string inventory, db, command, vm, to, plan = "000";
  std::vector<std::string> moves;  // migrate-set: VM=HOST
  std::vector<int> thresholds{3};  // --priority-threshold P[,P...]
  int candidates = 2;
  int watch_s = 0;
  bool dry_run = false, json = false, verbose = false, all = false;
};

int fail(const std::string& msg);
double ms(int64_t us);
int64_t now_ns();

class PrintProgress : public Progress {
 public:
  PrintProgress(FILE* out, bool verbose) : out_(out), verbose_(verbose) {}
  void step_done(const Step& s, const std::string& result, int64_t us) override {
    done.push_back({s.seq, s.label, s.node, now_ns()});
    if (verbose_)
      std::fprintf(out_, "  %2d %-9s %-3s %-8s %s%s%s (%.1f ms)\n", s.seq, s.label.c_str(),
                   s.node.empty() ? "-" : s.node.c_str(), s.phase.c_str(), s.text.c_str(),
                   result.empty() ? "" : ": ", result.c_str(), ms(us));
  }
  void phase_done(const std::string& phase, int steps, int64_t us) override {
    phases[phase] += ms(us);
    std::fprintf(out_, "ferry-migrate: %-8s %2d step%s acknowledged in %7.1f ms\n", phase.c_str(),
                 steps, steps == 1 ? " " : "s", ms(us));
    std::fflush(out_);
  }
  void undone(const Step& s) override {
    undone_count++;
    if (verbose_)
      std::fprintf(out_, "  %2d %-9s %-3s undone\n", s.seq, s.label.c_str(), s.node.c_str());
  }
  void note(const std::string& text) override {
    std::fprintf(out_, "ferry-migrate: %s\n", text.c_str());
    std::fflush(out_);
  }
  std::map<std::string, double> phases;
  int undone_count = 0;
  // When each step was acknowledged (CLOCK_MONOTONIC, as the driver's
  // stop_ns/resume_ns): the report's "step_done_ns", to place losses, and
  // its "cutover_ns" (the last S418).
  struct Done {
    int seq;
    std::string label, node;
    int64_t ns;
  };
  std::vector<Done> done;

 private:
  FILE* out_;
  bool verbose_;
};

struct Context {
  Inventory inv;
  std::unique_ptr<StateDb> db;
  std::unique_ptr<CommandRunner> runner;
  std::unique_ptr<Driver> driver;
  std::unique_ptr<DaemonExecutor> ex;
};

// One migration of `vm` to `to` (in scheduled set `set`, "" none): plans,
// checks, records and runs it, printing its progress on `out` and (json)
// its report on stdout. The error when it could not start; with --dry-run
// only prints the plan.
Result<Outcome> migrate_one(Context& c, const Args& a, const std::string& vm, const std::string& to,
                            const std::string& set, FILE* out, bool json);
void print_steps(const Plan& plan);
// Where a VM runs: the state database's location, else the inventory's host.
Result<std::string> where_runs(Context& c, const std::string& vm);
// Resumes (or aborts) one migration of the ledger left by a dead run.
Outcome resume_row(Context& c, const Args& a, const LedgerRow& row, bool abort);

// tools/migrate/cli_set.cc: SEEDS 001 scheduled set.
int cmd_migrate_set(const Args& a);
// The executor's hooks that run a set's migrations (kMigrate).
void install_set_hooks(Context& c, const Args& a);
int finish_set(Context& c, const std::string& uuid, const Run& run, const Outcome& o, bool json);

// tools/migrate/cli_retain.cc: SEEDS 003 retained source flows.
struct Planned {
  Plan plan;
  std::optional<StateDb::Reuse> reuse;  // a kept path back the plan starts with
};
// The plan of a migration; with a path kept toward `to` whose steps it
// starts with, those steps are reused (else a kept path of the VM is
// removed first, and fresh vMACs are taken).
Result<Planned> plan_migration(Context& c, const Args& a, const std::string& vm,
                               const std::string& from, const std::string& to,
                               const PlanOptions& opts);
std::string reused_seqs(const StateDb::Reuse& r);
// After a migration `done`: its path back kept unused (retain_hold_ms).
void retain_path(Context& c, const Args& a, const Plan& done, FILE* out);
// Removes the kept paths past their hold time.
void expire_retained(Context& c, const Args& a);
int cmd_expire(const Args& a);

// With the inventory's "discover", merges what the hosts know first
// (unless `discover` is false: ferry-migrate discover reports it itself).
Result<std::unique_ptr<Context>> open_context(const Args& a, bool need_inventory,
                                              bool discover = true);
void install_kill_hook(Run& run);
int finish_run(Context& ctx, const std::string& uuid, Run& run, const Outcome& o, PrintProgress& pp,
               int64_t t0, bool json);

// tools/migrate/cli_discover.cc: the inventory's "discover": merges the
// VMs the hosts know into ctx.inv and checks its flows.
Status apply_discovery(Context& ctx, bool verbose);
int cmd_discover(const Args& a);

// tools/migrate/cli_paths.cc: SEEDS 000 embodiment 3.
int cmd_stage_paths(const Args& a);
int cmd_failover(const Args& a);

}  // namespace ferry::migrate::cli
