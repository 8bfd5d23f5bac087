// The libvirt driver cannot run here: check the commands it issues.
#include "tools/migrate/driver.h"

#include <algorithm>
#include <thread>

#include <catch2/catch.hpp>

#include "lib/util/text.h"
#include "test/unit/migrate/fixture.h"

using namespace ferry;
using namespace ferry::migrate;

namespace {

class Recorder : public CommandRunner {
 public:
  Result<std::string> run(const std::vector<std::string>& argv) override {
    std::string l = join(argv, " ");
    issued.push_back(l);
    auto it = replies.find(l);
    if (it == replies.end()) return std::string();
    if (it->second == "FAIL") return make_error("error: failed to connect", EIO);
    return it->second;
  }
  std::vector<std::string> issued;
  std::map<std::string, std::string> replies;
};

}  // namespace

TEST_CASE("libvirt driver: virsh migrate --live between the hosts' URIs", "[migrate]") {
  auto j = test::lab_inventory_json();
  Inventory inv = test::lab_inventory();
  Recorder r;
  auto d = make_libvirt_driver(inv, &r);
  auto rep = d->move(*inv.vm("A0"), *inv.node("S1"), *inv.node("S2"));
  REQUIRE(rep.ok());
  CHECK(r.issued ==
        std::vector<std::string>{"virsh -c qemu+ssh://S1/system migrate-setmaxdowntime A0 50",
                                 "virsh -c qemu+ssh://S1/system migrate --live --persistent "
                                 "--undefinesource --verbose --timeout 60 --timeout-suspend A0 "
                                 "qemu+ssh://S2/system"});
}

TEST_CASE("libvirt driver: recover finds the running domain, resumes a paused one", "[migrate]") {
  Inventory inv = test::lab_inventory();
  Recorder r;
  r.replies["virsh -c qemu+ssh://S1/system domstate A0"] = "shut off\n";
  r.replies["virsh -c qemu+ssh://S2/system domstate A0"] = "paused\n";
  auto d = make_libvirt_driver(inv, &r);
  auto where = d->recover(*inv.vm("A0"), *inv.node("S1"), *inv.node("S2"));
  REQUIRE(where.ok());
  CHECK(*where == "S2");
  CHECK(r.issued.back() == "virsh -c qemu+ssh://S2/system resume A0");
  r.replies
      ["virsh -c qemu+ssh://S2/system migrate --live --persistent --undefinesource --verbose "
       "--timeout 60 --timeout-suspend A0 qemu+ssh://S1/system"] = "FAIL";
  auto rep = d->move(*inv.vm("A0"), *inv.node("S2"), *inv.node("S1"));
  REQUIRE_FALSE(rep.ok());
  CHECK(rep.error().message == "libvirt: error: failed to connect");
}

TEST_CASE("switch-over gate: waits until opened, or times out", "[migrate]") {
  ferry::migrate::SwitchoverGate gate;
  CHECK_FALSE(gate.wait(5));  // closed: times out
  std::thread opener([&] { gate.open(); });
  CHECK(gate.wait(5000));
  opener.join();
  CHECK(gate.wait(0));  // stays open
  gate.reset();
  CHECK_FALSE(gate.wait(0));
}

namespace {

// Two OVN chassis joined by their own tunnels: no fabric switch.
Inventory ovn_inventory(int rounds) {
  auto j = ferry::rpc::parse_json(R"({
    "driver": "netns", "precopy_ms": 0, "downtime_ms": 0, "switchover_wait_ms": 0,
    "pktgen": "pg", "announce_rounds": )" +
                                  std::to_string(rounds) + R"(,
    "hosts": [
      {"name": "hv1", "ctl": "/run/hv1.ctl", "db": "unix:/run/hv1.db", "bridge": "br-int",
       "netns": "ns1"},
      {"name": "hv2", "ctl": "/run/hv2.ctl", "db": "unix:/run/hv2.db", "bridge": "br-int",
       "netns": "ns2"}],
    "vms": [{"name": "vm1", "mac": "02:00:00:00:00:01", "host": "hv1", "port": "vm1",
             "netns": "vm-ns"}]})");
  REQUIRE(j.ok());
  auto inv = parse_inventory(*j);
  REQUIRE(inv.ok());
  return *inv;
}

}  // namespace

TEST_CASE("netns driver: the port keeps its external_ids (OVN's iface-id) on the destination",
          "[migrate]") {
  Inventory inv = ovn_inventory(1);
  Recorder r;
  const std::string ids = R"({attached-mac="02:00:00:00:00:01", iface-id=lsp1})";
  const std::string odd = R"({"a, b"="x\"y, z", iface-id=lsp1, ovn-installed="true"})";
  // ovn-controller's own keys stay behind (hv2's sets them when it is done).
  r.replies
      ["ovs-vsctl --timeout=20 --db=unix:/run/hv1.db --if-exists get Interface vm1 "
       "external_ids"] =
      R"({attached-mac="02:00:00:00:00:01", iface-id=lsp1, ovn-installed="true", )"
      R"("ovn-installed-ts"="1700000000000"})"
      "\n";
  auto d = make_netns_driver(inv, &r);
  auto rep = d->move(*inv.vm("vm1"), *inv.node("hv1"), *inv.node("hv2"));
  REQUIRE(rep.ok());
  CHECK(rep->detail == "");
  CHECK(r.issued == std::vector<std::string>{
                        "ip netns pids vm-ns",
                        "ovs-vsctl --timeout=20 --db=unix:/run/hv1.db --if-exists get Interface "
                        "vm1 external_ids",
                        "ovs-vsctl --timeout=20 --db=unix:/run/hv1.db --if-exists del-port br-int "
                        "vm1",
                        "ip -n ns1 link set vm1 netns ns2", "ip -n ns2 link set vm1 up",
                        "ovs-vsctl --timeout=20 --db=unix:/run/hv2.db --may-exist add-port br-int "
                        "vm1 -- set Interface vm1 external_ids=" +
                            ids,
                        "ip netns exec vm-ns pg send --iface eth0 --frame "
                        "rarp(mac=02:00:00:00:00:01)"});
  // Quoted keys and values with ", " and escaped quotes inside stay whole.
  Recorder quoted;
  quoted.replies
      ["ovs-vsctl --timeout=20 --db=unix:/run/hv1.db --if-exists get Interface vm1 "
       "external_ids"] = odd;
  rep = make_netns_driver(inv, &quoted)->move(*inv.vm("vm1"), *inv.node("hv1"), *inv.node("hv2"));
  REQUIRE(rep.ok());
  CHECK(quoted.issued[5] ==
        "ovs-vsctl --timeout=20 --db=unix:/run/hv2.db --may-exist add-port "
        R"(br-int vm1 -- set Interface vm1 external_ids={"a, b"="x\"y, z", )"
        "iface-id=lsp1}");
  // A port without external_ids is added as it was.
  Recorder plain;
  rep = make_netns_driver(inv, &plain)->move(*inv.vm("vm1"), *inv.node("hv1"), *inv.node("hv2"));
  REQUIRE(rep.ok());
  CHECK(plain.issued[5] ==
        "ovs-vsctl --timeout=20 --db=unix:/run/hv2.db --may-exist add-port "
        "br-int vm1");
}

TEST_CASE("netns driver: announce_rounds RARPs on QEMU's schedule", "[migrate]") {
  Inventory inv = ovn_inventory(3);
  Recorder r;
  auto d = make_netns_driver(inv, &r);
  auto rep = d->move(*inv.vm("vm1"), *inv.node("hv1"), *inv.node("hv2"));
  REQUIRE(rep.ok());
  const std::string rarp =
      "ip netns exec vm-ns pg send --iface eth0 --frame "
      "rarp(mac=02:00:00:00:00:01)";
  CHECK(std::count(r.issued.begin(), r.issued.end(), rarp) == 3);
  CHECK(r.issued.back() == rarp);
  CHECK(rep->detail == "");
}
