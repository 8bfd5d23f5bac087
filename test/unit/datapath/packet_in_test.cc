// Packet-ins from a running Datapath: output to CONTROLLER and
// controller(...) become a copy of the packet as it is at that point plus
// the pipeline's state (table, cookie, registers, metadata, userdata), handed
// to the control thread; table misses do the same while the bridge wants
// them (a controller speaking OpenFlow < 1.3), and drop otherwise.
#include "datapath/packet_in.h"

#include <cstring>

#include <catch2/catch.hpp>

#include "lib/flow/field.h"
#include "lib/packet/builder.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {
namespace {

const Mac kA = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
const Mac kB = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
const Mac kX = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};

Frame tcp(const Mac& dst) {
  return FrameBuilder()
      .eth(dst, kA)
      .ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2))
      .tcp(40000, 80, kTcpSyn, 7, 9)
      .payload("to the controller")
      .build();
}

Match in_port(uint32_t p) { return Match().set_in_port(p); }

struct Got {
  PacketInRecord rec;
  Frame userdata;
  Frame packet;
  std::vector<Action> cont;
};

// The packet-ins the PMD handed up since the last call.
std::vector<Got> packet_ins(DpHarness& h) {
  h.quiesce();
  h.dp().run();
  std::vector<Got> out;
  for (PacketUpcall& up : h.dp().take_packet_upcalls()) {
    if (up.type != Upcall::kPacketIn) continue;
    PacketInView v;
    REQUIRE(parse_packet_in(up.pkt.get(), &v));
    std::vector<Action> cont(v.rec.n_cont);
    if (!cont.empty()) std::memcpy(cont.data(), v.cont, cont.size() * sizeof(Action));
    out.push_back(Got{v.rec, Frame(v.userdata, v.userdata + v.rec.userdata_len),
                      Frame(v.packet, v.packet + v.packet_len), std::move(cont)});
  }
  return out;
}

ActionList controller_with_userdata(const std::vector<uint8_t>& ud, uint16_t id) {
  Action c = Action::output(kOfppController, 0xffff);
  c.type = ActionType::kController;
  c.u8 = static_cast<uint8_t>(PacketInReason::kAction);
  c.port = id;
  c.mac[0] = static_cast<uint8_t>(ud.size());
  c.mac[1] = 0;
  ActionList l{c};
  for (size_t i = 0; i < ud.size(); i += kActionDataBytes)
    l.push_back(Action::data_bytes(ud.data() + i, std::min(kActionDataBytes, ud.size() - i)));
  return l;
}

TEST_CASE("output to CONTROLLER: the packet as rewritten so far, reason action", "[dpdk][pin]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(in_port(1), 100,
             {Action::set_eth_dst(kX), Action::output(kOfppController, 128), Action::output(2)},
             0xc00c1e);
  h.send(1, tcp(kB));
  CHECK(h.recv(2, 1) == std::vector<Frame>{tcp(kX)});
  auto pins = packet_ins(h);
  REQUIRE(pins.size() == 1);
  CHECK(pins[0].rec.reason == static_cast<uint8_t>(PacketInReason::kAction));
  CHECK(pins[0].rec.table_id == 0);
  CHECK(pins[0].rec.cookie == 0xc00c1e);
  CHECK(pins[0].rec.in_port == 1);
  CHECK(pins[0].packet == tcp(kX));
  CHECK(h.counters().total_drops() == 0);
}

TEST_CASE("controller(userdata) after two tables carries registers and metadata", "[dpdk][pin]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  h.add_flow_in(0, in_port(1), 100,
                {Action::set_field(static_cast<uint8_t>(Field::kReg0) + 3, 0x1234, 0xffffffff),
                 Action::set_field(static_cast<uint8_t>(Field::kMetadata), 0x77, ~0ull),
                 Action::resubmit(kOfppInPort, 1)},
                1);
  const std::vector<uint8_t> ud = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
  h.add_flow_in(1, Match().set_reg(3, 0x1234), 100, controller_with_userdata(ud, 0), 0xbeef);
  for (int i = 0; i < 3; i++) h.send(1, tcp(kB));  // the translation is cached: same answer
  auto pins = packet_ins(h);
  REQUIRE(pins.size() == 3);
  for (const Got& g : pins) {
    CHECK(g.rec.table_id == 1);
    CHECK(g.rec.cookie == 0xbeef);
    CHECK(g.rec.regs[3] == 0x1234);
    CHECK(g.rec.regs[2] == 0);
    CHECK(g.rec.metadata == 0x77);
    CHECK(g.userdata == ud);
    CHECK(g.packet == tcp(kB));
  }
  CHECK(h.sum(&PmdCounters::megaflow_misses) == 1);
  CHECK(h.counters().total_drops() == 0);
}

TEST_CASE("a table miss is a packet-in only while the bridge wants it", "[dpdk][pin]") {
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(in_port(2), 100, {Action::output(1)});
  h.send(1, tcp(kB));
  CHECK(packet_ins(h).empty());
  CHECK(h.drops("flow_table_miss") == 1);

  h.dp().set_bridge_packet_in_on_miss(h.slot(), true);
  h.dp().commit_and_sync();
  h.send(1, tcp(kB));
  auto pins = packet_ins(h);
  REQUIRE(pins.size() == 1);
  CHECK(pins[0].rec.reason == static_cast<uint8_t>(PacketInReason::kImplicitMiss));
  CHECK(pins[0].rec.table_id == 0);
  CHECK(pins[0].packet == tcp(kB));
  CHECK(h.drops("flow_table_miss") == 1);  // unchanged

  // A goto_table into an empty table is a miss there too.
  h.add_flow(in_port(1), 100, {Action::goto_table(5)});
  h.send(1, tcp(kB));
  pins = packet_ins(h);
  REQUIRE(pins.size() == 1);
  CHECK(pins[0].rec.table_id == 5);

  h.dp().set_bridge_packet_in_on_miss(h.slot(), false);
  h.dp().commit_and_sync();
  h.send(1, tcp(kB));
  CHECK(packet_ins(h).empty());
}

}  // namespace
}  // namespace ferry::test

namespace ferry::test {

// controller(...,pause): the walk ends there; what remains of each action
// list it was in, innermost first, rides with the packet-in (OVS's frozen
// actions), and the packet goes nowhere else.
TEST_CASE("controller(pause) carries the rest of the walk as its continuation", "[dpdk][pin]") {
  DpHarness h(4);
  if (!h.ok()) FAIL(h.error());
  ActionList paused = controller_with_userdata({0xab, 0xcd}, 0);
  paused[0].flags = Action::kPause;
  ActionList t3{Action::set_eth_dst(kX)};
  t3.insert(t3.end(), paused.begin(), paused.end());
  t3.push_back(Action::resubmit(kOfppInPort, 5));
  t3.push_back(Action::output(2));
  h.add_flow_in(0, in_port(1), 100, {Action::resubmit(kOfppInPort, 3), Action::output(4)});
  h.add_flow_in(3, Match(), 100, t3);
  h.send(1, tcp(kB));
  auto pins = packet_ins(h);
  REQUIRE(pins.size() == 1);
  CHECK(pins[0].userdata == Frame{0xab, 0xcd});
  CHECK(pins[0].packet == tcp(kX));  // as rewritten before the pause
  CHECK(pins[0].rec.table_id == 3);
  const std::vector<Action> want{Action::data(kDataContSegment, 3, 0),
                                 Action::resubmit(kOfppInPort, 5), Action::output(2),
                                 Action::data(kDataContSegment, 0, 0), Action::output(4)};
  CHECK(pins[0].cont == want);
  h.quiesce();
  CHECK(h.take(2).empty());  // nothing after the pause ran
  CHECK(h.take(4).empty());
}

}  // namespace ferry::test
