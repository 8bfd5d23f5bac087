// Runs a command (the real ovs-ofctl) with a timeout, capturing its output.
#pragma once

#include <string>
#include <vector>

namespace ferry::ovs {

struct CmdResult {
  int status = -1;  // exit status, or -1 when it did not exit normally (or timed out)
  std::string out, err;
};

CmdResult run_command(const std::vector<std::string>& argv, int timeout_ms = 20000);

}  // namespace ferry::ovs
