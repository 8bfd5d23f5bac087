#include "datapath/vswitchd/options.h"

#include <cstring>

namespace ferry {

namespace {

// "--name" or "--name=value"; returns true and sets *value (maybe empty).
bool long_opt(const char* arg, const char* name, std::string* value, bool* has_value) {
  size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0) return false;
  if (arg[n] == '\0') {
    *has_value = false;
    value->clear();
    return true;
  }
  if (arg[n] == '=') {
    *has_value = true;
    *value = arg + n + 1;
    return true;
  }
  return false;
}

}  // namespace

Result<VswitchdOptions> parse_vswitchd_options(int argc, char** argv) {
  VswitchdOptions o;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    std::string v;
    bool has = false;
    if (long_opt(a, "--pidfile", &v, &has)) {
      o.daemon.pidfile = true;
      o.daemon.pidfile_path = v;
    } else if (!std::strcmp(a, "--detach")) {
      o.daemon.detach = true;
    } else if (!std::strcmp(a, "--no-chdir")) {
      o.daemon.no_chdir = true;
    } else if (!std::strcmp(a, "--monitor")) {
      o.daemon.monitor = true;
    } else if (!std::strcmp(a, "--overwrite-pidfile")) {
      o.daemon.overwrite_pidfile = true;
    } else if (long_opt(a, "--log-file", &v, &has)) {
      o.log_file = true;
      o.log_file_path = v;
    } else if (long_opt(a, "--unixctl", &v, &has)) {
      if (!has || v.empty()) return make_error("--unixctl requires a socket path");
      o.unixctl_path = v;
    } else if (long_opt(a, "--verbose", &v, &has)) {
      o.verbose.push_back(v);
    } else if (!std::strncmp(a, "-v", 2)) {
      o.verbose.push_back(a + 2);
    } else if (!std::strcmp(a, "--mlockall") || !std::strcmp(a, "--disable-system") ||
               !std::strcmp(a, "--disable-system-route")) {
      // Accepted for drop-in compatibility with ovs-vswitchd; nothing to do.
    } else if (!std::strcmp(a, "-h") || !std::strcmp(a, "--help")) {
      o.help = true;
    } else if (!std::strcmp(a, "-V") || !std::strcmp(a, "--version")) {
      o.version = true;
    } else if (a[0] == '-') {
      return make_error(std::string("unrecognized option '") + a + "' (use --help for help)");
    } else if (o.database.empty()) {
      o.database = a;
    } else {
      return make_error("at most one non-option argument accepted; use --help for usage");
    }
  }
  return o;
}

std::string vswitchd_usage(const std::string& p) {
  return p +
         ": Ferry virtual switch daemon, a drop-in ovs-vswitchd on DPDK\n"
         "usage: " +
         p +
         " [OPTIONS] [DATABASE]\n"
         "where DATABASE is a socket on which ovsdb-server is listening\n"
         "      (default: \"unix:$OVS_RUNDIR/db.sock\").\n"
         "\nDaemon options:\n"
         "  --detach                run in background as daemon\n"
         "  --monitor               creates a process to monitor this daemon\n"
         "  --no-chdir              do not chdir to '/'\n"
         "  --pidfile[=FILE]        create pidfile (default: $OVS_RUNDIR/" +
         p +
         ".pid)\n"
         "  --overwrite-pidfile     with --pidfile, start even if already running\n"
         "\nLogging options:\n"
         "  -vSPEC, --verbose=SPEC  set logging levels (module:destination:level)\n"
         "  -v, --verbose           set maximum verbosity level\n"
         "  --log-file[=FILE]       enable logging to FILE\n"
         "                          (default: $OVS_LOGDIR/" +
         p +
         ".log)\n"
         "\nOther options:\n"
         "  --unixctl=SOCKET        override default control socket name\n"
         "  -h, --help              display this help message\n"
         "  -V, --version           display version information\n";
}

}  // namespace ferry
