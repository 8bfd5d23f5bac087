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

#include "datapath/recirc.h"
#include "datapath/tunnel_xlate.h"
#include "lib/flow/classifier.h"
#include "lib/flow/group.h"
#include "lib/flow/rule.h"

namespace ferry {

struct MirrorSnapshot;

constexpr unsigned kMaxXlateActions = 64;
constexpr unsigned kMaxXlateRules = 256;    // an OVN pipeline visits 40-80
constexpr unsigned kMaxResubmitDepth = 64;  // as OVS
constexpr unsigned kMaxResubmits = 4096;    // as OVS
constexpr unsigned kMaxActionSet = 32;      // actions written by write_actions
constexpr unsigned kMaxXlateGroups = 16;

// Receives the learn actions a walk executes (the control thread's
// translation only: PMDs never learn, see lib/flow/learn.h). `flow` is the
// walk's key at the learn.
class XlateLearns {
 public:
  virtual ~XlateLearns() = default;
  virtual void learn(const Action* head, const OfKey& flow) = 0;
};

// A group the walk went through: its counters get the packets (bucket -1:
// every bucket, as OVS credits all and indirect groups).
struct GroupHit {
  GroupStats* stats = nullptr;
  int32_t bucket = -1;
};

// A translated action list: what a megaflow caches. Points into storage
// owned by whoever made it (an XlateOut, or a cache's XlateArena).
struct Translation {
  const Action* actions = nullptr;
  const Rule* const* rules = nullptr;  // every rule the walk visited (for statistics)
  const GroupHit* groups = nullptr;    // every group it went through
  uint16_t n_actions = 0;
  uint16_t n_rules = 0;
  uint16_t n_groups = 0;
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
  // A group action (rule nullptr): the group, and the bucket taken (-1:
  // every bucket follows as its own step, -2: none was live); or, with
  // `bucket_step`, the start of bucket `bucket`'s actions.
  const Group* group = nullptr;
  int32_t bucket = -1;
  bool bucket_step = false;
  uint32_t missing_group = 0;  // a group action naming no group (group nullptr)
};

// One walk's output.
struct XlateOut {
  Action actions[kMaxXlateActions];
  const Rule* rules[kMaxXlateRules];
  GroupHit groups[kMaxXlateGroups];
  uint16_t n_actions = 0;
  uint16_t n_rules = 0;
  uint16_t n_groups = 0;
  bool stopped = false;
  bool ttl_expired = false;
  bool has_learn = false;
  // A controller(...,pause) ended the walk: its kPacketIn carries the
  // continuation (kDataContSegment); nothing runs after it.
  bool paused = false;
  // Where ovs-vswitchd would have recirculated (a dp_hash select group):
  // what came before survives a walk that stops after it (OVS drops only
  // the failed pass's actions). -1: no such point.
  int recirc_mark = -1;
  // The kClone around the walk's last encapsulation: unwrapped when nothing
  // follows it (the packet itself is encapsulated, not a copy). -1: none.
  int tnl_clone = -1;
  std::vector<XlateStep>* log = nullptr;  // ofproto/trace only
  XlateLearns* learns = nullptr;          // control thread only

  Translation result;  // what publish() returns a pointer to

  // The output as a Translation that lives as long as this object.
  const Translation* publish() {
    result.actions = actions;
    result.rules = rules;
    result.n_actions = n_actions;
    result.n_rules = n_rules;
    result.groups = groups;
    result.n_groups = n_groups;
    result.stopped = stopped;
    result.ttl_expired = ttl_expired;
    result.has_learn = has_learn;
    return &result;
  }
};

// What a walk depends on besides the tables (part of the bridge's snapshot:
// a change is a new generation, so cached answers are made again).
// Where a walk starts other than at table 0 with zero metadata: a resumed
// continuation (NXT_RESUME) carries the pipeline's metadata at the pause.
struct XlateStart {
  uint8_t table = 0;
  uint64_t metadata = 0;
  uint32_t regs[16] = {};
  uint32_t pkt_mark = 0;
};

struct XlateParams {
  // A table miss (in table 0 or after a goto_table) sends the packet to
  // the controllers with reason no_match, as OVS does while a controller
  // speaking OpenFlow < 1.3 is connected; otherwise a miss drops.
  bool packet_in_on_miss = false;
  // The walk is a packet-out's actions: a plain output to CONTROLLER has
  // reason packet_out, as OVS.
  bool in_packet_out = false;
  // The bridge's groups (nullptr: none). A group action runs the buckets
  // the group picks (lib/flow/group.h, datapath/group_select.h), each on a
  // copy of the packet.
  const GroupSnapshot* groups = nullptr;
  // Where ct(table=T) finds recirculation ids (the bridge's; nullptr: such
  // a walk stops).
  RecircTable* recirc = nullptr;
  // The bridge's tunnel ports: an output to one is an encapsulation
  // (datapath/tunnel_xlate.h; nullptr: the bridge has none).
  const TunnelXlate* tunnels = nullptr;
  // The bridge's mirrors (datapath/mirror.h; nullptr: none): copies of the
  // packet join the translation.
  const MirrorSnapshot* mirrors = nullptr;
  // xlate_actions() only: the metadata and table to start with (nullptr:
  // zero, table 0).
  const XlateStart* start = nullptr;
};

// Walks from `first` (the table-0 rule the packet matched, already looked
// up with its bits in *wc; nullptr: table 0 missed) through the bridge's
// tables. ORs the packet bits the later lookups and actions consulted into
// *wc. A controller action becomes a kPacketIn carrying the pipeline's
// metadata at that point (a function of the consulted bits, so cacheable).
void xlate(const Classifier& cls, const FlowKey& pkt, const Rule* first, FlowKey* wc, XlateOut* out,
           const XlateParams& params);
// Walks a recirculated packet (pkt.recirc_id != 0) from the state its id
// froze: that table, with that metadata.
void xlate_resume(const Classifier& cls, const FlowKey& pkt, const FrozenState& state, FlowKey* wc,
                  XlateOut* out, const XlateParams& params);
// Walks an action list that belongs to no rule (a packet-out's), as if in
// table 0.
void xlate_actions(const Classifier& cls, const FlowKey& pkt, const Action* actions, size_t n,
                   FlowKey* wc, XlateOut* out, const XlateParams& params);
inline void xlate(const Classifier& cls, const FlowKey& pkt, const Rule& first, FlowKey* wc,
                  XlateOut* out, const GroupSnapshot* groups = nullptr) {
  XlateParams params;
  params.groups = groups;
  xlate(cls, pkt, &first, wc, out, params);
}

}  // namespace ferry
