// A three-host, two-fabric inventory (the lab's) for the orchestrator's unit tests.
#pragma once

#include "tools/migrate/inventory.h"

namespace ferry::migrate::test {

// S1, S2, S3 (uplinks u1 to F1, u2 to F2), F1 and F2 (ports s1..s3), VM A0
// on S1 (VLAN vlan), A1 on S3 sending to A0.
Inventory lab_inventory(int vlan = 0);
rpc::Json lab_inventory_json(int vlan = 0);

}  // namespace ferry::migrate::test
