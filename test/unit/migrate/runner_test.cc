// The runner with a fake executor that models the network (static entries,
// conversions, where the VM runs) and an in-memory journal: rollback in
// reverse order, and a crash after every step followed by a resume that
// completes or rolls back and leaves no stale entry.
#include "tools/migrate/runner.h"

#include <map>
#include <set>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "test/unit/migrate/fixture.h"

using namespace ferry;
using namespace ferry::migrate;

namespace {

struct World {
  std::set<std::string> fdb;  // "node mac -> port"
  struct Conv {
    std::string node, from, to;
    bool active;
    std::string kind;
  };
  std::map<int, Conv> convs;
  int next_id = 1;
  std::string vm_at = "S1";
  std::vector<std::string> log;
};

struct Crash : std::runtime_error {
  Crash() : std::runtime_error("crash") {}
};

class FakeExecutor : public Executor {
 public:
  explicit FakeExecutor(World& w) : w_(w) {}
  int fail_at = -1;  // a step whose apply fails

  Result<std::string> apply(const Step& s, const Command& c) override {
    if (s.seq == fail_at) return make_error("switch said no");
    w_.log.push_back("apply " + std::to_string(s.seq));
    return exec(s, c);
  }
  Status undo(const Step& s, const Command& c) override {
    w_.log.push_back("undo " + std::to_string(s.seq));
    auto r = exec(s, c);
    if (!r && r.error().message != "gone") return r.error();
    return {};
  }
  Result<std::optional<std::string>> reconcile(const Step& s, const Command& c) override {
    using Opt = std::optional<std::string>;
    if (c.method.rfind("vmac/add-", 0) == 0) {
      for (auto& [id, cv] : w_.convs)
        if (cv.node == s.node && cv.kind == c.method && cv.from == c.args[1] && cv.to == c.args[2])
          return Opt(std::to_string(id));
      return Opt();
    }
    if (s.kind == StepKind::kMove || s.kind == StepKind::kMoveWait)
      return w_.vm_at == c.args[2] ? Opt("there") : Opt();
    if (s.kind != StepKind::kCtl) return Opt();
    auto r = exec(s, c);
    if (!r) return Opt("gone");
    return Opt(*r);
  }

 private:
  Result<std::string> exec(const Step& s, const Command& c) {
    const auto& a = c.args;
    if (s.kind == StepKind::kMove) {
      w_.vm_at = a[2];
      return std::string("ok");
    }
    if (s.kind != StepKind::kCtl) return std::string("ok");
    if (c.method == "fdb/add") {
      for (auto it = w_.fdb.begin(); it != w_.fdb.end();)
        it = it->rfind(s.node + " " + a[3] + " ", 0) == 0 ? w_.fdb.erase(it) : std::next(it);
      w_.fdb.insert(s.node + " " + a[3] + " -> " + a[1]);
      return std::string();
    }
    if (c.method == "fdb/del") {
      for (auto it = w_.fdb.begin(); it != w_.fdb.end(); ++it)
        if (it->rfind(s.node + " " + a[2] + " ", 0) == 0) {
          w_.fdb.erase(it);
          return std::string();
        }
      return std::string("absent");  // as the real executor: deleting nothing is done
    }
    if (c.method.rfind("vmac/add-", 0) == 0) {
      int id = w_.next_id++;
      w_.convs[id] = {s.node, a[1], a[2], c.method == "vmac/add-rx", c.method};
      return std::to_string(id);
    }
    if (c.method == "vmac/del") {
      if (!w_.convs.erase(std::stoi(a[0]))) return make_error("gone");
      return std::string();
    }
    if (c.method == "vmac/commit") {
      for (const std::string& x : a) {
        bool act = x.rfind("activate=", 0) == 0;
        int id = std::stoi(x.substr(x.find('=') + 1));
        if (!w_.convs.count(id)) return make_error("no conversion");
        w_.convs[id].active = act;
      }
      return std::string();
    }
    return std::string();
  }
  World& w_;
};

class MemJournal : public Journal {
 public:
  explicit MemJournal(size_t n) : states(n, StepState::kPlanned), results(n) {}
  Status record_step(int seq, StepState s, const std::string& r) override {
    states[static_cast<size_t>(seq)] = s;
    results[static_cast<size_t>(seq)] = r;
    return {};
  }
  Status record_status(RunStatus s, const std::string& e) override {
    status = s;
    error = e;
    return {};
  }
  bool abort_requested() override { return abort; }
  std::vector<StepState> states;
  std::vector<std::string> results;
  RunStatus status = RunStatus::kRunning;
  std::string error;
  bool abort = false;
};

Plan lab_plan(const std::string& name = "000") {
  PlanOptions o;
  o.name = name;
  std::vector<std::string> vm;
  for (int i = 0; i < vmacs_needed(name); i++) vm.push_back("0a:00:00:00:00:1" + std::to_string(i));
  auto p = build_plan(test::lab_inventory(), "A0", "S1", "S2", vm, o);
  REQUIRE(p.ok());
  return *p;
}

// Fabric switches and remote hosts have static entries for A0.
World initial_world() {
  World w;
  for (const char* f : {"F1", "F2"}) w.fdb.insert(std::string(f) + " 02:00:00:00:00:a0 -> s1");
  for (const char* h : {"S2", "S3"}) w.fdb.insert(std::string(h) + " 02:00:00:00:00:a0 -> u1");
  return w;
}

World final_world() {
  World w;
  for (const char* f : {"F1", "F2"}) w.fdb.insert(std::string(f) + " 02:00:00:00:00:a0 -> s2");
  for (const char* h : {"S1", "S3"}) w.fdb.insert(std::string(h) + " 02:00:00:00:00:a0 -> u1");
  w.vm_at = "S2";
  return w;
}

Progress quiet;

}  // namespace

TEST_CASE("runner: a run applies every step and leaves only the new path", "[migrate]") {
  for (const char* name : {"000", "000-prio", "003-dup", "baseline"}) {
    World w = initial_world();
    FakeExecutor ex(w);
    Run run(lab_plan(name));
    MemJournal j(run.plan.steps.size());
    INFO(name);
    Outcome o = run_plan(run, ex, j, quiet);
    CHECK(o.status == RunStatus::kDone);
    CHECK(j.status == RunStatus::kDone);
    CHECK(w.fdb == final_world().fdb);
    CHECK(w.convs.empty());
    CHECK(w.vm_at == "S2");
    for (StepState s : j.states) CHECK(s == StepState::kApplied);
  }
}

TEST_CASE("runner: a failed step rolls back every earlier step in reverse", "[migrate]") {
  Plan plan = lab_plan();
  for (int k = 0; k <= plan.point_of_no_return; k++) {
    World w = initial_world();
    FakeExecutor ex(w);
    ex.fail_at = k;
    Run run(plan);
    MemJournal j(plan.steps.size());
    Outcome o = run_plan(run, ex, j, quiet);
    INFO("failing step " << k);
    CHECK(o.status == RunStatus::kRolledBack);
    CHECK(o.error.find("switch said no") != std::string::npos);
    std::vector<std::string> expect;
    for (int i = 0; i < k; i++) expect.push_back("apply " + std::to_string(i));
    for (int i = k - 1; i >= 0; i--)
      if (!plan.steps[static_cast<size_t>(i)].undo.empty())
        expect.push_back("undo " + std::to_string(i));
    CHECK(w.log == expect);
    CHECK(w.fdb == initial_world().fdb);
    CHECK(w.convs.empty());
    CHECK(w.vm_at == "S1");
  }
}

TEST_CASE("runner: a failed cleanup step stalls; resume finishes it", "[migrate]") {
  Plan plan = lab_plan();
  World w = initial_world();
  FakeExecutor ex(w);
  ex.fail_at = plan.point_of_no_return + 3;
  Run run(plan);
  MemJournal j(plan.steps.size());
  CHECK(run_plan(run, ex, j, quiet).status == RunStatus::kStalled);
  CHECK(w.vm_at == "S2");
  ex.fail_at = -1;
  CHECK(resume_run(run, ex, j, quiet).status == RunStatus::kDone);
  CHECK(w.fdb == final_world().fdb);
  CHECK(w.convs.empty());
}

TEST_CASE("runner: an abort before the point of no return rolls back", "[migrate]") {
  Plan plan = lab_plan();
  World w = initial_world();
  FakeExecutor ex(w);
  Run run(plan);
  MemJournal j(plan.steps.size());
  run.after_apply = [&](int seq) {
    if (seq == 3) j.abort = true;
  };
  Outcome o = run_plan(run, ex, j, quiet);
  CHECK(o.status == RunStatus::kRolledBack);
  CHECK(o.error == "aborted by request");
  CHECK(w.fdb == initial_world().fdb);
  CHECK(w.convs.empty());
}

TEST_CASE("runner: killed after every step, resume completes or rolls back cleanly", "[migrate]") {
  for (const char* name : {"000", "000-prio", "003-dup", "baseline"}) {
    Plan plan = lab_plan(name);
    for (int k = 0; k < static_cast<int>(plan.steps.size()); k++) {
      World w = initial_world();
      FakeExecutor ex(w);
      MemJournal j(plan.steps.size());
      {
        Run run(plan);
        run.after_apply = [k](int seq) {
          if (seq == k) throw Crash();
        };
        CHECK_THROWS_AS(run_plan(run, ex, j, quiet), Crash);
      }
      // A new process: the run as the journal has it.
      Run again(plan);
      again.states = j.states;
      again.results = j.results;
      again.status = j.status;
      Outcome o = resume_run(again, ex, j, quiet);
      std::string trail;
      for (const std::string& x : w.log) trail += x + ", ";
      INFO(trail);
      INFO(name << ": killed after step " << k << " (" << plan.steps[static_cast<size_t>(k)].label
                << ")");
      CHECK(w.convs.empty());
      int move = 0;
      while (plan.steps[static_cast<size_t>(move)].kind != StepKind::kMove) move++;
      if (k < move) {  // the VM had not left: back to the start
        CHECK(o.status == RunStatus::kRolledBack);
        CHECK(w.fdb == initial_world().fdb);
        CHECK(w.vm_at == "S1");
      } else {  // the VM runs on the destination: completed
        CHECK(o.status == RunStatus::kDone);
        CHECK(w.fdb == final_world().fdb);
        CHECK(w.vm_at == "S2");
      }
    }
  }
}
