#include "tools/migrate/state_db.h"

#include <algorithm>
#include <set>

#include "lib/util/clock.h"

namespace ferry::migrate {

using rpc::Json;

namespace {

Json op_select(const std::string& table, Json where) {
  Json o = Json::object();
  o.set("op", "select");
  o.set("table", table);
  o.set("where", std::move(where));
  return o;
}

Json op_update(const std::string& table, Json where, Json row) {
  Json o = Json::object();
  o.set("op", "update");
  o.set("table", table);
  o.set("where", std::move(where));
  o.set("row", std::move(row));
  return o;
}

Json op_insert(const std::string& table, Json row, const std::string& uuid_name = "") {
  Json o = Json::object();
  o.set("op", "insert");
  o.set("table", table);
  o.set("row", std::move(row));
  if (!uuid_name.empty()) o.set("uuid-name", uuid_name);
  return o;
}

Json op_delete(const std::string& table, Json where) {
  Json o = Json::object();
  o.set("op", "delete");
  o.set("table", table);
  o.set("where", std::move(where));
  return o;
}

Json where1(const std::string& col, const std::string& fn, Json v) {
  return Json(Json::Array{ovsdb_cond(col, fn, std::move(v))});
}

std::string get_str(const Json& row, const char* k) {
  auto v = ovsdb_strings(row.find(k));
  return v.empty() ? "" : v[0];
}

int64_t get_int(const Json& row, const char* k) {
  const Json* v = row.find(k);
  return v && v->is_int() ? v->as_int() : 0;
}

const Json::Array& rows_of(const Json& results, size_t i) {
  static const Json::Array kEmpty;
  const Json* rows = results.as_array()[i].find("rows");
  return rows && rows->is_array() ? rows->as_array() : kEmpty;
}

LedgerRow ledger_row(const Json& r) {
  LedgerRow l;
  l.uuid = ovsdb_row_uuid(r);
  l.vm = get_str(r, "vm");
  l.source = get_str(r, "source");
  l.destination = get_str(r, "destination");
  l.plan = get_str(r, "plan");
  l.status = get_str(r, "status");
  l.error = get_str(r, "error");
  l.report = get_str(r, "report");
  l.set = get_str(r, "set");
  l.vmacs = ovsdb_strings(r.find("vmacs"));
  l.vlan = static_cast<int>(get_int(r, "vlan"));
  const Json* a = r.find("abort");
  l.abort = a && a->is_bool() && a->as_bool();
  l.owner = get_int(r, "owner");
  l.started_ms = get_int(r, "started_ms");
  l.finished_ms = get_int(r, "finished_ms");
  return l;
}

class DbJournal : public Journal {
 public:
  DbJournal(StateDb* db, std::string uuid, std::vector<std::string> entry_uuids, Plan plan)
      : db_(db), uuid_(std::move(uuid)), entries_(std::move(entry_uuids)), plan_(std::move(plan)) {}

  Status record_step(int seq, StepState state, const std::string& result) override {
    Json row = Json::object();
    row.set("state", step_state_name(state));
    row.set("result", result);
    Json ops = Json::array();
    ops.push_back(op_update("Entry", where1("_uuid", "==", ovsdb_uuid(entries_.at(seq))), row));
    if (state == StepState::kApplied) {
      Json m = Json::object();
      m.set("step", seq + 1);
      ops.push_back(op_update("Migration", where1("_uuid", "==", ovsdb_uuid(uuid_)), m));
    }
    auto r = db_->transact(ops);
    if (!r) return r.error();
    return {};
  }

  Status record_status(RunStatus status, const std::string& error) override {
    Json row = Json::object();
    row.set("status", run_status_name(status));
    row.set("error", error);
    Json ops = Json::array();
    bool final = status == RunStatus::kDone || status == RunStatus::kRolledBack;
    if (final) {
      row.set("finished_ms", wall_ms());
      // The vMACs go back to the pool and the entries are gone with the
      // migration's end, in the same transaction.
      Json free_row = Json::object();
      free_row.set("vm", ovsdb_set({}));
      Json addrs = Json::array();
      for (const std::string& m : plan_.vmacs)
        ops.push_back(op_update("Vmac", where1("address", "==", Json(m)), free_row));
      for (const std::string& e : entries_)
        ops.push_back(op_delete("Entry", where1("_uuid", "==", ovsdb_uuid(e))));
      if (status == RunStatus::kDone) {
        ops.push_back(op_delete("Location", where1("vm", "==", Json(plan_.vm))));
        Json loc = Json::object();
        loc.set("vm", plan_.vm);
        loc.set("host", plan_.destination);
        ops.push_back(op_insert("Location", loc));
      }
    }
    ops.push_back(op_update("Migration", where1("_uuid", "==", ovsdb_uuid(uuid_)), row));
    auto r = db_->transact(ops);
    if (!r) return r.error();
    return {};
  }

  bool abort_requested() override {
    Json ops = Json::array();
    ops.push_back(op_select("Migration", where1("_uuid", "==", ovsdb_uuid(uuid_))));
    auto r = db_->transact(ops);
    if (!r) return false;
    for (const Json& row : rows_of(*r, 0)) {
      const Json* a = row.find("abort");
      if (a && a->is_bool() && a->as_bool()) return true;
    }
    return false;
  }

 private:
  StateDb* db_;
  std::string uuid_;
  std::vector<std::string> entries_;
  Plan plan_;
};

}  // namespace

Result<std::unique_ptr<StateDb>> StateDb::open(const std::string& remote) {
  auto c = OvsdbClient::connect(remote, 5000);
  if (!c) return c.error();
  return std::unique_ptr<StateDb>(new StateDb(std::move(*c)));
}

Status StateDb::ensure_pool(const std::vector<std::string>& addresses) {
  Json ops = Json::array();
  ops.push_back(op_select("Vmac", Json::array()));
  auto r = transact(ops);
  if (!r) return r.error();
  std::set<std::string> have;
  for (const Json& row : rows_of(*r, 0)) have.insert(get_str(row, "address"));
  Json ins = Json::array();
  for (const std::string& a : addresses) {
    if (have.count(a)) continue;
    Json row = Json::object();
    row.set("address", a);
    ins.push_back(op_insert("Vmac", row));
  }
  if (ins.as_array().empty()) return {};
  auto w = transact(ins);
  if (!w) return w.error();
  return {};
}

Result<std::vector<PoolRow>> StateDb::pool() {
  Json ops = Json::array();
  ops.push_back(op_select("Vmac", Json::array()));
  auto r = transact(ops);
  if (!r) return r.error();
  std::vector<PoolRow> out;
  for (const Json& row : rows_of(*r, 0))
    out.push_back({get_str(row, "address"), get_str(row, "vm")});
  std::sort(out.begin(), out.end(),
            [](const PoolRow& a, const PoolRow& b) { return a.address < b.address; });
  return out;
}

Result<std::string> StateDb::location(const std::string& vm) {
  Json ops = Json::array();
  ops.push_back(op_select("Location", where1("vm", "==", Json(vm))));
  auto r = transact(ops);
  if (!r) return r.error();
  for (const Json& row : rows_of(*r, 0)) return get_str(row, "host");
  return std::string();
}

Result<std::vector<LedgerRow>> StateDb::ledger(bool all) {
  Json ops = Json::array();
  ops.push_back(op_select("Migration", Json::array()));
  auto r = transact(ops);
  if (!r) return r.error();
  std::vector<LedgerRow> out;
  for (const Json& row : rows_of(*r, 0)) {
    LedgerRow l = ledger_row(row);
    if (!all && (l.status == "done" || l.status == "rolled-back")) continue;
    out.push_back(std::move(l));
  }
  std::sort(out.begin(), out.end(),
            [](const LedgerRow& a, const LedgerRow& b) { return a.started_ms < b.started_ms; });
  return out;
}

Result<std::vector<std::string>> StateDb::free_vmacs(int n) {
  auto p = pool();
  if (!p) return p.error();
  std::vector<std::string> out;
  for (const PoolRow& row : *p) {
    if (static_cast<int>(out.size()) == n) break;
    if (row.vm.empty()) out.push_back(row.address);
  }
  if (static_cast<int>(out.size()) < n)
    return make_error("the vMAC pool is exhausted (" + std::to_string(p->size()) + " addresses, " +
                          std::to_string(out.size()) + " free, " + std::to_string(n) + " needed)",
                      ENOSPC);
  return out;
}

Result<std::string> StateDb::create_migration(const Plan& plan, int vlan, int64_t owner,
                                              const std::string& set, const Reuse* reuse) {
  Json ops = Json::array();
  if (reuse) {
    // The retained run is still held (nobody expired it meanwhile); it ends
    // here, its entries go and its vMACs are free for the wait below.
    Json held = Json::object();
    held.set("status", "held");
    Json w = Json::object();
    w.set("op", "wait");
    w.set("table", "Migration");
    w.set("timeout", 0);
    w.set("where", where1("_uuid", "==", ovsdb_uuid(reuse->uuid)));
    w.set("columns", Json(Json::Array{Json("status")}));
    w.set("until", "==");
    w.set("rows", Json(Json::Array{held}));
    ops.push_back(w);
    Json end = Json::object();
    end.set("status", "done");
    end.set("error", "taken over by the migration back");
    end.set("finished_ms", wall_ms());
    ops.push_back(op_update("Migration", where1("_uuid", "==", ovsdb_uuid(reuse->uuid)), end));
    ops.push_back(op_delete("Entry", where1("migration", "==", ovsdb_uuid(reuse->uuid))));
    Json free_row = Json::object();
    free_row.set("vm", ovsdb_set({}));
    for (const std::string& m : reuse->vmacs)
      ops.push_back(op_update("Vmac", where1("address", "==", Json(m)), free_row));
  }
  // The VM has no migration in progress ("wait" until no row matches).
  for (const char* st : {"running", "rolling-back", "stalled", "held"}) {
    Json wait = Json::object();
    wait.set("op", "wait");
    wait.set("table", "Migration");
    wait.set("timeout", 0);
    Json where = Json::array();
    where.push_back(ovsdb_cond("vm", "==", Json(plan.vm)));
    where.push_back(ovsdb_cond("status", "==", Json(st)));
    wait.set("where", where);
    wait.set("columns", Json(Json::Array{Json("vm")}));
    wait.set("until", "==");
    wait.set("rows", Json::array());
    ops.push_back(wait);
  }
  Json free_row = Json::object();
  free_row.set("vm", ovsdb_set({}));
  for (const std::string& m : plan.vmacs) {
    Json w = Json::object();
    w.set("op", "wait");
    w.set("table", "Vmac");
    w.set("timeout", 0);
    w.set("where", where1("address", "==", Json(m)));
    w.set("columns", Json(Json::Array{Json("vm")}));
    w.set("until", "==");
    w.set("rows", Json(Json::Array{free_row}));
    ops.push_back(w);
    Json take = Json::object();
    take.set("vm", plan.vm);
    ops.push_back(op_update("Vmac", where1("address", "==", Json(m)), take));
  }
  Json mig = Json::object();
  mig.set("vm", plan.vm);
  mig.set("source", plan.source);
  mig.set("destination", plan.destination);
  mig.set("plan", plan.name);
  mig.set("vlan", vlan);
  mig.set("vmacs", ovsdb_set(plan.vmacs));
  mig.set("senders", ovsdb_set(plan.senders));
  mig.set("status", "running");
  mig.set("error", "");
  mig.set("abort", false);
  mig.set("step", 0);
  mig.set("owner", owner);
  mig.set("started_ms", wall_ms());
  mig.set("finished_ms", 0);
  mig.set("report", "");
  mig.set("set",
          ovsdb_set(set.empty() ? std::vector<std::string>{} : std::vector<std::string>{set}));
  size_t mig_index = ops.as_array().size();
  ops.push_back(op_insert("Migration", mig, "mig"));
  for (const Step& s : plan.steps) {
    Json e = Json::object();
    e.set("migration", Json(Json::Array{Json("named-uuid"), Json("mig")}));
    e.set("seq", s.seq);
    e.set("phase", s.phase);
    e.set("label", s.label);
    e.set("node", s.node);
    e.set("spec", step_to_json(s).dump());
    auto done = reuse ? reuse->applied.find(s.seq) : std::map<int, std::string>::const_iterator();
    bool applied = reuse && done != reuse->applied.end();
    e.set("state", applied ? "applied" : "planned");
    e.set("result", applied ? done->second : "");
    ops.push_back(op_insert("Entry", e));
  }
  auto r = transact(ops);
  if (!r) {
    if (r.error().code == EAGAIN)
      return make_error(plan.vm + " already has a migration in progress, or its vMACs were taken",
                        EBUSY);
    return r.error();
  }
  const Json* u = r->as_array()[mig_index].find("uuid");
  if (!u || !u->is_array() || u->as_array().size() != 2)
    return make_error("no uuid for the migration");
  return u->as_array()[1].as_string();
}

Result<std::unique_ptr<Run>> StateDb::load_run(const LedgerRow& row) {
  Json ops = Json::array();
  ops.push_back(op_select("Entry", where1("migration", "==", ovsdb_uuid(row.uuid))));
  auto r = transact(ops);
  if (!r) return r.error();
  struct E {
    int64_t seq;
    std::string uuid, spec, state, result;
  };
  std::vector<E> es;
  for (const Json& e : rows_of(*r, 0))
    es.push_back({get_int(e, "seq"), ovsdb_row_uuid(e), get_str(e, "spec"), get_str(e, "state"),
                  get_str(e, "result")});
  std::sort(es.begin(), es.end(), [](const E& a, const E& b) { return a.seq < b.seq; });
  Plan plan;
  plan.vm = row.vm;
  plan.source = row.source;
  plan.destination = row.destination;
  plan.name = row.plan;
  plan.vmacs = row.vmacs;
  plan.hold = row.plan == "paths" || row.plan == "retained";
  std::vector<std::string> uuids;
  for (size_t i = 0; i < es.size(); i++) {
    if (es[i].seq != static_cast<int64_t>(i))
      return make_error("migration entries are not contiguous");
    auto j = rpc::parse_json(es[i].spec);
    if (!j) return make_error("bad stored step: " + j.error().message);
    auto s = step_from_json(*j);
    if (!s) return s.error();
    if (s->kind == StepKind::kMoveWait ||
        (s->kind == StepKind::kMigrate && plan.point_of_no_return < 0))
      plan.point_of_no_return = static_cast<int>(i);
    plan.steps.push_back(*s);
    uuids.push_back(es[i].uuid);
  }
  auto run = std::make_unique<Run>(plan);
  for (size_t i = 0; i < es.size(); i++) {
    auto st = step_state_from_name(es[i].state);
    run->states[i] = st.value_or(StepState::kPlanned);
    run->results[i] = es[i].result;
  }
  run->status = run_status_from_name(row.status).value_or(RunStatus::kRunning);
  run->error = row.error;
  entry_uuids_[row.uuid] = uuids;
  return run;
}

std::unique_ptr<Journal> StateDb::journal(const std::string& uuid, const Plan& plan) {
  std::vector<std::string> uuids = entry_uuids_[uuid];
  if (uuids.empty()) {
    Json ops = Json::array();
    ops.push_back(op_select("Entry", where1("migration", "==", ovsdb_uuid(uuid))));
    if (auto r = transact(ops)) {
      std::vector<std::pair<int64_t, std::string>> v;
      for (const Json& e : rows_of(*r, 0)) v.push_back({get_int(e, "seq"), ovsdb_row_uuid(e)});
      std::sort(v.begin(), v.end());
      for (auto& [s, u] : v) uuids.push_back(u);
    }
  }
  return std::make_unique<DbJournal>(this, uuid, std::move(uuids), plan);
}

Status StateDb::set_abort(const std::string& uuid) {
  Json row = Json::object();
  row.set("abort", true);
  Json ops = Json::array();
  ops.push_back(op_update("Migration", where1("_uuid", "==", ovsdb_uuid(uuid)), row));
  auto r = transact(ops);
  if (!r) return r.error();
  return {};
}

Status StateDb::set_owner(const std::string& uuid, int64_t owner) {
  Json row = Json::object();
  row.set("owner", owner);
  Json ops = Json::array();
  ops.push_back(op_update("Migration", where1("_uuid", "==", ovsdb_uuid(uuid)), row));
  auto r = transact(ops);
  if (!r) return r.error();
  return {};
}

Status StateDb::set_report(const std::string& uuid, const std::string& report) {
  Json row = Json::object();
  row.set("report", report);
  Json ops = Json::array();
  ops.push_back(op_update("Migration", where1("_uuid", "==", ovsdb_uuid(uuid)), row));
  auto r = transact(ops);
  if (!r) return r.error();
  return {};
}

}  // namespace ferry::migrate
