// The real ovs-appctl against the server, and ferry-ctl's command line.
#include "lib/rpc/appctl.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "test/unit/rpc/fixture.h"

using namespace ferry;
using namespace ferry::rpc;
using namespace ferry::rpc::test;

TEST_CASE("ovs-appctl: talks to the server as to ovs-vswitchd", "[appctl]") {
  ServerThread t;
  const std::string& sock = t.socket_path();

  ChildResult r = run_child({"ovs-appctl", "-t", sock, "echo", "hello", "big world"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "hello big world\n");
  CHECK(r.err == "");

  r = run_child({"ovs-appctl", "-t", sock, "list-commands"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("The available commands are:\n  big                     BYTES\n", 0) == 0);
  CHECK(r.out.find("\n  test/two                A B\n") != std::string::npos);

  r = run_child({"ovs-appctl", "-t", sock, "no/such", "x"});
  CHECK(r.exit_code == 2);
  CHECK(r.out == "");
  CHECK(r.err ==
        "\"no/such\" is not a valid command (use \"list-commands\" to see a list of valid "
        "commands)\n"
        "ovs-appctl: " +
            sock + ": server returned an error\n");

  r = run_child({"ovs-appctl", "-t", sock, "test/two", "a", "b", "c"});
  CHECK(r.exit_code == 2);
  CHECK(r.out == "");
  CHECK(r.err ==
        "\"test/two\" command takes at most 2 arguments\n"
        "ovs-appctl: " +
            sock + ": server returned an error\n");

  r = run_child({"ovs-appctl", "-t", sock, "test/two", "a"});
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "\"test/two\" command requires at least 2 arguments\n"
        "ovs-appctl: " +
            sock + ": server returned an error\n");

  r = run_child({"ovs-appctl", "-t", sock, "fail"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "it failed\novs-appctl: " + sock + ": server returned an error\n");

  // A deferred reply completed from the control loop reaches ovs-appctl.
  std::thread completer([&] {
    if (t.wait_until([&] { return !t.deferred().empty(); }))
      t.call([&] {
        t.deferred()[0]->ok("late answer");
        return 0;
      });
  });
  r = run_child({"ovs-appctl", "-t", sock, "defer"});
  completer.join();
  CHECK(r.exit_code == 0);
  CHECK(r.out == "late answer\n");

  r = run_child({"ovs-appctl", "-t", sock, "big", "2000000"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == std::string(2000000, 'x') + "\n");
}

TEST_CASE("ferry-ctl: command line", "[appctl]") {
  ServerThread t;
  const std::string& sock = t.socket_path();
  const std::string version = "9.9";

  CtlOutcome o = run_ctl({"ferry-ctl", "-t", sock, "echo", "a", "b"}, version);
  CHECK(o.exit_code == 0);
  CHECK(o.out == "a b\n");
  CHECK(o.err == "");

  o = run_ctl({"/usr/bin/ferry-ctl", "--target=" + sock, "--timeout", "5", "test/two", "x", "y"},
              version);
  CHECK(o.exit_code == 0);
  CHECK(o.out == "x+y\n");

  o = run_ctl({"ferry-ctl", "-t" + sock, "-T5", "--", "echo", "-t"}, version);
  CHECK(o.exit_code == 0);
  CHECK(o.out == "-t\n");

  o = run_ctl({"ferry-ctl", "-t", sock, "nosuch"}, version);
  CHECK(o.exit_code == 2);
  CHECK(o.out == "");
  CHECK(o.err ==
        "\"nosuch\" is not a valid command (use \"list-commands\" to see a list of valid "
        "commands)\n"
        "ferry-ctl: " +
            sock + ": server returned an error\n");

  o = run_ctl({"ferry-ctl", "-t", sock, "test/two"}, version);
  CHECK(o.exit_code == 2);
  CHECK(o.err ==
        "\"test/two\" command requires at least 2 arguments\n"
        "ferry-ctl: " +
            sock + ": server returned an error\n");

  o = run_ctl({"ferry-ctl", "-t", sock, "-T", "1", "defer"}, version);  // never answered
  CHECK(o.exit_code == 1);
  CHECK(o.out == "");
  CHECK(o.err == "ferry-ctl: " + sock + ": transaction error (Connection timed out)\n");

  o = run_ctl({"ferry-ctl", "-t", t.dir() + "/none.ctl", "echo"}, version);
  CHECK(o.exit_code == 1);
  CHECK(o.err ==
        "ferry-ctl: cannot connect to \"" + t.dir() + "/none.ctl\" (No such file or directory)\n");
}

TEST_CASE("ferry-ctl: usage errors, help and version", "[appctl]") {
  auto run = [](std::vector<std::string> args) { return run_ctl(args, "9.9"); };
  CtlOutcome o = run({"ferry-ctl"});
  CHECK(o.exit_code == 1);
  CHECK(o.err == "ferry-ctl: at least one non-option argument is required (use --help for help)\n");
  o = run({"ferry-ctl", "-t", "a", "--target=b", "x"});
  CHECK(o.exit_code == 1);
  CHECK(o.err == "ferry-ctl: -t or --target may be specified only once\n");
  o = run({"ferry-ctl", "-T", "0", "x"});
  CHECK(o.exit_code == 1);
  CHECK(o.err == "ferry-ctl: value 0 on -T or --timeout is invalid\n");
  o = run({"ferry-ctl", "--timeout=abc", "x"});
  CHECK(o.err == "ferry-ctl: value abc on -T or --timeout is invalid\n");
  o = run({"ferry-ctl", "--bogus", "x"});
  CHECK(o.exit_code == 1);
  CHECK(o.err == "ferry-ctl: unrecognized option '--bogus'\n");
  o = run({"ferry-ctl", "-q", "x"});
  CHECK(o.err == "ferry-ctl: invalid option -- 'q'\n");
  o = run({"ferry-ctl", "-t"});
  CHECK(o.err == "ferry-ctl: option '-t' requires an argument\n");
  o = run({"ferry-ctl", "-V"});
  CHECK(o.exit_code == 0);
  CHECK(o.out == "ferry-ctl (Ferry) 9.9\n");
  o = run({"ferry-ctl", "--help"});
  CHECK(o.exit_code == 0);
  CHECK(o.out.rfind("ferry-ctl, for querying and controlling ferry-vswitchd", 0) == 0);
  CHECK(o.out.find("usage: ferry-ctl [TARGET] COMMAND [ARG...]\n") != std::string::npos);
  CHECK(o.out.find("  ovs-appctl -t ferry-vswitchd COMMAND [ARG...]\n") != std::string::npos);
  CHECK(o.err == "");
}

TEST_CASE("ferry-ctl and ovs-appctl: the default target through OVS_RUNDIR", "[appctl]") {
  ServerThread t;
  TempDir rundir;
  PidfileHolder holder(rundir.path() + "/ferry-vswitchd.pid");
  std::string pid = std::to_string(holder.pid());
  std::string sock = rundir.path() + "/ferry-vswitchd." + pid + ".ctl";
  REQUIRE(::symlink(t.socket_path().c_str(), sock.c_str()) == 0);
  ::setenv("OVS_RUNDIR", rundir.path().c_str(), 1);

  CtlOutcome o = run_ctl({"ferry-ctl", "echo", "via", "pidfile"}, "9.9");
  CHECK(o.exit_code == 0);
  CHECK(o.out == "via pidfile\n");
  o = run_ctl({"ferry-ctl", "fail"}, "9.9");
  CHECK(o.exit_code == 2);
  CHECK(o.err == "it failed\nferry-ctl: ferry-vswitchd: server returned an error\n");
  ChildResult r = run_child({"ovs-appctl", "-t", "ferry-vswitchd", "echo", "same"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "same\n");

  o = run_ctl({"ferry-ctl", "-t", "other", "echo"}, "9.9");
  CHECK(o.exit_code == 1);
  CHECK(o.err == "ferry-ctl: cannot read pidfile \"" + rundir.path() +
                     "/other.pid\" (No such file or directory)\n");
  ::unsetenv("OVS_RUNDIR");
}
