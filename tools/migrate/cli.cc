#include "tools/migrate/cli.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include "lib/rpc/json.h"
#include "lib/rpc/unixctl_client.h"
#include "lib/util/clock.h"
#include "lib/util/text.h"
#include "tools/migrate/cli_common.h"

namespace ferry::migrate {

using rpc::Json;

namespace {

const char kUsage[] =
    "usage: ferry-migrate [--inventory FILE] [--db REMOTE] COMMAND ...\n"
    "  migrate VM --to HOST [--plan 000|000-prio|003-dup|baseline] [--priority-threshold P[,P..]]\n"
    "          [--dry-run] [--json] [-v]   move VM with the staged virtual-MAC sequence\n"
    "  migrate-set VM=HOST... [--plan P] [--dry-run] [--json] [-v]\n"
    "                                      migrations planned together (SEEDS 001 scheduled\n"
    "                                      set): VLANs added before the first, pruned after\n"
    "                                      the last\n"
    "  abort VM                            roll back VM's migration in progress\n"
    "  resume [VM] [--json]                complete or roll back migrations left by a dead run\n"
    "  status [VM] [--json]                where VMs run, migrations in progress, their steps\n"
    "  discover [--json]                   the VMs the hosts' daemons know (vlan/show)\n"
    "  pool [--json]                       the virtual-MAC pool\n"
    "  ledger [--all] [--json]             the ongoing-migration ledger (--all: with history)\n"
    "  expire                              remove the paths kept back to sources past their\n"
    "                                      hold time (retain_hold_ms)\n"
    "  stage-paths VM [--candidates N]     stage N paths to VM through different fabric switches\n"
    "  failover VM [--watch SECONDS]       move the senders to the next reachable staged path\n"
    "                                      (--watch: whenever the active path's switch fails)\n"
    "--db defaults to $FERRY_MIGRATE_DB, else the inventory's \"state_db\", else\n"
    "unix:$OVS_RUNDIR/ferry-migrate.sock.\n";

}  // namespace

namespace cli {

int fail(const std::string& msg) {
  std::fprintf(stderr, "ferry-migrate: %s\n", msg.c_str());
  return 1;
}

double ms(int64_t us) { return static_cast<double>(us) / 1000.0; }

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

static std::string default_db(const Args& a) {
  if (!a.db.empty()) return a.db;
  if (const char* e = std::getenv("FERRY_MIGRATE_DB"); e && *e) return e;
  return "unix:" + rpc::unixctl_rundir() + "/ferry-migrate.sock";
}

static bool in_set(const std::vector<LedgerRow>& ledger, const LedgerRow& row) {
  for (const LedgerRow& r : ledger)
    if (r.vm == row.set) return true;
  return false;
}

static bool process_alive(int64_t pid) {
  return pid > 0 && pid != getpid() && ::kill(static_cast<pid_t>(pid), 0) == 0;
}

// Everything a migrate/resume/abort needs.
Result<std::unique_ptr<Context>> open_context(const Args& a, bool need_inventory, bool discover) {
  auto ctx = std::make_unique<Context>();
  if (a.inventory.empty()) {
    if (need_inventory) return make_error("--inventory FILE is required for " + a.command);
  } else {
    auto inv = load_inventory(a.inventory);
    if (!inv) return inv.error();
    ctx->inv = std::move(*inv);
  }
  auto db = StateDb::open(default_db(a));
  if (!db) return db.error();
  ctx->db = std::move(*db);
  if (!ctx->inv.vmac_pool.empty())
    if (Status s = ctx->db->ensure_pool(ctx->inv.vmac_pool); !s) return s.error();
  ctx->runner = make_process_runner();
  if (ctx->inv.driver == "libvirt")
    ctx->driver = make_libvirt_driver(ctx->inv, ctx->runner.get());
  else if (ctx->inv.driver == "qemu")
    ctx->driver = make_qemu_driver(ctx->inv, ctx->runner.get());
  else
    ctx->driver = make_netns_driver(ctx->inv, ctx->runner.get());
  ctx->ex = std::make_unique<DaemonExecutor>(ctx->inv, ctx->driver.get(), ctx->runner.get());
  StateDb* dbp = ctx->db.get();
  ctx->ex->migrating_onto = [dbp](const std::string& host, int vlan, const std::string& except) {
    auto l = dbp->ledger(false);
    if (!l) return true;  // unknown: keep the VLAN
    for (const LedgerRow& r : *l)
      if (r.destination == host && r.vlan == vlan && r.vm != except) return true;
    return false;
  };
  install_set_hooks(*ctx, a);
  if (discover && ctx->inv.discover) {
    if (Status s = apply_discovery(*ctx, a.verbose); !s) return s.error();
  }
  return ctx;
}

void install_kill_hook(Run& run) {
  const char* k = std::getenv("FERRY_MIGRATE_KILL_AFTER_STEP");
  if (!k || !*k) return;
  int at = std::atoi(k);
  run.after_apply = [at](int seq) {
    if (seq == at) {
      std::fflush(nullptr);
      ::raise(SIGKILL);
    }
  };
}

static Json report_json(const Run& run, const Outcome& o, const PrintProgress& pp,
                        const DaemonExecutor& ex, int64_t total_us) {
  Json r = Json::object();
  r.set("vm", run.plan.vm);
  r.set("from", run.plan.source);
  r.set("to", run.plan.destination);
  r.set("plan", run.plan.name);
  r.set("status", run_status_name(o.status));
  r.set("error", o.error);
  Json vm = Json::array();
  for (const std::string& m : run.plan.vmacs) vm.push_back(Json(m));
  r.set("vmacs", vm);
  int applied = 0;
  for (StepState s : run.states) applied += s == StepState::kApplied;
  r.set("steps", static_cast<int64_t>(run.plan.steps.size()));
  r.set("applied", applied);
  r.set("undone", pp.undone_count);
  Json ph = Json::object();
  for (const auto& [k, v] : pp.phases) ph.set(k, v);
  r.set("phases_ms", ph);
  r.set("total_ms", ms(total_us));
  if (ex.last_move) {
    r.set("pause_ms", ex.last_move->pause_ms);
    r.set("precopy_ms", ex.last_move->precopy_ms);
    r.set("gate_ms", ex.last_move->gate_ms);
    r.set("stop_ns", ex.last_move->stop_ns);
    r.set("resume_ns", ex.last_move->resume_ns);
    for (const auto& [k, v] : ex.last_move->figures) r.set(k, v);
  }
  if (ex.drained_frames >= 0) {
    r.set("drained_frames", ex.drained_frames);
    r.set("drain_ms", ex.drain_ms);
  }
  if (!ex.first_frame_how.empty()) {
    r.set("cutover_trigger", ex.first_frame_how);
    r.set("first_frame_ns", ex.first_frame_ns);
  }
  Json done = Json::array();
  int64_t cutover_ns = 0;
  for (const PrintProgress::Done& d : pp.done) {
    if (d.label == "S418") cutover_ns = d.ns;
    Json e = Json::object();
    e.set("seq", d.seq);
    e.set("step", d.label + " " + d.node);
    e.set("ns", d.ns);
    done.push_back(std::move(e));
  }
  if (cutover_ns) r.set("cutover_ns", cutover_ns);
  r.set("step_done_ns", std::move(done));
  return r;
}

int finish_run(Context& ctx, const std::string& uuid, Run& run, const Outcome& o, PrintProgress& pp,
               int64_t t0, bool json) {
  Json rep = report_json(run, o, pp, *ctx.ex, monotonic_us() - t0);
  (void)ctx.db->set_report(uuid, rep.dump());
  FILE* out = json ? stderr : stdout;
  switch (o.status) {
    case RunStatus::kDone:
      std::fprintf(
          out, "ferry-migrate: %s now runs on %s (plan %s, %.1f ms%s)\n", run.plan.vm.c_str(),
          run.plan.destination.c_str(), run.plan.name.c_str(), ms(monotonic_us() - t0),
          ctx.ex->last_move ? strprintf(", pause %.1f ms", ctx.ex->last_move->pause_ms).c_str()
                            : "");
      break;
    case RunStatus::kRolledBack:
      if (run.plan.name == "retained") {
        std::fprintf(out, "ferry-migrate: %s: the path kept toward %s is removed (%s)\n",
                     run.plan.vm.c_str(), run.plan.destination.c_str(), o.error.c_str());
        return 0;
      }
      std::fprintf(out, "ferry-migrate: %s stays on %s: rolled back (%s)\n", run.plan.vm.c_str(),
                   run.plan.source.c_str(), o.error.c_str());
      break;
    case RunStatus::kHeld:
      std::fprintf(out, "ferry-migrate: %s: %zu candidate paths staged, senders on the first\n",
                   run.plan.vm.c_str(), run.plan.vmacs.size());
      return 0;
    default:
      std::fprintf(out, "ferry-migrate: %s: migration %s: %s (run \"ferry-migrate resume\")\n",
                   run.plan.vm.c_str(), run_status_name(o.status), o.error.c_str());
  }
  if (json) std::printf("%s\n", rep.dump().c_str());
  return o.status == RunStatus::kDone ? 0 : 1;
}

Result<std::string> where_runs(Context& c, const std::string& vm_name) {
  const Vm* vm = c.inv.vm(vm_name);
  if (!vm) return make_error("unknown VM \"" + vm_name + "\"");
  auto loc = c.db->location(vm_name);
  if (!loc) return loc.error();
  return loc->empty() ? vm->host : *loc;
}

Result<Outcome> migrate_one(Context& c, const Args& a, const std::string& vm_name,
                            const std::string& to_name, const std::string& set, FILE* out,
                            bool json) {
  const Vm* vm = c.inv.vm(vm_name);
  if (!vm) return make_error("unknown VM \"" + vm_name + "\"");
  const Node* to = c.inv.node(to_name);
  if (!to || to->fabric) return make_error("unknown host \"" + to_name + "\"");
  auto from = where_runs(c, vm_name);
  if (!from) return from.error();
  if (*from == to_name) return make_error(vm_name + " already runs on " + to_name);
  if (!a.dry_run) expire_retained(c, a);
  auto ledger = c.db->ledger(false);
  if (!ledger) return ledger.error();
  for (const LedgerRow& r : *ledger)
    if (r.vm == vm_name && r.plan != "retained")
      return make_error(vm_name + " has a migration in progress (" + r.source + " -> " +
                        r.destination + ", " + r.status + "): abort or resume it first");
  PlanOptions opts;
  opts.name = a.plan;
  opts.priority_thresholds = a.thresholds;
  opts.vlans_by_set = !set.empty();
  auto planned = plan_migration(c, a, vm_name, *from, to_name, opts);
  if (!planned) return planned.error();
  Plan* plan = &planned->plan;
  const StateDb::Reuse* reuse = planned->reuse ? &*planned->reuse : nullptr;
  if (a.dry_run) {
    std::printf("plan %s: %s %s -> %s, vMACs %s, senders %s\n", plan->name.c_str(),
                plan->vm.c_str(), from->c_str(), to_name.c_str(), join(plan->vmacs, ",").c_str(),
                join(plan->senders, ",").c_str());
    print_steps(*plan);
    if (reuse)
      std::printf("  (steps %s: already applied by the path kept toward %s)\n",
                  reused_seqs(*reuse).c_str(), to_name.c_str());
    return Outcome{RunStatus::kRunning, ""};
  }
  // S402: every switch involved must answer before anything changes.
  std::set<std::string> nodes;
  for (const Step& s : plan->steps)
    if (!s.node.empty()) nodes.insert(s.node);
  if (Status s = c.ex->check_reachable({nodes.begin(), nodes.end()}); !s)
    return make_error(s.error().message + "; nothing was changed");
  auto uuid = c.db->create_migration(*plan, vm->vlan, getpid(), set, reuse);
  if (!uuid) return uuid.error();
  std::fprintf(out, "ferry-migrate: %s %s -> %s, plan %s, vMAC %s, %zu steps\n", vm_name.c_str(),
               from->c_str(), to_name.c_str(), a.plan.c_str(),
               plan->vmacs.empty() ? "-" : join(plan->vmacs, ",").c_str(), plan->steps.size());
  std::fflush(out);
  Run run(*plan);
  if (reuse) {
    for (const auto& [seq, result] : reuse->applied) {
      run.states[static_cast<size_t>(seq)] = StepState::kApplied;
      run.results[static_cast<size_t>(seq)] = result;
    }
    std::fprintf(out, "ferry-migrate: reusing the path kept toward %s (steps %s applied)\n",
                 to_name.c_str(), reused_seqs(*reuse).c_str());
  }
  if (set.empty()) install_kill_hook(run);
  auto journal = c.db->journal(*uuid, *plan);
  PrintProgress pp(out, a.verbose);
  int64_t t0 = monotonic_us();
  Outcome o = run_plan(run, *c.ex, *journal, pp);
  (void)finish_run(c, *uuid, run, o, pp, t0, json);
  if (o.status == RunStatus::kDone) retain_path(c, a, run.plan, out);
  return o;
}

void print_steps(const Plan& plan) {
  for (const Step& s : plan.steps)
    std::printf("  %2d %-8s %-9s %-3s %s %s%s\n", s.seq, s.phase.c_str(), s.label.c_str(),
                s.node.empty() ? "-" : s.node.c_str(), s.apply.method.c_str(),
                join(s.apply.args, " ").c_str(),
                s.undo.empty()
                    ? ""
                    : ("   [undo: " + s.undo.method + " " + join(s.undo.args, " ") + "]").c_str());
}

Outcome resume_row(Context& c, const Args& a, const LedgerRow& row, bool abort) {
  auto run = c.db->load_run(row);
  if (!run) return {RunStatus::kStalled, run.error().message};
  (void)c.db->set_owner(row.uuid, getpid());
  auto journal = c.db->journal(row.uuid, (*run)->plan);
  FILE* out = a.json ? stderr : stdout;
  PrintProgress pp(out, a.verbose);
  std::fprintf(out, "ferry-migrate: %s %s %s -> %s (plan %s, %s)\n",
               abort ? "aborting" : "resuming", row.vm.c_str(), row.source.c_str(),
               row.destination.c_str(), row.plan.c_str(), row.status.c_str());
  int64_t t0 = monotonic_us();
  Outcome o;
  Run& r = **run;
  if (abort) {
    // Reconcile the step in flight first, as resume does, then roll back.
    if (r.past_point_of_no_return()) {
      std::fprintf(stderr,
                   "ferry-migrate: %s already runs on %s: the migration can only complete "
                   "(ferry-migrate resume)\n",
                   row.vm.c_str(), row.destination.c_str());
      return {RunStatus::kStalled, "past the point of no return"};
    }
    r.status = RunStatus::kRollingBack;
    r.error = "aborted by request";
    for (size_t i = 0; i < r.plan.steps.size(); i++)
      if (r.states[i] == StepState::kPending) {
        auto x = c.ex->reconcile(r.plan.steps[i], resolve(r.plan.steps[i].apply, r.vars()));
        if (x && x->has_value()) r.results[i] = **x;
        r.states[i] = x && x->has_value() ? StepState::kApplied : StepState::kPlanned;
      }
    o = roll_back(r, *c.ex, *journal, pp, "aborted by request");
  } else {
    install_kill_hook(r);
    o = resume_run(r, *c.ex, *journal, pp);
  }
  if (r.plan.name == "set")
    (void)finish_set(c, row.uuid, r, o, a.json);
  else
    (void)finish_run(c, row.uuid, r, o, pp, t0, a.json);
  return o;
}

}  // namespace cli

namespace {

using namespace cli;

int cmd_migrate(const Args& a) {
  if (a.vm.empty() || a.to.empty()) return fail("usage: migrate VM --to HOST");
  if (!known_plan(a.plan))
    return fail("unknown plan \"" + a.plan + "\" (000, 000-prio, 003-dup, baseline)");
  auto ctx = open_context(a, true);
  if (!ctx) return fail(ctx.error().message);
  auto o = migrate_one(**ctx, a, a.vm, a.to, "", a.json ? stderr : stdout, a.json);
  if (!o) return fail(o.error().message);
  return o->status == RunStatus::kDone || (a.dry_run && o->error.empty()) ? 0 : 1;
}

int cmd_resume(const Args& a, bool abort) {
  auto ctx = open_context(a, true);
  if (!ctx) return fail(ctx.error().message);
  Context& c = **ctx;
  auto ledger = c.db->ledger(false);
  if (!ledger) return fail(ledger.error().message);
  int rc = 0, n = 0;
  for (const LedgerRow& row : *ledger) {
    if (!a.vm.empty() && row.vm != a.vm) continue;
    n++;
    if (abort) {
      if (Status s = c.db->set_abort(row.uuid); !s) return fail(s.error().message);
      if (process_alive(row.owner)) {
        // The running orchestrator sees the request between two steps.
        int64_t deadline = monotonic_ms() + 120000;
        std::string st = row.status;
        while (monotonic_ms() < deadline) {
          auto l = c.db->ledger(true);
          if (!l) return fail(l.error().message);
          for (const LedgerRow& r : *l)
            if (r.uuid == row.uuid) st = r.status;
          if (st != "running" && st != "rolling-back") break;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        std::printf("ferry-migrate: %s: %s\n", row.vm.c_str(), st.c_str());
        if (st != "rolled-back") rc = 1;
        continue;
      }
    } else if (row.status == "held") {
      continue;  // staged paths stay until aborted
    } else if (!row.set.empty() && in_set(*ledger, row)) {
      continue;  // resumed by its scheduled set
    } else if (process_alive(row.owner)) {
      std::printf("ferry-migrate: %s: being run by pid %lld\n", row.vm.c_str(),
                  static_cast<long long>(row.owner));
      continue;
    }
    Outcome o = resume_row(c, a, row, abort);
    if (abort && o.status == RunStatus::kStalled && o.error == "past the point of no return") {
      rc = 1;
      continue;
    }
    // Completed or rolled back: either way the migration is resolved.
    if (o.status != RunStatus::kDone && o.status != RunStatus::kRolledBack) rc = 1;
  }
  if (n == 0) {
    if (!a.vm.empty()) return fail("no migration of " + a.vm + " in progress");
    std::printf("ferry-migrate: nothing to resume\n");
  }
  return rc;
}

int cmd_pool(const Args& a) {
  auto ctx = open_context(a, false);
  if (!ctx) return fail(ctx.error().message);
  auto p = (*ctx)->db->pool();
  if (!p) return fail(p.error().message);
  if (a.json) {
    Json arr = Json::array();
    for (const PoolRow& r : *p) {
      Json o = Json::object();
      o.set("vmac", r.address);
      o.set("vm", r.vm);
      arr.push_back(o);
    }
    std::printf("%s\n", arr.dump().c_str());
    return 0;
  }
  int used = 0;
  for (const PoolRow& r : *p) used += !r.vm.empty();
  std::printf("%zu addresses, %d in use, %zu free\n", p->size(), used, p->size() - used);
  for (const PoolRow& r : *p)
    if (!r.vm.empty()) std::printf("  %s  %s\n", r.address.c_str(), r.vm.c_str());
  return 0;
}

int cmd_ledger(const Args& a, bool status) {
  auto ctx = open_context(a, false);
  if (!ctx) return fail(ctx.error().message);
  Context& c = **ctx;
  auto l = c.db->ledger(a.all);
  if (!l) return fail(l.error().message);
  Json arr = Json::array();
  for (const LedgerRow& r : *l) {
    if (!a.vm.empty() && r.vm != a.vm) continue;
    Json o = Json::object();
    o.set("vm", r.vm);
    o.set("source", r.source);
    o.set("destination", r.destination);
    o.set("plan", r.plan);
    o.set("vlan", r.vlan);
    o.set("status", r.status);
    o.set("error", r.error);
    Json vm = Json::array();
    for (const std::string& m : r.vmacs) vm.push_back(Json(m));
    o.set("vmacs", vm);
    if (status) {
      auto run = c.db->load_run(r);
      if (run) {
        Json steps = Json::array();
        for (size_t i = 0; i < (*run)->plan.steps.size(); i++) {
          const Step& s = (*run)->plan.steps[i];
          Json so = Json::object();
          so.set("seq", s.seq);
          so.set("label", s.label);
          so.set("node", s.node);
          so.set("state", step_state_name((*run)->states[i]));
          so.set("result", (*run)->results[i]);
          steps.push_back(so);
        }
        o.set("steps", steps);
      }
    }
    arr.push_back(o);
  }
  if (a.json) {
    std::printf("%s\n", arr.dump().c_str());
    return 0;
  }
  if (status && !c.inv.vms.empty()) {
    for (const Vm& v : c.inv.vms) {
      auto loc = c.db->location(v.name);
      std::printf("%-8s %s on %s\n", v.name.c_str(), v.mac.c_str(),
                  loc && !loc->empty() ? loc->c_str() : v.host.c_str());
    }
  }
  if (arr.as_array().empty()) {
    std::printf("no migration in progress\n");
    return 0;
  }
  std::printf("%-8s %-6s %-6s %-9s %-13s %-18s %s\n", "VM", "from", "to", "plan", "status", "vMACs",
              "error");
  for (const Json& o : arr.as_array()) {
    std::vector<std::string> vm;
    for (const Json& m : o.find("vmacs")->as_array()) vm.push_back(m.as_string());
    std::printf("%-8s %-6s %-6s %-9s %-13s %-18s %s\n", o.find("vm")->as_string().c_str(),
                o.find("source")->as_string().c_str(), o.find("destination")->as_string().c_str(),
                o.find("plan")->as_string().c_str(), o.find("status")->as_string().c_str(),
                vm.empty() ? "-" : join(vm, ",").c_str(), o.find("error")->as_string().c_str());
    if (const Json* steps = o.find("steps"))
      for (const Json& s : steps->as_array())
        std::printf("    %2lld %-9s %-4s %-8s %s\n",
                    static_cast<long long>(s.find("seq")->as_int()),
                    s.find("label")->as_string().c_str(), s.find("node")->as_string().c_str(),
                    s.find("state")->as_string().c_str(), s.find("result")->as_string().c_str());
  }
  return 0;
}

}  // namespace

int cli_main(const std::vector<std::string>& argv) {
  Args a;
  std::vector<std::string> pos;
  for (size_t i = 0; i < argv.size(); i++) {
    const std::string& x = argv[i];
    auto value = [&](const char* name) -> const std::string* {
      if (i + 1 >= argv.size()) return nullptr;
      (void)name;
      return &argv[++i];
    };
    const std::string* v = nullptr;
    if (x == "--candidates" || x == "--watch") {
      v = value(x.c_str());
      auto n = v ? parse_u64(*v) : std::nullopt;
      if (!n || *n > 3600) return fail(x + " needs a number");
      (x == "--candidates" ? a.candidates : a.watch_s) = static_cast<int>(*n);
    } else if (x == "--inventory" || x == "--db" || x == "--to" || x == "--plan" ||
               x == "--priority-threshold") {
      v = value(x.c_str());
      if (!v) return fail(x + " needs a value");
      if (x == "--inventory") a.inventory = *v;
      if (x == "--db") a.db = *v;
      if (x == "--to") a.to = *v;
      if (x == "--plan") a.plan = *v;
      if (x == "--priority-threshold") {
        auto t = parse_thresholds(*v);
        if (!t) return fail("--priority-threshold: " + t.error().message);
        a.thresholds = *t;
        if (a.plan == "000") a.plan = "000-prio";
      }
    } else if (x == "--dry-run") {
      a.dry_run = true;
    } else if (x == "--json") {
      a.json = true;
    } else if (x == "-v" || x == "--verbose") {
      a.verbose = true;
    } else if (x == "--all") {
      a.all = true;
    } else if (x == "-h" || x == "--help" || x == "help") {
      std::printf("%s", kUsage);
      return 0;
    } else if (x.rfind("--", 0) == 0) {
      return fail("unknown option " + x + "\n" + kUsage);
    } else {
      pos.push_back(x);
    }
  }
  if (pos.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 1;
  }
  a.command = pos[0];
  if (a.command == "migrate-set") {
    a.moves.assign(pos.begin() + 1, pos.end());
    return cmd_migrate_set(a);
  }
  if (pos.size() > 2) return fail("unexpected argument \"" + pos[2] + "\"");
  if (pos.size() == 2) a.vm = pos[1];
  if (a.command == "migrate") return cmd_migrate(a);
  if (a.command == "resume") return cmd_resume(a, false);
  if (a.command == "abort") {
    if (a.vm.empty()) return fail("usage: abort VM");
    return cmd_resume(a, true);
  }
  if (a.command == "stage-paths") return cmd_stage_paths(a);
  if (a.command == "expire") return cmd_expire(a);
  if (a.command == "failover") return cmd_failover(a);
  if (a.command == "discover") return cmd_discover(a);
  if (a.command == "pool") return cmd_pool(a);
  if (a.command == "ledger") return cmd_ledger(a, false);
  if (a.command == "status") return cmd_ledger(a, true);
  return fail("unknown command \"" + a.command + "\"\n" + kUsage);
}

}  // namespace ferry::migrate
