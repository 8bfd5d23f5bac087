// The libvirt driver cannot run here: check the commands it issues.
#include "tools/migrate/driver.h"

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
