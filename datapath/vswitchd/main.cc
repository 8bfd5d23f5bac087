// ferry-vswitchd: the Ferry virtual switch daemon.
#include <cstdio>
#include <cstdlib>

#include "datapath/vswitchd/options.h"
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
  ovs::set_program_name(argv[0]);
  auto opts = parse_vswitchd_options(argc, argv);
  if (!opts) {
    std::fprintf(stderr, "ferry-vswitchd: %s\n", opts.error().message.c_str());
    return 1;
  }
  opts->program = ovs::program_name();
  if (opts->help) {
    std::fputs(vswitchd_usage(opts->program).c_str(), stdout);
    return 0;
  }
  if (opts->version) {
    std::puts("ferry-vswitchd (Ferry) 0.1.0");
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
      std::fprintf(stderr, "ferry-vswitchd: %s\n", st.error().message.c_str());
      return 1;
    }
    Status ovs_st = ovs::set_ovs_log_file(path);
    (void)ovs_st;
  }

  ovs::daemonize_start(opts->daemon);
  Vswitchd daemon(*opts);
  Status st = daemon.start();
  if (!st.ok()) {
    FLOG_ERR(main_log, "%s", st.error().message.c_str());
    std::fprintf(stderr, "ferry-vswitchd: %s\n", st.error().message.c_str());
    return 1;
  }
  ovs::add_exit_hook(exit_hook, &daemon);
  int rc = daemon.run();
  daemon.shutdown();
  return rc;
}
