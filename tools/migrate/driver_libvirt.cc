// The libvirt driver: `virsh migrate --live` between the hosts' libvirt
// daemons. The VM's interface is an Open vSwitch virtualport on the
// bridge of the same name on both hosts, so libvirt itself attaches it to
// the destination's bridge (through that host's OVSDB) on resume, and QEMU
// sends the RARP. Cannot run in the lab; unit-tested by the commands it
// issues.
#include "lib/util/text.h"
#include "tools/migrate/driver.h"

namespace ferry::migrate {

std::string libvirt_uri(const Node& host) {
  return host.libvirt.empty() ? "qemu+ssh://" + host.name + "/system" : host.libvirt;
}

namespace {

class LibvirtDriver : public Driver {
 public:
  LibvirtDriver(const Inventory& inv, CommandRunner* r) : inv_(inv), r_(r) {}
  const char* name() const override { return "libvirt"; }

  Result<MoveReport> move(const Vm& vm, const Node& from, const Node& to) override {
    std::vector<std::string> argv{"virsh",        "-c",           libvirt_uri(from),   "migrate",
                                  "--live",       "--persistent", "--undefinesource",  "--verbose",
                                  "--timeout",    "60",           "--timeout-suspend", vm.libvirt,
                                  libvirt_uri(to)};
    if (inv_.downtime_ms > 0) {
      // The downtime cap applies once the migration runs: set it first.
      auto d = r_->run({"virsh", "-c", libvirt_uri(from), "migrate-setmaxdowntime", vm.libvirt,
                        std::to_string(inv_.downtime_ms)});
      (void)d;  // older libvirt refuses it before the job starts: not fatal
    }
    auto r = r_->run(argv);
    if (!r) return make_error("libvirt: " + r.error().message);
    MoveReport rep;
    rep.detail = trim(*r).empty() ? "migrated" : std::string(trim(*r));
    return rep;
  }

  Result<std::string> recover(const Vm& vm, const Node& a, const Node& b) override {
    for (const Node* n : {&a, &b}) {
      auto st = r_->run({"virsh", "-c", libvirt_uri(*n), "domstate", vm.libvirt});
      if (!st) continue;
      std::string s(trim(*st));
      if (s == "running") return n->name;
      if (s == "paused") {
        auto r = r_->run({"virsh", "-c", libvirt_uri(*n), "resume", vm.libvirt});
        if (!r) return make_error("libvirt: " + r.error().message);
        return n->name;
      }
    }
    return make_error("libvirt: domain " + vm.libvirt + " runs on neither " + a.name + " nor " +
                      b.name);
  }

 private:
  const Inventory& inv_;
  CommandRunner* r_;
};

}  // namespace

std::unique_ptr<Driver> make_libvirt_driver(const Inventory& inv, CommandRunner* runner) {
  return std::make_unique<LibvirtDriver>(inv, runner);
}

}  // namespace ferry::migrate
