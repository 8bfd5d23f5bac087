// Learn actions on the control thread (datapath/learn_runner.h): requests
// from PMDs and the periodic refresh of what busy megaflows learned.
#include "datapath/learn_runner.h"
#include "datapath/vswitchd/bridge.h"
#include "lib/flow/learn.h"
#include "lib/util/clock.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(learn_log, "learn");

namespace ferry {

const DpBridge* Bridge::dp_bridge() const {
  if (!dp_ || slot_ < 0) return nullptr;
  const DpSnapshot* snap = dp_->snapshot();
  if (!snap) return nullptr;
  for (const DpBridge& b : snap->bridges) {
    if (b.slot == slot_) return &b;
  }
  return nullptr;
}

void Bridge::learn_for(const FlowKey& key, int64_t now_ms) {
  const DpBridge* br = dp_bridge();
  if (!br) return;
  for (const LearnedFlow& lf : run_learns(*br, key)) {
    auto r = apply_learned(flows_, lf.fm, lf.limit, now_ms);
    if (!r) {
      FLOG_INFO(learn_log, "%s: learned flow refused: %s", name_.c_str(),
                r.error().message.c_str());
    } else if (!*r) {
      FLOG_DBG(learn_log, "%s: learn limit %u reached in table %u", name_.c_str(), lf.limit,
               lf.fm.table_id);
    }
  }
}

void Bridge::refresh_learned(int64_t now_ms) {
  if (!dp_ || slot_ < 0 || now_ms < next_learn_refresh_ms_) return;
  const int64_t since = next_learn_refresh_ms_ - kLearnRefreshMs;
  next_learn_refresh_ms_ = now_ms + kLearnRefreshMs;
  for (const FlowKey& k : learning_megaflows(dp_->megaflow_caches(slot_), since))
    learn_for(k, now_ms);
}

}  // namespace ferry
