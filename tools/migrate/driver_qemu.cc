// The qemu driver: a live migration between two QEMUs, through their
// monitors (QMP, tools/migrate/qmp_client.h), as libvirt does it. The
// destination QEMU waits with "-incoming defer" (started by the VM's
// "qemu.start" command when its monitor does not answer); it listens with
// migrate-incoming, the source gets the downtime limit
// (migrate-set-parameters downtime-limit) and migrates (migrate). The
// driver follows the MIGRATION events: the source's STOP is the
// VM's stop, the destination's RESUME its resume (QEMU's event timestamps,
// on CLOCK_MONOTONIC); QEMU's own downtime and total time are reported
// beside them. After the switch-over the destination announces the VM
// (QEMU's self-announce, or the guest's own with VIRTIO_NET_F_GUEST_ANNOUNCE):
// its first frame on the destination's port triggers the cut-over (S418).
// The completed source is ended (quit), as libvirt does.
#include <time.h>

#include <thread>

#include "lib/util/clock.h"
#include "lib/util/text.h"
#include "tools/migrate/driver.h"
#include "tools/migrate/plan.h"
#include "tools/migrate/qmp_client.h"

namespace ferry::migrate {

namespace {

using rpc::Json;

std::string for_host(std::string s, const Node& host) {
  for (size_t at; (at = s.find("{host}")) != std::string::npos;) s.replace(at, 6, host.name);
  return s;
}

std::string status_of(const Result<Json>& st) {
  if (!st || !st->is_object()) return "";
  const Json* s = st->find("status");
  return s && s->is_string() ? s->as_string() : "";
}

double number(const Json& o, const char* key) {
  const Json* v = o.find(key);
  return v && v->is_number() ? v->as_double() : -1;
}

class QemuDriver : public Driver {
 public:
  QemuDriver(const Inventory& inv, CommandRunner* r) : inv_(inv), r_(r) {}
  const char* name() const override { return "qemu"; }

  Result<MoveReport> move(const Vm& vm, const Node& from, const Node& to) override {
    if (vm.qemu.qmp.empty())
      return make_error("qemu driver: VM " + vm.name + " has no \"qemu\" in the inventory");
    std::string uri =
        vm.qemu.incoming.empty()
            ? (to.mgmt_ip.empty() ? ""
                                  : "tcp:" + to.mgmt_ip + ":" + std::to_string(kTransferTcpPort))
            : for_host(vm.qemu.incoming, to);
    if (uri.empty())
      return make_error("qemu driver: no migration address for " + to.name +
                        " (its \"mgmt_ip\" or the VM's \"qemu.incoming\")");
    auto src = QmpClient::connect(for_host(vm.qemu.qmp, from), 3000);
    if (!src)
      return make_error("qemu driver: the source QEMU on " + from.name + ": " +
                        src.error().message);
    std::string st = status_of((*src)->command("query-status"));
    if (st != "running")
      return make_error("qemu driver: " + vm.name + " does not run on " + from.name + " (" +
                        (st.empty() ? "no status" : st) + ")");
    auto dst = destination(vm, to);
    if (!dst) return dst.error();
    QmpClient& s = **src;
    QmpClient& d = **dst;
    Json caps = Json::object();
    Json list = Json::array();
    Json ev = Json::object();
    ev.set("capability", "events");
    ev.set("state", true);
    list.push_back(ev);
    caps.set("capabilities", list);
    for (QmpClient* c : {&s, &d})
      if (auto r = c->command("migrate-set-capabilities", caps); !r)
        return make_error("qemu driver: " + r.error().message);
    Json in = Json::object();
    in.set("uri", uri);
    if (auto r = d.command("migrate-incoming", in); !r) {
      // Started with "-incoming URI" rather than "defer": it listens already.
      if (r.error().message.find("-incoming defer") == std::string::npos &&
          r.error().message.find("already been started") == std::string::npos)
        return make_error("qemu driver: destination " + to.name + ": " + r.error().message);
    }
    Json params = Json::object();
    params.set("downtime-limit", static_cast<int64_t>(inv_.downtime_ms));
    if (auto r = s.command("migrate-set-parameters", params); !r)
      return make_error("qemu driver: " + r.error().message);
    int64_t t0 = now_ns();
    if (auto r = s.command("migrate", in); !r)
      return make_error("qemu driver: " + r.error().message);
    auto info = follow(s, d);
    if (!info) return info.error();
    MoveReport rep;
    auto stop = s.wait_event("STOP", 5000);
    auto resume = d.wait_event("RESUME", 30000);
    if (!stop) return make_error("qemu driver: source: " + stop.error().message);
    if (!resume) return make_error("qemu driver: destination: " + resume.error().message);
    rep.stop_ns = stop->monotonic_ns;
    rep.resume_ns = resume->monotonic_ns;
    rep.pause_ms = static_cast<double>(rep.resume_ns - rep.stop_ns) / 1e6;
    rep.precopy_ms = static_cast<double>(rep.stop_ns - t0) / 1e6;
    rep.figures = {{"qemu_downtime_ms", number(*info, "downtime")},
                   {"qemu_total_ms", number(*info, "total-time")},
                   {"qemu_setup_ms", number(*info, "setup-time")}};
    if (const Json* ram = info->find("ram"); ram && ram->is_object())
      rep.figures.emplace_back("qemu_ram_bytes", number(*ram, "transferred"));
    rep.detail = strprintf("QEMU downtime %.0f ms, total %.0f ms", rep.figures[0].second,
                           rep.figures[1].second);
    // The source has handed the VM over: end it (its connection closes).
    (void)s.command("quit", Json(), 3000);
    return rep;
  }

  Result<std::string> recover(const Vm& vm, const Node& a, const Node& b) override {
    if (vm.qemu.qmp.empty())
      return make_error("qemu driver: VM " + vm.name + " has no \"qemu\" in the inventory");
    std::string states;
    for (const Node* n : {&a, &b}) {
      auto c = QmpClient::connect(for_host(vm.qemu.qmp, *n), 1000);
      std::string st = c ? status_of((*c)->command("query-status")) : "";
      states += " " + n->name + ": " + (st.empty() ? "no QEMU" : st) + ";";
      if (st == "running") return n->name;
    }
    // Stopped on one of them (a failed or cancelled migration leaves the
    // source in postmigrate): let it run again there.
    for (const Node* n : {&a, &b}) {
      auto c = QmpClient::connect(for_host(vm.qemu.qmp, *n), 1000);
      if (!c) continue;
      std::string st = status_of((*c)->command("query-status"));
      if (st != "paused" && st != "postmigrate") continue;
      if (auto r = (*c)->command("cont"); !r)
        return make_error("qemu driver: " + r.error().message);
      return n->name;
    }
    return make_error("qemu driver: " + vm.name + " runs on neither " + a.name + " nor " + b.name +
                      " (" + std::string(trim(states)) + ")");
  }

 private:
  static int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  }

  // The destination's monitor; QEMU started there with the VM's start
  // command when it does not answer. It must wait for a migration.
  Result<std::unique_ptr<QmpClient>> destination(const Vm& vm, const Node& to) {
    std::string path = for_host(vm.qemu.qmp, to);
    auto c = QmpClient::connect(path, 500);
    if (!c && !vm.qemu.start.empty()) {
      std::vector<std::string> argv;
      for (const std::string& a : vm.qemu.start) argv.push_back(for_host(a, to));
      auto r = r_->run(argv);
      if (!r)
        return make_error("qemu driver: starting QEMU on " + to.name + ": " + r.error().message);
      c = QmpClient::connect(path, 60000);
    }
    if (!c)
      return make_error("qemu driver: the destination QEMU on " + to.name + ": " +
                        c.error().message);
    std::string st = status_of((*c)->command("query-status"));
    if (st != "inmigrate")
      return make_error("qemu driver: the QEMU on " + to.name +
                        " does not wait for a migration (status " + st + ")");
    return c;
  }

  // Follows the source's MIGRATION events until the migration completes;
  // its query-migrate then. (Not query-migrate's status: on a QEMU that
  // once received a migration it reports the incoming one's "completed".)
  Result<Json> follow(QmpClient& s, QmpClient& d) {
    int64_t deadline = monotonic_ms() + 600000;
    std::string st;
    while (monotonic_ms() < deadline) {
      for (QmpClient* c : {&s, &d})
        if (Status p = c->poll(); !p) return make_error("qemu driver: " + p.error().message);
      auto& q = s.events();
      for (auto it = q.begin(); it != q.end();) {
        if (it->name != "MIGRATION") {
          ++it;
          continue;
        }
        if (const Json* v = it->data.is_object() ? it->data.find("status") : nullptr;
            v && v->is_string())
          st = v->as_string();
        it = q.erase(it);
      }
      if (st == "completed" || st == "failed" || st == "cancelled") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    auto info = s.command("query-migrate");
    if (!info) return make_error("qemu driver: " + info.error().message);
    if (st == "completed") return info;
    if (st.empty() || st == "setup" || st == "active" || st == "device") {
      (void)s.command("migrate_cancel");
      return make_error("qemu driver: the migration did not complete within 600 s (cancelled)");
    }
    const Json* e = info->find("error-desc");
    return make_error("qemu driver: the migration " + st +
                      (e && e->is_string() ? ": " + e->as_string() : ""));
  }

  const Inventory& inv_;
  CommandRunner* r_;
};

}  // namespace

std::unique_ptr<Driver> make_qemu_driver(const Inventory& inv, CommandRunner* runner) {
  return std::make_unique<QemuDriver>(inv, runner);
}

}  // namespace ferry::migrate
