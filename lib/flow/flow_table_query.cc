// FlowTable: validation, queries, timeouts and classifier snapshots.
#include <algorithm>

#include "lib/flow/field.h"
#include "lib/flow/flow_table.h"
#include "lib/util/text.h"

namespace ferry {

namespace {

bool valid_output_port(uint32_t port) {
  switch (port) {
    case kOfppInPort:
    case kOfppTable:
    case kOfppNormal:
    case kOfppFlood:
    case kOfppAll:
    case kOfppController:
    case kOfppLocal:
      return true;
    default:
      return port < kOfppMax;
  }
}

Status validate_action(const Action& a, uint8_t table) {
  switch (a.type) {
    case ActionType::kGotoTable:
      // OpenFlow: only to a later table (OVS answers OFPBIC_BAD_TABLE_ID).
      if (table != kAllTables && a.u8 <= table)
        return make_error(strprintf("goto_table:%u from table %u: a goto_table must go to a "
                                    "later table",
                                    a.u8, table),
                          kErrBadTableId);
      if (a.u8 >= kInternalTable)
        return make_error(strprintf("goto_table:%u: no such table", a.u8), kErrBadTableId);
      return {};
    case ActionType::kResubmit:
      return {};
    case ActionType::kSetField: {
      auto f = static_cast<Field>(a.u8);
      if (!field_writable(f))
        return make_error(strprintf("set_field on %s is not supported", field_name(f).c_str()));
      return {};
    }
    case ActionType::kMove: {
      auto src = static_cast<Field>(a.mac[0]), dst = static_cast<Field>(a.mac[1]);
      if (!field_bits(src) || !field_writable(dst) || a.mac[4] == 0 ||
          a.mac[2] + a.mac[4] > field_bits(src) || a.mac[3] + a.mac[4] > field_bits(dst))
        return make_error(strprintf("move from %s to %s: unsupported field or bits out of range",
                                    field_name(src).c_str(), field_name(dst).c_str()));
      return {};
    }
    case ActionType::kPushMpls:
      if (!eth_type_mpls(a.u16))
        return make_error(strprintf("push_mpls:0x%04x is not an MPLS ethertype", a.u16));
      return {};
    case ActionType::kPopMpls:
    case ActionType::kDecMplsTtl:
    case ActionType::kDecTtl:
    case ActionType::kClone:
    case ActionType::kGroup:  // that the group exists is the bridge's check
    case ActionType::kConjunction:
    case ActionType::kNote:
    case ActionType::kNoteData:
    case ActionType::kWriteActions:
    case ActionType::kClearActions:
    case ActionType::kLearnSpec:
      return {};
    case ActionType::kMultipath: {
      auto f = static_cast<Field>(a.u8);
      if (!field_writable(f) || a.mac[4] == 0 || a.mac[4] > 32 ||
          a.mac[2] + a.mac[4] > field_bits(f))
        return make_error(strprintf("multipath into %s: unsupported field or bits out of range",
                                    field_name(f).c_str()));
      return {};
    }
    case ActionType::kStackPush:
    case ActionType::kStackPop: {
      auto f = static_cast<Field>(a.u8);
      const bool ok = a.type == ActionType::kStackPush ? field_bits(f) != 0 : field_writable(f);
      if (!ok || a.mac[4] == 0 || a.mac[2] + a.mac[4] > field_bits(f))
        return make_error(strprintf("%s on %s: unsupported field or bits out of range",
                                    a.type == ActionType::kStackPush ? "push" : "pop",
                                    field_name(f).c_str()));
      return {};
    }
    case ActionType::kCt:
      if (a.u8 != 0xff && a.u8 >= kInternalTable)
        return make_error(strprintf("ct(table=%u): no such table", a.u8), kErrBadTableId);
      if (a.mac[0] &&
          (a.mac[4] == 0 || a.mac[2] + a.mac[4] > field_bits(static_cast<Field>(a.mac[0]))))
        return make_error("ct(zone=...): bits out of range of the field");
      return {};
    case ActionType::kCtClear:
      return {};
    case ActionType::kRecirc:
    case ActionType::kTnlPush:
      return make_error(std::string(a.type == ActionType::kRecirc ? "recirc" : "tnl_push") +
                        " is a datapath action, not an OpenFlow one");
    case ActionType::kLearn:
      if (a.u8 >= kInternalTable)
        return make_error(strprintf("learn into table %u: no such table", a.u8), kErrBadTableId);
      return {};
    case ActionType::kOutputField: {
      auto f = static_cast<Field>(a.u8);
      if (!field_bits(f) || a.mac[4] == 0 || a.mac[4] > 16 || a.mac[2] + a.mac[4] > field_bits(f))
        return make_error(
            strprintf("output:%s: unsupported field or bits out of range", field_name(f).c_str()));
      return {};
    }
    case ActionType::kOutputTrunc:
    case ActionType::kOutput:
      if (!valid_output_port(a.port))
        return make_error(
            strprintf("output to port %u (0x%x) is not a valid OpenFlow port", a.port, a.port),
            kErrBadOutPort);
      return {};
    case ActionType::kSetVlanVid:
      if (a.u16 > kVlanVidMask)
        return make_error(strprintf("mod_vlan_vid:%u is out of range (0-4095)", a.u16));
      return {};
    case ActionType::kSetVlanPcp:
      if (a.u8 > 7) return make_error(strprintf("mod_vlan_pcp:%u is out of range (0-7)", a.u8));
      return {};
    case ActionType::kPushVlan:
      if (a.u16 != kEthTypeVlan && a.u16 != kEthTypeQinQ)
        return make_error(strprintf("push_vlan:0x%04x: the TPID must be 0x8100 or 0x88a8", a.u16));
      return {};
    case ActionType::kSetEthSrc:
    case ActionType::kSetEthDst:
    case ActionType::kStripVlan:
    case ActionType::kMeter:
    case ActionType::kController:
    case ActionType::kData:
      return {};
    case ActionType::kPacketIn:
      return make_error("packet_in is a translated action, not an OpenFlow one");
  }
  return make_error(strprintf("unknown action type %u", static_cast<unsigned>(a.type)));
}

// The earliest time at which a rule expires, INT64_MAX if never.
int64_t deadline(const Rule& r) {
  int64_t d = INT64_MAX;
  const int64_t refreshed = r.stats->refreshed_ms.load(std::memory_order_relaxed);
  if (r.hard_timeout) d = std::max(r.created_ms, refreshed) + int64_t{r.hard_timeout} * 1000;
  if (r.idle_timeout) {
    int64_t used =
        std::max({r.modified_ms, refreshed, r.stats->used_ms.load(std::memory_order_relaxed)});
    d = std::min(d, used + int64_t{r.idle_timeout} * 1000);
  }
  return d;
}

// Table by table, then highest priority first.
bool by_priority(const RulePtr& a, const RulePtr& b) {
  if (a->table_id != b->table_id) return a->table_id < b->table_id;
  return a->priority != b->priority ? a->priority > b->priority : a->id < b->id;
}

}  // namespace

Status validate(const FlowMod& fm) {
  const bool is_add = fm.command == FlowModCommand::kAdd;
  switch (fm.command) {
    case FlowModCommand::kAdd:
    case FlowModCommand::kModify:
    case FlowModCommand::kModifyStrict:
    case FlowModCommand::kDelete:
    case FlowModCommand::kDeleteStrict:
      break;
    default:
      return make_error(strprintf("unknown flow_mod command %u", static_cast<unsigned>(fm.command)),
                        kErrBadCommand);
  }
  if (fm.table_id == kAllTables && is_add)
    return make_error("table_id 255 (all tables) is only valid for modify and delete",
                      kErrBadTableId);
  if (fm.table_id == kInternalTable)
    return make_error("table 254 is read-only (OVS keeps it for itself; tables are 0-253)");
  if (fm.command == FlowModCommand::kDelete || fm.command == FlowModCommand::kDeleteStrict)
    return {};
  for (const Action& a : fm.actions) {
    if (Status st = validate_action(a, fm.table_id); !st) return st;
  }
  return {};
}

std::vector<RulePtr> FlowTable::expire(int64_t now_ms) {
  std::vector<RulePtr> out;
  for (const RulePtr& r : timed_) {
    if (now_ms >= deadline(*r)) out.push_back(r);
  }
  for (const RulePtr& r : out) erase_rule(r);
  if (!out.empty()) generation_++;
  flush_learned();
  std::sort(out.begin(), out.end(), by_priority);
  return out;
}

int64_t FlowTable::next_expiry() const {
  int64_t next = INT64_MAX;
  for (const RulePtr& r : timed_) next = std::min(next, deadline(*r));
  return next;
}

std::vector<RulePtr> FlowTable::query(const Match& match, uint32_t out_port, uint64_t cookie,
                                      uint64_t cookie_mask, uint8_t table_id) const {
  Match m = match;
  m.normalize();
  std::vector<RulePtr> out = select(table_id, m, 0, false, cookie, cookie_mask, out_port);
  std::sort(out.begin(), out.end(), by_priority);
  return out;
}

std::vector<RulePtr> FlowTable::all_rules() const {
  std::vector<RulePtr> out(rules_.begin(), rules_.end());
  std::sort(out.begin(), out.end(), by_priority);
  return out;
}

std::shared_ptr<const Classifier> FlowTable::classifier() {
  if (!classifier_ || classifier_->generation() != generation_) {
    std::vector<RulePtr> rules(rules_.begin(), rules_.end());
    classifier_ = std::make_shared<const Classifier>(rules, generation_);
  }
  return classifier_;
}

}  // namespace ferry
