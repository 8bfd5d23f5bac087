// Hypervisor drivers: they move the VM itself. `netns` emulates a live
// migration in the lab (a VM is a network namespace); `libvirt` issues
// virsh commands on real hosts; `qemu` speaks QMP to the QEMUs on both
// hosts. They run external commands through a CommandRunner, so the
// libvirt driver is unit-tested by what it issues.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "lib/util/result.h"
#include "tools/migrate/inventory.h"

namespace ferry::migrate {

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs argv; returns its standard output, or an Error with its standard
  // error when it fails.
  virtual Result<std::string> run(const std::vector<std::string>& argv) = 0;
};

// fork/exec, waiting for the command.
std::unique_ptr<CommandRunner> make_process_runner();

struct MoveReport {
  int64_t stop_ns = 0;    // CLOCK_MONOTONIC: VM paused
  int64_t resume_ns = 0;  // VM resumed on the destination
  double pause_ms = 0;    // the VM's stop time: resume_ns - stop_ns
  double precopy_ms = 0;
  // The part of the pause the VM was kept stopped only because the
  // switch-over gate was still closed (the netns driver; 0 for the others):
  // without the gate it would have resumed gate_ms earlier.
  double gate_ms = 0;
  // The hypervisor's own figures, reported as they are (qemu driver:
  // qemu_downtime_ms, qemu_total_ms, qemu_setup_ms, qemu_ram_bytes).
  std::vector<std::pair<std::string, double>> figures;
  std::string detail;
};

// The switch-over before the VM runs again (QEMU's pause-before-switchover
// with migrate-continue): the orchestrator opens the gate once the senders
// are switched over (SEEDS 000 S418); the netns driver keeps the VM paused
// after its announcement until then, or at most the inventory's
// switchover_wait_ms, and reports the time it added as MoveReport::gate_ms.
class SwitchoverGate {
 public:
  void open() {
    std::lock_guard<std::mutex> g(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void reset() {
    std::lock_guard<std::mutex> g(mu_);
    open_ = false;
  }
  // True when opened within max_ms.
  bool wait(int64_t max_ms) {
    std::unique_lock<std::mutex> g(mu_);
    return cv_.wait_for(g, std::chrono::milliseconds(max_ms), [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

class Driver {
 public:
  virtual ~Driver() = default;
  // The gate move() waits at before resuming the VM (none: it does not wait).
  void set_switchover_gate(SwitchoverGate* gate) { gate_ = gate; }
  virtual const char* name() const = 0;
  // The live migration of vm from `from` to `to`, complete when it returns.
  virtual Result<MoveReport> move(const Vm& vm, const Node& from, const Node& to) = 0;
  // After a crash: where the VM is, `a` or `b`, finishing or reverting a
  // half-done move so that it runs on exactly one of them.
  virtual Result<std::string> recover(const Vm& vm, const Node& a, const Node& b) = 0;
  // Fills in what the driver needs that discovery could not tell (the netns
  // driver: the namespace at the other end of the VM's port).
  virtual void locate(Vm& vm, const Node& host) {
    (void)vm;
    (void)host;
  }

 protected:
  SwitchoverGate* gate_ = nullptr;
};

std::unique_ptr<Driver> make_netns_driver(const Inventory& inv, CommandRunner* runner);
std::unique_ptr<Driver> make_libvirt_driver(const Inventory& inv, CommandRunner* runner);
// QEMU through QMP (tools/migrate/driver_qemu.cc): the VM's "qemu" member
// in the inventory says where its monitors are.
std::unique_ptr<Driver> make_qemu_driver(const Inventory& inv, CommandRunner* runner);

// The libvirt connection URI of a host: its `libvirt` field, else
// qemu+ssh://NAME/system.
std::string libvirt_uri(const Node& host);

}  // namespace ferry::migrate
