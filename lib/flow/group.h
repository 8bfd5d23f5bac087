// OpenFlow groups (OpenFlow 1.1+ group table): types all, select, indirect
// and fast_failover, with buckets (weight, watch_port, watch_group,
// actions). A GroupTable is a bridge's source of truth, owned by the control
// thread, with OVS's group_mod semantics; PMDs see immutable Group objects
// through a GroupSnapshot. Only the statistics change after a group is
// built, from PMDs, through per-PMD counters.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/flow/action.h"
#include "lib/util/result.h"

namespace ferry {

enum class GroupType : uint8_t { kAll = 0, kSelect = 1, kIndirect = 2, kFastFailover = 3 };

// As OpenFlow (OFPGC11_*, OFPGC15_*).
enum class GroupModCommand : uint16_t {
  kAdd = 0,
  kModify = 1,
  kDelete = 2,
  kInsertBucket = 3,
  kRemoveBucket = 5,
  kAddOrModify = 0x8000,  // OVS's extension
};

constexpr uint32_t kGroupMax = 0xffffff00;     // OFPG_MAX
constexpr uint32_t kGroupAll = 0xfffffffc;     // OFPG_ALL
constexpr uint32_t kGroupAny = 0xffffffff;     // OFPG_ANY: no watch_group
constexpr uint32_t kBucketMax = 0xffffff00;    // OFPG15_BUCKET_MAX
constexpr uint32_t kBucketFirst = 0xfffffffd;  // OFPG15_BUCKET_FIRST
constexpr uint32_t kBucketLast = 0xfffffffe;   // OFPG15_BUCKET_LAST
constexpr uint32_t kBucketAll = 0xffffffff;    // OFPG15_BUCKET_ALL

struct Bucket {
  uint32_t id = 0;
  uint16_t weight = 0;
  uint32_t watch_port = kOfppNone;  // kOfppNone: none
  uint32_t watch_group = kGroupAny;
  ActionList actions;  // as the controller wrote them
  // What translation runs: the actions as an OpenFlow action set (OVS's
  // ofpacts_execute_action_set(): strip_vlan, push_vlan, dec_ttl once each,
  // then the field writes in order, then one final output, resubmit or
  // group; nothing at all without a final action).
  ActionList exec;

  bool has_liveness() const { return watch_port != kOfppNone || watch_group != kGroupAny; }
  bool operator==(const Bucket& o) const {
    return id == o.id && weight == o.weight && watch_port == o.watch_port &&
           watch_group == o.watch_group && actions == o.actions;
  }
};

// A field of selection_method=hash,fields(...): OVS's field id and the
// mask, as the controller sent them (OpenFlow 1.5 group properties).
struct GroupHashField {
  uint16_t ovs_id = 0;
  uint8_t n_bytes = 0;
  std::array<uint8_t, 16> mask{};
  bool operator==(const GroupHashField& o) const {
    return ovs_id == o.ovs_id && n_bytes == o.n_bytes && mask == o.mask;
  }
};

struct GroupProps {
  std::string selection_method;  // "", "hash" or "dp_hash"
  uint64_t selection_method_param = 0;
  std::vector<GroupHashField> fields;  // by OVS field id, ascending
};

struct GroupMod {
  GroupModCommand command = GroupModCommand::kAdd;
  GroupType type = GroupType::kAll;
  uint32_t group_id = 0;
  uint32_t command_bucket_id = kBucketAll;  // insert_bucket / remove_bucket
  std::vector<Bucket> buckets;
  GroupProps props;
};

// Packet and byte counters written by PMDs (each its own slot, plain
// stores) and by other threads (atomics). Index 0 is the group, 1.. its
// buckets.
class GroupStats {
 public:
  static constexpr unsigned kPmdSlots = 4;
  explicit GroupStats(size_t n_buckets) : counters_(n_buckets + 1) {}

  // bucket -1: every bucket (all, indirect), as OVS credits them.
  void add_from_pmd(unsigned pmd, int bucket, uint64_t packets, uint64_t bytes);
  uint64_t packets(int bucket = -1) const { return total(bucket + 1, false); }
  uint64_t bytes(int bucket = -1) const { return total(bucket + 1, true); }
  size_t n_buckets() const { return counters_.size() - 1; }

 private:
  struct Counter {
    std::atomic<uint64_t> packets{0}, bytes{0};
    void add(uint64_t p, uint64_t b) {
      packets.store(packets.load(std::memory_order_relaxed) + p, std::memory_order_relaxed);
      bytes.store(bytes.load(std::memory_order_relaxed) + b, std::memory_order_relaxed);
    }
  };
  struct Counters {
    Counter pmd[kPmdSlots];
    Counter shared;
  };
  void add_one(size_t i, unsigned pmd, uint64_t packets, uint64_t bytes);
  uint64_t total(size_t i, bool bytes) const;
  std::vector<Counters> counters_;
};

// How a select group picks its bucket (OVS's group_set_selection_method()).
enum class Selection : uint8_t {
  kDpHash,      // a hash of the packet (dp_hash_alg) indexes hash_map
  kDefault,     // best score over the symmetric L4 hash of the flow
  kHashFields,  // best score over a hash of `props.fields`
};

struct Group {
  uint32_t id = 0;
  GroupType type = GroupType::kAll;
  std::vector<Bucket> buckets;
  GroupProps props;
  int64_t created_ms = 0;
  std::shared_ptr<GroupStats> stats;

  // Select groups only.
  Selection selection = Selection::kDefault;
  uint8_t dp_hash_alg = 1;  // OVS_HASH_ALG_L4 0, OVS_HASH_ALG_SYM_L4 1
  uint32_t dp_hash_basis = 0;
  std::vector<uint16_t> hash_map;  // dp_hash & (size - 1) -> bucket index

  // True when the group's translation depends on port or group liveness.
  bool watches() const;
};

using GroupPtr = std::shared_ptr<const Group>;

// What PMDs read: the groups and the liveness of ports, immutable.
class GroupSnapshot {
 public:
  GroupSnapshot() = default;
  GroupSnapshot(std::vector<GroupPtr> groups, std::vector<uint32_t> live_ports);
  const Group* find(uint32_t id) const;
  bool port_live(uint32_t ofport) const;
  size_t size() const { return groups_.size(); }

 private:
  std::vector<GroupPtr> groups_;  // by id
  std::vector<uint32_t> live_;    // sorted
};

class GroupTable {
 public:
  // Error codes (Error::code); lib/ovs maps them to OpenFlow's OFPGMFC_*.
  enum : int {
    kErrGroupExists = 3001,  // OFPGMFC_GROUP_EXISTS
    kErrInvalidGroup,        // OFPGMFC_INVALID_GROUP
    kErrOutOfGroups,         // OFPGMFC_OUT_OF_GROUPS
    kErrBadType,             // OFPGMFC_BAD_TYPE
    kErrUnknownGroup,        // OFPGMFC_UNKNOWN_GROUP
    kErrBadCommand,          // OFPGMFC_BAD_COMMAND
    kErrUnknownBucket,       // OFPGMFC_UNKNOWN_BUCKET
    kErrBucketExists,        // OFPGMFC_BUCKET_EXISTS
  };
  static constexpr size_t kMaxGroups = 65536;  // per bridge

  // OVS's group_mod semantics (ofproto.c): add fails on an existing id,
  // modify (and insert/remove bucket) on a missing one; a modified group
  // starts with zero counters and keeps its creation time; delete of a
  // missing group is not an error. On error nothing changed.
  Status apply(const GroupMod& gm, int64_t now_ms);

  const std::map<uint32_t, GroupPtr>& all() const { return groups_; }
  const Group* find(uint32_t id) const;
  // Bumped by every change.
  uint64_t generation() const { return generation_; }
  // The groups with the given live ports.
  std::shared_ptr<const GroupSnapshot> snapshot(std::vector<uint32_t> live_ports) const;
  // True when some group's translation depends on liveness.
  bool any_watch() const;

 private:
  std::map<uint32_t, GroupPtr> groups_;
  uint64_t generation_ = 1;
};

// True when the actions name group id (kGroupAll: any group).
bool actions_use_group(const ActionList& actions, uint32_t id);
// The action-set form of a bucket's actions (Bucket::exec).
ActionList bucket_exec_actions(const ActionList& actions);
// Fills in a new group's derived parts (buckets' exec, selection, hash map).
void group_prepare(Group* g);
const char* group_type_name(GroupType t);

}  // namespace ferry
