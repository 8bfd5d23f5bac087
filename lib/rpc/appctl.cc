#include "lib/rpc/appctl.h"

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "lib/rpc/unixctl_client.h"
#include "lib/util/clock.h"
#include "lib/util/text.h"

namespace ferry::rpc {

namespace {

constexpr const char* kDefaultTarget = "ferry-vswitchd";

struct Options {
  std::string target;
  unsigned timeout_s = 0;
  size_t command_index = 0;
};

CtlOutcome fail(const std::string& program, const std::string& message, int code = 1) {
  return CtlOutcome{code, "", program + ": " + message + "\n"};
}

std::optional<unsigned> parse_timeout(const std::string& s) {
  std::optional<uint64_t> v = parse_u64(s);
  if (!v || *v == 0 || *v > 86400u * 365) return std::nullopt;
  return static_cast<unsigned>(*v);
}

// Parses the options before the command; an outcome when done already.
std::optional<CtlOutcome> parse_options(const std::vector<std::string>& argv,
                                        const std::string& program, const std::string& version,
                                        Options* o) {
  bool have_target = false, have_timeout = false;
  size_t i = 1;
  for (; i < argv.size(); i++) {
    const std::string& a = argv[i];
    if (a == "--") {
      i++;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;
    std::string name, value;
    bool inline_value = false;
    if (a.compare(0, 2, "--") == 0) {
      size_t eq = a.find('=');
      name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (eq != std::string::npos) {
        value = a.substr(eq + 1);
        inline_value = true;
      }
    } else {
      name = a.substr(1, 1);
      if (a.size() > 2) {
        value = a.substr(2);
        inline_value = true;
      }
    }
    bool is_target = name == "t" || name == "target";
    bool is_timeout = name == "T" || name == "timeout";
    if (name == "h" || name == "help") return CtlOutcome{0, ctl_usage(program), ""};
    if (name == "V" || name == "version")
      return CtlOutcome{0, program + " (Ferry) " + version + "\n", ""};
    if (!is_target && !is_timeout) {
      return fail(program, a.compare(0, 2, "--") == 0 ? "unrecognized option '" + a + "'"
                                                      : "invalid option -- '" + name + "'");
    }
    if (!inline_value) {
      if (i + 1 >= argv.size()) return fail(program, "option '" + a + "' requires an argument");
      value = argv[++i];
    }
    if (is_target) {
      if (have_target) return fail(program, "-t or --target may be specified only once");
      have_target = true;
      o->target = value;
    } else {
      std::optional<unsigned> t = parse_timeout(value);
      if (!t) return fail(program, "value " + value + " on -T or --timeout is invalid");
      have_timeout = true;
      o->timeout_s = *t;
    }
  }
  if (!have_timeout) {
    const char* env = std::getenv("OVS_CTL_TIMEOUT");
    if (env && env[0]) o->timeout_s = parse_timeout(env).value_or(0);
  }
  if (!have_target) o->target = kDefaultTarget;
  if (i >= argv.size())
    return fail(program, "at least one non-option argument is required (use --help for help)");
  o->command_index = i;
  return std::nullopt;
}

}  // namespace

std::string ctl_usage(const std::string& p) {
  return p +
         ", for querying and controlling ferry-vswitchd (or any daemon with a\n"
         "unixctl control socket, such as the Open vSwitch daemons)\n"
         "usage: " +
         p +
         " [TARGET] COMMAND [ARG...]\n"
         "Targets:\n"
         "  -t, --target=TARGET  pidfile name or socket to contact (default: " +
         kDefaultTarget +
         ")\n"
         "                       NAME: the socket <rundir>/NAME.<pid>.ctl, with the pid\n"
         "                       read from <rundir>/NAME.pid; /PATH: that socket\n"
         "                       (rundir: $OVS_RUNDIR, default /var/run/openvswitch)\n"
         "Common commands:\n"
         "  list-commands      List commands supported by the target\n"
         "  version            Print version of the target\n"
         "  vlog/list          List current logging levels\n"
         "  vlog/set [SPEC]    Set log levels (module[:destination[:level]])\n"
         "  vlog/reopen        Make the program reopen its log file\n"
         "Other options:\n"
         "  -T, --timeout=SECS  wait at most SECS seconds for a response\n"
         "                      (default: $OVS_CTL_TIMEOUT, else no limit)\n"
         "  -h, --help          Print this helpful information\n"
         "  -V, --version       Display " +
         p +
         " version information\n"
         "The result is printed on stdout. An error returned by the target goes to\n"
         "stderr with exit status 2; failing to reach the target exits with 1.\n"
         "The control socket speaks the JSON-RPC of Open vSwitch's unixctl, so\n"
         "  ovs-appctl -t ferry-vswitchd COMMAND [ARG...]\n"
         "works the same as " +
         p + " COMMAND [ARG...].\n";
}

CtlOutcome run_ctl(const std::vector<std::string>& argv, const std::string& version) {
  std::string program = "ferry-ctl";
  if (!argv.empty() && !argv[0].empty()) {
    size_t slash = argv[0].rfind('/');
    program = slash == std::string::npos ? argv[0] : argv[0].substr(slash + 1);
  }
  Options o;
  if (std::optional<CtlOutcome> done = parse_options(argv, program, version, &o)) return *done;

  Result<std::string> socket = resolve_unixctl_target(o.target);
  if (!socket) return fail(program, socket.error().message);
  int timeout_ms = static_cast<int>(std::min<uint64_t>(o.timeout_s * 1000ull, 1u << 30));
  int64_t start = monotonic_ms();
  auto client = UnixctlClient::connect(*socket, timeout_ms);
  if (!client)
    return fail(program, "cannot connect to \"" + *socket + "\" (" + client.error().message + ")");

  std::vector<std::string> args(argv.begin() + static_cast<long>(o.command_index) + 1, argv.end());
  if (timeout_ms > 0)
    timeout_ms = static_cast<int>(std::max<int64_t>(1, timeout_ms - (monotonic_ms() - start)));
  Result<std::string> r = (*client)->transact(argv[o.command_index], args, timeout_ms);
  if (r) return CtlOutcome{0, *r, ""};
  if (r.error().code == UnixctlClient::kServerError) {
    return CtlOutcome{
        2, "", r.error().message + program + ": " + o.target + ": server returned an error\n"};
  }
  return fail(program, o.target + ": transaction error (" + r.error().message + ")");
}

}  // namespace ferry::rpc
