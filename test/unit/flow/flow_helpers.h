// Helpers shared by the flow tests.
#pragma once

#include <arpa/inet.h>

#include <memory>
#include <vector>

#include "lib/flow/flow_mod.h"
#include "lib/flow/rule.h"

namespace ferry::test {

inline RulePtr make_rule(uint64_t id, uint16_t priority, const Match& match,
                         ActionList actions = {}) {
  auto r = std::make_shared<Rule>();
  r->id = id;
  r->priority = priority;
  r->match = match;
  r->match.normalize();
  r->actions = std::make_shared<const ActionList>(std::move(actions));
  r->stats = std::make_shared<RuleStats>();
  return r;
}

inline FlowMod flow_mod(FlowModCommand cmd, const Match& match,
                        uint16_t priority = kDefaultPriority, ActionList actions = {}) {
  FlowMod fm;
  fm.command = cmd;
  fm.match = match;
  fm.priority = priority;
  fm.actions = std::move(actions);
  return fm;
}

inline FlowMod add(const Match& match, uint16_t priority, ActionList actions = {},
                   uint64_t cookie = 0) {
  FlowMod fm = flow_mod(FlowModCommand::kAdd, match, priority, std::move(actions));
  fm.cookie = cookie;
  return fm;
}

// An IPv4 address in network order.
inline uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return htonl(static_cast<uint32_t>(a) << 24 | static_cast<uint32_t>(b) << 16 |
               static_cast<uint32_t>(c) << 8 | d);
}

inline Match in_port(uint32_t port) { return Match().set_in_port(port); }

}  // namespace ferry::test
