// A flow table modification, as decoded from an OpenFlow flow_mod or parsed
// from an ovs-ofctl flow string.
#pragma once

#include <cstdint>

#include "lib/flow/action.h"
#include "lib/flow/match.h"

namespace ferry {

enum class FlowModCommand : uint8_t { kAdd, kModify, kModifyStrict, kDelete, kDeleteStrict };

// Flow_mod flags (OpenFlow OFPFF_*), as bits.
constexpr uint16_t kFlowSendFlowRem = 1 << 0;
constexpr uint16_t kFlowCheckOverlap = 1 << 1;
constexpr uint16_t kFlowResetCounts = 1 << 2;
constexpr uint16_t kFlowNoPktCounts = 1 << 3;
constexpr uint16_t kFlowNoBytCounts = 1 << 4;

constexpr uint16_t kDefaultPriority = 0x8000;
constexpr uint8_t kAllTables = 0xff;
constexpr uint8_t kInternalTable = 254;  // OVS's hidden table: OpenFlow sees 0-253
constexpr uint64_t kNoNewCookie = UINT64_MAX;

// Error codes a flow table returns (in Error::code); lib/ovs maps them to
// OpenFlow errors.
enum FlowTableError : int {
  kErrBadTableId = 1001,  // OFPBRC_BAD_TABLE_ID / OFPFMFC_BAD_TABLE_ID
  kErrOverlap,            // OFPFMFC_OVERLAP
  kErrTableFull,          // OFPFMFC_TABLE_FULL
  kErrBadCommand,         // OFPFMFC_BAD_COMMAND
  kErrBadOutPort,         // OFPBAC_BAD_OUT_PORT (an output to a port that cannot exist)
  kErrBadBundle,          // OFPBFC_BAD_ID and friends
};

struct FlowMod {
  FlowModCommand command = FlowModCommand::kAdd;
  Match match;
  uint16_t priority = kDefaultPriority;
  uint8_t table_id = 0;  // kAllTables for deletes means every table
  uint64_t cookie = 0;
  uint64_t cookie_mask = 0;
  uint64_t new_cookie = kNoNewCookie;  // for modify: kNoNewCookie keeps the rule's cookie
  uint16_t idle_timeout = 0;
  uint16_t hard_timeout = 0;
  uint32_t out_port = kOfppNone;  // delete filter
  uint16_t flags = 0;
  ActionList actions;
};

}  // namespace ferry
