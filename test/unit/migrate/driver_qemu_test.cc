// The qemu driver against two fake QEMU monitors (unix sockets speaking
// QMP): the commands it issues on each side, the events it reads, the
// report it makes of them, its errors.
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>

#include "lib/rpc/json.h"
#include "lib/util/text.h"
#include "test/unit/migrate/fixture.h"
#include "tools/migrate/driver.h"

using namespace ferry;
using namespace ferry::migrate;
using rpc::Json;

namespace {

int64_t real_us() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

std::string event(const std::string& name, int64_t us, const std::string& data = "") {
  return strprintf(R"({"event": "%s", %s"timestamp": {"seconds": %lld, "microseconds": %lld}})",
                   name.c_str(), data.empty() ? "" : ("\"data\": " + data + ", ").c_str(),
                   static_cast<long long>(us / 1000000), static_cast<long long>(us % 1000000));
}

// A QMP server on PATH: answers each command with replies[command] (a JSON
// text; default {}) followed by the lines of after[command], and records
// every command with its arguments.
class FakeQemu {
 public:
  explicit FakeQemu(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strcpy(sa.sun_path, path_.c_str());
    ::unlink(path_.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeQemu() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    ::unlink(path_.c_str());
  }
  std::vector<std::string> log() {
    std::lock_guard<std::mutex> g(mu_);
    return log_;
  }
  std::map<std::string, std::string> replies;
  std::map<std::string, std::vector<std::string>> after;

 private:
  void serve() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      say(c, R"({"QMP": {"version": {}, "capabilities": []}})");
      std::string in;
      char buf[4096];
      for (;;) {
        ssize_t n = ::read(c, buf, sizeof(buf));
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
        size_t nl;
        while ((nl = in.find('\n')) != std::string::npos) {
          auto j = rpc::parse_json(in.substr(0, nl));
          in.erase(0, nl + 1);
          std::string cmd = j->find("execute")->as_string();
          const Json* a = j->find("arguments");
          {
            std::lock_guard<std::mutex> g(mu_);
            log_.push_back(cmd + (a ? " " + a->dump() : ""));
          }
          auto r = replies.find(cmd);
          say(c, "{\"return\": " + (r == replies.end() ? "{}" : r->second) + "}");
          for (const std::string& l : after[cmd]) say(c, l);
        }
      }
      ::close(c);
    }
  }
  static void say(int c, const std::string& line) {
    std::string l = line + "\r\n";
    (void)!::write(c, l.data(), l.size());
  }

  std::string path_;
  int fd_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> log_;
};

struct NoCommands : CommandRunner {
  Result<std::string> run(const std::vector<std::string>& argv) override {
    issued.push_back(join(argv, " "));
    return make_error("not here", ENOENT);
  }
  std::vector<std::string> issued;
};

struct Lab {
  std::string dir;
  Inventory inv = test::lab_inventory();
  Lab() {
    char t[] = "/tmp/ferry-qmp-test-XXXXXX";
    dir = ::mkdtemp(t);
    Vm& vm = const_cast<Vm&>(*inv.vm("A0"));
    vm.qemu.qmp = dir + "/{host}.qmp";
    vm.qemu.incoming = "unix:" + dir + "/{host}.migrate";
  }
  ~Lab() { ::rmdir(dir.c_str()); }
};

}  // namespace

TEST_CASE("qemu driver: QMP migration, STOP and RESUME events, QEMU's figures", "[migrate]") {
  Lab lab;
  FakeQemu src(lab.dir + "/S1.qmp"), dst(lab.dir + "/S2.qmp");
  int64_t t = real_us();
  src.replies["query-status"] = R"({"status": "running", "running": true})";
  dst.replies["query-status"] = R"({"status": "inmigrate", "running": false})";
  // The source's query-migrate says "completed" from the start (a QEMU
  // that once received a migration): the driver follows the events.
  src.replies["query-migrate"] = R"({"status": "completed", "downtime": 12, "total-time": 640, )"
                                 R"("setup-time": 3, "ram": {"transferred": 123456}})";
  src.after["migrate"] = {event("MIGRATION", t, R"({"status": "setup"})"),
                          event("MIGRATION", t + 1000, R"({"status": "active"})"),
                          event("STOP", t + 600000),
                          event("MIGRATION", t + 615000, R"({"status": "completed"})")};
  dst.after["migrate-incoming"] = {event("RESUME", t + 625000)};
  NoCommands r;
  auto d = make_qemu_driver(lab.inv, &r);
  auto rep = d->move(*lab.inv.vm("A0"), *lab.inv.node("S1"), *lab.inv.node("S2"));
  INFO((rep.ok() ? "" : rep.error().message));
  REQUIRE(rep.ok());
  const std::string uri = "{\"uri\":\"unix:" + lab.dir + "/S2.migrate\"}";
  const std::string caps = R"({"capabilities":[{"capability":"events","state":true}]})";
  CHECK(src.log() == std::vector<std::string>{"qmp_capabilities", "query-status",
                                              "migrate-set-capabilities " + caps,
                                              "migrate-set-parameters {\"downtime-limit\":50}",
                                              "migrate " + uri, "query-migrate", "quit"});
  CHECK(dst.log() == std::vector<std::string>{"qmp_capabilities", "query-status",
                                              "migrate-set-capabilities " + caps,
                                              "migrate-incoming " + uri});
  CHECK(r.issued.empty());
  // QEMU's timestamps, moved to CLOCK_MONOTONIC: 25 ms between STOP and RESUME.
  CHECK(rep->resume_ns - rep->stop_ns > 24900000);
  CHECK(rep->resume_ns - rep->stop_ns < 25100000);
  CHECK(rep->gate_ms == 0);
  CHECK(rep->figures == std::vector<std::pair<std::string, double>>{{"qemu_downtime_ms", 12},
                                                                    {"qemu_total_ms", 640},
                                                                    {"qemu_setup_ms", 3},
                                                                    {"qemu_ram_bytes", 123456}});
}

TEST_CASE("qemu driver: clear errors, the destination started by the inventory's command",
          "[migrate]") {
  Lab lab;
  NoCommands r;
  auto d = make_qemu_driver(lab.inv, &r);
  const Vm& vm = *lab.inv.vm("A0");
  {
    Vm bare = vm;
    bare.qemu = {};
    auto rep = d->move(bare, *lab.inv.node("S1"), *lab.inv.node("S2"));
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.error().message == "qemu driver: VM A0 has no \"qemu\" in the inventory");
  }
  FakeQemu src(lab.dir + "/S1.qmp");
  src.replies["query-status"] = R"({"status": "running", "running": true})";
  {
    // No QEMU on S2 and a start command that fails.
    const_cast<Vm&>(vm).qemu.start = {"start-qemu", "{host}"};
    auto rep = d->move(vm, *lab.inv.node("S1"), *lab.inv.node("S2"));
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.error().message == "qemu driver: starting QEMU on S2: not here");
    CHECK(r.issued == std::vector<std::string>{"start-qemu S2"});
  }
  FakeQemu dst(lab.dir + "/S2.qmp");
  dst.replies["query-status"] = R"({"status": "running", "running": true})";
  {
    auto rep = d->move(vm, *lab.inv.node("S1"), *lab.inv.node("S2"));
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.error().message ==
          "qemu driver: the QEMU on S2 does not wait for a migration (status running)");
  }
  dst.replies["query-status"] = R"({"status": "inmigrate", "running": false})";
  src.replies["query-migrate"] = R"({"status": "failed", "error-desc": "Unable to write"})";
  src.after["migrate"] = {event("MIGRATION", real_us(), R"({"status": "failed"})")};
  {
    auto rep = d->move(vm, *lab.inv.node("S1"), *lab.inv.node("S2"));
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.error().message == "qemu driver: the migration failed: Unable to write");
  }
  // recover: nothing runs, the source stopped after the failure resumes.
  src.replies["query-status"] = R"({"status": "postmigrate", "running": false})";
  auto where = d->recover(vm, *lab.inv.node("S1"), *lab.inv.node("S2"));
  REQUIRE(where.ok());
  CHECK(*where == "S1");
  CHECK(src.log().back() == "cont");
}
