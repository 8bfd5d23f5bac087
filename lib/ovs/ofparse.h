// OVS's own text syntax, through libopenvswitch: flows as ovs-ofctl and
// ofproto/trace take them, and matches/actions formatted as OVS prints them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lib/flow/action.h"
#include "lib/flow/flow_mod.h"
#include "lib/flow/match.h"
#include "lib/util/result.h"

namespace ferry::ovs {

// Port names a bridge knows, for "in_port=vm1" and for printing.
using PortNames = std::vector<std::pair<std::string, uint32_t>>;

// An exact flow, "in_port=1,dl_src=...,tcp,tp_dst=80" (ofproto/trace syntax);
// unspecified fields are zero.
Result<FlowKey> parse_flow(const std::string& text, const PortNames& ports = {});

// A flow_mod in ovs-ofctl syntax ("priority=10,in_port=1,actions=output:2").
// Fails with a clear message for syntax errors and for fields or actions
// Ferry does not support.
Result<FlowMod> parse_flow_mod(const std::string& text, FlowModCommand command,
                               const PortNames& ports = {});

// "priority=10,in_port=1,dl_dst=..." as ovs-ofctl prints a match (the
// priority is left out when it equals kDefaultPriority).
std::string format_match(const Match& match, uint16_t priority, const PortNames& ports = {});
// "output:2,mod_dl_dst:..." as ovs-ofctl prints actions ("drop" when empty).
std::string format_actions(const ActionList& actions, const PortNames& ports = {});

}  // namespace ferry::ovs
