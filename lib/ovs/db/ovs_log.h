// libopenvswitch's own log (vlog), kept apart from Ferry's log (lib/util/log.h).
// set_program_name() and the first Ovsdb::create() apply the defaults once:
// every vlog module off on the console, ERR to syslog, WARN to the file
// (written only once set_ovs_log_file() opened one, typically Ferry's own
// log file, so both logs land in one place).
#pragma once

#include <string>

#include "lib/util/log.h"
#include "lib/util/result.h"

namespace ferry::ovs {

// destination: kLogConsole, kLogSyslog, kLogFile, or -1 for all of them.
void set_ovs_log_level(int destination, LogLevel level);
// "" closes the file.
Status set_ovs_log_file(const std::string& path);
Status reopen_ovs_log_file();
// vlog/set syntax on libopenvswitch's modules ("reconnect:file:dbg").
Status set_ovs_log_spec(const std::string& spec);

}  // namespace ferry::ovs
