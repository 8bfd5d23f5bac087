// ferry-vswitchd's command line, modelled on ovs-vswitchd's:
//   ferry-vswitchd [DATABASE] [--pidfile[=FILE]] [--detach] [--no-chdir]
//                  [--monitor] [--overwrite-pidfile] [--log-file[=FILE]]
//                  [--unixctl=SOCKET] [-v|--verbose[=SPEC]] [--help] [--version]
#pragma once

#include <string>
#include <vector>

#include "lib/ovs/process.h"
#include "lib/util/result.h"

namespace ferry {

struct VswitchdOptions {
  // The name files are named after (control socket, log, pidfile): the
  // program's name, so Ferry started as ovs-vswitchd answers to OVS's names.
  std::string program = "ferry-vswitchd";
  std::string database;  // OVSDB remote; default unix:<rundir>/db.sock
  ovs::DaemonOptions daemon;
  bool log_file = false;
  std::string log_file_path;         // default <logdir>/<program>.log
  std::string unixctl_path;          // default <rundir>/<program>.<pid>.ctl
  std::vector<std::string> verbose;  // vlog specs; "" means everything at DBG
  bool help = false;
  bool version = false;
};

Result<VswitchdOptions> parse_vswitchd_options(int argc, char** argv);
std::string vswitchd_usage(const std::string& program);

}  // namespace ferry
