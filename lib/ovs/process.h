// Process plumbing shared with the OVS tools: program name, run/log
// directories (OVS_RUNDIR, OVS_LOGDIR, ...), --pidfile and --detach with
// exactly ovs-vswitchd's behaviour, and exit hooks that also run on fatal
// signals (SIGTERM, SIGINT, SIGHUP).
#pragma once

#include <string>

namespace ferry::ovs {

void set_program_name(const char* argv0);
std::string program_name();  // argv0's basename, e.g. "ferry-vswitchd" or "ovs-vswitchd"
std::string rundir();        // OVS_RUNDIR or /var/run/openvswitch
std::string logdir();        // OVS_LOGDIR or /var/log/openvswitch
std::string dbdir();         // OVS_DBDIR or /etc/openvswitch

struct DaemonOptions {
  bool detach = false;
  bool pidfile = false;
  std::string pidfile_path;  // empty: <rundir>/<program>.pid
  bool overwrite_pidfile = false;
  bool no_chdir = false;
  bool monitor = false;
};

// Parent returns only in the detached child (the parent exits once the
// child calls daemonize_complete()). Exits the process on failure, as OVS does.
void daemonize_start(const DaemonOptions& options);
void daemonize_complete();

// fn(aux) runs once at exit() or when a fatal signal arrives (then the
// process terminates). Used for an orderly datapath shutdown.
void add_exit_hook(void (*fn)(void* aux), void* aux);
// Call from the main loop: runs the exit hooks and terminates if a fatal
// signal arrived since the last call (the poll loop calls it too).
void run_fatal_signals();

}  // namespace ferry::ovs
