// The orchestrator's state in its own OVSDB database (schema
// tools/migrate/ferry-migrate.ovsschema): the vMAC pool, where each VM
// runs, the ongoing-migration ledger and every step (entry) of each
// migration with the state it reached. Every change is one transaction.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tools/migrate/ovsdb_client.h"
#include "tools/migrate/runner.h"

namespace ferry::migrate {

struct LedgerRow {
  std::string uuid;
  std::string vm, source, destination, plan, status, error, report;
  std::string set;  // the scheduled set the migration belongs to ("" none)
  std::vector<std::string> vmacs;
  int vlan = 0;
  bool abort = false;
  int64_t owner = 0;
  int64_t started_ms = 0, finished_ms = 0;
};

struct PoolRow {
  std::string address;
  std::string vm;  // "" when free
};

class StateDb {
 public:
  static Result<std::unique_ptr<StateDb>> open(const std::string& remote);

  // Adds the inventory's pool addresses the database does not have yet.
  Status ensure_pool(const std::vector<std::string>& addresses);
  Result<std::vector<PoolRow>> pool();
  // Where a VM runs, "" when the database does not know.
  Result<std::string> location(const std::string& vm);
  Result<std::vector<LedgerRow>> ledger(bool all);
  // Picks `n` free virtual MACs (not reserved: create_migration does that).
  Result<std::vector<std::string>> free_vmacs(int n);

  // Records a new migration with its plan; reserves its vMACs atomically
  // (fails if another took them, or if the VM already has one running).
  // `set`: the scheduled set it belongs to (SEEDS 001), "" when none.
  // `reuse`: a retained run (SEEDS 003) the migration takes over in the
  // same transaction: it ends ("done"), its vMACs pass to the migration and
  // the migration's steps it had applied are recorded applied with its
  // replies.
  struct Reuse {
    std::string uuid;
    std::vector<std::string> vmacs;
    std::map<int, std::string> applied;  // step seq -> reply
  };
  Result<std::string> create_migration(const Plan& plan, int vlan, int64_t owner,
                                       const std::string& set = "", const Reuse* reuse = nullptr);
  // Loads a migration's run (plan, step states and results).
  Result<std::unique_ptr<Run>> load_run(const LedgerRow& row);
  Status set_abort(const std::string& uuid);
  Status set_owner(const std::string& uuid, int64_t owner);
  Status set_report(const std::string& uuid, const std::string& report);

  // Journal of one migration.
  std::unique_ptr<Journal> journal(const std::string& uuid, const Plan& plan);

  Result<rpc::Json> transact(const rpc::Json& ops) { return client_->transact(kDb, ops); }
  static constexpr const char* kDb = "Ferry_Migrate";

 private:
  explicit StateDb(std::unique_ptr<OvsdbClient> c) : client_(std::move(c)) {}
  std::unique_ptr<OvsdbClient> client_;
  std::map<std::string, std::vector<std::string>> entry_uuids_;  // migration -> entries by seq
};

}  // namespace ferry::migrate
