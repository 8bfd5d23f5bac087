// The daemon's log as one registry (lib/ovs/db/ovs_log.h): Ferry's
// modules, libopenvswitch's, and ovs-vswitchd's other module names, with
// ovs-vswitchd's answers.
#include <string>

#include <catch2/catch.hpp>

#include "lib/ovs/db/ovs_log.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(spec_test_log, "spec_test");

using ferry::Log;
using ferry::LogLevel;
using ferry::ovs::log_list;
using ferry::ovs::register_vswitchd_log_modules;
using ferry::ovs::set_log_spec;

namespace {

// A module's levels as vlog/list shows them: "console syslog file".
std::string row(const std::string& name) {
  std::string list = log_list();
  size_t at = list.find("\n" + name + " ");
  if (at == std::string::npos) return "";
  std::string line = list.substr(at + 1, list.find('\n', at + 1) - at - 1);
  std::string out, w;
  for (size_t i = name.size(); i <= line.size(); i++) {
    if (i == line.size() || line[i] == ' ') {
      if (!w.empty()) out += (out.empty() ? "" : " ") + w;
      w.clear();
    } else {
      w += line[i];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("log spec: ovs-vswitchd's module names and answers", "[log]") {
  register_vswitchd_log_modules();
  // ovs-vswitchd's own modules, as the OVS testsuite starts it
  // (-vvconn -vofproto_dpif -vunixctl): libopenvswitch's vconn, a name
  // only ovs-vswitchd has, and a name both Ferry and libopenvswitch have.
  REQUIRE(set_log_spec("vconn").ok());
  CHECK(row("vconn") == "DBG DBG DBG");
  REQUIRE(set_log_spec("ofproto_dpif").ok());
  CHECK(row("ofproto_dpif") == "DBG DBG DBG");
  REQUIRE(set_log_spec("unixctl:off").ok());
  CHECK(row("unixctl") == "OFF OFF OFF");
  REQUIRE(set_log_spec("unixctl:file:info").ok());
  CHECK(row("unixctl") == "OFF OFF INFO");
  REQUIRE(set_log_spec("dpif_netdev:dbg").ok());
  REQUIRE(set_log_spec("netdev_dpdk:dbg").ok());  // OVS-DPDK's
  // Ferry's own module, by spec words in any order and separators.
  REQUIRE(set_log_spec("file,dbg spec_test").ok());
  CHECK(Log::process().find("spec_test")->level(ferry::kLogFile) == LogLevel::kDbg);
  CHECK(row("spec_test") == "OFF ERR DBG");

  // Refusals, word for word as ovs-vswitchd's.
  auto bad = set_log_spec("foo");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "no destination, level, or module \"foo\"");
  auto two = set_log_spec("vconn:ofproto_dpif");
  REQUIRE_FALSE(two.ok());
  CHECK(two.error().message == "cannot specify multiple modules");
  auto levels = set_log_spec("vconn:dbg:info");
  REQUIRE_FALSE(levels.ok());
  CHECK(levels.error().message == "cannot specify multiple levels");
  auto dests = set_log_spec("vconn:file:console");
  REQUIRE_FALSE(dests.ok());
  CHECK(dests.error().message == "cannot specify multiple destinations");

  // No module: every module of both registries.
  REQUIRE(set_log_spec("file:warn").ok());
  CHECK(row("vconn") == "DBG DBG WARN");
  CHECK(row("spec_test") == "OFF ERR WARN");
  CHECK(row("ofproto_dpif") == "DBG DBG WARN");
  // One table, OVS's header.
  CHECK(log_list().rfind("                 console    syslog    file\n", 0) == 0);
}
