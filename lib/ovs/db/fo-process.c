/* Process plumbing on libopenvswitch's util, dirs, daemon and fatal-signal
 * modules, matching ovs-vswitchd's main(). */
#include "lib/ovs/db/fo-process.h"

#include <stdlib.h>

#include "daemon.h"
#include "dirs.h"
#include "fatal-signal.h"
#include "util.h"

/* Debian's locations: libopenvswitch's compiled-in defaults depend on how it
 * was configured (/usr/local/... by default), so the environment, which it
 * consults first, pins them to what the distribution's OVS tools use. */
static void default_env(const char* name, const char* value) {
  const char* cur = getenv(name);

  if (!cur || !cur[0]) {
    setenv(name, value, 1);
  }
}

void fo_set_program_name(const char* argv0, const char* version) {
  ovs_set_program_name(argv0, version);
  default_env("OVS_RUNDIR", "/var/run/openvswitch");
  default_env("OVS_LOGDIR", "/var/log/openvswitch");
  default_env("OVS_DBDIR", "/etc/openvswitch");
  fatal_ignore_sigpipe();
  fo_vlog_defaults();
}

const char* fo_program_name(void) { return program_name ? program_name : ""; }

const char* fo_rundir(void) { return ovs_rundir(); }

const char* fo_logdir(void) { return ovs_logdir(); }

const char* fo_dbdir(void) { return ovs_dbdir(); }

void fo_daemonize_start(const struct fo_daemon_options* o) {
  if (o->pidfile) {
    set_pidfile(o->pidfile_path && o->pidfile_path[0] ? o->pidfile_path : NULL);
  }
  if (o->detach) {
    set_detach();
  }
  if (o->no_chdir) {
    set_no_chdir();
  }
  if (o->overwrite_pidfile) {
    ignore_existing_pidfile();
  }
  if (o->monitor) {
    daemon_set_monitor();
  }
  daemonize_start(true);
}

void fo_daemonize_complete(void) { daemonize_complete(); }

void fo_add_exit_hook(void (*fn)(void* aux), void* aux) {
  fatal_signal_add_hook(fn, NULL, aux, true);
}

void fo_fatal_signal_run(void) { fatal_signal_run(); }
