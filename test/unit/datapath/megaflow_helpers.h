// Rules, keys and masks for the megaflow cache's unit tests.
#pragma once

#include <arpa/inet.h>

#include <memory>

#include "datapath/megaflow_cache.h"

namespace ferry::test {

// A rule that outputs to port 2, with fresh statistics.
inline std::shared_ptr<Rule> make_rule(uint64_t id) {
  auto r = std::make_shared<Rule>();
  r->id = id;
  r->actions = std::make_shared<const ActionList>(ActionList{Action::output(2)});
  r->stats = std::make_shared<RuleStats>();
  return r;
}

// An IPv4 key with an input port and a destination address.
inline FlowKey port_key(uint32_t port, uint32_t dst_ip) {
  FlowKey k = zero_key();
  k.in_port = port;
  k.dl_type = htons(kEthTypeIpv4);
  k.nw_dst = htonl(dst_ip);
  return k;
}

inline FlowKey mask_port_dst() {
  FlowKey m = zero_key();
  m.in_port = UINT32_MAX;
  m.nw_dst = 0xffffffff;
  return m;
}

}  // namespace ferry::test
