#include "datapath/vswitchd/controller_policy.h"

#include <cstring>

namespace ferry {

namespace {

// OVS's equal_pathnames(a, b, b_stoplen): equal up to b_stoplen, treating
// runs of '/' as one.
bool equal_pathnames(const char* a, const char* b, size_t b_stoplen) {
  const char* b_start = b;
  for (;;) {
    if (static_cast<size_t>(b - b_start) >= b_stoplen) return true;
    if (*a != *b) return false;
    if (*a == '/') {
      a += strspn(a, "/");
      b += strspn(b, "/");
    } else if (*a == '\0') {
      return true;
    } else {
      a++;
      b++;
    }
  }
}

}  // namespace

std::vector<ovs::ControllerConfig> allowed_controllers(const ovs::BridgeConfig& bc,
                                                       const ControllerPolicy& policy,
                                                       std::vector<std::string>* refused) {
  std::vector<ovs::ControllerConfig> out;
  if (policy.flow_restore_wait) return out;
  const std::string mgmt = "unix:" + policy.rundir + "/" + bc.name + ".mgmt";
  for (const ovs::ControllerConfig& c : bc.controllers) {
    const std::string& t = c.target;
    if (policy.self_confinement && t.rfind("unix:", 0) == 0) {
      std::string allowed = "unix:" + policy.rundir + "/";
      if (t.find('/') != std::string::npos &&
          !equal_pathnames(t.c_str(), allowed.c_str(), allowed.size())) {
        refused->push_back("bridge " + bc.name + ": Not connecting to socket controller \"" + t +
                           "\" due to possibility for remote exploit.  Instead, specify socket "
                           "in permitted directory \"" +
                           allowed + "\" or connect to \"" + mgmt +
                           "\" (which is always available without special configuration).");
        continue;
      }
    } else if (policy.self_confinement && t.rfind("punix:", 0) == 0) {
      std::string allowed = "punix:" + policy.rundir + "/" + bc.name + ".";
      if (!equal_pathnames(t.c_str(), allowed.c_str(), allowed.size()) ||
          t.find('/', allowed.size()) != std::string::npos) {
        refused->push_back("bridge " + bc.name + ": Not adding Unix domain socket controller \"" +
                           t +
                           "\" due to possibility of overwriting local files. Instead, specify "
                           "path in permitted format \"" +
                           allowed + "*\" or connect to \"" + mgmt +
                           "\" (which is always available without special configuration).");
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

bool next_flow_restore_wait(bool current, const ovs::StringMap& other_config) {
  if (!current) return false;
  auto it = other_config.find("flow-restore-wait");
  return it != other_config.end() && it->second == "true";
}

}  // namespace ferry
