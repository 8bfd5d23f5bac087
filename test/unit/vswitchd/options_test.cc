#include "datapath/vswitchd/options.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace ferry {
namespace {

Result<VswitchdOptions> parse(std::vector<std::string> words) {
  words.insert(words.begin(), "ovs-vswitchd");
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  return parse_vswitchd_options(static_cast<int>(words.size()), argv.data());
}

TEST_CASE("ovs-ctl's command line for ovs-vswitchd parses") {
  // What Debian's ovs-ctl start runs (ovs-ctl do_start_forwarding, ovs-lib
  // start_daemon), with --user given as ovs-ctl gives it: a separate word.
  auto o = parse({"unix:/var/run/openvswitch/db.sock", "-vconsole:emer", "-vsyslog:err",
                  "-vfile:info", "--mlockall", "--user", "openvswitch:hugetlbfs", "--no-chdir",
                  "--log-file=/var/log/openvswitch/ovs-vswitchd.log",
                  "--pidfile=/var/run/openvswitch/ovs-vswitchd.pid", "--detach", "--monitor"});
  REQUIRE(o.ok());
  CHECK(o->database == "unix:/var/run/openvswitch/db.sock");
  CHECK(o->verbose == std::vector<std::string>{"console:emer", "syslog:err", "file:info"});
  CHECK(o->mlockall);
  CHECK(o->user == std::optional<std::string>("openvswitch:hugetlbfs"));
  CHECK(o->daemon.no_chdir);
  CHECK(o->log_file);
  CHECK(o->log_file_path == "/var/log/openvswitch/ovs-vswitchd.log");
  CHECK(o->daemon.pidfile);
  CHECK(o->daemon.pidfile_path == "/var/run/openvswitch/ovs-vswitchd.pid");
  CHECK(o->daemon.detach);
  CHECK(o->daemon.monitor);
  CHECK(o->self_confinement);
  CHECK_FALSE(o->daemon.overwrite_pidfile);
  CHECK_FALSE(parse({})->user.has_value());
  CHECK(parse({"--user="})->user == std::optional<std::string>(""));
}

TEST_CASE("options take getopt_long's forms") {
  auto o = parse({"--user=nobody", "--no-self-confinement", "--pidfile", "--log-file", "-v",
                  "--verbose=dpif:dbg", "--unixctl", "/tmp/x.ctl", "--overwrite-pid"});
  REQUIRE(o.ok());
  CHECK(o->user == std::optional<std::string>("nobody"));
  CHECK_FALSE(o->self_confinement);
  CHECK(o->daemon.pidfile);
  CHECK(o->daemon.pidfile_path.empty());
  CHECK(o->log_file);
  CHECK(o->log_file_path.empty());
  CHECK(o->verbose == std::vector<std::string>{"", "dpif:dbg"});
  CHECK(o->unixctl_path == "/tmp/x.ctl");
  CHECK(o->daemon.overwrite_pidfile);  // an unambiguous abbreviation
  CHECK(o->database.empty());
}

TEST_CASE("--program-name names the program") {
  std::vector<std::string> words = {"ferry-vswitchd", "--detach", "--program-name", "ovs-vswitchd"};
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  CHECK(program_name_option(4, argv.data()) == "ovs-vswitchd");
  auto o = parse({"--program-name=ovs-vswitchd"});
  REQUIRE(o.ok());
  CHECK(o->program_name == "ovs-vswitchd");
  CHECK(program_name_option(2, argv.data()) == "");
}

TEST_CASE("bad command lines are refused with the reason") {
  struct Case {
    std::vector<std::string> words;
    std::string error;
  };
  const Case cases[] = {
      {{"--user"}, "option '--user' requires an argument"},
      {{"--detach=yes"}, "option '--detach' doesn't allow an argument"},
      {{"--no"}, "option '--no' is ambiguous"},
      {{"--frobnicate"}, "unrecognized option '--frobnicate' (use --help for help)"},
      {{"-x"}, "invalid option -- 'x' (use --help for help)"},
      {{"--program-name=a/b"}, "--program-name requires a name without '/'"},
      {{"unix:a", "unix:b"}, "at most one non-option argument accepted; use --help for usage"},
  };
  for (const Case& c : cases) {
    auto o = parse(c.words);
    REQUIRE_FALSE(o.ok());
    CHECK(o.error().message == c.error);
  }
}

TEST_CASE("--version: OVS's form under OVS's name, which ovs-ctl parses") {
  CHECK(std::string(ovs_compatible_version()) == "3.1.0+ferry" FERRY_VSWITCHD_VERSION);
  CHECK(vswitchd_version_text("ovs-vswitchd", "DPDK 22.11.11") ==
        "ovs-vswitchd (Open vSwitch) 3.1.0+ferry" FERRY_VSWITCHD_VERSION "\nDPDK 22.11.11\n");
  CHECK(vswitchd_version_text("ferry-vswitchd", "") ==
        "ferry-vswitchd (Ferry) " FERRY_VSWITCHD_VERSION "\n");
}

}  // namespace
}  // namespace ferry
