// The real executor: control-socket commands to the Ferry daemons, OpenFlow
// changes over one connection per switch (lib/ovs/of_client.h; fabric
// switches that speak only OpenFlow get their entries as flows), OVSDB
// changes through ovs-vsctl, and the hypervisor driver (the live migration
// runs on its own thread while the destination is watched for the VM's
// first frame).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "lib/ovs/of_client.h"
#include "lib/rpc/unixctl_client.h"
#include "tools/migrate/driver.h"
#include "tools/migrate/runner.h"

namespace ferry::migrate {

class DaemonExecutor : public Executor {
 public:
  DaemonExecutor(const Inventory& inv, Driver* driver, CommandRunner* runner);
  ~DaemonExecutor() override;

  Result<std::string> apply(const Step& step, const Command& cmd) override;
  Status undo(const Step& step, const Command& cmd) override;
  Result<std::optional<std::string>> reconcile(const Step& step, const Command& cmd) override;

  // A control-socket command on a switch of the inventory (on an OpenFlow
  // fabric switch: `version` and the entries, as flow_mods).
  Result<std::string> ctl(const std::string& node, const std::string& method,
                          const std::vector<std::string>& args, int timeout_ms = 10000);
  // Every node answers `version` (checked before anything changes).
  Status check_reachable(const std::vector<std::string>& nodes);

  // SEEDS 001 prune: is another VM of `vlan` migrating onto `host`?
  std::function<bool(const std::string& host, int vlan, const std::string& except_vm)>
      migrating_onto;
  // SEEDS 001 scheduled set (kMigrate): runs one migration of the set
  // (migrate VM SRC DST PLAN THRESHOLD SET) to its end and returns how it
  // ended ("done", "rolled-back: why", "stalled: why"); find_migration
  // answers after a crash: that migration's end (resuming it if it was left
  // in progress), or nullopt if it was never started.
  std::function<Result<std::string>(const Command&)> run_migration;
  std::function<Result<std::optional<std::string>>(const Command&)> find_migration;
  // The driver's report of the last move.
  std::optional<MoveReport> last_move;
  std::string first_frame_how;  // "frame" or "completion"
  // S607: frames the receiver converted after the senders stopped (still in
  // flight then), and how long the wait took; -1: no drain step ran.
  int64_t drained_frames = -1;
  int64_t drain_ms = 0;
  int64_t first_frame_ns = 0;

 private:
  Result<std::string> vsctl(const Node& n, const Command& cmd);
  Result<std::string> ofctl(const Node& n, const Command& cmd);
  // One OpenFlow change on `n` (reconnects once if the connection broke;
  // an empty command is an echo).
  Status openflow(const Node& n, const std::string& command, const std::string& spec, bool strict,
                  int timeout_ms);
  Result<std::string> openflow_ctl(const Node& n, const std::string& method,
                                   const std::vector<std::string>& args, int timeout_ms);
  Result<std::string> first_frame(const Command& cmd);
  Result<std::string> drain(const std::string& node, const Command& cmd);
  Result<std::string> vlan_prune(const Command& cmd);
  // Why `vlan` is still needed on `host` ("" when it is not): a MAC of it on
  // one of the host's VM ports other than `except_mac`, or a VM of it
  // migrating onto the host.
  Result<std::string> vlan_user(const std::string& host, const std::string& vlan,
                                const std::string& except_vm);
  Result<MoveReport> join_move();
  const Node& node(const std::string& name) const;

  const Inventory& inv_;
  Driver* driver_;
  CommandRunner* runner_;
  std::map<std::string, std::unique_ptr<rpc::UnixctlClient>> clients_;
  std::map<std::string, std::unique_ptr<ovs::OfClient>> of_clients_;
  std::string current_node_;
  std::thread move_thread_;
  std::mutex move_mu_;
  std::optional<Result<MoveReport>> move_result_;
  SwitchoverGate gate_;
};

}  // namespace ferry::migrate
