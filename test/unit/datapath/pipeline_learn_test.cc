// Conjunctions, the action set and learn on a running Datapath: exact
// frames out, and learned flows that reach the PMD only through the
// control thread (Upcall::kFlowLearn, datapath/learn_runner.h).
#include <rte_mbuf.h>

#include <catch2/catch.hpp>

#include "datapath/learn_runner.h"
#include "lib/flow/field.h"
#include "lib/flow/learn.h"
#include "lib/packet/builder.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {
namespace {

const Mac kA = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
const Mac kB = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
const Mac kX = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};

Frame frame(const Mac& dst, const Mac& src, uint16_t dport = 80) {
  return FrameBuilder()
      .eth(dst, src)
      .ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2))
      .tcp(40000, dport, kTcpSyn, 7, 9)
      .payload("learn")
      .build();
}

uint8_t f(Field x) { return static_cast<uint8_t>(x); }

// The control thread's part: what the PMDs asked to learn, applied to the
// harness's flow table and published.
size_t run_control_learns(DpHarness& h) {
  h.quiesce();
  h.dp().run();
  size_t n = 0;
  const DpBridge* br = nullptr;
  for (const DpBridge& b : h.dp().snapshot()->bridges) {
    if (b.slot == h.slot()) br = &b;
  }
  REQUIRE(br);
  for (PacketUpcall& up : h.dp().take_packet_upcalls()) {
    if (up.type != Upcall::kFlowLearn) continue;
    FlowKey key;
    REQUIRE(rte_pktmbuf_data_len(up.pkt.get()) == sizeof key);
    std::memcpy(&key, rte_pktmbuf_mtod(up.pkt.get(), const void*), sizeof key);
    for (const LearnedFlow& lf : run_learns(*br, key)) {
      REQUIRE(apply_learned(h.flows(), lf.fm, lf.limit, 0).ok());
      n++;
    }
  }
  h.publish_flows();
  return n;
}

}  // namespace

TEST_CASE("MAC learning with learn(): the reply goes to the learned port", "[dpdk][learn]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  // Table 0 learns "dl_dst=<src> -> output:<in_port>" into table 10 and
  // resubmits there; table 10 floods what it does not know.
  LearnParams p;
  p.table = 10;
  p.priority = 50;
  ActionList acts{learn_header(p, 2),
                  learn_spec(LearnDst::kMatch, f(Field::kEthSrc), 0, 0, f(Field::kEthDst), 0, 48),
                  learn_spec(LearnDst::kOutput, f(Field::kInPort), 0, 0, 0, 0, 16),
                  Action::resubmit(kOfppInPort, 10)};
  auto learner = h.add_flow_in(0, Match(), 10, acts);
  h.add_flow_in(10, Match(), 1, {Action::output(kOfppFlood)});

  h.send(1, frame(kB, kA));  // A on port 1 -> B: flooded to 2 and 3
  CHECK(h.recv(2, 1).size() == 1);
  CHECK(h.recv(3, 1).size() == 1);
  CHECK(h.flows().size() == 2);  // the PMD changed nothing
  CHECK(run_control_learns(h) == 1);
  REQUIRE(h.flows().size() == 3);

  h.send(2, frame(kA, kB));  // B -> A: only to port 1 now
  auto out = h.recv(1, 1);
  REQUIRE(out.size() == 1);
  CHECK(out[0] == frame(kA, kB));
  h.quiesce();
  CHECK(h.take(3).empty());
  CHECK(learner->total_packets() == 2);
  // The learned flow matches dl_dst only.
  RulePtr learned;
  for (const RulePtr& r : h.flows().all_rules()) {
    if (r->table_id == 10 && r->priority == 50) learned = r;
  }
  REQUIRE(learned);
  CHECK(learned->match == Match().set_dl_dst(kA));
  CHECK(*learned->actions == ActionList{Action::output(1)});
  // B was learned from the second frame.
  CHECK(run_control_learns(h) == 1);
  CHECK(h.flows().size() == 4);
}

TEST_CASE("conjunction and conj_id on the datapath", "[dpdk][conjunction]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  Match c1;
  c1.key.conj_id = 3;
  c1.mask.conj_id = UINT32_MAX;
  h.add_flow(c1, 100, {Action::output(2)});
  h.add_flow(Match().set_dl_src(kA), 100, {Action::conjunction(3, 0, 2)});
  h.add_flow(Match().set_dl_type(0x0800).set_nw_proto(6).set_tp_dst(80), 100,
             {Action::conjunction(3, 1, 2)});
  h.add_flow(Match(), 1, {Action::output(3)});
  h.send(1, frame(kB, kA, 80));  // both clauses
  h.send(1, frame(kB, kA, 81));  // one
  h.send(1, frame(kB, kX, 80));  // the other
  CHECK(h.recv(2, 1).size() == 1);
  CHECK(h.recv(3, 2).size() == 2);
  h.quiesce();
  CHECK(h.take(2).empty());
  CHECK(h.sum(&PmdCounters::megaflow_misses) == 3);
}

TEST_CASE("write_actions: the action set rewrites and outputs last", "[dpdk][pipeline]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  h.add_flow_in(0, Match(), 10,
                {Action::write_actions(2), Action::set_eth_dst(kX), Action::output(3),
                 Action::output(2), Action::goto_table(1)});
  h.add_flow_in(1, Match(), 10, {});
  h.send(1, frame(kB, kA));
  auto at2 = h.recv(2, 1);
  auto at3 = h.recv(3, 1);
  REQUIRE(at2.size() == 1);
  REQUIRE(at3.size() == 1);
  CHECK(at2[0] == frame(kB, kA));
  CHECK(at3[0] == frame(kX, kA));
}

}  // namespace ferry::test
