// The EAL for the whole test binary: initialised on first use through
// DpdkEnv (as ferry-vswitchd does), cleaned up when the Catch2 run ends,
// runtime directory included.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <rte_eal.h>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "datapath/dpdk_env.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {

namespace {

struct EalState {
  bool tried = false;
  bool ok = false;
  std::string error;
  std::string prefix;
  std::string runtime_dir;
};

EalState& eal_state() {
  static EalState s;
  return s;
}

// Free hugepages (MiB) when a hugetlbfs is mounted, else 0.
uint64_t free_hugepage_mib() {
  std::ifstream mounts("/proc/mounts");
  std::string line;
  bool mounted = false;
  while (std::getline(mounts, line)) {
    if (line.find(" hugetlbfs ") != std::string::npos) mounted = true;
  }
  if (!mounted) return 0;
  std::ifstream meminfo("/proc/meminfo");
  uint64_t free_pages = 0, page_kib = 0;
  while (std::getline(meminfo, line)) {
    std::istringstream in(line);
    std::string key;
    uint64_t value = 0;
    in >> key >> value;
    if (key == "HugePages_Free:") free_pages = value;
    if (key == "Hugepagesize:") page_kib = value;
  }
  return free_pages * page_kib / 1024;
}

// Where DPDK puts this prefix's runtime files (eal_create_runtime_dir).
std::string default_runtime_dir(const std::string& prefix) {
  std::string base = "/var/run";
  if (getuid() != 0) {
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    base = xdg ? xdg : "/tmp";
  }
  return base + "/dpdk/" + prefix;
}

void remove_runtime_dir(const EalState& s) {
  std::string dir = s.runtime_dir.empty() ? default_runtime_dir(s.prefix) : s.runtime_dir;
  std::filesystem::path p(dir);
  if (p.filename() != s.prefix) return;  // never anything but our own prefix
  std::error_code ec;
  std::filesystem::remove_all(p, ec);
}

void shutdown_eal() {
  EalState& s = eal_state();
  if (!s.tried) return;
  if (s.ok) rte_eal_cleanup();
  remove_runtime_dir(s);
  s.ok = false;
}

class EalCleanup : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;
  void testRunEnded(const Catch::TestRunStats& stats) override {
    shutdown_eal();
    TestEventListenerBase::testRunEnded(stats);
  }
};
CATCH_REGISTER_LISTENER(EalCleanup)

}  // namespace

bool ensure_eal(std::string* error) {
  EalState& s = eal_state();
  if (!s.tried) {
    s.tried = true;
    s.prefix = "ferry-unit-" + std::to_string(getpid());
    const char* force = std::getenv("FERRY_UNIT_EAL");
    std::string mode = force ? force : "";
    if (mode.empty()) mode = free_hugepage_mib() >= 512 ? "huge" : "nohuge";
    std::string common = " --no-pci --no-telemetry --file-prefix=" + s.prefix;
    // --in-memory with --no-huge is refused (--no-huge implies legacy memory).
    std::string extra = mode == "huge" ? "--in-memory" + common : "--no-huge -m 256" + common;
    Status st = DpdkEnv::init({{"dpdk-init", "true"}, {"dpdk-extra", extra}});
    if (st.ok()) {
      s.ok = true;
      s.runtime_dir = rte_eal_get_runtime_dir();
    } else {
      s.error = "EAL (" + extra + "): " + st.error().message;
    }
  }
  if (!s.ok && error) *error = s.error;
  return s.ok;
}

}  // namespace ferry::test
