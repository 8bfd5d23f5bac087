// Which bucket of a select or fast_failover group a packet takes, as
// ovs-vswitchd's translation picks it (ofproto-dpif-xlate.c): liveness from
// the ports' link state and the watched groups, select by the group's
// selection method over OVS's own hashes (lib/ovs/group_hash.h). The flow
// bits a choice read are ORed into the megaflow mask. No allocation.
#pragma once

#include <cstdint>

#include "lib/flow/group.h"
#include "lib/flow/of_key.h"

namespace ferry {

constexpr int kMaxLivenessDepth = 128;  // as OVS's MAX_LIVENESS_RECURSION

// OVS's bucket_is_alive(): a select bucket of weight 0 never is; a bucket
// without watch is; else its watch_port is up or its watch_group has a
// live bucket.
bool bucket_live(const Group& g, const Bucket& b, const GroupSnapshot& groups, int depth = 0);
// Index of the first live bucket, -1 when none (fast_failover).
int first_live_bucket(const Group& g, const GroupSnapshot& groups, int depth = 0);
// Index of the bucket a select group picks for `flow`, -1 when none is live.
int select_bucket(const Group& g, const GroupSnapshot& groups, const OfKey& flow, OfKey* wc);

}  // namespace ferry
