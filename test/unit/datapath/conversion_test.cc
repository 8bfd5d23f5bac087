// Address conversion units: validation, the staged/active state machine,
// atomic groups of changes, and the snapshot PMDs consult.
#include "datapath/conversion.h"

#include <arpa/inet.h>

#include <catch2/catch.hpp>

namespace ferry {
namespace {

const Mac kReal{0x02, 0, 0, 0, 0, 0xa0};
const Mac kVmac{0x0a, 0, 0, 0, 0, 0x10};
const Mac kVmac2{0x0a, 0, 0, 0, 0, 0x11};

Conversion tx(uint32_t id, const Mac& real, const Mac& vmac, std::vector<uint32_t> ports = {1}) {
  Conversion c;
  c.id = id;
  c.dir = ConversionDir::kTx;
  c.from = real;
  c.to = vmac;
  c.in_ports = std::move(ports);
  return c;
}

FlowKey frame_to(const Mac& dst, uint32_t in_port) {
  FlowKey k = zero_key();
  k.in_port = in_port;
  std::memcpy(k.dl_dst, dst.data(), 6);
  k.dl_type = htons(kEthTypeIpv4);
  return k;
}

TEST_CASE("conversions start staged (tx) or active (rx) and only active ones apply",
          "[conversion]") {
  ConversionTable t;
  REQUIRE(t.add(tx(1, kReal, kVmac)).ok());
  Conversion rx;
  rx.id = 2;
  rx.dir = ConversionDir::kRx;
  rx.from = kVmac2;
  rx.to = kReal;
  rx.in_ports = {5};
  rx.state = ConversionState::kActive;
  REQUIRE(t.add(rx).ok());
  auto snap = t.snapshot();
  FlowKey wc = zero_key();
  CHECK(snap->lookup(frame_to(kReal, 1), &wc) == nullptr);  // staged
  const auto* e = snap->lookup(frame_to(kVmac2, 5), &wc);
  REQUIRE(e);
  CHECK(e->id == 2);
  CHECK(std::memcmp(e->to, kReal.data(), 6) == 0);
  CHECK(std::memcmp(wc.dl_dst, "\xff\xff\xff\xff\xff\xff", 6) == 0);  // consulted

  ConversionOps act;
  act.activate = {1};
  REQUIRE(t.check(act).ok());
  t.apply(act);
  CHECK(t.changed());
  auto snap2 = t.snapshot();
  CHECK_FALSE(t.changed());
  e = snap2->lookup(frame_to(kReal, 1), nullptr);
  REQUIRE(e);
  CHECK(e->id == 1);
  CHECK(snap2->lookup(frame_to(kReal, 2), nullptr) == nullptr);  // other port
  FlowKey untouched = zero_key();
  CHECK(snap2->lookup(frame_to(kReal, 9), &untouched) == nullptr);
  CHECK(untouched == zero_key());  // no conversion on the port: nothing consulted
  CHECK(snap->lookup(frame_to(kReal, 1), nullptr) == nullptr);  // the old snapshot is unchanged

  ConversionOps off;
  off.deactivate = {1};
  t.apply(off);
  CHECK(t.find(1)->state == ConversionState::kStaged);
  ConversionOps del;
  del.del = {1, 2};
  t.apply(del);
  CHECK(t.all().empty());
  CHECK(t.snapshot()->empty());
}

TEST_CASE("conversion validation refuses bad and conflicting input", "[conversion]") {
  ConversionTable t;
  REQUIRE(t.add(tx(1, kReal, kVmac)).ok());
  CHECK(t.add(tx(2, kReal, kVmac)).error().message == "duplicate of conversion 1");
  Mac other{0x02, 0, 0, 0, 0, 0xb0};
  CHECK(t.add(tx(3, other, kVmac)).error().message.find("already in use") != std::string::npos);
  Mac mcast{0x01, 0, 0x5e, 0, 0, 1};
  CHECK_FALSE(t.add(tx(4, kReal, mcast)).ok());
  CHECK_FALSE(t.add(tx(5, kReal, kReal)).ok());
  Conversion bad_class = tx(6, kReal, kVmac2);
  bad_class.has_class = true;
  bad_class.class_lo = 3;
  bad_class.class_hi = 9;
  CHECK_FALSE(t.add(bad_class).ok());
  CHECK_FALSE(t.add(tx(7, kReal, kVmac2, {})).ok());
  CHECK(t.all().size() == 1);
}

TEST_CASE("a group of changes applies all or nothing", "[conversion]") {
  ConversionTable t;
  REQUIRE(t.add(tx(1, kReal, kVmac)).ok());
  REQUIRE(t.add(tx(2, kReal, kVmac2)).ok());  // a second candidate path
  ConversionOps both;
  both.activate = {1, 2};
  Status st = t.check(both);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("conflict") != std::string::npos);
  CHECK(t.find(1)->state == ConversionState::kStaged);
  CHECK(t.find(2)->state == ConversionState::kStaged);
  ConversionOps one;
  one.activate = {1};
  REQUIRE(t.check(one).ok());
  t.apply(one);
  // Failover (embodiment 3): swap the active path in one commit.
  ConversionOps swap;
  swap.deactivate = {1};
  swap.activate = {2};
  REQUIRE(t.check(swap).ok());
  t.apply(swap);
  CHECK(t.find(1)->state == ConversionState::kStaged);
  CHECK(t.find(2)->state == ConversionState::kActive);
  const auto* e = t.snapshot()->lookup(frame_to(kReal, 1), nullptr);
  REQUIRE(e);
  CHECK(e->id == 2);
  ConversionOps contradictory;
  contradictory.activate = {1};
  contradictory.del = {1};
  CHECK_FALSE(t.check(contradictory).ok());
}

TEST_CASE("priority classes split one real MAC over two paths (embodiment 2)", "[conversion]") {
  ConversionTable t;
  Conversion hi = tx(1, kReal, kVmac);
  hi.has_class = true;
  hi.class_lo = 4;
  hi.class_hi = 7;
  hi.state = ConversionState::kActive;
  Conversion lo = tx(2, kReal, kVmac2);
  lo.has_class = true;
  lo.class_lo = 0;
  lo.class_hi = 3;
  lo.state = ConversionState::kActive;
  REQUIRE(t.add(hi).ok());
  REQUIRE(t.add(lo).ok());  // classes do not overlap: both may be active
  auto snap = t.snapshot();
  FlowKey k = frame_to(kReal, 1);
  k.nw_tos = 0xb8;  // DSCP 46: class 5
  FlowKey wc = zero_key();
  REQUIRE(snap->lookup(k, &wc));
  CHECK(snap->lookup(k, &wc)->id == 1);
  CHECK(wc.nw_tos == 0xff);  // the class was consulted
  k.nw_tos = 0;
  CHECK(snap->lookup(k, nullptr)->id == 2);
  k.vlan_tci = htons(kVlanCfi | (6 << kVlanPcpShift) | 10);  // tagged: PCP 6 decides
  CHECK(frame_class(k) == 6);
  CHECK(snap->lookup(k, nullptr)->id == 1);
}

TEST_CASE("a port leaving the bridge leaves the conversions", "[conversion]") {
  ConversionTable t;
  Conversion c = tx(1, kReal, kVmac, {1, 2});
  c.state = ConversionState::kActive;
  REQUIRE(t.add(c).ok());
  t.forget_port(1);
  CHECK(t.find(1)->in_ports == std::vector<uint32_t>{2});
  auto snap = t.snapshot();
  CHECK(snap->lookup(frame_to(kReal, 1), nullptr) == nullptr);
  CHECK(snap->lookup(frame_to(kReal, 2), nullptr) != nullptr);
}

}  // namespace
}  // namespace ferry
