// version, exit, vlog/*: the daemon's own commands.
#include <string>
#include <vector>

#include "datapath/dpdk_env.h"
#include "datapath/vswitchd/vswitchd.h"
#include "lib/ovs/db/ovs_log.h"
#include "lib/util/log.h"

namespace ferry {

void register_core_commands(Vswitchd& d) {
  using rpc::ReplyPtr;
  using Args = std::vector<std::string>;
  d.commands().add_table({
      {"version", "", 0, 0,
       [&d](const Args&, const ReplyPtr& r) {
         r->ok(vswitchd_version_text(d.options().program,
                                     d.datapath() ? DpdkEnv::version() : std::string()));
       }},
      {"exit", "[--cleanup]", 0, 1,
       [&d](const Args& a, const ReplyPtr& r) {
         if (!a.empty() && a[0] != "--cleanup") return r->error("unknown option \"" + a[0] + "\"");
         r->ok("");
         d.request_exit();
       }},
      {"vlog/set", "{spec | PATTERN:destination:pattern}", 0, INT32_MAX,
       [](const Args& a, const ReplyPtr& r) {
         // As ovs-vswitchd: no argument sets every module to dbg.
         if (a.empty()) {
           Status st = ovs::set_log_spec("");
           (void)st;
         }
         for (const std::string& spec : a) {
           Status st = ovs::set_log_spec(spec);
           if (!st.ok()) return r->error(st.error().message);
         }
         r->ok("");
       }},
      {"vlog/list", "", 0, 0, [](const Args&, const ReplyPtr& r) { r->ok(ovs::log_list()); }},
      {"vlog/reopen", "", 0, 0,
       [](const Args&, const ReplyPtr& r) {
         if (Log::process().file_path().empty()) return r->error("Logging to file not configured");
         Status st = Log::process().reopen();
         if (!st.ok()) return r->error(st.error().message);
         Status ovs_st = ovs::reopen_ovs_log_file();
         (void)ovs_st;
         r->ok("");
       }},
      {"vlog/close", "", 0, 0,
       [](const Args&, const ReplyPtr& r) {
         Status st = Log::process().open_file("");
         (void)st;
         r->ok("");
       }},
  });
}

}  // namespace ferry
