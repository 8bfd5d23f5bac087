// A megaflow's match (key and mask over FlowKey) in Open vSwitch's
// datapath flow syntax, as `ovs-appctl dpctl/dump-flows` prints it:
//   recirc_id(0),in_port(2),packet_type(ns=0,id=0),eth(),eth_type(0x0800),
//   ipv4(frag=no)
// Fields whose mask is zero are left out (and an attribute with none
// left, but eth()); a partial mask prints as value/mask. verbose (dpctl's
// -m) prints every field, wildcarded ones as value/0. The input port is
// printed by the caller's function (a datapath port number, or its name
// for --names).
#pragma once

#include <functional>
#include <string>

#include "lib/packet/flow_key.h"

namespace ferry {

std::string format_odp_match(const FlowKey& key, const FlowKey& mask,
                             const std::function<std::string(uint32_t ofport)>& port, bool verbose);

}  // namespace ferry
