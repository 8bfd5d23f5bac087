// A migration plan: the ordered steps of SEEDS 000 (S404-S610) with the 001
// VLAN steps, each with the command that applies it and the command that
// undoes it. Pure data, built from the inventory; executed by runner.h.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "lib/rpc/json.h"
#include "lib/util/result.h"
#include "tools/migrate/inventory.h"

namespace ferry::migrate {

enum class StepKind {
  kCtl,         // a control-socket command on `node`
  kVsctl,       // an OVSDB change on `node` (ovs-vsctl arguments)
  kMark,        // events/wait on `node`: remember its last event sequence number
  kMove,        // start the hypervisor driver's live migration
  kFirstFrame,  // wait for the VM's first frame on the destination (or the driver's completion)
  kMoveWait,    // the driver's completion notification (the point of no return)
  kVlanPrune,   // SEEDS 001 prune of the source port's VLAN membership
  kOfctl,       // an OpenFlow change on `node` (ovs-ofctl -O OpenFlow13 METHOD BRIDGE ARGS)
  kMigrate,     // one migration of a scheduled set, run as a migration of its own
  kDrain,       // until the receiver conversions on `node` stop counting (frames in flight)
};
const char* step_kind_name(StepKind k);

struct Command {
  std::string method;  // empty: nothing to do
  std::vector<std::string> args;
  bool empty() const { return method.empty(); }
};

struct Step {
  int seq = 0;
  std::string phase;  // staging | transfer | cut-over | cleanup
  std::string label;  // S406, S418, 001-add ...
  std::string node;   // the switch it changes ("" for driver steps)
  StepKind kind = StepKind::kCtl;
  Command apply;
  Command undo;            // empty: nothing to undo
  std::string result_var;  // the reply is kept as $result_var for later steps
  std::string text;        // what it does, for people
};

using Vars = std::map<std::string, std::string>;

// Substitutes whole-argument "$name" references from vars.
Command resolve(const Command& c, const Vars& vars);

struct Plan {
  std::string vm;
  std::string source;
  std::string destination;
  std::string name;  // 000 | 000-prio | 003-dup | baseline
  std::vector<std::string> vmacs;
  std::vector<std::string> senders;  // hosts whose VMs talk to the VM
  std::vector<Step> steps;
  // Index of the kMoveWait step: once it is applied the VM runs on the
  // destination and the migration only goes forward.
  int point_of_no_return = -1;
  // Staged paths kept after the run (stage-paths): the run ends "held",
  // its vMACs stay allocated until it is rolled back (abort).
  bool hold = false;
};

// Appends steps in order, each in the current phase (the plan builders').
struct PlanBuilder {
  Plan plan;
  std::string phase;
  Step& add(std::string label, std::string node, StepKind kind, Command apply, Command undo,
            std::string text, std::string var = "");
};

// What distinguishes the plans, as properties the builder reads (not names).
struct PlanVariant {
  const char* name;        // 000 | 000-prio | 003-dup | baseline
  int staged_paths;        // virtual MACs (one staged path each); 0: no staging
  bool split_by_priority;  // 000-prio: the high classes on one path, the rest on another
  // 003-dup: the senders duplicate to both the old and the staged path
  // during the transfer (a mirroring conversion besides the staged one);
  // the destination holds the VM's copies until its RARP moves the entry.
  bool duplicate;
  bool metered_transfer;  // 003-dup: the memory image's own metered path (SEEDS 003)
};

// The variant named `name`, or null.
const PlanVariant* plan_variant(const std::string& name);

// SEEDS 003: the OpenFlow meter (on the source host) that caps the
// memory-transfer path, and the TCP port of the migration stream it matches.
inline constexpr int kTransferMeterId = 49152;
inline constexpr int kTransferTcpPort = 49152;

struct PlanOptions {
  std::string name = "000";
  // 000-prio (SEEDS 000 embodiment 2): application priorities (smaller =
  // more important) up to the first threshold are the highest class, each
  // further threshold ends the next one; one staged path per class.
  std::vector<int> priority_thresholds{3};
  // SEEDS 001 scheduled set: the set adds and prunes the VLANs, not the migration.
  bool vlans_by_set = false;
};

// SEEDS 001: the ports that must carry the VM's VLAN for it to run on `dst`
// (each fabric switch's port facing it, its uplinks), as {switch, port}.
std::vector<std::pair<std::string, std::string>> vlan_ports(const Inventory& inv, const Node& dst);

// SEEDS 001 embodiments 2-4, the scheduled set: migrations planned
// together. Every VLAN membership any of them needs is added before the
// first starts; each migration then runs as its own (kMigrate, without VLAN
// steps); the sources are pruned only after the last ended, so a VM that
// leaves a host another VM of its VLAN moves onto (two VMs swapping hosts)
// changes no VLAN at all. `set_name` ties the migrations to the set.
struct Move {
  std::string vm, source, destination;
};
Result<Plan> build_set_plan(const Inventory& inv, const std::vector<Move>& moves,
                            const std::string& set_name, const PlanOptions& options);

// How many virtual MACs a plan needs (000-prio: one per priority class).
int vmacs_needed(const std::string& plan_name, size_t thresholds = 1);
// "2,4": priority thresholds 0-6, increasing; an error names the bad one.
Result<std::vector<int>> parse_thresholds(const std::string& text);
bool known_plan(const std::string& plan_name);

// Builds the plan for moving `vm` from `source` to `destination`. vmacs:
// the addresses allocated for it (vmacs_needed()). Errors name the bad
// input (unknown VM, destination equal to the source, missing links).
Result<Plan> build_plan(const Inventory& inv, const std::string& vm, const std::string& source,
                        const std::string& destination, const std::vector<std::string>& vmacs,
                        const PlanOptions& options);

// SEEDS 000 embodiment 3: up to `candidates` staged paths toward `vm`
// (on `host`) through different fabric switches, the first one active on
// every sender; a failover changes only the senders' conversions.
Result<Plan> build_paths_plan(const Inventory& inv, const std::string& vm, const std::string& host,
                              const std::vector<std::string>& vmacs);
int paths_available(const Inventory& inv);

// SEEDS 003 retained source flows (tools/migrate/plan_retain.cc): after
// `vm` moved from `old_host` to `host`, the staged path of a migration back
// (plan 000 from `host` to `old_host` with `vmac`: its S406 entries, S408
// staged sender conversions, S410 receiver conversion), kept unused.
Result<Plan> build_retained_plan(const Inventory& inv, const std::string& vm,
                                 const std::string& host, const std::string& old_host,
                                 const std::string& vmac);
// The steps of `plan` a retained run already applied (the same switch,
// command and result variable): step seq -> the retained run's reply.
// Empty unless every retained step is in the plan.
std::map<int, std::string> reusable_steps(const Plan& retained,
                                          const std::vector<std::string>& results,
                                          const Plan& plan);

rpc::Json step_to_json(const Step& s);
Result<Step> step_from_json(const rpc::Json& j);
rpc::Json command_to_json(const Command& c);

}  // namespace ferry::migrate
