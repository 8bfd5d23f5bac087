// Translation: a packet's walk through the OpenFlow tables (goto_table,
// resubmit, set_field/move on the pipeline's metadata, ...) turned into one
// flat list of datapath actions plus the union of the key bits every lookup
// consulted, as OVS's xlate does. A megaflow caches that list, so a
// multi-table pipeline costs one cache lookup per packet; PMDs execute the
// flat list (datapath/execute.h).
//
// The walk runs on an OfKey: the packet's key with the metadata (registers,
// metadata, pkt_mark) zero at table 0. The metadata at any later lookup is a
// function of packet bits the walk already consulted (a move unwildcards its
// source), so the packet part of the consulted bits is a correct megaflow
// mask. A field rewritten by a non-constant operation (dec_ttl) is consulted
// whole. Nothing here allocates: the output is a fixed-size struct.
#pragma once

#include <cstdint>
#include <vector>

#include "lib/flow/classifier.h"
#include "lib/flow/rule.h"

namespace ferry {

constexpr unsigned kMaxXlateActions = 64;
constexpr unsigned kMaxXlateRules = 32;
constexpr unsigned kMaxResubmitDepth = 64;  // as OVS
constexpr unsigned kMaxResubmits = 4096;    // as OVS
constexpr unsigned kMaxXlateStack = 128;    // NXAST stack entries (push/pop)
constexpr unsigned kMaxActionSet = 32;      // actions written by write_actions

// Receives the learn actions a walk executes (the control thread's
// translation only: PMDs never learn, see lib/flow/learn.h). `flow` is the
// walk's key at the learn.
class XlateLearns {
 public:
  virtual ~XlateLearns() = default;
  virtual void learn(const Action* head, const OfKey& flow) = 0;
};

// A translated action list: what a megaflow caches. Points into storage
// owned by whoever made it (an XlateOut, or a cache's XlateArena).
struct Translation {
  const Action* actions = nullptr;
  const Rule* const* rules = nullptr;  // every rule the walk visited (for statistics)
  uint16_t n_actions = 0;
  uint16_t n_rules = 0;
  uint8_t size_class = 0;    // XlateArena's
  bool stopped = false;      // the walk stopped early (too deep, too long): counted as a drop
  bool ttl_expired = false;  // a dec_ttl ended an action list (as OVS: the rest of that list
                             // is skipped, the lists that resubmitted into it go on)
  bool has_learn = false;    // the walk ran a learn: the control thread must run it too
};

// One step of a walk, for ofproto/trace.
struct XlateStep {
  uint8_t table = 0;
  uint8_t depth = 0;              // resubmit/goto_table nesting
  const Rule* rule = nullptr;     // nullptr: no match in the table
  const char* stopped = nullptr;  // set on the step where the walk stopped (or a list ended), why
  bool note = false;              // `stopped` is a heading (the action set), printed as is
};

// One walk's output.
struct XlateOut {
  Action actions[kMaxXlateActions];
  const Rule* rules[kMaxXlateRules];
  uint16_t n_actions = 0;
  uint16_t n_rules = 0;
  bool stopped = false;
  bool ttl_expired = false;
  bool has_learn = false;
  std::vector<XlateStep>* log = nullptr;  // ofproto/trace only
  XlateLearns* learns = nullptr;          // control thread only

  Translation result;  // what publish() returns a pointer to

  // The output as a Translation that lives as long as this object.
  const Translation* publish() {
    result.actions = actions;
    result.rules = rules;
    result.n_actions = n_actions;
    result.n_rules = n_rules;
    result.stopped = stopped;
    result.ttl_expired = ttl_expired;
    result.has_learn = has_learn;
    return &result;
  }
};

// Walks from `first` (the table-0 rule the packet matched, already looked
// up with its bits in *wc) through the bridge's tables. ORs the packet bits
// the later lookups and actions consulted into *wc.
void xlate(const Classifier& cls, const FlowKey& pkt, const Rule& first, FlowKey* wc,
           XlateOut* out);

}  // namespace ferry
