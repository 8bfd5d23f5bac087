// The netns driver: a VM is a network namespace whose eth0 is a veth pair;
// the other end (the VM's port, named Vm::port) lives in the hypervisor's
// namespace and is a port of its bridge. A live migration is emulated as a
// hypervisor does it: pre-copy (the VM runs), stop-and-copy (its processes
// get SIGSTOP), the port leaves the source bridge (OVSDB), moves into the
// destination host's namespace and joins its bridge (OVSDB, with the VM's
// VLAN tag and the port's external_ids, such as OVN's iface-id), the RARP
// QEMU sends for the guest, the rest of the configured downtime, SIGCONT,
// and QEMU's further announcement rounds when the inventory asks for them.
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <thread>

#include "lib/util/text.h"
#include "tools/migrate/driver.h"

namespace ferry::migrate {

namespace {

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

class NetnsDriver : public Driver {
 public:
  NetnsDriver(const Inventory& inv, CommandRunner* r) : inv_(inv), r_(r) {}
  const char* name() const override { return "netns"; }

  Result<MoveReport> move(const Vm& vm, const Node& from, const Node& to) override {
    if (vm.netns.empty() || from.netns.empty() || to.netns.empty())
      return make_error("netns driver: the VM and both hosts need a \"netns\" in the inventory");
    MoveReport rep;
    // Pre-copy: the VM keeps running while its memory would be copied.
    int64_t t0 = now_ns();
    std::this_thread::sleep_for(std::chrono::milliseconds(inv_.precopy_ms));
    rep.precopy_ms = static_cast<double>(now_ns() - t0) / 1e6;
    auto pids = vm_pids(vm);
    if (!pids) return pids.error();
    std::string ids = external_ids(vm, from);
    // Stop-and-copy.
    rep.stop_ns = now_ns();
    for (int pid : *pids) ::kill(pid, SIGSTOP);
    Status st = reattach(vm, from, to, ids);
    if (!st) {
      // Put it back where it was and let it run.
      (void)reattach(vm, to, from, ids);
      for (int pid : *pids) ::kill(pid, SIGCONT);
      return st.error();
    }
    // The destination announces the VM as soon as its interface is in
    // place (QEMU's self-announce, RARP), so the network can switch over
    // while the rest of the pause runs.
    int64_t announced = now_ns();
    if (Status a = announce(vm); !a) rep.detail = a.error().message;
    // The VM could resume from here (or once the configured downtime has
    // passed); the gate may keep it stopped longer.
    int64_t min_end = rep.stop_ns + static_cast<int64_t>(inv_.downtime_ms) * 1000000;
    int64_t natural_end = std::max(now_ns(), min_end);
    // Paused until the senders are switched over (they switch on that
    // announcement), so that nothing the VM would receive once running
    // goes to the old host.
    int64_t gate_end = 0;
    if (gate_ && inv_.switchover_wait_ms > 0) {
      bool opened = gate_->wait(inv_.switchover_wait_ms);
      gate_end = now_ns();
      if (!opened) {
        if (!rep.detail.empty()) rep.detail += "; ";
        rep.detail += strprintf("resumed before the switch-over (%d ms)", inv_.switchover_wait_ms);
      }
    }
    int64_t left = min_end - now_ns();
    if (left > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(left));
    for (int pid : *pids) ::kill(pid, SIGCONT);
    rep.resume_ns = now_ns();
    rep.pause_ms = static_cast<double>(rep.resume_ns - rep.stop_ns) / 1e6;
    rep.gate_ms = static_cast<double>(std::max<int64_t>(0, gate_end - natural_end)) / 1e6;
    // QEMU's further rounds (announce-initial 50 ms, announce-step 100 ms):
    // 50, 200, 450, 800 ms after the first. A switch that missed the first
    // (OVN's activation-strategy=rarp, before its flows for the new port are
    // in) sees a later one.
    int64_t at_ms = 0;
    for (int round = 1; round < inv_.announce_rounds; round++) {
      at_ms += std::min(50 + (round - 1) * 100, 550);
      int64_t wait = announced + at_ms * 1000000 - now_ns();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
      if (Status a = announce(vm); !a && rep.detail.empty()) rep.detail = a.error().message;
    }
    return rep;
  }

  void locate(Vm& vm, const Node& host) override {
    if (!vm.netns.empty() || host.netns.empty()) return;
    // "N: PORT@ifM: <...> ... link-netns NAME": the namespace of the peer.
    auto out = r_->run({"ip", "-n", host.netns, "-o", "link", "show", vm.port});
    if (!out) return;
    size_t at = out->find(" link-netns ");
    if (at == std::string::npos) return;
    std::string ns = out->substr(at + 12);
    ns = ns.substr(0, ns.find_first_of(" \n"));
    vm.netns = ns;
  }

  Result<std::string> recover(const Vm& vm, const Node& a, const Node& b) override {
    // Where the VM's port is now.
    const Node* here = nullptr;
    for (const Node* n : {&a, &b})
      if (r_->run({"ip", "-n", n->netns, "link", "show", vm.port})) here = n;
    if (!here)
      return make_error("netns driver: port " + vm.port + " of " + vm.name + " is on neither " +
                        a.name + " nor " + b.name);
    const Node* other = here == &a ? &b : &a;
    std::string ids = external_ids(vm, *other);
    if (ids.empty()) ids = external_ids(vm, *here);
    (void)r_->run(vsctl(*other, {"--if-exists", "del-port", other->bridge, vm.port}));
    Status st = attach(vm, *here, ids);
    if (!st) return st.error();
    auto pids = vm_pids(vm);
    if (pids)
      for (int pid : *pids) ::kill(pid, SIGCONT);
    return here->name;
  }

 private:
  Result<std::vector<int>> vm_pids(const Vm& vm) {
    auto out = r_->run({"ip", "netns", "pids", vm.netns});
    if (!out) return make_error("netns driver: " + out.error().message);
    std::vector<int> pids;
    for (const std::string& l : split(*out, "\n"))
      if (auto p = parse_u64(trim(l))) pids.push_back(static_cast<int>(*p));
    return pids;
  }

  std::vector<std::string> vsctl(const Node& n, std::vector<std::string> args) {
    std::vector<std::string> argv{"ovs-vsctl", "--timeout=20"};
    if (!n.db.empty()) argv.push_back("--db=" + n.db);
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  // The RARP QEMU sends for a resumed guest, from the VM's interface.
  Status announce(const Vm& vm) {
    auto r = r_->run({"ip", "netns", "exec", vm.netns, inv_.pktgen, "send", "--iface", "eth0",
                      "--frame", "rarp(mac=" + vm.mac + ")"});
    if (!r) return make_error("RARP failed: " + r.error().message);
    return {};
  }

  // The port's external_ids on `on` as ovs-vsctl prints them ("" when the
  // port is not there or has none): what identifies it to a controller
  // (OVN's iface-id), which a hypervisor sets again on the destination.
  // Not the keys a controller on the source wrote about its own state
  // there ("ovn-installed", "ovn-installed-ts": ovn-controller's).
  std::string external_ids(const Vm& vm, const Node& on) {
    auto r = r_->run(vsctl(on, {"--if-exists", "get", "Interface", vm.port, "external_ids"}));
    std::string_view map = r ? trim(*r) : std::string_view();
    if (map.size() < 2 || map.front() != '{' || map.back() != '}') return "";
    map = map.substr(1, map.size() - 2);
    // "key=value, key=\"va, lue\"": entries split at ", " outside quotes.
    std::string kept;
    size_t start = 0;
    bool quoted = false;
    for (size_t i = 0; i <= map.size(); i++) {
      if (i + 1 < map.size() && map[i] == '\\') {
        i++;
        continue;
      }
      if (i < map.size() && map[i] == '"') quoted = !quoted;
      if (i < map.size() && (quoted || map.compare(i, 2, ", ") != 0)) continue;
      std::string_view entry = map.substr(start, i - start);
      start = i + 2;
      if (entry.empty() || entry.substr(entry.front() == '"' ? 1 : 0).starts_with("ovn-")) continue;
      kept += (kept.empty() ? "" : ", ") + std::string(entry);
    }
    return kept.empty() ? "" : "{" + kept + "}";
  }

  Status attach(const Vm& vm, const Node& to, const std::string& ids) {
    (void)r_->run({"ip", "-n", to.netns, "link", "set", vm.port, "up"});
    std::vector<std::string> args{"--may-exist", "add-port", to.bridge, vm.port};
    if (vm.vlan)
      args.insert(args.end(), {"--", "set", "port", vm.port, "tag=" + std::to_string(vm.vlan)});
    if (!ids.empty())
      args.insert(args.end(), {"--", "set", "Interface", vm.port, "external_ids=" + ids});
    auto r = r_->run(vsctl(to, args));
    if (!r)
      return make_error("netns driver: adding port " + vm.port + " on " + to.name + ": " +
                        r.error().message);
    return {};
  }

  Status reattach(const Vm& vm, const Node& from, const Node& to, const std::string& ids) {
    auto r = r_->run(vsctl(from, {"--if-exists", "del-port", from.bridge, vm.port}));
    if (!r)
      return make_error("netns driver: removing port " + vm.port + " on " + from.name + ": " +
                        r.error().message);
    r = r_->run({"ip", "-n", from.netns, "link", "set", vm.port, "netns", to.netns});
    if (!r)
      return make_error("netns driver: moving " + vm.port + " to " + to.name + ": " +
                        r.error().message);
    return attach(vm, to, ids);
  }

  const Inventory& inv_;
  CommandRunner* r_;
};

}  // namespace

std::unique_ptr<Driver> make_netns_driver(const Inventory& inv, CommandRunner* runner) {
  return std::make_unique<NetnsDriver>(inv, runner);
}

}  // namespace ferry::migrate
