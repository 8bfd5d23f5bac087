// Ovsdb and the ovs-vswitchd protocol around it: ovs-vsctl waiting for
// cur_cfg, and the "ovs_vswitchd" lock between two instances.
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "lib/ovs/database.h"
#include "test/unit/ovs/db/ovsdb_drive.h"
#include "test/unit/ovs/db/ovsdb_server.h"

using ferry::ovs::Config;
using ferry::ovs::InterfaceStatus;
using ferry::ovs::Ovsdb;
using ferry::test::drive;
using ferry::test::OvsdbServer;
using ferry::test::ready_db;
using ferry::test::vsctl_get;

TEST_CASE("ovs-vsctl without --no-wait returns once Ferry set cur_cfg", "[ovsdb]") {
  OvsdbServer server;
  REQUIRE(server.ok());
  REQUIRE(server.vsctl({"--no-wait", "init"}).exit_code == 0);
  auto db = ready_db(server);
  REQUIRE(db);

  // Nobody answers: ovs-vsctl times out waiting for cur_cfg.
  auto timed_out = ferry::test::run_program(
      {"ovs-vsctl", "--db=" + server.remote(), "--timeout=1", "add-br", "brx"});
  CHECK(timed_out.exit_code != 0);

  // As ovs-vswitchd: the new interface's ofport goes in with cur_cfg, or
  // ovs-vsctl reports that the interface could not be set up.
  std::string err_path = server.dir() + "/vsctl.err";
  pid_t vsctl = ferry::test::spawn_program(server.vsctl_argv({"add-br", "br1"}), {}, err_path);
  REQUIRE(vsctl > 0);
  int64_t next_cfg = 0;
  REQUIRE(drive(*db, [&] {
    std::optional<Config> c = db->config();
    next_cfg = c->next_cfg;
    for (const auto& br : c->bridges)
      if (br.name == "br1") return true;
    return false;
  }));
  CHECK(next_cfg >= 1);
  int status;
  CHECK(waitpid(vsctl, &status, WNOHANG) == 0);  // still waiting for cur_cfg
  InterfaceStatus br1;
  br1.name = "br1";
  br1.ofport = 65534;
  db->set_interface_status(br1);
  db->set_cur_cfg(next_cfg);
  int exit_code = -3;
  CHECK(drive(*db, [&] {
    pid_t r = waitpid(vsctl, &status, WNOHANG);
    if (r == vsctl) exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r == vsctl;
  }));
  if (exit_code == -3) ferry::test::wait_program(vsctl, 0);
  CHECK(exit_code == 0);
  CHECK(ferry::test::read_file(err_path) == "");
  CHECK(vsctl_get(server, "Open_vSwitch", ".", "cur_cfg") == std::to_string(next_cfg) + "\n");
}

TEST_CASE("a second Ovsdb sees the lock contended and writes nothing until it has it", "[ovsdb]") {
  OvsdbServer server;
  REQUIRE(server.ok());
  REQUIRE(server.vsctl({"--no-wait", "init"}).exit_code == 0);
  auto first = ready_db(server);
  REQUIRE(first);
  auto second = Ovsdb::create(server.remote());
  REQUIRE(drive({first.get(), second.get()},
                [&] { return second->lock_contended() && second->config().has_value(); }));
  CHECK_FALSE(second->has_lock());
  CHECK(first->has_lock());
  // It reads the configuration, but must not apply it.

  second->set_cur_cfg(99);
  REQUIRE_FALSE(drive(
      {first.get(), second.get()}, [] { return false; }, 300));
  CHECK(second->txn_busy());
  CHECK(vsctl_get(server, "Open_vSwitch", ".", "cur_cfg") == "0\n");

  first.reset();  // the lock holder goes away: the second takes over
  REQUIRE(drive(*second, [&] { return second->has_lock() && !second->txn_busy(); }));
  CHECK_FALSE(second->lock_contended());
  CHECK(vsctl_get(server, "Open_vSwitch", ".", "cur_cfg") == "99\n");
}
