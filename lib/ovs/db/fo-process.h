/* The C API of Ferry's process plumbing on libopenvswitch: program name,
 * run/log/db directories, daemonizing (pidfile, detach, monitor), exit hooks
 * and fatal signals, the poll loop, and libopenvswitch's own log (vlog).
 * Wrapped by lib/ovs/db/{process,poller,ovs_log}.cc. */
#ifndef FERRY_LIB_OVS_DB_FO_PROCESS_H
#define FERRY_LIB_OVS_DB_FO_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sets the program name (argv0's basename) and version, gives OVS_RUNDIR,
 * OVS_LOGDIR and OVS_DBDIR the distribution's defaults when they are unset,
 * ignores SIGPIPE, and applies fo_vlog_defaults(). Call first in main(). */
void fo_set_program_name(const char* argv0, const char* version);
const char* fo_program_name(void);
const char* fo_rundir(void);
const char* fo_logdir(void);
const char* fo_dbdir(void);

struct fo_daemon_options {
  bool detach;
  bool pidfile;
  const char* pidfile_path; /* NULL or "": <rundir>/<program>.pid */
  bool overwrite_pidfile;
  bool no_chdir;
  bool monitor;
};

/* OVS's daemonize_start()/daemonize_complete(): exit the process on failure. */
void fo_daemonize_start(const struct fo_daemon_options*);
void fo_daemonize_complete(void);

void fo_add_exit_hook(void (*fn)(void* aux), void* aux);
void fo_fatal_signal_run(void);

/* The calling thread's poll loop. */
void fo_poll_fd_wait(int fd, short events);
void fo_poll_timer_wait(int64_t msec);
void fo_poll_immediate_wake(void);
void fo_poll_block(void);
int64_t fo_time_msec(void);

/* vlog destinations and levels (Ferry's order, not vlog's). */
enum fo_vlog_destination { FO_VLOG_CONSOLE, FO_VLOG_SYSLOG, FO_VLOG_FILE, FO_VLOG_ANY };
enum fo_vlog_level { FO_VLL_OFF, FO_VLL_EMER, FO_VLL_ERR, FO_VLL_WARN, FO_VLL_INFO, FO_VLL_DBG };

/* Once per process: every vlog module off on the console, ERR to syslog,
 * WARN to the log file (written only once fo_vlog_set_file() opened one). */
void fo_vlog_defaults(void);
void fo_vlog_set_level(enum fo_vlog_destination, enum fo_vlog_level);
/* Opens 'path' for vlog's file destination (NULL or "": closes it).
 * Returns 0 or an errno value. */
int fo_vlog_set_file(const char* path);
int fo_vlog_reopen_file(void);
/* vlog/set syntax ("module:destination:level"). Returns NULL on success,
 * otherwise an error message the caller frees with free(). */
char* fo_vlog_set_spec(const char* spec);
/* Whether libopenvswitch has a vlog module of this name. */
bool fo_vlog_has_module(const char* name);
/* Sets one module (NULL: all) at one destination (FO_VLOG_ANY: all). */
void fo_vlog_set_module_level(const char* module, enum fo_vlog_destination, enum fo_vlog_level);
/* The levels of one module, in Ferry's order of destinations; false when
 * there is no such module. */
bool fo_vlog_get_module_levels(const char* name, enum fo_vlog_level levels[3]);
/* vlog/list's table of libopenvswitch's modules; the caller frees it. */
char* fo_vlog_list(void);

#ifdef __cplusplus
}
#endif

#endif /* FERRY_LIB_OVS_DB_FO_PROCESS_H */
