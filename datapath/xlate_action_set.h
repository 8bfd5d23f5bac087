// The OpenFlow 1.1+ action set (write_actions) as it runs when the pipeline
// ends, in OVS's order (ofpacts_execute_action_set): the last strip_vlan,
// push_vlan and dec_ttl, in that order, then every set_field/move/rewrite in
// the order written, then the final action (group beats output beats
// resubmit; the later of two of a kind), and nothing at all without a
// final action. Actions an action set may not hold are ignored, as OVS.
#pragma once

#include "lib/flow/action.h"

namespace ferry {

// Writes the actions to run into `list` (room for n + 4) and returns how
// many; 0 when the set has no final action.
unsigned order_action_set(const Action* const* set, unsigned n, const Action** list);

}  // namespace ferry
