// A bridge's OpenFlow groups: group_mod, group stats and descriptions, and
// the check that a flow's group actions name existing groups (OVS's
// OFPBAC_BAD_OUT_GROUP).
#include <algorithm>

#include "datapath/vswitchd/bridge.h"
#include "datapath/vswitchd/openflow_handler.h"
#include "lib/util/clock.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(ofg_log, "openflow");

namespace ferry {

namespace {

ovs::OfError group_error(int code) {
  switch (code) {
    case GroupTable::kErrGroupExists:
      return ovs::OfError::kGroupExists;
    case GroupTable::kErrOutOfGroups:
      return ovs::OfError::kGroupOutOfGroups;
    case GroupTable::kErrBadType:
      return ovs::OfError::kGroupBadType;
    case GroupTable::kErrUnknownGroup:
      return ovs::OfError::kGroupUnknown;
    case GroupTable::kErrBadCommand:
      return ovs::OfError::kGroupBadCommand;
    case GroupTable::kErrUnknownBucket:
      return ovs::OfError::kGroupUnknownBucket;
    case GroupTable::kErrBucketExists:
      return ovs::OfError::kGroupBucketExists;
    default:
      return ovs::OfError::kGroupInvalid;
  }
}

}  // namespace

bool OpenFlowHandler::bad_group(const FlowMod& fm) const {
  if (fm.command == FlowModCommand::kDelete || fm.command == FlowModCommand::kDeleteStrict)
    return false;
  return bad_group(fm.actions);
}

bool OpenFlowHandler::bad_group(const ActionList& actions) const {
  for (const Action& a : actions) {
    if (a.type == ActionType::kGroup && !bridge_->groups().find(a.port)) return true;
  }
  return false;
}

std::vector<FlowMod> OpenFlowHandler::flows_of_group(uint32_t id) const {
  std::vector<FlowMod> dels;
  for (const RulePtr& r : bridge_->flows().all_rules()) {
    if (!actions_use_group(*r->actions, id)) continue;
    FlowMod d;
    d.command = FlowModCommand::kDeleteStrict;
    d.table_id = r->table_id;
    d.match = r->match;
    d.priority = r->priority;
    dels.push_back(d);
  }
  return dels;
}

void OpenFlowHandler::handle_group_mod(Conn& c, const ovs::OfMessage& msg, const GroupMod& gm) {
  Status st = bridge_->groups().apply(gm, monotonic_ms());
  if (!st.ok()) {
    FLOG_INFO(ofg_log, "%s: group_mod rejected: %s", bridge_->name().c_str(),
              st.error().message.c_str());
    return c.of->send_error(msg, group_error(st.error().code));
  }
  if (gm.command == GroupModCommand::kDelete) {
    // As OVS: the flows whose actions use a deleted group go with it.
    std::vector<FlowMod> dels = flows_of_group(gm.group_id);
    size_t failed = 0;
    if (!dels.empty()) st = bridge_->flows().apply_bundle(dels, monotonic_ms(), &failed);
    if (!st.ok())
      FLOG_WARN(ofg_log, "%s: flows of deleted group %u not deleted: %s", bridge_->name().c_str(),
                gm.group_id, st.error().message.c_str());
  }
  bridge_->publish_flows(false);
}

void OpenFlowHandler::handle_group_request(Conn& c, const ovs::OfMessage& msg, uint32_t group_id,
                                           bool desc) {
  std::vector<GroupMod> descs;
  std::vector<ovs::OfGroupStats> stats;
  const int64_t now = monotonic_ms();
  std::vector<RulePtr> rules;
  if (!desc) rules = bridge_->flows().all_rules();
  for (const auto& [id, g] : bridge_->groups().all()) {
    if (group_id != kGroupAll && group_id != id) continue;
    if (desc) {
      GroupMod d;
      d.group_id = id;
      d.type = g->type;
      d.buckets = g->buckets;
      d.props = g->props;
      descs.push_back(std::move(d));
      continue;
    }
    ovs::OfGroupStats s;
    s.group_id = id;
    s.ref_count =
        static_cast<uint32_t>(std::count_if(rules.begin(), rules.end(), [id](const RulePtr& r) {
          return actions_use_group(*r->actions, id);
        }));
    s.packets = g->stats->packets();
    s.bytes = g->stats->bytes();
    const int64_t age = now - g->created_ms;
    s.duration_sec = static_cast<uint32_t>(age / 1000);
    s.duration_nsec = static_cast<uint32_t>((age % 1000) * 1000000);
    for (size_t b = 0; b < g->buckets.size(); b++) {
      s.buckets.emplace_back(g->stats->packets(static_cast<int>(b)),
                             g->stats->bytes(static_cast<int>(b)));
    }
    stats.push_back(std::move(s));
  }
  if (desc) return c.of->send_group_desc_reply(msg, descs);
  c.of->send_group_stats_reply(msg, stats);
}

}  // namespace ferry
