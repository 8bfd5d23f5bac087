// memory/show: what the daemon holds, as OVS's memory/show, with the flow
// caches' share in bytes (the issue-of-record for "how much does a
// megaflow cost": MegaflowCache::bytes_per_entry, ExactMatchCache's).
#include <fstream>
#include <string>
#include <vector>

#include "datapath/emc.h"
#include "datapath/megaflow_cache.h"
#include "datapath/vswitchd/vswitchd.h"
#include "lib/util/text.h"

namespace ferry {

namespace {

// A "Name:   123 kB" line of /proc/self/status, in kB (0 when absent).
uint64_t proc_status_kb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, field.size() + 1, field + ":") == 0) {
      return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10);
    }
  }
  return 0;
}

struct CacheUse {
  size_t caches = 0, megaflows = 0, capacity = 0;
};

CacheUse cache_use(Vswitchd& d) {
  CacheUse u;
  if (!d.datapath()) return u;
  for (const auto& [name, b] : d.bridges()) {
    if (b->slot() < 0) continue;
    for (const MegaflowCache* c : d.datapath()->megaflow_caches(b->slot())) {
      u.caches++;
      u.megaflows += c->size();
      u.capacity += c->capacity();
    }
  }
  return u;
}

std::string memory_show(Vswitchd& d) {
  size_t ports = 0, rules = 0;
  for (const auto& [name, b] : d.bridges()) {
    ports += b->ports().size();
    rules += b->flows().size();
  }
  CacheUse u = cache_use(d);
  using Emc = ExactMatchCache<MegaflowCache::Entry>;
  const size_t emc_entries = u.caches * Emc::kSets * 2;
  const size_t mf_bytes = MegaflowCache::bytes_per_entry();
  const uint64_t rss = proc_status_kb("VmRSS"), huge = proc_status_kb("HugetlbPages");
  auto ull = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::string out =
      strprintf("megaflows:%llu ports:%llu rules:%llu\n", ull(u.megaflows), ull(ports), ull(rules));
  out += strprintf(
      "megaflow caches: %llu (one per bridge and PMD), %llu entries allocated, %zu "
      "bytes each with the index: %llu kB\n",
      ull(u.caches), ull(u.capacity), mf_bytes, ull(u.capacity * mf_bytes / 1024));
  out += strprintf("exact-match caches: %llu entries, %zu bytes each: %llu kB\n", ull(emc_entries),
                   Emc::bytes_per_entry(), ull(emc_entries * Emc::bytes_per_entry() / 1024));
  out += strprintf("process: rss %llu kB, hugepages mapped %llu kB, total %llu kB\n", ull(rss),
                   ull(huge), ull(rss + huge));
  return out;
}

}  // namespace

void register_memory_commands(Vswitchd& d) {
  using rpc::ReplyPtr;
  using Args = std::vector<std::string>;
  d.commands().add_table({
      {"memory/show", "", 0, 0, [&d](const Args&, const ReplyPtr& r) { r->ok(memory_show(d)); }},
  });
}

}  // namespace ferry
