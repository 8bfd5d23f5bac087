#include "test/unit/ovs/db/ovsdb_drive.h"

#include "lib/ovs/poller.h"

namespace ferry::test {

bool drive(const std::vector<ovs::Ovsdb*>& dbs, const std::function<bool()>& done, int timeout_ms) {
  ovs::OvsPoller poller;
  int64_t deadline = ovs::time_msec() + timeout_ms;
  for (;;) {
    for (ovs::Ovsdb* db : dbs) db->run();
    if (done()) return true;
    if (ovs::time_msec() > deadline) return false;
    for (ovs::Ovsdb* db : dbs) db->wait();
    poller.timer_wait(50);
    poller.block();
  }
}

bool drive(ovs::Ovsdb& db, const std::function<bool()>& done, int timeout_ms) {
  return drive(std::vector<ovs::Ovsdb*>{&db}, done, timeout_ms);
}

std::unique_ptr<ovs::Ovsdb> ready_db(const OvsdbServer& server) {
  auto db = ovs::Ovsdb::create(server.remote());
  bool ok = drive(*db, [&] { return db->has_lock() && db->config().has_value(); });
  return ok ? std::move(db) : nullptr;
}

std::string vsctl_get(const OvsdbServer& server, const std::string& table,
                      const std::string& record, const std::string& column) {
  RunResult r = server.vsctl({"get", table, record, column});
  return r.exit_code == 0 ? r.out : "error: " + r.err;
}

int add_test_bridge(const OvsdbServer& server) {
  return server
      .vsctl({"--no-wait",
              "add-br",
              "br0",
              "--",
              "set",
              "bridge",
              "br0",
              "datapath_type=netdev",
              "--",
              "add-port",
              "br0",
              "p1",
              "tag=10",
              "--",
              "set",
              "Interface",
              "p1",
              "type=dpdk",
              "options:dpdk-devargs=net_null0",
              "ofport_request=5"})
      .exit_code;
}

}  // namespace ferry::test
