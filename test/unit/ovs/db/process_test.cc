// Process plumbing through a helper daemon (daemon_helper.cc): directories
// from the environment, the pidfile where ovs-appctl looks for it, detaching,
// "already running" refusal, and exit hooks on SIGTERM.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "lib/ovs/db/ovs_log.h"
#include "lib/ovs/poller.h"
#include "test/unit/ovs/db/ovsdb_server.h"

using ferry::test::read_file;
using ferry::test::run_program;

namespace {

const std::string kHelper = FERRY_DAEMON_HELPER;
const std::string kHelperName = "ferry-daemon-helper";

bool alive(pid_t pid) { return kill(pid, 0) == 0; }

// Waits until pid is gone (it is not our child: the daemon detached).
bool wait_gone(pid_t pid, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    if (!alive(pid)) return true;
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    size_t paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z')
      return true;
    usleep(10000);
  }
  return false;
}

struct TempDir {
  std::string path = ferry::test::make_temp_dir();
  ~TempDir() { ferry::test::remove_tree(path); }
};

}  // namespace

TEST_CASE("directories come from OVS_RUNDIR, OVS_LOGDIR, OVS_DBDIR", "[process]") {
  auto r =
      run_program({kHelper, "dirs"}, {"OVS_RUNDIR=/x/run", "OVS_LOGDIR=/x/log", "OVS_DBDIR=/x/db"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "/x/run\n/x/log\n/x/db\n");
}

TEST_CASE("directories default to the distribution's", "[process]") {
  auto r = run_program({kHelper, "dirs"}, {"OVS_RUNDIR=", "OVS_LOGDIR=", "OVS_DBDIR="});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "/var/run/openvswitch\n/var/log/openvswitch\n/etc/openvswitch\n");
}

TEST_CASE("daemon: pidfile in rundir, already-running refusal, exit hook on SIGTERM", "[process]") {
  TempDir dir;
  REQUIRE(!dir.path.empty());
  std::string pidfile = dir.path + "/" + kHelperName + ".pid";
  std::string marker = dir.path + "/marker";
  std::vector<std::string> env = {"OVS_RUNDIR=" + dir.path};

  // The foreground process returns once the daemon called daemonize_complete().
  auto r = run_program({kHelper, "daemon", marker}, env);
  REQUIRE(r.exit_code == 0);
  pid_t pid = std::atoi(read_file(pidfile).c_str());
  REQUIRE(pid > 0);
  struct Killer {
    pid_t pid;
    ~Killer() { kill(pid, SIGKILL); }
  } killer{pid};
  CHECK(alive(pid));
  CHECK(read_file(marker).empty());  // the foreground parent ran no hook

  // A second instance with the same pidfile refuses to start.
  auto second = run_program({kHelper, "daemon", marker + "2"}, env);
  CHECK(second.exit_code != 0);
  CHECK(second.err.find("already running") != std::string::npos);
  CHECK(std::atoi(read_file(pidfile).c_str()) == pid);

  REQUIRE(kill(pid, SIGTERM) == 0);
  REQUIRE(wait_gone(pid, 5000));
  CHECK(read_file(marker) == "exit hook ran\n");
  CHECK(access(pidfile.c_str(), F_OK) != 0);  // removed at exit
}

TEST_CASE("OvsPoller: timers wake block() and time_msec() advances", "[process]") {
  ferry::ovs::OvsPoller poller;
  int64_t start = ferry::ovs::time_msec();
  poller.timer_wait(30);
  poller.block();
  int64_t elapsed = ferry::ovs::time_msec() - start;
  CHECK(elapsed >= 30);
  CHECK(elapsed < 1000);

  int fds[2];
  REQUIRE(pipe(fds) == 0);
  REQUIRE(write(fds[1], "x", 1) == 1);
  start = ferry::ovs::time_msec();
  poller.fd_wait(fds[0], POLLIN);
  poller.timer_wait(5000);
  poller.block();  // the readable fd wakes it at once
  CHECK(ferry::ovs::time_msec() - start < 1000);
  start = ferry::ovs::time_msec();
  poller.immediate_wake();
  poller.timer_wait(5000);
  poller.block();
  CHECK(ferry::ovs::time_msec() - start < 1000);
  close(fds[0]);
  close(fds[1]);
}

TEST_CASE("libopenvswitch's log stays off stderr unless verbose, and goes to a file", "[process]") {
  TempDir dir;
  REQUIRE(!dir.path.empty());
  std::string remote = "unix:" + dir.path + "/no-such.sock";
  auto quiet = run_program({kHelper, "connect", remote});
  REQUIRE(quiet.exit_code == 0);
  CHECK(quiet.err == "");

  auto verbose = run_program({kHelper, "connect", remote, "--verbose"});
  REQUIRE(verbose.exit_code == 0);
  CHECK(verbose.err.find("|reconnect|") != std::string::npos);

  std::string log = dir.path + "/ovs.log";
  auto to_file = run_program({kHelper, "connect", remote, "--log-file=" + log});
  REQUIRE(to_file.exit_code == 0);
  CHECK(to_file.err == "");
  CHECK(read_file(log).find("|reconnect|INFO|" + remote + ": connecting...") != std::string::npos);
}

TEST_CASE("set_ovs_log_spec rejects what vlog/set would", "[process]") {
  CHECK_FALSE(ferry::ovs::set_ovs_log_spec("no-such-module:file:dbg").ok());
  CHECK(ferry::ovs::set_ovs_log_spec("reconnect:file:warn").ok());
}
