#include "lib/ovs/ofp/of_convert.h"

#include <cstring>

namespace ferry::ovs {

fo_match to_fo(const Match& match) {
  fo_match out;
  std::memcpy(&out, &match, sizeof out);
  return out;
}

Match from_fo(const fo_match& match) {
  Match out;
  std::memcpy(&out.key, &match.key, sizeof out.key);
  std::memcpy(&out.mask, &match.mask, sizeof out.mask);
  return out;
}

FlowKey from_fo(const fo_flow_key& key) {
  FlowKey out;
  std::memcpy(&out, &key, sizeof out);
  return out;
}

void append_fo(const ActionList& actions, std::vector<fo_action>* out) {
  size_t start = out->size();
  out->resize(start + actions.size());
  if (!actions.empty()) {
    std::memcpy(out->data() + start, actions.data(), actions.size() * sizeof(fo_action));
  }
}

ActionList from_fo(const fo_action* actions, size_t n) {
  ActionList out(n);
  if (n) std::memcpy(out.data(), actions, n * sizeof(Action));
  return out;
}

FlowMod from_fo(const fo_flow_mod& fm) {
  FlowMod out;
  out.command = static_cast<FlowModCommand>(fm.command);
  out.match = from_fo(fm.match);
  out.priority = fm.priority;
  out.table_id = fm.table_id;
  out.cookie = fm.cookie;
  out.cookie_mask = fm.cookie_mask;
  out.new_cookie = fm.new_cookie;
  out.idle_timeout = fm.idle_timeout;
  out.hard_timeout = fm.hard_timeout;
  out.out_port = fm.out_port;
  out.flags = fm.flags;
  out.actions = from_fo(fm.actions, fm.n_actions);
  return out;
}

OfFlowStatsRequest stats_request_from_fo(const fo_flow_mod& fsr) {
  OfFlowStatsRequest out;
  out.match = from_fo(fsr.match);
  out.table_id = fsr.table_id;
  out.out_port = fsr.out_port;
  out.cookie = fsr.cookie;
  out.cookie_mask = fsr.cookie_mask;
  return out;
}

int to_fo(OfError error) {
  switch (error) {
    case OfError::kBadRequestType:
      return FO_ERR_BAD_REQUEST_TYPE;
    case OfError::kBadRequestStat:
      return FO_ERR_BAD_REQUEST_STAT;
    case OfError::kBadTableId:
      return FO_ERR_BAD_TABLE_ID;
    case OfError::kBadPort:
      return FO_ERR_BAD_PORT;
    case OfError::kEperm:
      return FO_ERR_EPERM;
    case OfError::kFlowModOverlap:
      return FO_ERR_FLOW_MOD_OVERLAP;
    case OfError::kFlowModTableFull:
      return FO_ERR_FLOW_MOD_TABLE_FULL;
    case OfError::kFlowModBadCommand:
      return FO_ERR_FLOW_MOD_BAD_COMMAND;
    case OfError::kBadOutPort:
      return FO_ERR_BAD_OUT_PORT;
    case OfError::kBadActionType:
      return FO_ERR_BAD_ACTION_TYPE;
    case OfError::kBadMatchField:
      return FO_ERR_BAD_MATCH_FIELD;
    case OfError::kBundleBadId:
      return FO_ERR_BUNDLE_BAD_ID;
    case OfError::kBundleBadType:
      return FO_ERR_BUNDLE_BAD_TYPE;
    case OfError::kBundleClosed:
      return FO_ERR_BUNDLE_CLOSED;
    case OfError::kBundleBadFlags:
      return FO_ERR_BUNDLE_BAD_FLAGS;
    case OfError::kBundleMsgFailed:
      return FO_ERR_BUNDLE_MSG_FAILED;
    case OfError::kBundleOutOfBundles:
      return FO_ERR_BUNDLE_OUT_OF_BUNDLES;
    case OfError::kBundleTimeout:
      return FO_ERR_BUNDLE_TIMEOUT;
    case OfError::kMeterExists:
      return FO_ERR_METER_EXISTS;
    case OfError::kMeterUnknown:
      return FO_ERR_METER_UNKNOWN;
    case OfError::kMeterInvalid:
      return FO_ERR_METER_INVALID;
    case OfError::kMeterBadBand:
      return FO_ERR_METER_BAD_BAND;
    case OfError::kMeterBadRate:
      return FO_ERR_METER_BAD_RATE;
    case OfError::kMeterBadFlags:
      return FO_ERR_METER_BAD_FLAGS;
    case OfError::kMeterOutOfMeters:
      return FO_ERR_METER_OUT_OF_METERS;
    case OfError::kIsSlave:
      return FO_ERR_IS_SLAVE;
    case OfError::kRoleStale:
      return FO_ERR_ROLE_STALE;
    case OfError::kGroupExists:
      return FO_ERR_GROUP_EXISTS;
    case OfError::kGroupInvalid:
      return FO_ERR_GROUP_INVALID;
    case OfError::kGroupOutOfGroups:
      return FO_ERR_GROUP_OUT_OF_GROUPS;
    case OfError::kGroupBadType:
      return FO_ERR_GROUP_BAD_TYPE;
    case OfError::kGroupUnknown:
      return FO_ERR_GROUP_UNKNOWN;
    case OfError::kGroupBadCommand:
      return FO_ERR_GROUP_BAD_COMMAND;
    case OfError::kGroupUnknownBucket:
      return FO_ERR_GROUP_UNKNOWN_BUCKET;
    case OfError::kGroupBucketExists:
      return FO_ERR_GROUP_BUCKET_EXISTS;
    case OfError::kBadOutGroup:
      return FO_ERR_BAD_OUT_GROUP;
    case OfError::kTlvAlreadyMapped:
      return FO_ERR_TLV_ALREADY_MAPPED;
    case OfError::kTlvDupEntry:
      return FO_ERR_TLV_DUP_ENTRY;
    case OfError::kTlvTableFull:
      return FO_ERR_TLV_TABLE_FULL;
    case OfError::kTlvInvalidField:
      return FO_ERR_TLV_INVALID_FIELD;
    case OfError::kResumeStale:
      return FO_ERR_RESUME_STALE;
  }
  return FO_ERR_EPERM;
}

OfError flow_table_error_to_of(int code) {
  switch (code) {
    case kErrBadTableId:
      return OfError::kBadTableId;
    case kErrOverlap:
      return OfError::kFlowModOverlap;
    case kErrTableFull:
      return OfError::kFlowModTableFull;
    case kErrBadCommand:
      return OfError::kFlowModBadCommand;
    case kErrBadOutPort:
      return OfError::kBadOutPort;
    case kErrBadBundle:
      return OfError::kBundleBadId;
    default:
      return OfError::kEperm;
  }
}

std::string take_string(char* s) {
  std::string out = s ? s : "";
  fo_ofp_free(s);
  return out;
}

FoPortNames::FoPortNames(const PortNames& names) {
  v_.reserve(names.size());
  for (const auto& [name, port] : names) v_.push_back({name.c_str(), port});
}

}  // namespace ferry::ovs
