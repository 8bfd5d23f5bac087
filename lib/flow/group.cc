#include "lib/flow/group.h"

#include <algorithm>

#include "lib/util/text.h"

namespace ferry {

namespace {

constexpr size_t kMaxHashValues = 256;  // as OVS's MAX_SELECT_GROUP_HASH_VALUES

// OVS's group_setup_dp_hash_table(): hash values spread over the buckets by
// weight with Webster's method. Empty when the weights need more than
// max_hash values (0: no limit but OVS's own) or all are zero.
std::vector<uint16_t> dp_hash_table(const std::vector<Bucket>& buckets, size_t max_hash) {
  if (buckets.empty()) return {};
  uint64_t total = 0;
  uint16_t min_weight = UINT16_MAX;
  for (const Bucket& b : buckets) {
    if (b.weight > 0 && b.weight < min_weight) min_weight = b.weight;
    total += b.weight;
  }
  if (total == 0) return {};
  uint64_t min_slots = (total + min_weight - 1) / min_weight;
  uint64_t pow2 = 1;
  while (pow2 < min_slots) pow2 <<= 1;
  const uint64_t n_hash = std::max<uint64_t>(16, pow2);
  if (n_hash > kMaxHashValues || (max_hash && n_hash > max_hash)) return {};

  struct Share {
    uint32_t divisor = 1;
    double value = 0;
  };
  std::vector<Share> shares(buckets.size());
  for (size_t i = 0; i < buckets.size(); i++) shares[i].value = buckets[i].weight;
  std::vector<uint16_t> map(n_hash);
  for (uint64_t h = 0; h < n_hash; h++) {
    size_t winner = 0;
    for (size_t i = 1; i < buckets.size(); i++) {
      if (shares[i].value > shares[winner].value) winner = i;
    }
    shares[winner].divisor += 2;
    shares[winner].value = static_cast<double>(buckets[winner].weight) / shares[winner].divisor;
    map[h] = static_cast<uint16_t>(winner);
  }
  return map;
}

// OVS's group_set_selection_method().
void set_selection(Group* g) {
  const std::string& m = g->props.selection_method;
  g->hash_map.clear();
  g->selection = Selection::kDefault;
  if (m.empty()) {
    g->hash_map = dp_hash_table(g->buckets, 256);
    if (!g->hash_map.empty()) {
      g->selection = Selection::kDpHash;
      g->dp_hash_alg = 1;  // symmetric L4
      g->dp_hash_basis = 0;
    }
  } else if (m == "dp_hash") {
    g->hash_map = dp_hash_table(g->buckets, 0);
    if (!g->hash_map.empty()) {
      g->selection = Selection::kDpHash;
      const uint64_t alg = g->props.selection_method_param >> 32;
      g->dp_hash_alg = alg > 1 ? 0 : static_cast<uint8_t>(alg);
      g->dp_hash_basis = static_cast<uint32_t>(g->props.selection_method_param);
    }
  } else if (m == "hash" && !g->props.fields.empty()) {
    g->selection = Selection::kHashFields;
  }
}

// Action-set classes, in execution order (OVS's ACTION_SET_ORDER, then the
// final actions by priority: group, else output, else resubmit, else ct,
// as OVS's ofpacts_execute_action_set(); OVN's load balancers are select
// groups whose buckets end in ct(commit,nat(dst=...),table=...)).
enum SetClass {
  kSlotStripVlan,
  kSlotPushVlan,
  kSlotDecTtl,
  kNSlots,
  kFinalCt,
  kFinalResubmit,
  kFinalOutput,
  kFinalGroup,
  kSetOrMove,
  kInvalid
};

SetClass classify(const Action& a) {
  switch (a.type) {
    case ActionType::kStripVlan:
      return kSlotStripVlan;
    case ActionType::kPushVlan:
      return kSlotPushVlan;
    case ActionType::kDecTtl:
      return kSlotDecTtl;
    case ActionType::kResubmit:
      return kFinalResubmit;
    case ActionType::kOutput:
    case ActionType::kController:  // an output to the controller (its kData follow it)
      return kFinalOutput;
    case ActionType::kGroup:
      return kFinalGroup;
    case ActionType::kCt:
      return kFinalCt;
    case ActionType::kSetField:
      return (a.flags & Action::kInstruction) ? kInvalid : kSetOrMove;  // write_metadata
    case ActionType::kMove:
    case ActionType::kSetEthSrc:
    case ActionType::kSetEthDst:
    case ActionType::kSetVlanVid:
    case ActionType::kSetVlanPcp:
      return kSetOrMove;
    case ActionType::kMeter:
    case ActionType::kGotoTable:
    case ActionType::kClone:
    case ActionType::kOutputField:
    case ActionType::kPacketIn:
    case ActionType::kData:
    case ActionType::kConjunction:
    case ActionType::kNote:
    case ActionType::kNoteData:
    case ActionType::kStackPush:
    case ActionType::kStackPop:
    case ActionType::kWriteActions:
    case ActionType::kClearActions:
    case ActionType::kLearn:
    case ActionType::kLearnSpec:
    case ActionType::kOutputTrunc:  // as OVS: not in an action set
    case ActionType::kMultipath:
    case ActionType::kCtClear:
    case ActionType::kRecirc:
    case ActionType::kTnlPush:
    case ActionType::kPushMpls:  // not in Ferry's action set (yet)
    case ActionType::kPopMpls:
    case ActionType::kDecMplsTtl:
      return kInvalid;
  }
  return kInvalid;
}

}  // namespace

void GroupStats::add_one(size_t i, unsigned pmd, uint64_t packets, uint64_t bytes) {
  Counters& c = counters_[i];
  if (pmd < kPmdSlots) {
    c.pmd[pmd].add(packets, bytes);
  } else {
    c.shared.packets.fetch_add(packets, std::memory_order_relaxed);
    c.shared.bytes.fetch_add(bytes, std::memory_order_relaxed);
  }
}

void GroupStats::add_from_pmd(unsigned pmd, int bucket, uint64_t packets, uint64_t bytes) {
  add_one(0, pmd, packets, bytes);
  if (bucket >= 0) {
    if (static_cast<size_t>(bucket) + 1 < counters_.size())
      add_one(static_cast<size_t>(bucket) + 1, pmd, packets, bytes);
    return;
  }
  for (size_t i = 1; i < counters_.size(); i++) add_one(i, pmd, packets, bytes);
}

uint64_t GroupStats::total(size_t i, bool bytes) const {
  if (i >= counters_.size()) return 0;
  const Counters& c = counters_[i];
  auto get = [bytes](const Counter& k) {
    return (bytes ? k.bytes : k.packets).load(std::memory_order_relaxed);
  };
  uint64_t n = get(c.shared);
  for (const Counter& k : c.pmd) n += get(k);
  return n;
}

bool actions_use_group(const ActionList& actions, uint32_t id) {
  return std::any_of(actions.begin(), actions.end(), [id](const Action& a) {
    return a.type == ActionType::kGroup && (id == kGroupAll || a.port == id);
  });
}

ActionList bucket_exec_actions(const ActionList& actions) {
  const Action* slots[kNSlots] = {};
  const Action* final_action = nullptr;
  size_t final_data = 0;  // kData after a kController
  int final_class = 0;
  ActionList sets;
  for (size_t i = 0; i < actions.size(); i++) {
    const Action& a = actions[i];
    const SetClass c = classify(a);
    if (c < kNSlots) {
      slots[c] = &a;
    } else if (c > kNSlots && c < kSetOrMove) {
      if (c >= final_class) {
        final_action = &a;
        final_class = c;
        final_data = std::min(a.n_data(), actions.size() - i - 1);
      }
    } else if (c == kSetOrMove) {
      sets.push_back(a);
    }
  }
  ActionList out;
  if (!final_action) return out;  // an action set without a final action does nothing
  for (const Action* s : slots) {
    if (s) out.push_back(*s);
  }
  out.insert(out.end(), sets.begin(), sets.end());
  out.insert(out.end(), final_action, final_action + 1 + final_data);
  return out;
}

bool Group::watches() const {
  return std::any_of(buckets.begin(), buckets.end(),
                     [](const Bucket& b) { return b.has_liveness(); });
}

void group_prepare(Group* g) {
  for (Bucket& b : g->buckets) b.exec = bucket_exec_actions(b.actions);
  if (g->type == GroupType::kSelect) set_selection(g);
  g->stats = std::make_shared<GroupStats>(g->buckets.size());
}

const char* group_type_name(GroupType t) {
  switch (t) {
    case GroupType::kAll:
      return "all";
    case GroupType::kSelect:
      return "select";
    case GroupType::kIndirect:
      return "indirect";
    case GroupType::kFastFailover:
      return "ff";
  }
  return "?";
}

GroupSnapshot::GroupSnapshot(std::vector<GroupPtr> groups, std::vector<uint32_t> live_ports)
    : groups_(std::move(groups)), live_(std::move(live_ports)) {
  std::sort(groups_.begin(), groups_.end(),
            [](const GroupPtr& a, const GroupPtr& b) { return a->id < b->id; });
  std::sort(live_.begin(), live_.end());
}

const Group* GroupSnapshot::find(uint32_t id) const {
  auto it = std::lower_bound(groups_.begin(), groups_.end(), id,
                             [](const GroupPtr& g, uint32_t v) { return g->id < v; });
  return it != groups_.end() && (*it)->id == id ? it->get() : nullptr;
}

bool GroupSnapshot::port_live(uint32_t ofport) const {
  return std::binary_search(live_.begin(), live_.end(), ofport);
}

const Group* GroupTable::find(uint32_t id) const {
  auto it = groups_.find(id);
  return it == groups_.end() ? nullptr : it->second.get();
}

bool GroupTable::any_watch() const {
  return std::any_of(groups_.begin(), groups_.end(),
                     [](const auto& kv) { return kv.second->watches(); });
}

std::shared_ptr<const GroupSnapshot> GroupTable::snapshot(std::vector<uint32_t> live_ports) const {
  std::vector<GroupPtr> v;
  v.reserve(groups_.size());
  for (const auto& [id, g] : groups_) v.push_back(g);
  return std::make_shared<const GroupSnapshot>(std::move(v), std::move(live_ports));
}

namespace {

// OVS's copy_buckets_for_insert_bucket(): the new buckets go first, last, or
// after the bucket with the given id.
Status insert_buckets(const Group& old, const GroupMod& gm, std::vector<Bucket>* out) {
  const uint32_t at = gm.command_bucket_id;
  auto find = [](const std::vector<Bucket>& v, uint32_t id) {
    return std::find_if(v.begin(), v.end(), [id](const Bucket& b) { return b.id == id; });
  };
  if (at <= kBucketMax && find(old.buckets, at) == old.buckets.end())
    return make_error(strprintf("no bucket %u in group %u", at, old.id),
                      GroupTable::kErrUnknownBucket);
  std::vector<Bucket> all = gm.buckets;
  all.insert(all.end(), old.buckets.begin(), old.buckets.end());
  for (size_t i = 0; i < all.size(); i++) {
    for (size_t j = i + 1; j < all.size(); j++) {
      if (all[i].id == all[j].id)
        return make_error(strprintf("duplicate bucket id %u", all[i].id),
                          GroupTable::kErrBucketExists);
    }
  }
  if (at == kBucketLast) {
    *out = old.buckets;
    out->insert(out->end(), gm.buckets.begin(), gm.buckets.end());
  } else if (at <= kBucketMax && !gm.buckets.empty()) {
    *out = old.buckets;
    auto after = find(*out, at);
    out->insert(after + 1, gm.buckets.begin(), gm.buckets.end());
  } else {
    *out = std::move(all);
  }
  return {};
}

// OVS's copy_buckets_for_remove_bucket().
Status remove_buckets(const Group& old, uint32_t at, std::vector<Bucket>* out) {
  *out = old.buckets;
  if (at == kBucketAll) {
    out->clear();
  } else if (at == kBucketFirst || at == kBucketLast) {
    if (!out->empty()) out->erase(at == kBucketFirst ? out->begin() : out->end() - 1);
  } else {
    auto it = std::find_if(out->begin(), out->end(), [at](const Bucket& b) { return b.id == at; });
    if (it == out->end())
      return make_error(strprintf("no bucket %u in group %u", at, old.id),
                        GroupTable::kErrUnknownBucket);
    out->erase(it);
  }
  return {};
}

}  // namespace

Status GroupTable::apply(const GroupMod& gm, int64_t now_ms) {
  if (gm.command == GroupModCommand::kDelete) {
    if (gm.group_id == kGroupAll) {
      if (!groups_.empty()) generation_++;
      groups_.clear();
    } else if (groups_.erase(gm.group_id)) {
      generation_++;
    }
    return {};
  }
  auto it = groups_.find(gm.group_id);
  const Group* old = it == groups_.end() ? nullptr : it->second.get();
  switch (gm.command) {
    case GroupModCommand::kAdd:
      if (old) return make_error(strprintf("group %u exists", gm.group_id), kErrGroupExists);
      break;
    case GroupModCommand::kModify:
    case GroupModCommand::kInsertBucket:
    case GroupModCommand::kRemoveBucket:
      if (!old) return make_error(strprintf("no group %u", gm.group_id), kErrUnknownGroup);
      break;
    case GroupModCommand::kAddOrModify:
      break;
    default:
      return make_error(
          strprintf("unknown group_mod command %u", static_cast<unsigned>(gm.command)),
          kErrBadCommand);
  }
  if (!old && groups_.size() >= kMaxGroups) return make_error("too many groups", kErrOutOfGroups);
  if (gm.group_id > kGroupMax)
    return make_error(strprintf("group id %u is reserved", gm.group_id), kErrInvalidGroup);
  if (static_cast<unsigned>(gm.type) > static_cast<unsigned>(GroupType::kFastFailover))
    return make_error("unknown group type", kErrBadType);

  auto g = std::make_shared<Group>();
  g->id = gm.group_id;
  g->type = gm.type;
  g->props = gm.props;
  g->buckets = gm.buckets;
  g->created_ms = old ? old->created_ms : now_ms;
  if (gm.command == GroupModCommand::kInsertBucket ||
      gm.command == GroupModCommand::kRemoveBucket) {
    // They change buckets only, never the type or properties (EXT-570).
    g->type = old->type;
    g->props = old->props;
    Status st = gm.command == GroupModCommand::kInsertBucket
                    ? insert_buckets(*old, gm, &g->buckets)
                    : remove_buckets(*old, gm.command_bucket_id, &g->buckets);
    if (!st.ok()) return st;
  }
  group_prepare(g.get());
  groups_[gm.group_id] = std::move(g);
  generation_++;
  return {};
}

}  // namespace ferry
