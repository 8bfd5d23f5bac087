// Which action lists the fast path can run over a burst without a flow key.
#pragma once

#include "lib/flow/action.h"

namespace ferry {

// True when actions can run on a whole burst without a flow key: MAC and
// VLAN rewrites and meters (nothing else), then exactly one output, last,
// to a bridge port by number, IN_PORT or LOCAL.
bool batchable_actions(const ActionList& actions);

}  // namespace ferry
