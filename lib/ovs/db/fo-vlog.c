/* libopenvswitch's own log (vlog): quiet on the console, into a file. */
#include <stdlib.h>

#include "lib/ovs/db/fo-process.h"
#include "openvswitch/vlog.h"

static enum vlog_destination to_vlf(enum fo_vlog_destination d) {
  switch (d) {
    case FO_VLOG_CONSOLE:
      return VLF_CONSOLE;
    case FO_VLOG_SYSLOG:
      return VLF_SYSLOG;
    case FO_VLOG_FILE:
      return VLF_FILE;
    case FO_VLOG_ANY:
    default:
      return VLF_ANY_DESTINATION;
  }
}

static enum vlog_level to_vll(enum fo_vlog_level l) {
  switch (l) {
    case FO_VLL_OFF:
      return VLL_OFF;
    case FO_VLL_EMER:
      return VLL_EMER;
    case FO_VLL_ERR:
      return VLL_ERR;
    case FO_VLL_WARN:
      return VLL_WARN;
    case FO_VLL_INFO:
      return VLL_INFO;
    case FO_VLL_DBG:
    default:
      return VLL_DBG;
  }
}

void fo_vlog_defaults(void) {
  static bool done = false;

  if (done) {
    return;
  }
  done = true;
  vlog_set_levels(NULL, VLF_CONSOLE, VLL_OFF);
  vlog_set_levels(NULL, VLF_SYSLOG, VLL_ERR);
  vlog_set_levels(NULL, VLF_FILE, VLL_WARN);
}

void fo_vlog_set_level(enum fo_vlog_destination d, enum fo_vlog_level l) {
  vlog_set_levels(NULL, to_vlf(d), to_vll(l));
}

int fo_vlog_set_file(const char* path) {
  if (!path || !path[0]) {
    vlog_close_log_file();
    return 0;
  }
  return vlog_set_log_file(path);
}

int fo_vlog_reopen_file(void) { return vlog_reopen_log_file(); }

char* fo_vlog_set_spec(const char* spec) { return vlog_set_levels_from_string(spec); }

bool fo_vlog_has_module(const char* name) { return vlog_module_from_name(name) != NULL; }

void fo_vlog_set_module_level(const char* module, enum fo_vlog_destination d,
                              enum fo_vlog_level l) {
  struct vlog_module* m = module ? vlog_module_from_name(module) : NULL;
  if (module && !m) {
    return;
  }
  vlog_set_levels(m, to_vlf(d), to_vll(l));
}

static enum fo_vlog_level from_vll(enum vlog_level l) {
  switch (l) {
    case VLL_OFF:
      return FO_VLL_OFF;
    case VLL_EMER:
      return FO_VLL_EMER;
    case VLL_ERR:
      return FO_VLL_ERR;
    case VLL_WARN:
      return FO_VLL_WARN;
    case VLL_INFO:
      return FO_VLL_INFO;
    case VLL_DBG:
    default:
      return FO_VLL_DBG;
  }
}

bool fo_vlog_get_module_levels(const char* name, enum fo_vlog_level levels[3]) {
  struct vlog_module* m = vlog_module_from_name(name);
  if (!m) {
    return false;
  }
  levels[FO_VLOG_CONSOLE] = from_vll(vlog_get_level(m, VLF_CONSOLE));
  levels[FO_VLOG_SYSLOG] = from_vll(vlog_get_level(m, VLF_SYSLOG));
  levels[FO_VLOG_FILE] = from_vll(vlog_get_level(m, VLF_FILE));
  return true;
}

char* fo_vlog_list(void) { return vlog_get_levels(); }
