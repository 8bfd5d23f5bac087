#include "test/fuzz/dp_fuzz_eal.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <rte_eal.h>

#include "datapath/dpdk_env.h"

namespace ferry::fuzz {

namespace {

std::string g_prefix;
std::string g_runtime_dir;

void cleanup_eal() {
  rte_eal_cleanup();
  std::filesystem::path dir(g_runtime_dir);
  if (dir.filename() != g_prefix) return;  // never anything but our own prefix
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace

bool init_eal(std::string* error) {
  g_prefix = "ferry-fuzz-" + std::to_string(getpid());
  std::string extra = "--no-huge -m 256 --no-pci --no-telemetry --file-prefix=" + g_prefix;
  Status st = DpdkEnv::init({{"dpdk-init", "true"}, {"dpdk-extra", extra}});
  if (!st.ok()) {
    *error = "EAL (" + extra + "): " + st.error().message;
    return false;
  }
  g_runtime_dir = rte_eal_get_runtime_dir();
  std::atexit(cleanup_eal);
  return true;
}

}  // namespace ferry::fuzz
