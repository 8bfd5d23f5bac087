// ferry-ctl: sends one command to a control socket and prints the answer,
// as ovs-appctl does (see `ferry-ctl --help`).
#include <cstdio>
#include <string>
#include <vector>

#include "lib/rpc/appctl.h"

int main(int argc, char* argv[]) {
  std::vector<std::string> args(argv, argv + argc);
  ferry::rpc::CtlOutcome r = ferry::rpc::run_ctl(args, FERRY_VERSION);
  std::fwrite(r.out.data(), 1, r.out.size(), stdout);
  std::fflush(stdout);
  std::fwrite(r.err.data(), 1, r.err.size(), stderr);
  return r.exit_code;
}
