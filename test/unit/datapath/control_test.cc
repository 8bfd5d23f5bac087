// The control side of a running Datapath: megaflow caching, flow changes
// published with commit_and_sync(), packet-out (execute) and ofproto/trace.
#include <cstring>

#include <catch2/catch.hpp>

#include "datapath/megaflow_cache.h"
#include "datapath/trace.h"
#include "lib/packet/builder.h"
#include "lib/packet/parser.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {
namespace {

const Mac kA = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
const Mac kB = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
const Mac kX = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};

Frame udp(const Mac& dst, const Mac& src, uint16_t sport = 1000) {
  return FrameBuilder()
      .eth(dst, src)
      .ipv4(ip4(10, 1, 0, 1), ip4(10, 1, 0, 2))
      .udp(sport, 53)
      .payload_size(30)
      .pad_to(0)
      .build();
}

Match in_port(uint32_t p) { return Match().set_in_port(p); }

FlowKey key_of(const Frame& f, uint32_t in_port) {
  FlowKey k;
  REQUIRE(parse_frame(f.data(), static_cast<uint32_t>(f.size()), in_port, &k) == ParseStatus::kOk);
  return k;
}

const Rule* rule_for(FlowTable& ft, uint32_t port) {
  for (const RulePtr& r : ft.all_rules()) {
    if (r->match.key.in_port == port) return r.get();
  }
  FAIL("no rule for in_port " << port);
  return nullptr;
}

}  // namespace

TEST_CASE("the first packet of a flow misses, the next ones hit the megaflow", "[dpdk][megaflow]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  // IPv4 rules: the answer depends on more than the port, so megaflows.
  h.add_flow(in_port(1).set_dl_type(kEthTypeIpv4), 100, {Action::output(2)});
  h.add_flow(in_port(2).set_dl_type(kEthTypeIpv4), 100, {Action::output(1)});

  // Different MACs and ports: the classifier consulted in_port and dl_type.
  std::vector<Frame> frames = {udp(kB, kA, 1), udp(kB, kA, 2), udp(kA, kB, 3), udp(kX, kX, 4)};
  for (const Frame& f : frames) h.send(1, f);
  CHECK(h.recv(2, 4) == frames);
  h.quiesce();
  const PmdCounters& c = h.counters();
  CHECK(c.megaflow_misses.get() == 1);
  CHECK(c.megaflow_hits.get() == 3);
  CHECK(c.subtable_lookups.get() == 3);
  CHECK(c.megaflow_install_fail.get() == 0);

  auto caches = h.dp().megaflow_caches(h.slot());
  REQUIRE(caches.size() == 1);
  std::vector<MegaflowCache::EntryCopy> entries;
  caches[0]->for_each([&](const MegaflowCache::EntryCopy& e) { entries.push_back(e); });
  REQUIRE(entries.size() == 1);
  FlowKey k = zero_key();
  k.in_port = 1;
  k.dl_type = be16(kEthTypeIpv4);
  FlowKey m = zero_key();
  m.in_port = UINT32_MAX;
  m.recirc_id = UINT32_MAX;  // every megaflow matches its recirculation point
  m.dl_type = 0xffff;
  CHECK(entries[0].key == k);
  CHECK(entries[0].mask == m);
  CHECK(entries[0].cls.rule == rule_for(h.flows(), 1));
  CHECK(entries[0].packets == 4);
  CHECK(entries[0].bytes == 4 * frames[0].size());
  CHECK(rule_for(h.flows(), 1)->stats->total_packets() == 4);
  CHECK(rule_for(h.flows(), 1)->stats->total_bytes() == 4 * frames[0].size());

  // Another input port is another megaflow.
  h.send(2, frames[0]);
  CHECK(h.recv(1, 1).size() == 1);
  h.quiesce();
  CHECK(c.megaflow_misses.get() == 2);
  CHECK(c.megaflow_hits.get() == 3);
  CHECK(caches[0]->size() == 2);
}

TEST_CASE("after commit_and_sync the very next frame uses the new actions", "[dpdk][megaflow]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  Frame f = udp(kB, kA);
  for (int round = 0; round < 6; round++) {
    uint32_t to = round % 2 ? 3 : 2;
    uint32_t other = round % 2 ? 2 : 3;
    INFO("round " << round);
    h.add_flow(in_port(1), 100, {Action::output(to)});  // replaces the previous actions
    REQUIRE(h.flows().size() == 1);
    h.send(1, f);
    CHECK(h.recv(to, 1) == std::vector<Frame>{f});
    h.quiesce();
    CHECK(h.take(other).empty());
    CHECK(h.take(1).empty());
    CHECK(h.counters().simple_hits.get() == static_cast<uint64_t>(round + 1));
  }
  CHECK(h.counters().megaflow_hits.get() == 0);
  CHECK(h.counters().total_drops() == 0);
}

TEST_CASE("execute (packet-out) sends from the control thread", "[dpdk][execute]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  Datapath& dp = h.dp();
  Frame f = udp(kB, kA);

  REQUIRE(dp.execute(h.slot(), kOfppNone, f.data(), f.size(), {Action::output(2)}).ok());
  CHECK(h.recv(2, 1) == std::vector<Frame>{f});
  CHECK(dp.control_counters().tx_packets.get() == 1);

  REQUIRE(dp.execute(h.slot(), kOfppNone, f.data(), f.size(),
                     {Action::set_eth_dst(kX), Action::output(1), Action::output(3)})
              .ok());
  CHECK(h.recv(1, 1) == std::vector<Frame>{udp(kX, kA)});
  CHECK(h.recv(3, 1) == std::vector<Frame>{udp(kX, kA)});

  REQUIRE(dp.execute(h.slot(), 2, f.data(), f.size(), {Action::output(kOfppInPort)}).ok());
  CHECK(h.recv(2, 1) == std::vector<Frame>{f});

  // NORMAL from port 1: floods, and learns at once on the control thread.
  REQUIRE(dp.execute(h.slot(), 1, f.data(), f.size(), {Action::output(kOfppNormal)}).ok());
  CHECK(h.recv(2, 1) == std::vector<Frame>{f});
  CHECK(h.recv(3, 1) == std::vector<Frame>{f});
  REQUIRE(h.fdb().find(0, kA));
  CHECK(h.fdb().find(0, kA)->ofport == 1);

  // NORMAL needs an input port.
  REQUIRE(dp.execute(h.slot(), kOfppNone, f.data(), f.size(), {Action::output(kOfppNormal)}).ok());
  CHECK(dp.control_counters().drops[static_cast<size_t>(DropReason::kBadOutPort)].get() == 1);

  Status bad_port = dp.execute(h.slot(), 9, f.data(), f.size(), {Action::output(2)});
  CHECK_FALSE(bad_port.ok());
  CHECK(bad_port.error().code == EINVAL);
  Frame runt(10, 0xff);
  Status runt_st = dp.execute(h.slot(), kOfppNone, runt.data(), runt.size(), {Action::output(2)});
  CHECK_FALSE(runt_st.ok());
  CHECK(runt_st.error().message == "malformed packet: rx_runt");
  CHECK_FALSE(dp.execute(h.slot() + 1, kOfppNone, f.data(), f.size(), {Action::output(2)}).ok());

  h.quiesce();
  for (uint32_t p = 1; p <= 3; p++) CHECK(h.take(p).empty());
  CHECK(dp.control_counters().tx_packets.get() == 6);
  CHECK(h.counters().rx_packets.get() == 0);  // the PMD saw none of it
}

TEST_CASE("trace_packet reports what would be sent and sends nothing", "[dpdk][trace]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(in_port(1), 100, {Action::set_eth_dst(kX), Action::output(2), Action::output(3)},
             0x1234);
  h.add_flow(in_port(2), 50, {Action::output(kOfppNormal)});
  auto pool = h.dp().control_pool();
  REQUIRE(pool.ok());
  const DpSnapshot* snap = h.dp().snapshot();
  REQUIRE(snap);
  Frame f = udp(kB, kA);

  auto tr = trace_packet(*snap, h.slot(), key_of(f, 1), f, *pool);
  REQUIRE(tr.ok());
  CHECK(tr->matched);
  CHECK(tr->priority == 100);
  CHECK(tr->cookie == 0x1234);
  CHECK(tr->actions == ActionList{Action::set_eth_dst(kX), Action::output(2), Action::output(3)});
  CHECK(tr->wildcards.in_port == UINT32_MAX);
  REQUIRE(tr->outputs.size() == 2);
  CHECK(tr->outputs[0].ofport == 2);
  CHECK(tr->outputs[0].port == "p2");
  CHECK(tr->outputs[0].frame == udp(kX, kA));
  CHECK(tr->outputs[1].ofport == 3);
  CHECK(tr->outputs[1].port == "p3");
  CHECK(tr->outputs[1].frame == udp(kX, kA));
  CHECK(tr->drops.empty());

  // NORMAL floods an unknown destination and learns nothing.
  auto normal = trace_packet(*snap, h.slot(), key_of(f, 2), f, *pool);
  REQUIRE(normal.ok());
  CHECK(normal->priority == 50);
  REQUIRE(normal->outputs.size() == 2);
  CHECK(normal->outputs[0].ofport == 1);
  CHECK(normal->outputs[0].frame == f);
  CHECK(normal->outputs[1].ofport == 3);
  CHECK(normal->outputs[1].frame == f);

  auto miss = trace_packet(*snap, h.slot(), key_of(f, 3), f, *pool);
  REQUIRE(miss.ok());
  CHECK_FALSE(miss->matched);
  CHECK(miss->outputs.empty());
  CHECK(miss->drops == std::vector<std::string>{"flow_table_miss"});

  auto no_bridge = trace_packet(*snap, h.slot() + 1, key_of(f, 1), f, *pool);
  CHECK_FALSE(no_bridge.ok());

  h.learn();
  CHECK(h.fdb().size() == 0);
  for (uint32_t p = 1; p <= 3; p++) CHECK(h.take(p).empty());
  CHECK(h.counters().rx_packets.get() == 0);
  CHECK(h.counters().total_drops() == 0);
  CHECK(h.dp().control_counters().tx_packets.get() == 0);
  CHECK(h.dp().control_counters().total_drops() == 0);
  CHECK(rule_for(h.flows(), 1)->stats->total_packets() == 0);
}

// trace.h: a trace "learns nothing and counts nothing". The MAC's last-seen
// time is the FDB's aging clock; a trace must not move it.
TEST_CASE("trace_packet leaves the FDB's last-seen times alone", "[dpdk][trace][fdb]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(Match::catchall(), 0, {Action::output(kOfppNormal)});
  REQUIRE(h.fdb().learn(0, kA, 1, 100));
  CHECK_FALSE(h.fdb().learn(0, kA, 1, 200));  // seen again at 200
  REQUIRE(h.fdb().find(0, kA)->last_seen_s() == 200);
  h.dp().commit_and_sync();

  auto pool = h.dp().control_pool();
  REQUIRE(pool.ok());
  Frame f = udp(kB, kA);
  auto tr = trace_packet(*h.dp().snapshot(), h.slot(), key_of(f, 1), f, *pool);
  REQUIRE(tr.ok());
  CHECK(tr->outputs.size() == 1);
  CHECK(h.fdb().find(0, kA)->last_seen_s() == 200);
}

TEST_CASE("simple match: rules on the input port only skip key extraction and lookup",
          "[dpdk][simple]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  Mac to{0x02, 0, 0, 0, 0, 0x77};
  h.add_flow(in_port(1), 100, {Action::set_eth_dst(to), Action::output(2)});
  Frame f = udp(kB, kA, 9);
  Frame want = f;
  std::memcpy(want.data(), to.data(), 6);
  for (int i = 0; i < 5; i++) h.send(1, f);
  h.send(1, Frame(13, 0x01));  // a runt is still refused
  CHECK(h.recv(2, 5) == std::vector<Frame>(5, want));
  h.quiesce();
  const PmdCounters& c = h.counters();
  CHECK(c.simple_hits.get() == 5);
  CHECK(c.megaflow_misses.get() == 0);
  CHECK(c.megaflow_hits.get() == 0);
  CHECK(h.drops("rx_runt") == 1);
  CHECK(rule_for(h.flows(), 1)->stats->total_packets() == 5);
  CHECK(rule_for(h.flows(), 1)->stats->total_bytes() == 5 * f.size());

  // A rule on more than the port in reach turns the port back to megaflows.
  h.add_flow(in_port(1).set_dl_type(kEthTypeIpv4), 200, {Action::output(3)});
  h.send(1, f);
  CHECK(h.recv(3, 1) == std::vector<Frame>{f});
  h.quiesce();
  CHECK(c.simple_hits.get() == 5);
  CHECK(c.megaflow_misses.get() == 1);
}

}  // namespace ferry::test
