// The NORMAL action: an 802.1Q learning switch as ovs-vswitchd's, on the
// bridge's FDB snapshot and per-port VLAN configuration. Learning requests
// go to the context's LearnSink; the table itself changes on the control
// thread.
#pragma once

#include "datapath/execute.h"

namespace ferry {

// key describes m as it is now (after earlier actions). Consumes m.
void execute_normal(const ExecContext& ctx, rte_mbuf* m, const FlowKey& key);

}  // namespace ferry
