// Ferry structs <-> the plain C structs of fo-ofp.h (layout-identical, see
// layout_check.cc), and OfError <-> the C error codes.
#pragma once

#include <string>
#include <vector>

#include "lib/flow/action.h"
#include "lib/flow/flow_mod.h"
#include "lib/flow/match.h"
#include "lib/ovs/ofp/fo-msg.h"
#include "lib/ovs/ofp/fo-ofp.h"
#include "lib/ovs/ofp/fo-reply.h"
#include "lib/ovs/ofparse.h"
#include "lib/ovs/openflow.h"

namespace ferry::ovs {

fo_match to_fo(const Match& match);
Match from_fo(const fo_match& match);
FlowKey from_fo(const fo_flow_key& key);

// Appends 'actions' to 'out' (so that many lists can share one array).
void append_fo(const ActionList& actions, std::vector<fo_action>* out);
ActionList from_fo(const fo_action* actions, size_t n);

FlowMod from_fo(const fo_flow_mod& fm);
OfFlowStatsRequest stats_request_from_fo(const fo_flow_mod& fsr);

int to_fo(OfError error);  // enum fo_error

// Groups (of_groups.cc).
GroupMod group_mod_from_fo(const fo_group_mod& gm);
void send_group_stats(fo_conn* conn, const void* req, const std::vector<OfGroupStats>& groups);
void send_group_desc(fo_conn* conn, const void* req, const std::vector<GroupMod>& groups);

// Takes ownership of a malloc()'d C string (nullptr gives "").
std::string take_string(char* s);

// Port names as the C side wants them; the strings stay owned by 'names'.
class FoPortNames {
 public:
  explicit FoPortNames(const PortNames& names);
  const fo_port_name* data() const { return v_.data(); }
  size_t size() const { return v_.size(); }

 private:
  std::vector<fo_port_name> v_;
};

}  // namespace ferry::ovs
