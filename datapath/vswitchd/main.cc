// ferry-vswitchd: the Ferry virtual switch daemon.
#include <sys/mman.h>
#include <sys/prctl.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "datapath/dpdk_env.h"
#include "datapath/vswitchd/options.h"
#include "datapath/vswitchd/switch_user.h"
#include "datapath/vswitchd/vswitchd.h"
#include "lib/ovs/db/ovs_log.h"
#include "lib/ovs/process.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(main_log, "main");

namespace {

void exit_hook(void* aux) { static_cast<ferry::Vswitchd*>(aux)->shutdown(); }

}  // namespace

int main(int argc, char** argv) {
  using namespace ferry;  // NOLINT(google-build-using-namespace)
  // The program's name (argv[0]'s, or --program-name's) names its files
  // and the process itself, so ovs-ctl's check of /proc/PID/comm finds it.
  std::string name = program_name_option(argc, argv);
  ovs::set_program_name(name.empty() ? argv[0] : name.c_str());
  auto opts = parse_vswitchd_options(argc, argv);
  if (!opts) {
    std::fprintf(stderr, "%s: %s\n", ovs::program_name().c_str(), opts.error().message.c_str());
    return 1;
  }
  opts->program = ovs::program_name();
  prctl(PR_SET_NAME, opts->program.substr(0, 15).c_str(), 0, 0, 0);
  if (opts->help) {
    std::fputs(vswitchd_usage(opts->program).c_str(), stdout);
    return 0;
  }
  if (opts->version) {
    std::fputs(vswitchd_version_text(opts->program, DpdkEnv::version()).c_str(), stdout);
    return 0;
  }

  Log& log = Log::process();
  log.set_console_enabled(true);
  ovs::register_vswitchd_log_modules();
  for (const std::string& spec : opts->verbose) {
    Status st = ovs::set_log_spec(spec);
    if (!st.ok()) {
      std::fprintf(stderr, "%s: processing \"%s\": %s\n", opts->program.c_str(), spec.c_str(),
                   st.error().message.c_str());
      return 1;
    }
    if (spec.empty()) ovs::set_ovs_log_level(kLogConsole, LogLevel::kInfo);
  }
  if (opts->log_file) {
    std::string path = opts->log_file_path.empty() ? ovs::logdir() + "/" + opts->program + ".log"
                                                   : opts->log_file_path;
    Status st = log.open_file(path);
    if (!st.ok()) {
      std::fprintf(stderr, "%s: %s\n", opts->program.c_str(), st.error().message.c_str());
      return 1;
    }
    Status ovs_st = ovs::set_ovs_log_file(path);
    (void)ovs_st;
  }

  // As ovs-vswitchd: the new user first, then the fork, then the lock.
  if (opts->user) {
    Status us = switch_user(*opts->user, opts->log_file ? log.file_path() : std::string());
    if (!us.ok()) {
      std::fprintf(stderr, "%s: %s\n", opts->program.c_str(), us.error().message.c_str());
      return 1;
    }
  }
  ovs::daemonize_start(opts->daemon);
  if (opts->mlockall && mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
    FLOG_ERR(main_log, "mlockall failed: %s", std::strerror(errno));
  Vswitchd daemon(*opts);
  Status st = daemon.start();
  if (!st.ok()) {
    FLOG_ERR(main_log, "%s", st.error().message.c_str());
    std::fprintf(stderr, "%s: %s\n", opts->program.c_str(), st.error().message.c_str());
    return 1;
  }
  ovs::add_exit_hook(exit_hook, &daemon);
  int rc = daemon.run();
  daemon.shutdown();
  return rc;
}
