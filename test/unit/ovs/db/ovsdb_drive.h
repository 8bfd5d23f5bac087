// Helpers for the Ovsdb tests: drive Ovsdb instances' loops, and the
// ovs-vsctl commands the tests share.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lib/ovs/database.h"
#include "test/unit/ovs/db/ovsdb_server.h"

namespace ferry::test {

// Runs run()/wait()/block() on dbs until done() or timeout_ms; returns done().
bool drive(const std::vector<ovs::Ovsdb*>& dbs, const std::function<bool()>& done,
           int timeout_ms = 10000);
bool drive(ovs::Ovsdb& db, const std::function<bool()>& done, int timeout_ms = 10000);

// An Ovsdb on server that is connected, holds the lock and has a config
// (the Open_vSwitch row exists); nullptr if that did not happen in time.
std::unique_ptr<ovs::Ovsdb> ready_db(const OvsdbServer& server);

// `ovs-vsctl get table record column` output, or "error: ..." if it failed.
std::string vsctl_get(const OvsdbServer& server, const std::string& table,
                      const std::string& record, const std::string& column);

// The brief's bridge: br0 (netdev) with p1 (tag 10), a dpdk interface with
// dpdk-devargs=net_null0 and ofport_request 5. Returns ovs-vsctl's exit code.
int add_test_bridge(const OvsdbServer& server);

}  // namespace ferry::test
