// A walk's copies of the packet (datapath/xlate_walk.h): a clone() and the
// buckets of a group run nested actions on a copy, and the walk goes on
// with the flow as it was before them.
#include <algorithm>

#include "datapath/group_select.h"
#include "datapath/xlate_walk.h"

namespace ferry {

// A clone's actions run on a copy: emitted after a kClone that counts
// them; the flow (not the consulted bits) is as it was afterwards. As
// OVS, a clone has its own copy of the stack and the action set, and
// runs its action set at its end; a group bucket (`bucket`) shares the
// walk's (OVS's xlate_group_bucket restores only the flow).
void XlateWalk::clone(const Action* nested, size_t n, uint8_t table, bool bucket) {
  const size_t at = out_->n_actions;
  emit(Action::clone(0));
  if (out_->stopped) return;
  const OfKey saved = flow_;
  const bool saved_was_mpls = was_mpls_;  // as OVS: a pop or recirculation stays in the copy
  if (bucket) {
    do_actions(nested, n, table);
  } else {
    const Action* saved_set[kMaxActionSet];
    const unsigned saved_n_set = n_set_;
    std::copy(set_, set_ + n_set_, saved_set);
    XlateStack saved_stack;
    stack_.copy_to(&saved_stack);
    do_actions(nested, n, table);
    if (!out_->stopped && !out_->paused) run_action_set(table);
    std::copy(saved_set, saved_set + saved_n_set, set_);
    n_set_ = saved_n_set;
    saved_stack.copy_to(&stack_);
  }
  flow_ = saved;
  was_mpls_ = saved_was_mpls;
  frozen_ = false;
  out_->actions[at].u16 = static_cast<uint16_t>(out_->n_actions - at - 1);
}

inline void XlateWalk::log_group(const Group* g, int32_t bucket, bool bucket_step, uint32_t id) {
  if (!out_->log) return;
  XlateStep s = step(0, nullptr);
  s.group = g;
  s.bucket = bucket;
  s.bucket_step = bucket_step;
  s.missing_group = id;
  out_->log->push_back(s);
}

// A bucket runs as a clone of the packet (OVS restores the flow after
// each bucket), one level deeper.
inline void XlateWalk::run_bucket(const Group& g, int b, uint8_t table) {
  const Bucket& bk = g.buckets[static_cast<size_t>(b)];
  log_group(&g, b, true);
  if (bk.exec.empty()) return;  // an action set without output, resubmit or group
  depth_++, nest_++;
  clone(bk.exec.data(), bk.exec.size(), table, true);
  depth_--, nest_--;
}

// OVS's xlate_group_action(): all and indirect run every bucket, select
// and fast_failover the one they pick; the group's counters take the
// packets.
void XlateWalk::group(uint32_t id, uint8_t table) {
  if (depth_ >= kMaxResubmitDepth) return stop("resubmit depth exceeded");
  if (resubmits_ > kMaxResubmits) return stop("too many resubmits");
  const Group* g = groups_ ? groups_->find(id) : nullptr;
  if (!g) return log_group(nullptr, -1, false, id);  // as OVS: nothing happens
  int b = -1;
  if (g->type == GroupType::kSelect) {
    if (g->selection == Selection::kDpHash) out_->recirc_mark = out_->n_actions;
    b = select_bucket(*g, *groups_, flow_, &wc_);
  } else if (g->type == GroupType::kFastFailover) {
    b = first_live_bucket(*g, *groups_);
  }
  const bool every = g->type == GroupType::kAll || g->type == GroupType::kIndirect;
  log_group(g, every ? -1 : (b < 0 ? -2 : b), false);
  if (!every && b < 0) return;  // no live bucket: nothing, not even counted
  if (out_->n_groups >= kMaxXlateGroups) return stop("too many groups visited");
  out_->groups[out_->n_groups++] = GroupHit{g->stats.get(), every ? -1 : b};
  if (!every) return run_bucket(*g, b, table);
  for (size_t i = 0; i < g->buckets.size() && !out_->stopped && !out_->paused; i++) {
    run_bucket(*g, static_cast<int>(i), table);
  }
}
}  // namespace ferry
