// The route switcher's policies, fed with counters and times.
#include "offload/policy.h"

#include <catch2/catch.hpp>

namespace ferry {

namespace {

struct Flow {
  OffloadPolicy p;
  FlowRate r;
  uint64_t packets = 0;
  int64_t now = 1000;
  bool in_hw = false;
  Pin pin = Pin::kNone;
  // Advances time by ms with pps packets per second; returns the decision
  // and applies it.
  Decision step(int64_t ms, double pps) {
    now += ms;
    packets += static_cast<uint64_t>(pps * static_cast<double>(ms) / 1000.0);
    FlowObservation o{now, packets, packets * 100, in_hw};
    r.observe(o, p.bits);
    Decision d = decide(p, pin, r, o);
    if (d == Decision::kToHw) in_hw = true;
    if (d == Decision::kToSw) in_hw = false;
    return d;
  }
};

}  // namespace

TEST_CASE("policy: parsing, defaults and refusals") {
  auto t = OffloadPolicy::parse("threshold,up-pps=5000,up-ms=50,down-pps=500,down-ms=200");
  REQUIRE(t);
  CHECK(t->to_string() == "threshold,up-pps=5000,up-ms=50,down-pps=500,down-ms=200");
  CHECK(OffloadPolicy::parse("threshold")->to_string() ==
        "threshold,up-pps=10000,up-ms=100,down-pps=1000,down-ms=1000");
  CHECK(OffloadPolicy::parse("threshold,up-bps=8000000,down-bps=800000")->bits);
  CHECK(OffloadPolicy::parse("first-packet,idle-ms=500")->to_string() ==
        "first-packet,idle-ms=500");
  CHECK(OffloadPolicy::parse("never")->kind == PolicyKind::kNever);
  CHECK(OffloadPolicy::parse("always")->kind == PolicyKind::kAlways);
  CHECK(OffloadPolicy::parse("fastest").error().message ==
        "unknown offload policy \"fastest\" (expected threshold, first-packet, always or never)");
  CHECK(OffloadPolicy::parse("threshold,up-pps=ten").error().message ==
        "\"up-pps=ten\": expected up-pps=<non-negative number>");
  CHECK(OffloadPolicy::parse("threshold,up-pps=10,down-pps=20").error().message ==
        "down (20) must not exceed up (10)");
  CHECK(OffloadPolicy::parse("first-packet,up-pps=1").error().message ==
        "\"up-pps\" applies to the threshold policy only");
  CHECK(OffloadPolicy::parse("threshold,colour=3").error().message ==
        "unknown offload policy option \"colour\"");
  CHECK(OffloadPolicy::parse("threshold,up-pps=10,down-bps=1").error().message ==
        "mixes pps and bps thresholds");
  CHECK(!OffloadPolicy::parse(""));
}

TEST_CASE("policy: threshold offloads after up-ms above up, returns after down-ms below down") {
  Flow f;
  f.p = *OffloadPolicy::parse("threshold,up-pps=1000,up-ms=100,down-pps=100,down-ms=300");
  CHECK(f.step(10, 5000) == Decision::kStay);  // primes the rate
  CHECK(f.step(50, 5000) == Decision::kStay);  // above since now
  CHECK(f.step(50, 5000) == Decision::kStay);  // 50 ms above
  CHECK(f.step(50, 5000) == Decision::kToHw);  // 100 ms above
  // A dip below up but above down does nothing in hardware (hysteresis).
  CHECK(f.step(100, 500) == Decision::kStay);
  CHECK(f.step(500, 500) == Decision::kStay);
  // Below down: returns after 300 ms.
  CHECK(f.step(100, 10) == Decision::kStay);
  CHECK(f.step(200, 10) == Decision::kStay);
  CHECK(f.step(100, 10) == Decision::kToSw);
  // A short burst does not bring it back.
  CHECK(f.step(50, 5000) == Decision::kStay);
  CHECK(f.step(50, 10) == Decision::kStay);
  CHECK(f.step(50, 5000) == Decision::kStay);
  CHECK(!f.in_hw);
}

TEST_CASE("policy: threshold in bits per second") {
  Flow f;  // 100-byte packets: 1000 pps = 800 kbit/s
  f.p = *OffloadPolicy::parse("threshold,up-bps=700000,up-ms=0,down-bps=100000,down-ms=0");
  f.step(10, 1000);
  CHECK(f.step(100, 1000) == Decision::kToHw);
  CHECK(f.step(100, 1000) == Decision::kStay);
  CHECK(f.step(100, 100) == Decision::kToSw);  // 80 kbit/s
}

TEST_CASE("policy: first-packet offloads at once and returns on idle; always; never; pins") {
  Flow f;
  f.p = *OffloadPolicy::parse("first-packet,idle-ms=1000");
  CHECK(f.step(10, 100) == Decision::kToHw);  // one packet is enough
  CHECK(f.step(500, 100) == Decision::kStay);
  CHECK(f.step(500, 0) == Decision::kStay);
  CHECK(f.step(600, 0) == Decision::kToSw);  // idle for 1100 ms

  Flow n;
  n.p = *OffloadPolicy::parse("never");
  CHECK(n.step(10, 1e6) == Decision::kStay);
  n.pin = Pin::kHw;
  CHECK(n.step(10, 0) == Decision::kToHw);  // a pin overrides the policy
  n.pin = Pin::kNone;
  CHECK(n.step(10, 1e6) == Decision::kToSw);

  Flow a;
  a.p = *OffloadPolicy::parse("always");
  CHECK(a.step(10, 100) == Decision::kToHw);
  a.pin = Pin::kSw;
  CHECK(a.step(10, 1e6) == Decision::kToSw);
  CHECK(a.step(10, 1e6) == Decision::kStay);
}

}  // namespace ferry
