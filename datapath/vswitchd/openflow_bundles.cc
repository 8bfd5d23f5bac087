// OpenFlow bundles: open, add, close, discard, commit. A bundle holds
// flow_mods and group_mods (as OVS, which ovn-controller relies on: it
// replaces its groups and flows in one atomic bundle); the commit applies
// all of them or none, and every PMD sees the result at once.
#include <algorithm>

#include "datapath/vswitchd/bridge.h"
#include "datapath/vswitchd/openflow_handler.h"
#include "lib/util/clock.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(ofb_log, "openflow");

namespace ferry {

namespace {

constexpr size_t kMaxBundleMessages = 1 << 21;
constexpr size_t kMaxBundles = 64;

// A group the bundle adds before this point (its flows may use it).
bool bundle_adds_group(const std::vector<std::variant<FlowMod, GroupMod>>& msgs, uint32_t id) {
  return std::any_of(msgs.begin(), msgs.end(), [id](const auto& m) {
    const GroupMod* g = std::get_if<GroupMod>(&m);
    return g && g->group_id == id && g->command != GroupModCommand::kDelete;
  });
}

}  // namespace

bool OpenFlowHandler::commit_bundle(const Bundle& b, size_t* failed, std::string* why) {
  const int64_t now = monotonic_ms();
  GroupTable saved = bridge_->groups();  // restored when anything fails
  std::vector<FlowMod> flows;
  std::vector<size_t> index;  // flows[i] is message index[i] of the bundle
  for (size_t i = 0; i < b.msgs.size(); i++) {
    if (const FlowMod* fm = std::get_if<FlowMod>(&b.msgs[i])) {
      if (bad_group(*fm)) {
        bridge_->groups() = std::move(saved);
        *failed = i;
        *why = "a flow_mod uses a group that does not exist";
        return false;
      }
      flows.push_back(*fm);
      index.push_back(i);
      continue;
    }
    const GroupMod& gm = std::get<GroupMod>(b.msgs[i]);
    if (gm.command == GroupModCommand::kDelete) {
      // The flows using it go with it: those installed and those the
      // bundle added before this point.
      std::vector<FlowMod> dels = flows_of_group(gm.group_id);
      for (const FlowMod& fm : flows) {
        if (fm.command == FlowModCommand::kDelete || fm.command == FlowModCommand::kDeleteStrict ||
            !actions_use_group(fm.actions, gm.group_id))
          continue;
        FlowMod d;
        d.command = FlowModCommand::kDeleteStrict;
        d.table_id = fm.table_id;
        d.match = fm.match;
        d.priority = fm.priority;
        dels.push_back(std::move(d));
      }
      for (FlowMod& d : dels) {
        flows.push_back(std::move(d));
        index.push_back(i);
      }
    }
    Status st = bridge_->groups().apply(gm, now);
    if (!st.ok()) {
      bridge_->groups() = std::move(saved);
      *failed = i;
      *why = st.error().message;
      return false;
    }
  }
  size_t f = 0;
  Status st = bridge_->flows().apply_bundle(flows, now, &f);
  if (!st.ok()) {
    bridge_->groups() = std::move(saved);
    *failed = f < index.size() ? index[f] : 0;
    *why = st.error().message;
    return false;
  }
  return true;
}

void OpenFlowHandler::handle_bundle_control(Conn& c, const ovs::OfMessage& msg,
                                            const ovs::OfBundleControl& bc) {
  using Type = ovs::OfBundleControl::Type;
  auto it = c.bundles.find(bc.bundle_id);
  switch (bc.type) {
    case Type::kOpen:
      if (it != c.bundles.end()) return c.of->send_error(msg, ovs::OfError::kBundleBadId);
      if (c.bundles.size() >= kMaxBundles)
        return c.of->send_error(msg, ovs::OfError::kBundleOutOfBundles);
      c.bundles[bc.bundle_id] = Bundle{bc.flags, false, false, {}};
      return c.of->send_bundle_reply(msg, Type::kOpen);
    case Type::kClose:
      if (it == c.bundles.end()) return c.of->send_error(msg, ovs::OfError::kBundleBadId);
      if (it->second.closed) return c.of->send_error(msg, ovs::OfError::kBundleClosed);
      it->second.closed = true;
      return c.of->send_bundle_reply(msg, Type::kClose);
    case Type::kDiscard:
      if (it == c.bundles.end()) return c.of->send_error(msg, ovs::OfError::kBundleBadId);
      c.bundles.erase(it);
      return c.of->send_bundle_reply(msg, Type::kDiscard);
    case Type::kCommit: {
      if (it == c.bundles.end()) return c.of->send_error(msg, ovs::OfError::kBundleBadId);
      Bundle b = std::move(it->second);
      c.bundles.erase(it);
      if (b.failed) {
        FLOG_INFO(ofb_log, "%s: bundle %u not committed: one of its messages was refused",
                  bridge_->name().c_str(), bc.bundle_id);
        return c.of->send_error(msg, ovs::OfError::kBundleMsgFailed);
      }
      size_t failed = 0;
      std::string why;
      if (!commit_bundle(b, &failed, &why)) {
        FLOG_INFO(ofb_log, "%s: bundle %u rejected at message %zu of %zu: %s",
                  bridge_->name().c_str(), bc.bundle_id, failed + 1, b.msgs.size(), why.c_str());
        return c.of->send_error(msg, ovs::OfError::kBundleMsgFailed);
      }
      // Every PMD sees all of the bundle or none of it; reply once in effect.
      bridge_->publish_flows(true);
      FLOG_DBG(ofb_log, "%s: bundle %u committed (%zu messages)", bridge_->name().c_str(),
               bc.bundle_id, b.msgs.size());
      return c.of->send_bundle_reply(msg, Type::kCommit);
    }
  }
}

void OpenFlowHandler::handle_bundle_add(Conn& c, const ovs::OfMessage& msg,
                                        const ovs::OfBundleAdd& ba) {
  auto it = c.bundles.find(ba.bundle_id);
  if (it == c.bundles.end() && ba.refused) return;
  if (it == c.bundles.end()) {
    // OpenFlow 1.4: an add to an unknown bundle implicitly opens it.
    if (c.bundles.size() >= kMaxBundles)
      return c.of->send_error(msg, ovs::OfError::kBundleOutOfBundles);
    it = c.bundles.emplace(ba.bundle_id, Bundle{ba.flags, false, false, {}}).first;
  }
  Bundle& b = it->second;
  if (ba.refused) {
    b.failed = true;  // the error is already answered
    return;
  }
  if (b.closed) return c.of->send_error(msg, ovs::OfError::kBundleClosed);
  if (b.flags != ba.flags) {
    b.failed = true;
    return c.of->send_error(msg, ovs::OfError::kBundleBadFlags);
  }
  if (b.msgs.size() >= kMaxBundleMessages) {
    b.failed = true;
    return c.of->send_error(msg, ovs::OfError::kBundleMsgFailed);
  }
  if (ba.is_group) {
    b.msgs.emplace_back(ba.group_mod);  // checked when committed, in order
    return;
  }
  if (bad_output(ba.flow_mod)) {
    b.failed = true;
    return c.of->send_error(msg, ovs::OfError::kBadOutPort);
  }
  // A group must exist now or be added earlier in the bundle.
  const FlowMod& fm = ba.flow_mod;
  const bool deleting =
      fm.command == FlowModCommand::kDelete || fm.command == FlowModCommand::kDeleteStrict;
  if (!deleting && unmapped_tlv(fm)) {
    b.failed = true;
    return c.of->send_error(msg, ovs::OfError::kTlvInvalidField);
  }
  for (const Action& a : fm.actions) {
    if (deleting || a.type != ActionType::kGroup || bridge_->groups().find(a.port) ||
        bundle_adds_group(b.msgs, a.port))
      continue;
    b.failed = true;
    return c.of->send_error(msg, ovs::OfError::kBadOutGroup);
  }
  FlowMod fitted;
  b.msgs.emplace_back(fit_tlv(ba.flow_mod, &fitted));
}

}  // namespace ferry
