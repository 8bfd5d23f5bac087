#include "datapath/dpdk_env.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include <cstring>
#include <mutex>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_version.h>

#include "datapath/ct_exec.h"
#include "datapath/dpdk_log_filter.h"
#include "lib/util/log.h"
#include "lib/util/text.h"

FERRY_LOG_MODULE(dpdk_log, "dpdk");
FERRY_LOG_MODULE(env_log, "dpdk_env");

namespace ferry {

namespace {

bool g_initialized = false;  // the EAL itself is process-wide
Status g_init_result;

std::string get(const std::map<std::string, std::string>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

// DPDK writes whole lines (or pieces of them) to this stream.
ssize_t dpdk_log_write(void*, const char* buf, size_t size) {
  std::string text(buf, size);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return static_cast<ssize_t>(size);
  uint32_t dpdk_level = rte_log_cur_msg_loglevel();
  LogLevel level = dpdk_level <= RTE_LOG_ERR       ? LogLevel::kErr
                   : dpdk_level <= RTE_LOG_WARNING ? LogLevel::kWarn
                   : dpdk_level <= RTE_LOG_INFO    ? LogLevel::kInfo
                                                   : LogLevel::kDbg;
  // DPDK logs from its own threads too (interrupts, telemetry).
  static std::mutex mu;
  static DpdkLogFilter filter;
  DpdkLogFilter::Line line;
  {
    std::lock_guard<std::mutex> lock(mu);
    line = filter.filter(level, text);
  }
  FLOG(dpdk_log, line.level, "%s", line.text.c_str());
  return static_cast<ssize_t>(size);
}

}  // namespace

bool DpdkEnv::wanted(const std::map<std::string, std::string>& oc) {
  std::string v = get(oc, "dpdk-init");
  return v == "true" || v == "try";
}

std::vector<std::string> DpdkEnv::eal_args(const std::map<std::string, std::string>& oc) {
  std::vector<std::string> args{"ferry-vswitchd"};
  std::string extra = get(oc, "dpdk-extra");
  std::vector<std::string> extra_args;
  for (const std::string& w : split(extra, " \t\n")) {
    if (!w.empty()) extra_args.push_back(w);
  }
  auto has = [&](const char* opt) {
    for (const std::string& a : extra_args) {
      if (a == opt || a.rfind(std::string(opt) + "=", 0) == 0) return true;
    }
    return false;
  };
  std::string lcore_mask = get(oc, "dpdk-lcore-mask");
  if (!lcore_mask.empty()) {
    args.insert(args.end(), {"-c", lcore_mask});
  } else if (!has("-l") && !has("-c") && !has("--lcores")) {
    // The control thread's first allowed CPU, as OVS does.
    cpu_set_t set;
    CPU_ZERO(&set);
    int cpu = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
      for (int i = 0; i < CPU_SETSIZE; i++) {
        if (CPU_ISSET(i, &set)) {
          cpu = i;
          break;
        }
      }
    }
    args.insert(args.end(), {"-l", std::to_string(cpu)});
  }
  std::string socket_mem = get(oc, "dpdk-socket-mem");
  if (!socket_mem.empty() && !has("--no-huge") && !has("-m"))
    args.insert(args.end(), {"--socket-mem", socket_mem});
  std::string socket_limit = get(oc, "dpdk-socket-limit");
  if (!socket_limit.empty()) args.insert(args.end(), {"--socket-limit", socket_limit});
  std::string huge_dir = get(oc, "dpdk-hugepage-dir");
  if (!huge_dir.empty()) args.insert(args.end(), {"--huge-dir", huge_dir});
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return args;
}

Status DpdkEnv::init(const std::map<std::string, std::string>& oc) {
  if (g_initialized) return g_init_result;
  g_initialized = true;

  static cookie_io_functions_t fns = {nullptr, dpdk_log_write, nullptr, nullptr};
  FILE* stream = fopencookie(nullptr, "w+", fns);
  if (stream) {
    setvbuf(stream, nullptr, _IOLBF, 0);
    rte_openlog_stream(stream);
  }

  std::vector<std::string> args = eal_args(oc);
  FLOG_INFO(env_log, "EAL ARGS: %s", join(args, " ").c_str());
  std::vector<char*> argv;
  std::vector<std::string> storage = args;  // rte_eal_init may permute argv
  for (std::string& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  cpu_set_t before;
  bool have_affinity = pthread_getaffinity_np(pthread_self(), sizeof before, &before) == 0;
  int n = rte_eal_init(static_cast<int>(args.size()), argv.data());
  if (n < 0) {
    g_init_result = make_error(
        std::string("DPDK EAL initialisation failed: ") + rte_strerror(rte_errno), rte_errno);
    FLOG_ERR(env_log, "%s", g_init_result.error().message.c_str());
    return g_init_result;
  }
  if (have_affinity) pthread_setaffinity_np(pthread_self(), sizeof before, &before);
  register_ct_conn_field();
  FLOG_INFO(env_log, "%s initialised", version().c_str());
  g_init_result = Status();
  return g_init_result;
}

bool DpdkEnv::initialized() { return g_initialized && g_init_result.ok(); }

std::string DpdkEnv::version() { return rte_version(); }

}  // namespace ferry
