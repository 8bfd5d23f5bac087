// Meters: token buckets with exact accounting, across threads.
#include "datapath/meter.h"

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

namespace ferry {
namespace {

MeterConfig pktps(uint32_t id, uint32_t rate, uint32_t burst) {
  MeterConfig c;
  c.id = id;
  c.pktps = true;
  c.bands.push_back({rate, burst});
  return c;
}

TEST_CASE("a packet meter passes its burst, then its rate", "[meter]") {
  MeterState m(pktps(1, 1000, 10));  // 1000 pps, burst 10
  uint64_t t = 1'000'000'000;
  int passed = 0;
  for (int i = 0; i < 100; i++) passed += m.admit(64, t);  // all at once
  CHECK(passed == 10);
  // One second later: 1000 more tokens, capped at the burst.
  t += 1'000'000'000;
  passed = 0;
  for (int i = 0; i < 100; i++) passed += m.admit(64, t);
  CHECK(passed == 10);
  // Evenly spaced at exactly the rate: every packet passes, none is lost
  // to rounding (100 us at 1000 pps is 0.1 packet per step).
  passed = 0;
  for (int i = 0; i < 10000; i++) {
    t += 100'000;
    passed += m.admit(64, t);
  }
  CHECK(passed == 1000);
  CHECK(m.packets_in.load() == 10200);
  CHECK(m.band_stats[0].packets.load() == 10200 - 1020);
  CHECK(m.band_stats[0].bytes.load() == (10200 - 1020) * 64);
}

TEST_CASE("a kbps meter counts bits", "[meter]") {
  MeterConfig c;
  c.id = 2;
  c.bands.push_back({8, 8});  // 8 kbps, 8 kb burst: 1000 bytes
  MeterState m(c);
  uint64_t t = 1;
  int passed = 0;
  for (int i = 0; i < 20; i++) passed += m.admit(100, t);
  CHECK(passed == 10);
}

TEST_CASE("the lowest-rate drop band decides; modify keeps counters", "[meter]") {
  MeterConfig c = pktps(3, 1000, 5);
  c.bands.push_back({10, 2});
  MeterState m(c);
  int passed = 0;
  for (int i = 0; i < 10; i++) passed += m.admit(64, 5);
  CHECK(passed == 2);
  CHECK(m.band_stats[1].packets.load() == 8);
  m.configure(pktps(3, 100000, 50));
  passed = 0;
  for (int i = 0; i < 10; i++) passed += m.admit(64, 6);
  CHECK(passed == 10);
  CHECK(m.packets_in.load() == 20);
}

TEST_CASE("threads share a meter without exceeding it", "[meter]") {
  MeterState m(pktps(4, 1000, 100));
  std::atomic<int> passed{0};
  std::vector<std::thread> th;
  for (int k = 0; k < 4; k++) {
    th.emplace_back([&] {
      for (int i = 0; i < 1000; i++) passed += m.admit(64, 1000);  // no time passes
    });
  }
  for (auto& x : th) x.join();
  CHECK(passed.load() == 100);
  CHECK(m.packets_in.load() == 4000);
}

TEST_CASE("the meter table follows OpenFlow meter_mod semantics", "[meter]") {
  MeterTable t;
  REQUIRE(t.add(pktps(1, 100, 0)).ok());
  CHECK(t.add(pktps(1, 100, 0)).error().code == MeterTable::kErrMeterExists);
  CHECK(t.modify(pktps(9, 100, 0)).error().code == MeterTable::kErrMeterUnknown);
  CHECK(t.add(pktps(0, 100, 0)).error().code == MeterTable::kErrMeterInvalid);
  CHECK(t.add(pktps(2, 0, 0)).error().code == MeterTable::kErrMeterBadRate);
  MeterConfig none;
  none.id = 3;
  CHECK(t.add(none).error().code == MeterTable::kErrMeterBadBand);
  auto snap = t.snapshot();
  MeterState* s = snap->find(1);
  REQUIRE(s);
  REQUIRE(t.modify(pktps(1, 5000, 0)).ok());
  CHECK(t.snapshot()->find(1) == s);  // same state: counters survive
  CHECK(t.del(1).ok());
  CHECK(t.snapshot()->find(1) == nullptr);
  CHECK(snap->find(1) == s);  // the old snapshot keeps it alive
  CHECK(t.del(77).ok());
}

}  // namespace
}  // namespace ferry
