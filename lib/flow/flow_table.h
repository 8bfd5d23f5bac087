// The OpenFlow flow table: the source of truth for a bridge's rules, owned
// by the control thread. Implements OpenFlow flow_mod semantics (add,
// modify and delete, loose and strict; priorities, cookies, timeouts,
// check_overlap, out_port filters) and atomic bundles. PMDs never see this
// object, only the Classifier snapshots it builds.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "lib/flow/classifier.h"
#include "lib/flow/flow_mod.h"
#include "lib/flow/rule.h"
#include "lib/util/result.h"

namespace ferry {

class FlowTable {
 public:
  explicit FlowTable(size_t max_rules = 1000000);

  // Applies one flow_mod. On error nothing changed. Semantics follow OVS:
  // - add replaces an identical (match, priority) rule (keeping its stats
  //   unless kFlowResetCounts), fails with kErrOverlap under
  //   kFlowCheckOverlap if an overlapping rule of the same priority exists,
  //   and kErrTableFull past max_rules;
  // - modify (loose) changes the actions of every rule whose match is a
  //   subset of fm.match and whose cookie agrees under cookie_mask; modify
  //   strict only the rule with the identical match and priority; when none
  //   matches and new_cookie != kNoNewCookie and cookie_mask == 0, it adds;
  // - delete (loose/strict) selects the same way and also filters on
  //   out_port;
  // - table_id must be 0, or kAllTables for modify/delete (kErrBadTableId).
  Status apply(const FlowMod& fm, int64_t now_ms);

  // Applies every flow_mod in order, all or nothing. On error sets
  // *failed_index to the position of the flow_mod that failed.
  Status apply_bundle(const std::vector<FlowMod>& fms, int64_t now_ms, size_t* failed_index);

  // Removes and returns the rules whose idle or hard timeout has passed.
  // A rule's idle time counts from max(created/modified, stats->used_ms).
  std::vector<RulePtr> expire(int64_t now_ms);

  // Rules selected by a stats request (loose: match subset, out_port, cookie).
  std::vector<RulePtr> query(const Match& match, uint32_t out_port, uint64_t cookie,
                             uint64_t cookie_mask, uint8_t table_id) const;
  // Every rule, highest priority first (ties by id).
  std::vector<RulePtr> all_rules() const;

  size_t size() const { return rules_.size(); }
  // Bumped by every change; classifier() is rebuilt when it moved.
  uint64_t generation() const { return generation_; }
  std::shared_ptr<const Classifier> classifier();

  // Earliest monotonic ms at which expire() could remove something
  // (INT64_MAX when no rule has a timeout), for the control loop's timer.
  int64_t next_expiry() const;

 private:
  struct KeyHash {
    size_t operator()(const std::pair<Match, uint16_t>& k) const;
  };
  using Index = std::unordered_map<std::pair<Match, uint16_t>, RulePtr, KeyHash>;

  Status apply_to(Index& rules, const FlowMod& fm, int64_t now_ms);

  size_t max_rules_;
  Index rules_;
  uint64_t next_id_ = 1;
  uint64_t generation_ = 1;
  std::shared_ptr<const Classifier> classifier_;
};

}  // namespace ferry
