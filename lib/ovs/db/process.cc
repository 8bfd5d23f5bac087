#include "lib/ovs/process.h"

#include "lib/ovs/db/fo-process.h"
#include "lib/ovs/db/fo_version.h"

namespace ferry::ovs {

void set_program_name(const char* argv0) { fo_set_program_name(argv0, FERRY_VERSION); }

std::string program_name() { return fo_program_name(); }

std::string rundir() { return fo_rundir(); }
std::string logdir() { return fo_logdir(); }
std::string dbdir() { return fo_dbdir(); }

void daemonize_start(const DaemonOptions& options) {
  fo_daemon_options o{};
  o.detach = options.detach;
  o.pidfile = options.pidfile;
  o.pidfile_path = options.pidfile_path.c_str();
  o.overwrite_pidfile = options.overwrite_pidfile;
  o.no_chdir = options.no_chdir;
  o.monitor = options.monitor;
  fo_daemonize_start(&o);
}

void daemonize_complete() { fo_daemonize_complete(); }

void add_exit_hook(void (*fn)(void* aux), void* aux) { fo_add_exit_hook(fn, aux); }

void run_fatal_signals() { fo_fatal_signal_run(); }

}  // namespace ferry::ovs
