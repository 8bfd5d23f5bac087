#include "lib/ovs/db/ovs_log.h"

#include <strings.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <vector>

#include "lib/ovs/db/fo-process.h"

namespace ferry::ovs {

namespace {

// ovs-vswitchd 3.1's log modules (Debian's build: `ovs-appctl vlog/list`),
// plus OVS-DPDK's netdev_dpdk.
constexpr const char* kVswitchdModules =
    "backtrace bfd bond bridge bundle bundles cfm collectors command_line connmgr conntrack "
    "conntrack_tp coverage ct_dpif daemon daemon_unix dns_resolve dpdk dpif "
    "dpif_lookup_autovalidator dpif_lookup_generic dpif_mfex_extract_study dpif_netdev "
    "dpif_netdev_extract dpif_netdev_impl dpif_netdev_lookup dpif_netlink dpif_netlink_rtnl "
    "entropy fail_open fatal_signal flow hmap in_band ipf ipfix jsonrpc lacp lldp lldpd "
    "lldpd_structs lockfile memory meta_flow native_tnl netdev netdev_afxdp netdev_dpdk "
    "netdev_dummy netdev_linux netdev_offload netdev_offload_tc netdev_vport netflow netlink "
    "netlink_conntrack netlink_notifier netlink_socket nx_match odp_execute odp_execute_impl "
    "odp_util ofp_actions ofp_bundle ofp_connection ofp_errors ofp_flow ofp_group ofp_match "
    "ofp_meter ofp_monitor ofp_msgs ofp_packet ofp_port ofp_protocol ofp_queue ofp_table "
    "ofp_util ofproto ofproto_dpif ofproto_dpif_mirror ofproto_dpif_monitor ofproto_dpif_rid "
    "ofproto_dpif_upcall ofproto_dpif_xlate ofproto_xlate_cache ovs_lldp ovs_numa ovs_rcu "
    "ovs_replay ovs_router ovs_thread ovsdb_cs ovsdb_error ovsdb_idl ox_stat pcap pmd_perf "
    "poll_loop process rconn reconnect route_table rstp rstp_sm sflow sha1 signals socket_util "
    "socket_util_unix stp stream stream_fd stream_replay stream_ssl stream_tcp stream_unix svec "
    "system_stats tc timeval tunnel unixctl userspace_tso util uuid vconn vconn_stream vlog "
    "vswitchd";

fo_vlog_destination to_fo(int destination) {
  if (destination == kLogConsole) return FO_VLOG_CONSOLE;
  if (destination == kLogSyslog) return FO_VLOG_SYSLOG;
  if (destination == kLogFile) return FO_VLOG_FILE;
  return FO_VLOG_ANY;
}

fo_vlog_level to_fo(LogLevel level) { return static_cast<fo_vlog_level>(static_cast<int>(level)); }

}  // namespace

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

Status set_log_spec(const std::string& spec) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < spec.size()) {
    size_t j = spec.find_first_of(" ,:\t", i);
    if (j == std::string::npos) j = spec.size();
    if (j > i) words.push_back(spec.substr(i, j - i));
    i = j + 1;
  }
  if (!words.empty() && (strcasecmp(words[0].c_str(), "PATTERN") == 0 ||
                         strcasecmp(words[0].c_str(), "FACILITY") == 0))
    return set_ovs_log_spec(spec);
  Log& log = Log::process();
  std::string module;
  int destination = -1;
  bool have_level = false;
  LogLevel level = LogLevel::kDbg;
  for (const std::string& w : words) {
    LogLevel l;
    int d;
    if (strcasecmp(w.c_str(), "ANY") == 0) continue;
    if ((d = parse_log_destination(w)) >= 0) {
      if (destination >= 0) return make_error("cannot specify multiple destinations");
      destination = d;
    } else if (parse_log_level(w, &l)) {
      if (have_level) return make_error("cannot specify multiple levels");
      level = l;
      have_level = true;
    } else if (log.find(w) || fo_vlog_has_module(w.c_str())) {
      if (!module.empty()) return make_error("cannot specify multiple modules");
      module = w;
    } else {
      return make_error("no destination, level, or module \"" + w + "\"");
    }
  }
  if (module.empty()) {
    log.set_levels(nullptr, destination, level);
    fo_vlog_set_module_level(nullptr, to_fo(destination), to_fo(level));
    return {};
  }
  if (LogModule* m = log.find(module)) log.set_levels(m, destination, level);
  fo_vlog_set_module_level(module.c_str(), to_fo(destination), to_fo(level));
  return {};
}

std::string log_list() {
  // name -> console, syslog, file
  std::map<std::string, std::vector<std::string>> rows;
  if (char* ovs = fo_vlog_list()) {
    std::istringstream in(ovs);
    std::free(ovs);
    std::string line;
    for (int n = 0; std::getline(in, line); n++) {
      if (n < 2) continue;  // the header
      std::istringstream words(line);
      std::string name, c, sl, f;
      if (words >> name >> c >> sl >> f) rows[name] = {c, sl, f};
    }
  }
  for (const Log::ModuleLevels& m : Log::process().levels()) {
    rows[m.name] = {log_level_name(m.levels[kLogConsole]), log_level_name(m.levels[kLogSyslog]),
                    log_level_name(m.levels[kLogFile])};
  }
  std::string out =
      "                 console    syslog    file\n"
      "                 -------    ------    ------\n";
  char line[128];
  for (const auto& [name, v] : rows) {
    std::snprintf(line, sizeof line, "%-16s  %4s       %4s       %4s\n", name.c_str(), v[0].c_str(),
                  v[1].c_str(), v[2].c_str());
    out += line;
  }
  return out;
}

void register_vswitchd_log_modules() {
  static bool done = false;
  if (done) return;
  done = true;
  std::istringstream in(kVswitchdModules);
  std::string name;
  while (in >> name) {
    if (Log::process().find(name) || fo_vlog_has_module(name.c_str())) continue;
    // Registers itself and lives as long as the process, with its name.
    new LogModule((new std::string(name))->c_str());  // NOLINT(cppcoreguidelines-owning-memory)
  }
}

}  // namespace ferry::ovs
