// ferry-vswitchd's command line, ovs-vswitchd's (getopt_long rules: a long
// option may be abbreviated while unambiguous; a required argument follows
// '=' or comes as the next word; an optional one only after '='):
//   ferry-vswitchd [DATABASE] [--pidfile[=FILE]] [--detach] [--no-chdir]
//                  [--monitor] [--overwrite-pidfile] [--no-self-confinement]
//                  [--user USER[:GROUP]] [--mlockall] [--log-file[=FILE]]
//                  [--unixctl=SOCKET] [-v|--verbose[=SPEC]] [--help] [--version]
//                  [--program-name=NAME]
// --program-name is Ferry's own: the name files are named after, as if the
// binary had been started under that name.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lib/ovs/process.h"
#include "lib/util/result.h"

namespace ferry {

struct VswitchdOptions {
  // The name files are named after (control socket, log, pidfile): the
  // program's name, so Ferry started as ovs-vswitchd answers to OVS's names.
  std::string program = "ferry-vswitchd";
  std::string program_name;  // --program-name, "" when not given
  std::string database;      // OVSDB remote; default unix:<rundir>/db.sock
  ovs::DaemonOptions daemon;
  bool log_file = false;
  std::string log_file_path;         // default <logdir>/<program>.log
  std::string unixctl_path;          // default <rundir>/<program>.<pid>.ctl
  std::vector<std::string> verbose;  // vlog specs; "" means everything at DBG
  bool mlockall = false;             // lock all memory, as ovs-vswitchd --mlockall
  std::optional<std::string> user;   // --user [USER][:GROUP] (empty USER: the current one)
  // Unix-socket controllers only under the run directory (OVS's default;
  // --no-self-confinement lifts it).
  bool self_confinement = true;
  bool help = false;
  bool version = false;
};

Result<VswitchdOptions> parse_vswitchd_options(int argc, char** argv);
// --program-name's value from a command line not parsed yet ("" if none):
// the program name must be known before anything else starts.
std::string program_name_option(int argc, char** argv);
std::string vswitchd_usage(const std::string& program);
// --version's text and the `version` command's: OVS's form under an OVS
// name ("ovs-vswitchd (Open vSwitch) 3.1.0+ferry0.1.0", which ovs-ctl
// parses), Ferry's own otherwise; then "DPDK x" when dpdk is not empty.
std::string vswitchd_version_text(const std::string& program, const std::string& dpdk);
// The Open vSwitch version whose interfaces Ferry implements, with Ferry's
// own as build metadata: what Open_vSwitch.ovs_version reads.
const char* ovs_compatible_version();

}  // namespace ferry
