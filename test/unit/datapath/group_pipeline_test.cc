// Groups on a running Datapath: exact frames out of each bucket, group and
// bucket counters from cached megaflows, a select group's connections
// staying on their bucket, and fast_failover following a new snapshot of
// port liveness.
#include <catch2/catch.hpp>

#include "lib/packet/builder.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {
namespace {

const Mac kA = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
const Mac kB = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
const Mac kX = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};

Frame tcp(uint32_t src, uint16_t sport, const Mac& dst = kB) {
  return FrameBuilder()
      .eth(dst, kA)
      .ipv4(src, ip4(10, 0, 0, 2))
      .tcp(sport, 80, kTcpSyn, 1, 0)
      .payload("groups")
      .build();
}

Bucket bucket(uint32_t id, ActionList acts, uint16_t weight = 0, uint32_t watch = kOfppNone) {
  Bucket b;
  b.id = id;
  b.actions = std::move(acts);
  b.weight = weight;
  b.watch_port = watch;
  return b;
}

struct Groups {
  GroupTable table;
  void add(uint32_t id, GroupType type, std::vector<Bucket> buckets) {
    GroupMod gm;
    gm.group_id = id;
    gm.type = type;
    gm.buckets = std::move(buckets);
    REQUIRE(table.apply(gm, 0).ok());
  }
  void publish(DpHarness& h, std::vector<uint32_t> live = {1, 2, 3, 4}) {
    h.dp().set_bridge_groups(h.slot(), table.snapshot(std::move(live)));
    h.dp().commit_and_sync();
  }
};

}  // namespace

TEST_CASE("an all group: a copy per bucket, counters per bucket", "[dpdk][group]") {
  DpHarness h(4);
  if (!h.ok()) FAIL(h.error());
  Groups g;
  g.add(1, GroupType::kAll,
        {bucket(0, {Action::output(2)}), bucket(1, {Action::set_eth_dst(kX), Action::output(3)})});
  g.publish(h);
  auto rule = h.add_flow_in(0, Match().set_in_port(1), 100, {Action::group(1), Action::output(4)});
  const Frame in = tcp(ip4(10, 0, 0, 1), 1000);
  for (int i = 0; i < 3; i++) h.send(1, in);
  auto at2 = h.recv(2, 3);
  auto at3 = h.recv(3, 3);
  auto at4 = h.recv(4, 3);
  REQUIRE(at2.size() == 3);
  REQUIRE(at3.size() == 3);
  REQUIRE(at4.size() == 3);
  CHECK(at2[0] == in);
  CHECK(at3[0] == tcp(ip4(10, 0, 0, 1), 1000, kX));
  CHECK(at4[0] == in);  // the flow's own output: the packet as the group left it
  h.quiesce();
  const GroupStats& s = *g.table.find(1)->stats;
  CHECK(s.packets() == 3);
  CHECK(s.bytes() == 3 * in.size());
  CHECK(s.packets(0) == 3);
  CHECK(s.packets(1) == 3);
  CHECK(rule->total_packets() == 3);
  CHECK(h.sum(&PmdCounters::megaflow_misses) == 1);  // one translation, cached
}

TEST_CASE("a select group keeps each connection on one bucket", "[dpdk][group]") {
  DpHarness h(4);
  if (!h.ok()) FAIL(h.error());
  Groups g;
  g.add(1, GroupType::kSelect,
        {bucket(0, {Action::output(2)}, 1), bucket(1, {Action::output(3)}, 1),
         bucket(2, {Action::output(4)}, 1)});
  g.publish(h);
  h.add_flow_in(0, Match().set_in_port(1), 100, {Action::group(1)});
  for (uint32_t i = 1; i <= 30; i++) h.send(1, tcp(ip4(10, 0, 1, i), 1000));
  for (int i = 0; i < 5; i++) h.send(1, tcp(ip4(10, 0, 1, 1), 1000));  // one connection again
  h.quiesce();
  std::vector<Frame> got[3] = {h.take(2), h.take(3), h.take(4)};
  CHECK(got[0].size() + got[1].size() + got[2].size() == 35);
  int used = 0, holder = 0;
  for (int p = 0; p < 3; p++) {
    used += !got[p].empty();
    holder += std::count(got[p].begin(), got[p].end(), tcp(ip4(10, 0, 1, 1), 1000)) == 6;
  }
  CHECK(used >= 2);
  CHECK(holder == 1);  // all six frames of 10.0.1.1 on one port
  const GroupStats& s = *g.table.find(1)->stats;
  CHECK(s.packets() == 35);
  CHECK(s.packets(0) + s.packets(1) + s.packets(2) == 35);
}

TEST_CASE("fast_failover follows the published port liveness", "[dpdk][group]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  Groups g;
  g.add(1, GroupType::kFastFailover,
        {bucket(0, {Action::output(2)}, 0, 2), bucket(1, {Action::output(3)}, 0, 3)});
  g.publish(h);
  h.add_flow_in(0, Match().set_in_port(1), 100, {Action::group(1)});
  const Frame in = tcp(ip4(10, 0, 0, 1), 1000);
  h.send(1, in);
  CHECK(h.recv(2, 1).size() == 1);
  g.publish(h, {1, 3});  // port 2's link went down: the cached answer goes
  h.send(1, in);
  CHECK(h.recv(3, 1).size() == 1);
  g.publish(h, {1});  // no live bucket: dropped
  h.send(1, in);
  h.quiesce();
  CHECK(h.take(2).empty());
  CHECK(h.take(3).empty());
  const GroupStats& s = *g.table.find(1)->stats;
  CHECK(s.packets(0) == 1);
  CHECK(s.packets(1) == 1);
  CHECK(s.packets() == 2);
}

}  // namespace ferry::test
