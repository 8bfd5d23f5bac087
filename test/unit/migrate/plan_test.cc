#include "tools/migrate/plan.h"

#include <algorithm>

#include <catch2/catch.hpp>

#include "test/unit/migrate/fixture.h"

using namespace ferry::migrate;

namespace {

const std::vector<std::string> kM0{"0a:00:00:00:00:10"};

std::vector<std::string> lines(const Plan& p) {
  std::vector<std::string> out;
  for (const Step& s : p.steps) {
    std::string l = s.label + " " + s.node + " " + s.apply.method;
    for (const std::string& a : s.apply.args) l += " " + a;
    if (!s.undo.empty()) {
      l += " | " + s.undo.method;
      for (const std::string& a : s.undo.args) l += " " + a;
    }
    out.push_back(l);
  }
  return out;
}

}  // namespace

TEST_CASE("plan 000: SEEDS 000 S404-S610 in order, with undo commands", "[migrate]") {
  Inventory inv = test::lab_inventory();
  auto p = build_plan(inv, "A0", "S1", "S2", kM0, {});
  REQUIRE(p.ok());
  CHECK(p->senders == std::vector<std::string>{"S3"});
  std::vector<std::string> expect = {
      "S406 F2 fdb/add br0 s2 0 0a:00:00:00:00:10 | fdb/del br0 0 0a:00:00:00:00:10",
      "S406 S3 fdb/add br0 u2 0 0a:00:00:00:00:10 | fdb/del br0 0 0a:00:00:00:00:10",
      "S408 S3 vmac/add-tx br0 02:00:00:00:00:a0 0a:00:00:00:00:10 | vmac/del $tx0_S3",
      "S410 S2 vmac/add-rx br0 0a:00:00:00:00:10 02:00:00:00:00:a0 | vmac/del $rx0",
      "S410 S2 fdb/del br0 0 02:00:00:00:00:a0 | fdb/add br0 u1 0 02:00:00:00:00:a0",
      "S412 S2 events/wait 0",
      "S414  move A0 S1 S2 | move A0 S2 S1",
      "S416 S2 first-frame br0 02:00:00:00:00:a0 $seq a0",
      "S418 S3 vmac/commit activate=$tx0_S3 | vmac/commit deactivate=$tx0_S3",
      "S416  move-wait A0 S1 S2",
      "S602 F1 fdb/del br0 0 02:00:00:00:00:a0",
      "S602 F2 fdb/del br0 0 02:00:00:00:00:a0",
      "S604 F1 fdb/add br0 s2 0 02:00:00:00:00:a0",
      "S604 F2 fdb/add br0 s2 0 02:00:00:00:00:a0",
      "S604 S1 fdb/add br0 u1 0 02:00:00:00:00:a0",
      "S604 S3 fdb/add br0 u1 0 02:00:00:00:00:a0",
      "S606 S3 vmac/del $tx0_S3",
      "S607 S2 drain br0 $rx0",
      "S608 S2 vmac/del $rx0",
      "S610 F2 fdb/del br0 0 0a:00:00:00:00:10",
      "S610 S3 fdb/del br0 0 0a:00:00:00:00:10",
  };
  CHECK(lines(*p) == expect);
  CHECK(p->point_of_no_return == 9);
  CHECK(p->steps[2].result_var == "tx0_S3");
  CHECK(p->steps[0].phase == "staging");
  CHECK(p->steps[6].phase == "transfer");
  CHECK(p->steps[8].phase == "cut-over");
  CHECK(p->steps[10].phase == "cleanup");
}

TEST_CASE("plan 000: without staging_fabric the staged path crosses the primary fabric switch",
          "[migrate]") {
  // The sender's stream then keeps its path at S418 and S606 (only the
  // destination MAC changes): nothing in flight can be overtaken.
  Inventory inv = test::lab_inventory();
  inv.staging_fabric.clear();
  auto p = build_plan(inv, "A0", "S1", "S2", kM0, {});
  REQUIRE(p.ok());
  auto l = lines(*p);
  CHECK(l[0] == "S406 F1 fdb/add br0 s2 0 0a:00:00:00:00:10 | fdb/del br0 0 0a:00:00:00:00:10");
  CHECK(l[1] == "S406 S3 fdb/add br0 u1 0 0a:00:00:00:00:10 | fdb/del br0 0 0a:00:00:00:00:10");
  CHECK(std::count(l.begin(), l.end(), "S604 S3 fdb/add br0 u1 0 02:00:00:00:00:a0") == 1);
  CHECK(std::count(l.begin(), l.end(), "S610 F1 fdb/del br0 0 0a:00:00:00:00:10") == 1);
  inv.primary_fabric = "F2";
  p = build_plan(inv, "A0", "S1", "S2", kM0, {});
  REQUIRE(p.ok());
  CHECK(lines(*p)[0] ==
        "S406 F2 fdb/add br0 s2 0 0a:00:00:00:00:10 | fdb/del br0 0 0a:00:00:00:00:10");
}

TEST_CASE("plan: variables resolve whole arguments and key=$var", "[migrate]") {
  Command c{"vmac/commit", {"activate=$tx", "$rx", "plain", "$missing"}};
  Command r = resolve(c, {{"tx", "4"}, {"rx", "7"}});
  CHECK(r.args == std::vector<std::string>{"activate=4", "7", "plain", "$missing"});
}

TEST_CASE("plan 000 with a VLAN: 001 add before, prune after", "[migrate]") {
  auto p = build_plan(test::lab_inventory(10), "A0", "S1", "S2", kM0, {});
  REQUIRE(p.ok());
  auto l = lines(*p);
  CHECK(l[0] == "001-add F1 vlan-add s2 10 | vlan-remove s2 10 $vlan0");
  CHECK(l[1] == "001-add F2 vlan-add s2 10 | vlan-remove s2 10 $vlan1");
  CHECK(l[2] == "001-add S2 vlan-add u1 10 | vlan-remove u1 10 $vlan2");
  CHECK(l[3] == "001-add S2 vlan-add u2 10 | vlan-remove u2 10 $vlan3");
  CHECK(l.back() == "001-prune F2 vlan-prune s1 10 S1 A0");
  CHECK(l[4] == "S406 F2 fdb/add br0 s2 10 0a:00:00:00:00:10 | fdb/del br0 10 0a:00:00:00:00:10");
}

TEST_CASE("plan 000-prio: two paths split by the priority threshold", "[migrate]") {
  PlanOptions o;
  o.name = "000-prio";
  o.priority_thresholds = {3};
  auto p = build_plan(test::lab_inventory(), "A0", "S1", "S2",
                      {"0a:00:00:00:00:10", "0a:00:00:00:00:11"}, o);
  REQUIRE(p.ok());
  auto l = lines(*p);
  CHECK(l[0] == "S406 F2 fdb/add br0 s2 0 0a:00:00:00:00:10 | fdb/del br0 0 0a:00:00:00:00:10");
  CHECK(l[2] == "S406 F1 fdb/add br0 s2 0 0a:00:00:00:00:11 | fdb/del br0 0 0a:00:00:00:00:11");
  CHECK(l[4] ==
        "S408 S3 vmac/add-tx br0 02:00:00:00:00:a0 0a:00:00:00:00:10 class=4-7 | vmac/del $tx0_S3");
  CHECK(l[6] ==
        "S408 S3 vmac/add-tx br0 02:00:00:00:00:a0 0a:00:00:00:00:11 class=0-3 | vmac/del $tx1_S3");
  bool found = false;
  for (const std::string& x : l)
    if (x ==
        "S418 S3 vmac/commit activate=$tx0_S3 activate=$tx1_S3 | vmac/commit "
        "deactivate=$tx0_S3 deactivate=$tx1_S3")
      found = true;
  CHECK(found);  // both classes switch in one commit
}

TEST_CASE("plan baseline: no staging, the fabric re-pointed after the move", "[migrate]") {
  PlanOptions o;
  o.name = "baseline";
  auto p = build_plan(test::lab_inventory(), "A0", "S1", "S2", {}, o);
  REQUIRE(p.ok());
  for (const Step& s : p->steps) CHECK(s.apply.method.rfind("vmac/", 0) != 0);
  CHECK(p->steps.front().apply.method == "fdb/del");  // the destination's static entry
  CHECK(p->steps[1].apply.method == "events/wait");
  CHECK(p->steps.back().label == "S604");
}

TEST_CASE("plan 003-dup: duplicate during the transfer, one path after", "[migrate]") {
  PlanOptions o;
  o.name = "003-dup";
  auto p = build_plan(test::lab_inventory(), "A0", "S1", "S2", kM0, o);
  REQUIRE(p.ok());
  auto l = lines(*p);
  CHECK(l[2] == "S408 S3 vmac/add-dup br0 02:00:00:00:00:a0 0a:00:00:00:00:10 | vmac/del $tx0_S3");
  CHECK(l[3] == "S408 S3 vmac/add-tx br0 02:00:00:00:00:a0 0a:00:00:00:00:10 | vmac/del $txp0_S3");
  CHECK(l[7] == "003-dup S3 vmac/activate $tx0_S3 | vmac/deactivate $tx0_S3");
  CHECK(l[11] ==
        "S418 S3 vmac/commit activate=$txp0_S3 deactivate=$tx0_S3 | vmac/commit "
        "deactivate=$txp0_S3 activate=$tx0_S3");
}

TEST_CASE("plan: bad requests are refused with their reason", "[migrate]") {
  Inventory inv = test::lab_inventory();
  CHECK(build_plan(inv, "A9", "S1", "S2", kM0, {}).error().message == "unknown VM \"A9\"");
  CHECK(build_plan(inv, "A0", "S1", "S1", kM0, {}).error().message == "A0 already runs on S1");
  CHECK(build_plan(inv, "A0", "S1", "F1", kM0, {}).error().message == "unknown host \"F1\"");
  CHECK(build_plan(inv, "A0", "S1", "S2", {}, {}).error().message ==
        "plan 000 needs 1 virtual MACs");
  PlanOptions o;
  o.name = "nope";
  CHECK(build_plan(inv, "A0", "S1", "S2", kM0, o).error().message ==
        "unknown plan \"nope\" (000, 000-prio, 003-dup, baseline)");
}

TEST_CASE("plan: steps survive the state database's JSON", "[migrate]") {
  auto p = build_plan(test::lab_inventory(), "A0", "S1", "S2", kM0, {});
  REQUIRE(p.ok());
  for (const Step& s : p->steps) {
    auto back = step_from_json(*ferry::rpc::parse_json(step_to_json(s).dump()));
    REQUIRE(back.ok());
    CHECK(step_to_json(*back) == step_to_json(s));
  }
}

TEST_CASE("plan paths (embodiment 3): one staged path per fabric switch, the first active",
          "[migrate]") {
  auto p = build_paths_plan(test::lab_inventory(), "A0", "S1",
                            {"0a:00:00:00:00:10", "0a:00:00:00:00:11"});
  REQUIRE(p.ok());
  CHECK(p->hold);
  auto l = lines(*p);
  REQUIRE(l.size() == 9);
  CHECK(l[0] == "E3-path F1 fdb/add br0 s1 0 0a:00:00:00:00:10 | fdb/del br0 0 0a:00:00:00:00:10");
  CHECK(l[1] == "E3-path S3 fdb/add br0 u1 0 0a:00:00:00:00:10 | fdb/del br0 0 0a:00:00:00:00:10");
  CHECK(l[2] == "E3-tx S3 vmac/add-tx br0 02:00:00:00:00:a0 0a:00:00:00:00:10 | vmac/del $tx0_S3");
  CHECK(l[3] == "E3-rx S1 vmac/add-rx br0 0a:00:00:00:00:10 02:00:00:00:00:a0 | vmac/del $rx0");
  CHECK(l[4] == "E3-path F2 fdb/add br0 s1 0 0a:00:00:00:00:11 | fdb/del br0 0 0a:00:00:00:00:11");
  CHECK(l[8] == "E3-activate S3 vmac/activate $tx0_S3 | vmac/deactivate $tx0_S3");
  CHECK(build_paths_plan(test::lab_inventory(), "A0", "S1", {"a", "b", "c"}).error().message ==
        "--candidates: 1 to 2 (one path per fabric switch)");
}

TEST_CASE("plan 003-dup with management addresses: a metered memory-transfer path", "[migrate]") {
  ferry::rpc::Json j = test::lab_inventory_json();
  for (auto& [k, v] : j.as_object())
    if (k == "hosts")
      for (size_t i = 0; i < v.as_array().size(); i++)
        v.as_array()[i].set("mgmt_ip", "192.0.2." + std::to_string(i + 1));
  j.set("transfer_kbps", 100000);
  auto inv = parse_inventory(j);
  REQUIRE(inv.ok());
  PlanOptions o;
  o.name = "003-dup";
  auto p = build_plan(*inv, "A0", "S1", "S2", kM0, o);
  REQUIRE(p.ok());
  auto l = lines(*p);
  const std::string match = "tcp,nw_src=192.0.2.1,nw_dst=192.0.2.2,tp_dst=49152";
  CHECK(std::count(l.begin(), l.end(),
                   "003-xfer S1 add-meter meter=49152,kbps,burst,stats,bands=type=drop,rate=100000,"
                   "burst_size=10000 | del-meter meter=49152") == 1);
  CHECK(std::count(l.begin(), l.end(),
                   "003-xfer S1 add-flow priority=500," + match +
                       ",actions=meter:49152,NORMAL | del-flows --strict priority=500," + match) ==
        1);
  CHECK(l[l.size() - 4] == "003-xfer S1 del-flows --strict priority=500," + match);
  CHECK(l[l.size() - 3] == "003-xfer S1 del-meter meter=49152");
}

TEST_CASE("plan baseline without a fabric: only the move (hosts whose network re-points itself)",
          "[migrate]") {
  auto j = ferry::rpc::parse_json(R"({
    "hosts": [{"name": "hv1", "ctl": "/run/hv1.ctl", "bridge": "br-int", "netns": "ns1"},
              {"name": "hv2", "ctl": "/run/hv2.ctl", "bridge": "br-int", "netns": "ns2"}],
    "vms": [{"name": "vm1", "mac": "02:00:00:00:00:01", "host": "hv1", "port": "vm1"},
            {"name": "vm2", "mac": "02:00:00:00:00:02", "host": "hv2", "port": "vm2"}],
    "flows": [{"from": "vm2", "to": "vm1"}]})");
  REQUIRE(j.ok());
  auto inv = parse_inventory(*j);
  REQUIRE(inv.ok());
  PlanOptions o;
  o.name = "baseline";
  auto p = build_plan(*inv, "vm1", "hv1", "hv2", {}, o);
  REQUIRE(p.ok());
  CHECK(lines(*p) == std::vector<std::string>{
                         "S412 hv2 events/wait 0",
                         "S414  move vm1 hv1 hv2 | move vm1 hv2 hv1",
                         "S416 hv2 first-frame br-int 02:00:00:00:00:01 $seq vm1",
                         "S416  move-wait vm1 hv1 hv2",
                     });
  // The plans that stage paths need one.
  CHECK(build_plan(*inv, "vm1", "hv1", "hv2", kM0, {}).error().message ==
        "plan 000: the inventory has no fabric switch");
}

TEST_CASE("plan set: SEEDS 001 scheduled set, VLANs added first, pruned last", "[migrate]") {
  Inventory inv = test::lab_inventory(10);
  inv.vms[1].vlan = 10;
  PlanOptions o;
  auto p = build_set_plan(inv, {{"A0", "S1", "S2"}, {"A1", "S3", "S1"}}, "set-1", o);
  REQUIRE(p.ok());
  auto l = lines(*p);
  std::vector<std::string> expect = {
      "001-add F1 vlan-add s2 10 | vlan-remove s2 10 $vlan0",
      "001-add F2 vlan-add s2 10 | vlan-remove s2 10 $vlan1",
      "001-add S2 vlan-add u1 10 | vlan-remove u1 10 $vlan2",
      "001-add S2 vlan-add u2 10 | vlan-remove u2 10 $vlan3",
      "001-add F1 vlan-add s1 10 | vlan-remove s1 10 $vlan4",
      "001-add F2 vlan-add s1 10 | vlan-remove s1 10 $vlan5",
      "001-add S1 vlan-add u1 10 | vlan-remove u1 10 $vlan6",
      "001-add S1 vlan-add u2 10 | vlan-remove u2 10 $vlan7",
      "001-set  migrate A0 S1 S2 000 3 set-1",
      "001-set  migrate A1 S3 S1 000 3 set-1",
      "001-prune F1 vlan-prune s1 10 S1 A0 $mv0",
      "001-prune F2 vlan-prune s1 10 S1 A0 $mv0",
      "001-prune F1 vlan-prune s3 10 S3 A1 $mv1",
      "001-prune F2 vlan-prune s3 10 S3 A1 $mv1",
      "001-unadd F1 vlan-unadd s2 10 S2  $vlan0",
      "001-unadd F2 vlan-unadd s2 10 S2  $vlan1",
      "001-unadd S2 vlan-unadd u1 10 S2  $vlan2",
      "001-unadd S2 vlan-unadd u2 10 S2  $vlan3",
      "001-unadd F1 vlan-unadd s1 10 S1  $vlan4",
      "001-unadd F2 vlan-unadd s1 10 S1  $vlan5",
      "001-unadd S1 vlan-unadd u1 10 S1  $vlan6",
      "001-unadd S1 vlan-unadd u2 10 S1  $vlan7",
  };
  CHECK(l == expect);
  // The first migration started is the set's point of no return.
  CHECK(p->point_of_no_return == 8);
  CHECK(p->steps[8].kind == StepKind::kMigrate);
  CHECK(p->steps[8].result_var == "mv0");
  // Each migration of the set leaves the VLANs to the set.
  o.vlans_by_set = true;
  auto one = build_plan(inv, "A0", "S1", "S2", kM0, o);
  REQUIRE(one.ok());
  for (const Step& s : one->steps) CHECK(s.label.rfind("001", 0) != 0);
  // Two VMs swapping hosts (embodiment 4): each addition once.
  auto swap = build_set_plan(inv, {{"A0", "S1", "S3"}, {"A1", "S3", "S1"}}, "set-2", {});
  REQUIRE(swap.ok());
  CHECK(std::count_if(swap->steps.begin(), swap->steps.end(),
                      [](const Step& s) { return s.label == "001-add"; }) == 8);
  // Bad input names the problem.
  auto twice = build_set_plan(inv, {{"A0", "S1", "S2"}, {"A0", "S2", "S3"}}, "set-3", {});
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().message == "A0 is twice in the set");
  auto nowhere = build_set_plan(inv, {{"A0", "S1", "F1"}}, "set-4", {});
  REQUIRE_FALSE(nowhere.ok());
  CHECK(nowhere.error().message == "unknown host \"F1\"");
  CHECK_FALSE(build_set_plan(inv, {}, "set-5", {}).ok());
}

TEST_CASE("plan retained: the path back kept, reused by the migration back", "[migrate]") {
  Inventory inv = test::lab_inventory();
  auto kept = build_retained_plan(inv, "A0", "S2", "S1", "0a:00:00:00:00:11");
  REQUIRE(kept.ok());
  CHECK(kept->hold);
  CHECK(kept->name == "retained");
  std::vector<std::string> expect = {
      "S406 F2 fdb/add br0 s1 0 0a:00:00:00:00:11 | fdb/del br0 0 0a:00:00:00:00:11",
      "S406 S3 fdb/add br0 u2 0 0a:00:00:00:00:11 | fdb/del br0 0 0a:00:00:00:00:11",
      "S408 S3 vmac/add-tx br0 02:00:00:00:00:a0 0a:00:00:00:00:11 | vmac/del $tx0_S3",
      "S410 S1 vmac/add-rx br0 0a:00:00:00:00:11 02:00:00:00:00:a0 | vmac/del $rx0",
  };
  CHECK(lines(*kept) == expect);
  std::vector<std::string> replies{"ok", "ok", "7", "9"};
  // The migration back with the same vMAC starts with exactly these steps.
  auto back = build_plan(inv, "A0", "S2", "S1", {"0a:00:00:00:00:11"}, {});
  REQUIRE(back.ok());
  auto reused = reusable_steps(*kept, replies, *back);
  REQUIRE(reused.size() == 4);
  CHECK(reused.at(2) == "7");
  CHECK(reused.at(3) == "9");
  // Another destination or another vMAC: nothing to reuse.
  auto elsewhere = build_plan(inv, "A0", "S2", "S3", {"0a:00:00:00:00:11"}, {});
  REQUIRE(elsewhere.ok());
  CHECK(reusable_steps(*kept, replies, *elsewhere).empty());
  auto other = build_plan(inv, "A0", "S2", "S1", {"0a:00:00:00:00:12"}, {});
  REQUIRE(other.ok());
  CHECK(reusable_steps(*kept, replies, *other).empty());
}

TEST_CASE("plan 000-prio: three priority classes, three paths, counters read first", "[migrate]") {
  PlanOptions o;
  o.name = "000-prio";
  o.priority_thresholds = {2, 4};
  CHECK(vmacs_needed(o.name, o.priority_thresholds.size()) == 3);
  auto p = build_plan(test::lab_inventory(), "A0", "S1", "S2",
                      {"0a:00:00:00:00:10", "0a:00:00:00:00:11", "0a:00:00:00:00:12"}, o);
  REQUIRE(p.ok());
  std::vector<std::string> tx;
  bool counters_before_del = false, counted = false;
  for (const std::string& x : lines(*p)) {
    if (x.rfind("S408 S3", 0) == 0) tx.push_back(x);
    if (x == "S605 S3 vmac/show br0 --format json") counted = true;
    if (x.rfind("S606 S3", 0) == 0) counters_before_del = counted;
  }
  CHECK(tx == std::vector<std::string>{
                  "S408 S3 vmac/add-tx br0 02:00:00:00:00:a0 0a:00:00:00:00:10 class=5-7 | "
                  "vmac/del $tx0_S3",
                  "S408 S3 vmac/add-tx br0 02:00:00:00:00:a0 0a:00:00:00:00:11 class=3-4 | "
                  "vmac/del $tx1_S3",
                  "S408 S3 vmac/add-tx br0 02:00:00:00:00:a0 0a:00:00:00:00:12 class=0-2 | "
                  "vmac/del $tx2_S3"});
  CHECK(counters_before_del);
  // The paths alternate between the staging switch (F2 here) and the other.
  auto l = lines(*p);
  CHECK(std::count(
            l.begin(), l.end(),
            "S406 F2 fdb/add br0 s2 0 0a:00:00:00:00:12 | fdb/del br0 0 0a:00:00:00:00:12") == 1);
  CHECK(std::count(
            l.begin(), l.end(),
            "S406 F1 fdb/add br0 s2 0 0a:00:00:00:00:11 | fdb/del br0 0 0a:00:00:00:00:11") == 1);
  // Bad thresholds are named.
  CHECK(parse_thresholds("2,4").value() == std::vector<int>{2, 4});
  CHECK(parse_thresholds("4,2").error().message == "priority thresholds must increase (4,2)");
  CHECK(parse_thresholds("7").error().message == "priority threshold \"7\": a number 0 to 6");
  o.priority_thresholds = {4, 4};
  CHECK_FALSE(build_plan(test::lab_inventory(), "A0", "S1", "S2",
                         {"0a:00:00:00:00:10", "0a:00:00:00:00:11", "0a:00:00:00:00:12"}, o)
                  .ok());
}
