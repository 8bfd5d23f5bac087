// The OpenFlow flow table: the source of truth for a bridge's rules, owned
// by the control thread. Implements OpenFlow flow_mod semantics (add,
// modify and delete, loose and strict; priorities, cookies, timeouts,
// check_overlap, out_port filters) and atomic bundles. PMDs never see this
// object, only the Classifier snapshots it builds.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <unordered_map>
#include <unordered_set>
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
  // - table_id is 0..254, or kAllTables: every table for modify/delete,
  //   table 0 for an add (OpenFlow 1.0's "any").
  // Details, as OVS: an add's cookie is new_cookie when set, else cookie; a
  // replacing add takes the new timeouts and flags (created_ms restarts); a
  // modify keeps the rule's timeouts, flags and created_ms, sets actions,
  // modified_ms, and the cookie when new_cookie is set. A rule that replaces
  // another (add or modify) keeps its id, and its RuleStats object unless
  // kFlowResetCounts; new rules get a fresh id and RuleStats. Every
  // flow_mod that changes the table bumps generation() once. As OVS, when
  // the last rule with a learn(delete_learned) of some cookie and table goes
  // (deleted, modified, expired), the flows of that table with that cookie
  // go too (lib/flow/learn.h).
  Status apply(const FlowMod& fm, int64_t now_ms);

  // Applies every flow_mod in order, all or nothing. On error sets
  // *failed_index to the position of the flow_mod that failed.
  Status apply_bundle(const std::vector<FlowMod>& fms, int64_t now_ms, size_t* failed_index);

  // Removes and returns the rules whose idle or hard timeout has passed
  // (now_ms >= deadline). Hard deadlines count from created_ms; a rule's
  // idle time counts from max(created/modified, stats->used_ms).
  std::vector<RulePtr> expire(int64_t now_ms);

  // Rules selected by a stats request (loose: match subset, out_port, cookie).
  std::vector<RulePtr> query(const Match& match, uint32_t out_port, uint64_t cookie,
                             uint64_t cookie_mask, uint8_t table_id) const;
  // Every rule, highest priority first (ties by id).
  std::vector<RulePtr> all_rules() const;

  size_t size() const { return rules_.size(); }
  // True when some rule has a learn action.
  bool has_learns() const { return n_learns_ > 0; }
  // Bumped by every change; classifier() is rebuilt when it moved.
  uint64_t generation() const { return generation_; }
  std::shared_ptr<const Classifier> classifier();

  // Earliest monotonic ms at which expire() could remove something
  // (INT64_MAX when no rule has a timeout), for the control loop's timer.
  int64_t next_expiry() const;

 private:
  // Rules are indexed by (match, priority); lookups use a MatchRef so no
  // Rule has to be built to find one.
  struct MatchRef {
    const Match* match;
    uint16_t priority;
    uint8_t table;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(const RulePtr& r) const;
    size_t operator()(const MatchRef& k) const;
  };
  struct KeyEq {
    using is_transparent = void;
    bool operator()(const RulePtr& a, const RulePtr& b) const;
    bool operator()(const MatchRef& a, const RulePtr& b) const;
    bool operator()(const RulePtr& a, const MatchRef& b) const;
  };
  using Index = std::unordered_set<RulePtr, KeyHash, KeyEq>;

  // What one apply or bundle changed, to undo it on error: each step
  // removed and/or added one rule.
  struct Step {
    RulePtr removed;
    RulePtr added;
  };
  using Journal = std::vector<Step>;

  Status apply_to(const FlowMod& fm, int64_t now_ms, Journal* journal);
  Status add(const FlowMod& fm, const Match& match, uint64_t cookie, int64_t now_ms,
             Journal* journal);
  Status modify(const FlowMod& fm, const Match& match, bool strict, int64_t now_ms,
                Journal* journal);
  void remove(const FlowMod& fm, const Match& match, bool strict, Journal* journal);
  std::vector<RulePtr> select(uint8_t table, const Match& match, uint16_t priority, bool strict,
                              uint64_t cookie, uint64_t cookie_mask, uint32_t out_port) const;
  void insert_rule(const RulePtr& rule);
  void erase_rule(const RulePtr& rule);
  void rollback(Journal& journal);
  void count_learns(const Rule& rule, int delta);
  // Deletes the flows of every (cookie, table) whose last
  // learn(delete_learned) went; returns how many.
  size_t flush_learned();

  size_t max_rules_;
  Index rules_;
  std::unordered_set<RulePtr> timed_;  // rules with an idle or hard timeout
  uint64_t next_id_ = 1;
  uint64_t generation_ = 1;
  std::shared_ptr<const Classifier> classifier_;
  long n_learns_ = 0;
  std::map<std::pair<uint64_t, uint8_t>, int> learned_cookies_;
  std::vector<std::pair<uint64_t, uint8_t>> dead_cookies_;
};

// Checks a flow_mod on its own (command, table_id, action arguments) with the
// error a flow table would return; FlowTable::apply calls it first.
Status validate(const FlowMod& fm);

}  // namespace ferry
