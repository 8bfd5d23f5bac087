#include "datapath/vswitchd/options.h"

#include <cstring>

namespace ferry {

namespace {

enum class Arg { kNone, kOptional, kRequired };

enum class Opt {
  kPidfile,
  kDetach,
  kNoChdir,
  kMonitor,
  kOverwritePidfile,
  kNoSelfConfinement,
  kUser,
  kLogFile,
  kUnixctl,
  kVerbose,
  kMlockall,
  kDisableSystem,
  kDisableSystemRoute,
  kProgramName,
  kHelp,
  kVersion,
};

struct LongOpt {
  const char* name;
  Arg arg;
  Opt opt;
};

// ovs-vswitchd's options that mean something for Ferry (ovs-vswitchd.c's
// long_options and lib/daemon.h's DAEMON_LONG_OPTIONS), and Ferry's own.
constexpr LongOpt kLongOpts[] = {
    {"pidfile", Arg::kOptional, Opt::kPidfile},
    {"detach", Arg::kNone, Opt::kDetach},
    {"no-chdir", Arg::kNone, Opt::kNoChdir},
    {"monitor", Arg::kNone, Opt::kMonitor},
    {"overwrite-pidfile", Arg::kNone, Opt::kOverwritePidfile},
    {"no-self-confinement", Arg::kNone, Opt::kNoSelfConfinement},
    {"user", Arg::kRequired, Opt::kUser},
    {"log-file", Arg::kOptional, Opt::kLogFile},
    {"unixctl", Arg::kRequired, Opt::kUnixctl},
    {"verbose", Arg::kOptional, Opt::kVerbose},
    {"mlockall", Arg::kNone, Opt::kMlockall},
    {"disable-system", Arg::kNone, Opt::kDisableSystem},
    {"disable-system-route", Arg::kNone, Opt::kDisableSystemRoute},
    {"program-name", Arg::kRequired, Opt::kProgramName},
    {"help", Arg::kNone, Opt::kHelp},
    {"version", Arg::kNone, Opt::kVersion},
};

// getopt_long's matching: an exact name, else the one option the word
// abbreviates.
Result<const LongOpt*> find_long(const std::string& word) {
  const LongOpt* found = nullptr;
  int n_prefix = 0;
  for (const LongOpt& o : kLongOpts) {
    if (word == o.name) return &o;
    if (std::strncmp(o.name, word.c_str(), word.size()) == 0) {
      found = &o;
      n_prefix++;
    }
  }
  if (n_prefix == 1) return found;
  if (n_prefix > 1) return make_error("option '--" + word + "' is ambiguous");
  return make_error("unrecognized option '--" + word + "' (use --help for help)");
}

// One parsed option with its argument ("" and has_value false when none).
struct Parsed {
  Opt opt;
  std::string value;
  bool has_value = false;
};

// Reads the option at argv[*i] (advancing *i past a separate argument).
Result<Parsed> next_option(int argc, char** argv, int* i) {
  const char* a = argv[*i];
  if (a[1] != '-') {
    // Short options: -h, -V, -v[SPEC] (as getopt: -vSPEC only, no -v SPEC).
    if (!std::strcmp(a, "-h")) return Parsed{Opt::kHelp};
    if (!std::strcmp(a, "-V")) return Parsed{Opt::kVersion};
    if (a[1] == 'v') return Parsed{Opt::kVerbose, a + 2, a[2] != '\0'};
    return make_error(std::string("invalid option -- '") + (a + 1) + "' (use --help for help)");
  }
  std::string word = a + 2;
  std::string value;
  bool has_value = false;
  if (size_t eq = word.find('='); eq != std::string::npos) {
    value = word.substr(eq + 1);
    word.resize(eq);
    has_value = true;
  }
  auto lo = find_long(word);
  if (!lo) return lo.error();
  const LongOpt& o = **lo;
  if (o.arg == Arg::kNone && has_value) {
    return make_error(std::string("option '--") + o.name + "' doesn't allow an argument");
  }
  if (o.arg == Arg::kRequired && !has_value) {
    if (*i + 1 >= argc) {
      return make_error(std::string("option '--") + o.name + "' requires an argument");
    }
    value = argv[++*i];
    has_value = true;
  }
  return Parsed{o.opt, value, has_value};
}

Status apply(VswitchdOptions& o, const Parsed& p) {
  switch (p.opt) {
    case Opt::kPidfile:
      o.daemon.pidfile = true;
      o.daemon.pidfile_path = p.value;
      break;
    case Opt::kDetach:
      o.daemon.detach = true;
      break;
    case Opt::kNoChdir:
      o.daemon.no_chdir = true;
      break;
    case Opt::kMonitor:
      o.daemon.monitor = true;
      break;
    case Opt::kOverwritePidfile:
      o.daemon.overwrite_pidfile = true;
      break;
    case Opt::kNoSelfConfinement:
      o.self_confinement = false;
      break;
    case Opt::kUser:
      o.user = p.value;
      break;
    case Opt::kLogFile:
      o.log_file = true;
      o.log_file_path = p.value;
      break;
    case Opt::kUnixctl:
      if (p.value.empty()) return make_error("--unixctl requires a socket path");
      o.unixctl_path = p.value;
      break;
    case Opt::kVerbose:
      o.verbose.push_back(p.value);
      break;
    case Opt::kMlockall:
      o.mlockall = true;
      break;
    case Opt::kDisableSystem:
    case Opt::kDisableSystemRoute:
      // Ferry has no kernel datapath and no system routing table to read.
      break;
    case Opt::kProgramName:
      if (p.value.empty() || p.value.find('/') != std::string::npos)
        return make_error("--program-name requires a name without '/'");
      o.program_name = p.value;
      break;
    case Opt::kHelp:
      o.help = true;
      break;
    case Opt::kVersion:
      o.version = true;
      break;
  }
  return {};
}

}  // namespace

Result<VswitchdOptions> parse_vswitchd_options(int argc, char** argv) {
  VswitchdOptions o;
  bool options_done = false;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (!options_done && !std::strcmp(a, "--")) {
      options_done = true;
    } else if (!options_done && a[0] == '-' && a[1] != '\0') {
      auto p = next_option(argc, argv, &i);
      if (!p) return p.error();
      Status st = apply(o, *p);
      if (!st.ok()) return st.error();
    } else if (o.database.empty()) {
      o.database = a;
    } else {
      return make_error("at most one non-option argument accepted; use --help for usage");
    }
  }
  return o;
}

std::string program_name_option(int argc, char** argv) {
  auto o = parse_vswitchd_options(argc, argv);
  return o ? o->program_name : "";
}

const char* ovs_compatible_version() { return "3.1.0+ferry" FERRY_VSWITCHD_VERSION; }

std::string vswitchd_version_text(const std::string& program, const std::string& dpdk) {
  std::string v = program.rfind("ovs-", 0) == 0
                      ? program + " (Open vSwitch) " + ovs_compatible_version() + "\n"
                      : program + " (Ferry) " FERRY_VSWITCHD_VERSION "\n";
  if (!dpdk.empty()) v += dpdk + "\n";
  return v;
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
         "  --user=username[:group] changes the effective daemon user:group\n"
         "  --no-chdir              do not chdir to '/'\n"
         "  --pidfile[=FILE]        create pidfile (default: $OVS_RUNDIR/" +
         p +
         ".pid)\n"
         "  --overwrite-pidfile     with --pidfile, start even if already running\n"
         "  --no-self-confinement   allow unix-socket controllers outside $OVS_RUNDIR\n"
         "\nLogging options:\n"
         "  -vSPEC, --verbose=SPEC  set logging levels (module:destination:level)\n"
         "  -v, --verbose           set maximum verbosity level\n"
         "  --log-file[=FILE]       enable logging to FILE\n"
         "                          (default: $OVS_LOGDIR/" +
         p +
         ".log)\n"
         "\nOther options:\n"
         "  --unixctl=SOCKET        override default control socket name\n"
         "  --mlockall              lock all memory into RAM\n"
         "  --program-name=NAME     name files and the process NAME (e.g. ovs-vswitchd)\n"
         "  -h, --help              display this help message\n"
         "  -V, --version           display version information\n";
}

}  // namespace ferry
