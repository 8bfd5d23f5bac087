// The datapath's side of megaflow statistics (datapath/megaflow_stats.h):
// pulling what caches counted into the rules, periodically and on demand,
// and retiring snapshots and caches so that no count is lost and no freed
// rule is credited.
#include <algorithm>

#include "datapath/datapath.h"
#include "datapath/megaflow_cache.h"

namespace ferry {

void Datapath::pull_stats(int slot) {
  for (auto& [s, b] : bridges_) {
    if (slot >= 0 && s != slot) continue;
    for (auto& c : b->caches) {
      if (c) c->pull_stats();
    }
  }
  for (const OldCache& o : draining_caches_) {
    if (slot < 0 || o.slot == slot) o.cache->pull_stats();
  }
}

void Datapath::sync_stats(int slot) { pull_stats(slot); }

void Datapath::sync_stats() { pull_stats(-1); }

void Datapath::retire_snapshot(const DpSnapshot* old) {
  if (!old) return;
  // Rules are freed with the last classifier that holds them: only a
  // classifier the new snapshot no longer has (or a removed bridge's) can
  // take rules with it.
  bool frees_rules = false;
  for (const DpBridge& b : old->bridges) {
    auto it = bridges_.find(b.slot);
    if (it == bridges_.end() || it->second->classifier != b.classifier) frees_rules = true;
  }
  if (!frees_rules) {
    rcu_.defer([old] { delete old; });
    return;
  }
  // After this grace period no PMD counts on an answer of the old rules;
  // the pull credits what they counted; a second grace period lets a PMD
  // finish crediting an answer it was retiring meanwhile.
  rcu_.defer([this, old] {
    pull_stats(-1);
    rcu_.defer([old] { delete old; });
  });
}

void Datapath::retire_caches() {
  if (retired_caches_.empty()) return;
  // Only now can no PMD pick them up again: after this grace period none
  // uses them; what they counted since the last pull is pulled then.
  std::vector<MegaflowCache*> gone;
  for (OldCache& o : retired_caches_) {
    gone.push_back(o.cache.get());
    draining_caches_.push_back(std::move(o));
  }
  retired_caches_.clear();
  rcu_.defer([this, gone] {
    for (MegaflowCache* c : gone) {
      c->pull_stats();
      auto it = std::find_if(draining_caches_.begin(), draining_caches_.end(),
                             [c](const OldCache& o) { return o.cache.get() == c; });
      if (it != draining_caches_.end()) draining_caches_.erase(it);
    }
  });
}

}  // namespace ferry
