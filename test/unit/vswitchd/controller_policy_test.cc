#include "datapath/vswitchd/controller_policy.h"

#include <catch2/catch.hpp>

namespace ferry {
namespace {

ovs::BridgeConfig bridge_with(std::vector<std::string> targets) {
  ovs::BridgeConfig bc;
  bc.name = "br0";
  for (const std::string& t : targets) {
    ovs::ControllerConfig c;
    c.target = t;
    bc.controllers.push_back(c);
  }
  return bc;
}

std::vector<std::string> targets(const std::vector<ovs::ControllerConfig>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.target);
  return out;
}

TEST_CASE("self-confinement keeps unix controllers in the run directory") {
  auto bc = bridge_with({"tcp:127.0.0.1:6653", "unix:/run/ovs/ctl.sock", "unix:/tmp/evil.sock",
                         "punix:/run/ovs/br0.snoop", "punix:/run/ovs/br1.snoop",
                         "punix:/run/ovs/br0.x/y", "unix:relative.sock"});
  std::vector<std::string> refused;
  auto got = allowed_controllers(bc, {"/run/ovs", true, false}, &refused);
  CHECK(targets(got) == std::vector<std::string>{"tcp:127.0.0.1:6653", "unix:/run/ovs/ctl.sock",
                                                 "punix:/run/ovs/br0.snoop", "unix:relative.sock"});
  REQUIRE(refused.size() == 3);
  CHECK(refused[0] ==
        "bridge br0: Not connecting to socket controller \"unix:/tmp/evil.sock\" due to "
        "possibility for remote exploit.  Instead, specify socket in permitted directory "
        "\"unix:/run/ovs/\" or connect to \"unix:/run/ovs/br0.mgmt\" (which is always available "
        "without special configuration).");
  CHECK(refused[1] ==
        "bridge br0: Not adding Unix domain socket controller \"punix:/run/ovs/br1.snoop\" due "
        "to possibility of overwriting local files. Instead, specify path in permitted format "
        "\"punix:/run/ovs/br0.*\" or connect to \"unix:/run/ovs/br0.mgmt\" (which is always "
        "available without special configuration).");

  refused.clear();
  got = allowed_controllers(bc, {"/run/ovs", false, false}, &refused);
  CHECK(got.size() == bc.controllers.size());
  CHECK(refused.empty());
}

TEST_CASE("no controllers while flow-restore-wait holds; the latch only opens") {
  auto bc = bridge_with({"tcp:127.0.0.1:6653"});
  std::vector<std::string> refused;
  CHECK(allowed_controllers(bc, {"/run/ovs", true, true}, &refused).empty());
  CHECK(refused.empty());

  CHECK(next_flow_restore_wait(true, {{"flow-restore-wait", "true"}}));
  CHECK_FALSE(next_flow_restore_wait(true, {}));
  CHECK_FALSE(next_flow_restore_wait(true, {{"flow-restore-wait", "false"}}));
  CHECK_FALSE(next_flow_restore_wait(false, {{"flow-restore-wait", "true"}}));
}

}  // namespace
}  // namespace ferry
