#include "lib/ovs/db/ovs_log.h"

#include <cstdlib>
#include <cstring>

#include "lib/ovs/db/fo-process.h"

namespace ferry::ovs {

static_assert(static_cast<int>(LogLevel::kOff) == FO_VLL_OFF &&
              static_cast<int>(LogLevel::kDbg) == FO_VLL_DBG);

void set_ovs_log_level(int destination, LogLevel level) {
  fo_vlog_destination d = FO_VLOG_ANY;
  if (destination == kLogConsole) d = FO_VLOG_CONSOLE;
  if (destination == kLogSyslog) d = FO_VLOG_SYSLOG;
  if (destination == kLogFile) d = FO_VLOG_FILE;
  fo_vlog_set_level(d, static_cast<fo_vlog_level>(static_cast<int>(level)));
}

Status set_ovs_log_file(const std::string& path) {
  int error = fo_vlog_set_file(path.c_str());
  if (error)
    return make_error("cannot open " + path + " for libopenvswitch's log: " + std::strerror(error),
                      error);
  return {};
}

Status reopen_ovs_log_file() {
  int error = fo_vlog_reopen_file();
  if (error)
    return make_error(std::string("cannot reopen libopenvswitch's log: ") + std::strerror(error),
                      error);
  return {};
}

Status set_ovs_log_spec(const std::string& spec) {
  char* error = fo_vlog_set_spec(spec.c_str());
  if (!error) return {};
  std::string message = error;
  std::free(error);
  return make_error(message);
}

}  // namespace ferry::ovs
