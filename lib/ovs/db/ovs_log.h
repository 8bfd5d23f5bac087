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

// The daemon's log as one registry, as ovs-vswitchd has it: a spec of
// `vlog/set` or `-v` (words split on " ,:\t": at most one module, one
// destination, one level; "ANY"; "PATTERN:..." and "FACILITY:..." go to
// libopenvswitch) applies to Ferry's module of that name and to
// libopenvswitch's, or to all of both without a module. An unknown word is
// refused with ovs-vswitchd's answer: no destination, level, or module "W".
Status set_log_spec(const std::string& spec);
// vlog/list: Ferry's and libopenvswitch's modules in one table, in
// ovs-vswitchd's format (Ferry's levels where both have a name).
std::string log_list();
// Registers, as Ferry modules, the names of ovs-vswitchd 3.1's log modules
// (with OVS-DPDK's) that neither Ferry nor libopenvswitch has, so scripts
// written for ovs-vswitchd (-vofproto_dpif, vlog/set dpif_netdev:dbg) set
// levels here too. They log nothing: Ferry's code logs under its own names.
void register_vswitchd_log_modules();

}  // namespace ferry::ovs
