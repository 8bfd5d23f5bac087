#include "datapath/rxq_scheduler.h"

#include <algorithm>
#include <numeric>

#include "lib/util/text.h"

namespace ferry {

RxqPlacement place_rxqs(const std::vector<RxqInfo>& rxqs, const std::vector<int>& pmd_cores,
                        RxqAssign mode, bool isolate) {
  RxqPlacement out;
  size_t n = pmd_cores.size();
  out.by_pmd.assign(n, {});
  out.isolated.assign(n, false);
  if (n == 0) return out;
  std::vector<uint64_t> load(n, 0);
  std::vector<size_t> floating;
  for (size_t i = 0; i < rxqs.size(); i++) {
    const RxqInfo& q = rxqs[i];
    if (q.affinity_core >= 0) {
      auto it = std::find(pmd_cores.begin(), pmd_cores.end(), q.affinity_core);
      if (it != pmd_cores.end()) {
        size_t pmd = static_cast<size_t>(it - pmd_cores.begin());
        out.by_pmd[pmd].push_back(i);
        load[pmd] += q.cycles;
        if (isolate) out.isolated[pmd] = true;
        continue;
      }
      out.warnings.push_back(
          strprintf("port %s queue %u: pmd-rxq-affinity names core %d, which has no PMD thread",
                    q.port_name.c_str(), q.queue, q.affinity_core));
    }
    floating.push_back(i);
  }
  std::vector<size_t> eligible;
  for (size_t p = 0; p < n; p++) {
    if (!out.isolated[p]) eligible.push_back(p);
  }
  if (eligible.empty() && !floating.empty()) {
    out.warnings.push_back(
        "every PMD thread is isolated by pmd-rxq-affinity; the other queues go to them anyway");
    eligible.resize(n);
    std::iota(eligible.begin(), eligible.end(), 0);
  }
  if (mode == RxqAssign::kCycles) {
    std::stable_sort(floating.begin(), floating.end(),
                     [&](size_t a, size_t b) { return rxqs[a].cycles > rxqs[b].cycles; });
    for (size_t i : floating) {
      size_t best = eligible[0];
      for (size_t p : eligible) {
        if (load[p] < load[best] ||
            (load[p] == load[best] && out.by_pmd[p].size() < out.by_pmd[best].size())) {
          best = p;
        }
      }
      out.by_pmd[best].push_back(i);
      load[best] += rxqs[i].cycles;
    }
  } else {
    size_t next = 0;
    for (size_t i : floating) out.by_pmd[eligible[next++ % eligible.size()]].push_back(i);
  }
  return out;
}

}  // namespace ferry
