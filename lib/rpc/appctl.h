// The command line of ferry-ctl, in the style of ovs-appctl:
//   ferry-ctl [-t|--target TARGET] [-T|--timeout SECS] COMMAND [ARG...]
// Kept out of main() so that tests run it in-process.
#pragma once

#include <string>
#include <vector>

namespace ferry::rpc {

struct CtlOutcome {
  int exit_code = 0;  // 0 ok; 1 usage, connection or transaction failure; 2 server error
  std::string out;    // for stdout: the command's result text
  std::string err;    // for stderr
};

// argv[0] is the program name. Reads OVS_RUNDIR and OVS_CTL_TIMEOUT from
// the environment, as ovs-appctl does.
CtlOutcome run_ctl(const std::vector<std::string>& argv, const std::string& version);

std::string ctl_usage(const std::string& program);

}  // namespace ferry::rpc
