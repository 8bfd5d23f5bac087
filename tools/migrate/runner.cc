#include "tools/migrate/runner.h"

#include "lib/util/clock.h"

namespace ferry::migrate {

const char* step_state_name(StepState s) {
  switch (s) {
    case StepState::kPlanned:
      return "planned";
    case StepState::kPending:
      return "pending";
    case StepState::kApplied:
      return "applied";
    case StepState::kUndone:
      return "undone";
  }
  return "?";
}

std::optional<StepState> step_state_from_name(const std::string& s) {
  for (StepState x :
       {StepState::kPlanned, StepState::kPending, StepState::kApplied, StepState::kUndone})
    if (s == step_state_name(x)) return x;
  return std::nullopt;
}

const char* run_status_name(RunStatus s) {
  switch (s) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kRollingBack:
      return "rolling-back";
    case RunStatus::kDone:
      return "done";
    case RunStatus::kRolledBack:
      return "rolled-back";
    case RunStatus::kStalled:
      return "stalled";
    case RunStatus::kHeld:
      return "held";
  }
  return "?";
}

std::optional<RunStatus> run_status_from_name(const std::string& s) {
  for (RunStatus x : {RunStatus::kRunning, RunStatus::kRollingBack, RunStatus::kDone,
                      RunStatus::kRolledBack, RunStatus::kStalled, RunStatus::kHeld})
    if (s == run_status_name(x)) return x;
  return std::nullopt;
}

Run::Run(Plan p)
    : plan(std::move(p)),
      states(plan.steps.size(), StepState::kPlanned),
      results(plan.steps.size()) {}

Vars Run::vars() const {
  Vars v;
  for (size_t i = 0; i < plan.steps.size(); i++)
    if (!plan.steps[i].result_var.empty() &&
        (states[i] == StepState::kApplied || !results[i].empty()))
      v[plan.steps[i].result_var] = results[i];
  return v;
}

bool Run::past_point_of_no_return() const {
  int p = plan.point_of_no_return;
  return p >= 0 && states[static_cast<size_t>(p)] == StepState::kApplied;
}

namespace {

// Journals; a journal failure stops everything (the state must be known).
bool journal_step(Run& run, Journal& j, size_t i, StepState s, std::string* error) {
  Status st = j.record_step(static_cast<int>(i), s, run.results[i]);
  if (!st) {
    *error = "state database: " + st.error().message;
    return false;
  }
  run.states[i] = s;
  return true;
}

Outcome finish(Run& run, Journal& j, RunStatus s, const std::string& error) {
  run.status = s;
  run.error = error;
  (void)j.record_status(s, error);
  return {s, error};
}

// Steps after the point of no return: retried a few times, then stall.
Outcome run_forward(Run& run, Executor& ex, Journal& j, Progress& p) {
  std::string phase;
  int phase_steps = 0;
  int64_t phase_start = monotonic_us();
  for (size_t i = 0; i < run.plan.steps.size(); i++) {
    const Step& s = run.plan.steps[i];
    if (s.phase != phase) {
      if (!phase.empty() && phase_steps)
        p.phase_done(phase, phase_steps, monotonic_us() - phase_start);
      phase = s.phase;
      phase_steps = 0;
      phase_start = monotonic_us();
    }
    if (run.states[i] == StepState::kApplied) continue;
    bool before_ponr = !run.past_point_of_no_return();
    if (before_ponr && j.abort_requested()) return roll_back(run, ex, j, p, "aborted by request");
    std::string error;
    if (!journal_step(run, j, i, StepState::kPending, &error))
      return finish(run, j, RunStatus::kStalled, error);
    int64_t t0 = monotonic_us();
    Command cmd = resolve(s.apply, run.vars());
    Result<std::string> r = ex.apply(s, cmd);
    if (!r) {
      std::string why = "step " + std::to_string(s.seq) + " (" + s.label + " " +
                        (s.node.empty() ? "" : s.node + " ") + cmd.method +
                        "): " + r.error().message;
      if (before_ponr) {
        // Not applied: a failed command changes nothing.
        if (!journal_step(run, j, i, StepState::kPlanned, &error))
          return finish(run, j, RunStatus::kStalled, error);
        return roll_back(run, ex, j, p, why);
      }
      return finish(run, j, RunStatus::kStalled, why);
    }
    run.results[i] = *r;
    if (run.after_apply) run.after_apply(static_cast<int>(i));
    if (!journal_step(run, j, i, StepState::kApplied, &error))
      return finish(run, j, RunStatus::kStalled, error);
    p.step_done(s, *r, monotonic_us() - t0);
    phase_steps++;
  }
  if (!phase.empty() && phase_steps) p.phase_done(phase, phase_steps, monotonic_us() - phase_start);
  return finish(run, j, run.plan.hold ? RunStatus::kHeld : RunStatus::kDone, "");
}

}  // namespace

Outcome run_plan(Run& run, Executor& ex, Journal& j, Progress& p) {
  if (run.status == RunStatus::kRollingBack) return roll_back(run, ex, j, p, run.error);
  (void)j.record_status(RunStatus::kRunning, "");
  run.status = RunStatus::kRunning;
  return run_forward(run, ex, j, p);
}

Outcome roll_back(Run& run, Executor& ex, Journal& j, Progress& p, const std::string& why) {
  if (run.status != RunStatus::kRollingBack) {
    run.status = RunStatus::kRollingBack;
    run.error = why;
    (void)j.record_status(RunStatus::kRollingBack, why);
  }
  p.note("rolling back: " + why);
  Vars vars = run.vars();
  for (size_t k = run.plan.steps.size(); k-- > 0;) {
    if (run.states[k] != StepState::kApplied && run.states[k] != StepState::kPending) continue;
    const Step& s = run.plan.steps[k];
    if (!s.undo.empty()) {
      Status st = ex.undo(s, resolve(s.undo, vars));
      if (!st) {
        std::string e = why + "; undoing step " + std::to_string(s.seq) + " (" + s.label + " " +
                        s.node + ") failed: " + st.error().message;
        run.error = e;
        (void)j.record_status(RunStatus::kRollingBack, e);
        return {RunStatus::kRollingBack, e};
      }
    }
    std::string error;
    if (!journal_step(run, j, k, StepState::kUndone, &error))
      return {RunStatus::kRollingBack, error};
    p.undone(s);
  }
  return finish(run, j, RunStatus::kRolledBack, why);
}

Outcome resume_run(Run& run, Executor& ex, Journal& j, Progress& p) {
  if (run.status == RunStatus::kDone || run.status == RunStatus::kRolledBack ||
      run.status == RunStatus::kHeld)
    return {run.status, run.error};
  // The step that was being applied when the orchestrator died.
  for (size_t i = 0; i < run.plan.steps.size(); i++) {
    if (run.states[i] != StepState::kPending) continue;
    const Step& s = run.plan.steps[i];
    auto r = ex.reconcile(s, resolve(s.apply, run.vars()));
    if (!r)
      return {run.status, "reconciling step " + std::to_string(s.seq) + ": " + r.error().message};
    std::string error;
    if (r->has_value()) {
      run.results[i] = **r;
      if (!journal_step(run, j, i, StepState::kApplied, &error)) return {run.status, error};
      p.note("step " + std::to_string(s.seq) + " (" + s.label + ") had been applied");
    } else {
      if (!journal_step(run, j, i, StepState::kPlanned, &error)) return {run.status, error};
      p.note("step " + std::to_string(s.seq) + " (" + s.label + ") had not been applied");
    }
  }
  if (run.status == RunStatus::kRollingBack) return roll_back(run, ex, j, p, run.error);
  // The live migration was started: if the VM now runs on the destination
  // the migration is completed rather than moved back.
  int ponr = run.plan.point_of_no_return;
  if (ponr >= 0 && !run.past_point_of_no_return()) {
    size_t m = 0;
    while (m < run.plan.steps.size() && run.plan.steps[m].kind != StepKind::kMove) m++;
    if (m < static_cast<size_t>(ponr) && run.states[m] == StepState::kApplied) {
      const Step& w = run.plan.steps[static_cast<size_t>(ponr)];
      auto r = ex.reconcile(w, resolve(w.apply, run.vars()));
      if (r && r->has_value()) {
        std::string error;
        for (size_t k = m + 1; k <= static_cast<size_t>(ponr); k++) {
          StepKind kind = run.plan.steps[k].kind;
          if (run.states[k] == StepState::kApplied ||
              (kind != StepKind::kFirstFrame && kind != StepKind::kMoveWait))
            continue;
          run.results[k] = "resumed: " + **r;
          if (k == static_cast<size_t>(ponr)) break;  // after the steps before it
          if (!journal_step(run, j, k, StepState::kApplied, &error)) return {run.status, error};
        }
        // The point of no return last, once every step before it is applied.
        bool before_done = true;
        for (size_t k = 0; k < static_cast<size_t>(ponr); k++)
          if (run.states[k] != StepState::kApplied) before_done = false;
        if (!before_done) {
          // Apply the rest (the cut-over) first, then the point of no return.
          p.note("the VM runs on " + run.plan.destination + ": completing the cut-over");
          return run_plan(run, ex, j, p);
        }
        if (!journal_step(run, j, static_cast<size_t>(ponr), StepState::kApplied, &error))
          return {run.status, error};
      }
    }
  }
  if (run.past_point_of_no_return()) {
    p.note("the VM runs on " + run.plan.destination + ": completing the migration");
    return run_plan(run, ex, j, p);
  }
  return roll_back(run, ex, j, p, "resumed before the point of no return");
}

}  // namespace ferry::migrate
