// Runs a plan: every step acknowledged and journaled before the next; a
// failure before the point of no return rolls every applied step back in
// reverse order; resume() picks up a migration from its journal after the
// orchestrator died. Pure logic: the steps are executed by an Executor and
// the journal is kept by a Journal (the OVSDB state database in
// ferry-migrate, in-memory fakes in the unit tests).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lib/util/result.h"
#include "tools/migrate/plan.h"

namespace ferry::migrate {

enum class StepState { kPlanned, kPending, kApplied, kUndone };
const char* step_state_name(StepState s);
std::optional<StepState> step_state_from_name(const std::string& s);

// The migration's state as kept in the ledger.
//   running -> done
//   running -> rolling-back -> rolled-back
//   running -> stalled (a cleanup step failed; resume retries it)
//   running -> held (stage-paths: staged until rolled back)
enum class RunStatus { kRunning, kRollingBack, kDone, kRolledBack, kStalled, kHeld };
const char* run_status_name(RunStatus s);
std::optional<RunStatus> run_status_from_name(const std::string& s);

class Executor {
 public:
  virtual ~Executor() = default;
  // Applies a step (command already resolved); returns its reply.
  virtual Result<std::string> apply(const Step& step, const Command& cmd) = 0;
  // Undoes an applied step. A thing already gone counts as undone.
  virtual Status undo(const Step& step, const Command& cmd) = 0;
  // After a crash: was a step that was being applied applied? Returns its
  // reply when it was, nullopt when it was not (the executor may finish or
  // revert a half-done step to make the answer true).
  virtual Result<std::optional<std::string>> reconcile(const Step& step, const Command& cmd) = 0;
};

class Journal {
 public:
  virtual ~Journal() = default;
  virtual Status record_step(int seq, StepState state, const std::string& result) = 0;
  virtual Status record_status(RunStatus status, const std::string& error) = 0;
  // An abort asked for by another process (ferry-migrate abort).
  virtual bool abort_requested() = 0;
};

// Live progress, one line per phase.
class Progress {
 public:
  virtual ~Progress() = default;
  virtual void step_done(const Step& /*step*/, const std::string& /*result*/,
                         int64_t /*elapsed_us*/) {}
  virtual void phase_done(const std::string& /*phase*/, int /*steps*/, int64_t /*elapsed_us*/) {}
  virtual void undone(const Step& /*step*/) {}
  virtual void note(const std::string& /*text*/) {}
};

struct Run {
  Plan plan;
  std::vector<StepState> states;  // one per step
  std::vector<std::string> results;
  RunStatus status = RunStatus::kRunning;
  std::string error;
  // Test hook: called after a step is applied and before it is journaled
  // (ferry-migrate's FERRY_MIGRATE_KILL_AFTER_STEP kills the process here).
  std::function<void(int seq)> after_apply;

  explicit Run(Plan p);
  Vars vars() const;
  bool past_point_of_no_return() const;
};

struct Outcome {
  RunStatus status;
  std::string error;  // why it rolled back or stalled
};

// Runs from the first step not applied. A step that fails, or an abort,
// before the point of no return rolls back; after it the run stalls.
Outcome run_plan(Run& run, Executor& ex, Journal& j, Progress& p);
// Undoes every applied (or pending) step in reverse order.
Outcome roll_back(Run& run, Executor& ex, Journal& j, Progress& p, const std::string& why);
// Continues a run loaded from the journal: reconciles the step that was
// pending, then completes it (past the point of no return) or rolls it back.
Outcome resume_run(Run& run, Executor& ex, Journal& j, Progress& p);

}  // namespace ferry::migrate
