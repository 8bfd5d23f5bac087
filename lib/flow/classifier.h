// An immutable classifier over a set of rules, one lookup structure per
// OpenFlow table (a rule's table_id): tuple-space search with one
// hash subtable per distinct mask, subtables visited in order of their
// highest priority, stopping as soon as no later subtable can beat the best
// match found. Built by the control thread, read concurrently by PMDs.
//
// lookup() also reports which key bits decided its answer: any packet that
// agrees with this one on those bits gets the same answer, which is exactly
// the mask of a megaflow. It reports as few bits as OVS's classifier does
// (lib/flow/classifier_subtable.h): a subtable that matched adds its whole
// mask; one that did not adds only the stages (metadata, L2, L3, L4) it had
// to hash before its stage index ruled it out, or the leading address bits
// with which the table's prefix tries (nw_src, nw_dst, ipv6_src, ipv6_dst)
// ruled it out, or, when its last stage missed on the transport ports, only
// the leading port bits its ports trie needed.
//
// Each subtable hashes and compares only the 64-bit words its mask touches,
// in an open-addressing table sized at build time (load <= 1/2). Rules with
// the same masked key in one subtable can only ever be won by the first of
// them (highest priority, then lowest id), so only that one is stored; the
// others are shadowed but still owned (size() counts them). lookup() never
// allocates, locks or writes shared memory.
//
// Conjunctive matches follow OVS (ovs-fields(7), "Conjunctive Match
// Fields"): a rule whose actions are conjunction(id,k/n) actions is never
// the answer of a lookup; when such rules of higher priority than the best
// ordinary match cover every clause 1..n of an id, the table is looked up
// again with conj_id = id, and the answer of that lookup wins. The consulted
// bits include every subtable both lookups visited.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "lib/flow/of_key.h"
#include "lib/flow/rule.h"
#include "lib/packet/flow_key.h"

namespace ferry {

class Classifier {
 public:
  // generation identifies the flow-table state this classifier was built
  // from; caches built on a lookup remember it.
  Classifier(const std::vector<RulePtr>& rules, uint64_t generation);
  ~Classifier();
  Classifier(const Classifier&) = delete;
  Classifier& operator=(const Classifier&) = delete;

  static constexpr unsigned kTables = 255;  // 0..254 (255 means "all" in requests)

  // Highest-priority rule of `table` that matches key, or nullptr. Among
  // rules of equal priority that both match, the one with the lowest id
  // wins (deterministic). If wc is not null, the consulted mask bits are
  // OR-ed into *wc.
  const Rule* lookup(uint8_t table, const OfKey& key, OfKey* wc) const;
  // Table 0, for a packet as it enters the pipeline (metadata zero); wc
  // gets the consulted packet bits.
  const Rule* lookup(const FlowKey& key, FlowKey* wc) const;

  // For a learn's result (limit): whether `table` holds a rule with exactly
  // this match and priority, and how many of its rules have this cookie
  // (a scan of the table: only learns with a limit and a result ask).
  // Neither allocates.
  bool contains(uint8_t table, const Match& match, uint16_t priority) const;
  size_t count_cookie(uint8_t table, uint64_t cookie) const;

  uint64_t generation() const { return generation_; }
  size_t size() const { return n_rules_; }
  size_t n_subtables() const;
  size_t n_subtables(uint8_t table) const;
  size_t table_size(uint8_t table) const;

 private:
  struct Subtable;
  struct Tries;
  struct Table;
  const Rule* lookup_conjunctive(uint8_t table, const OfKey& key, OfKey* wc, bool allow_conj) const;
  std::array<std::unique_ptr<Table>, kTables> tables_;
  std::vector<RulePtr> rules_;  // keeps the rules alive
  uint64_t generation_;
  size_t n_rules_ = 0;
};

}  // namespace ferry
