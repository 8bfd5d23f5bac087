// FlowTable: timeouts with a fake clock, bundles (all or nothing), and the
// cost of large loose deletes.
#include <chrono>

#include <catch2/catch.hpp>

#include "lib/flow/flow_table.h"
#include "test/unit/flow/flow_helpers.h"

using namespace ferry;
using test::add;
using test::flow_mod;
using test::in_port;

namespace {

FlowMod timed_add(uint32_t port, uint16_t idle, uint16_t hard) {
  FlowMod fm = add(in_port(port), 10);
  fm.idle_timeout = idle;
  fm.hard_timeout = hard;
  return fm;
}

// Everything observable about a table, to compare before/after a failure.
struct Snapshot {
  std::vector<RulePtr> rules;
  std::vector<std::shared_ptr<RuleStats>> stats;
  uint64_t generation;
  size_t size;

  explicit Snapshot(const FlowTable& t)
      : rules(t.all_rules()), generation(t.generation()), size(t.size()) {
    for (const RulePtr& r : rules) stats.push_back(r->stats);
  }
  bool operator==(const Snapshot& o) const {
    return rules == o.rules && stats == o.stats && generation == o.generation && size == o.size;
  }
};

}  // namespace

TEST_CASE("flow table: hard and idle timeouts with a fake clock", "[flow_table]") {
  FlowTable t;
  CHECK(t.next_expiry() == INT64_MAX);
  REQUIRE(t.apply(timed_add(1, 0, 10), 1000).ok());  // hard at 11000
  REQUIRE(t.apply(timed_add(2, 5, 0), 1000).ok());   // idle at 6000 unless used
  REQUIRE(t.apply(add(in_port(3), 10), 1000).ok());  // never
  CHECK(t.next_expiry() == 6000);

  RulePtr idle;
  for (const RulePtr& r : t.all_rules())
    if (r->match == in_port(2)) idle = r;
  REQUIRE(idle);
  idle->stats->add(1, 64, 4000);  // a PMD saw a packet at 4000
  CHECK(t.next_expiry() == 9000);

  CHECK(t.expire(8999).empty());
  const uint64_t gen = t.generation();
  auto gone = t.expire(9000);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0] == idle);
  CHECK(t.generation() == gen + 1);
  CHECK(t.next_expiry() == 11000);

  // A modify restarts the idle clock (modified_ms) but not the hard one.
  REQUIRE(
      t.apply(flow_mod(FlowModCommand::kModify, in_port(1), 0, {Action::output(2)}), 10500).ok());
  CHECK(t.expire(10999).empty());
  gone = t.expire(11000);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0]->match == in_port(1));
  CHECK(t.next_expiry() == INT64_MAX);
  CHECK(t.size() == 1);
  CHECK(t.expire(INT64_MAX / 2).empty());
}

TEST_CASE("flow table: idle timeout after a modify", "[flow_table]") {
  FlowTable t;
  REQUIRE(t.apply(timed_add(1, 5, 0), 0).ok());
  REQUIRE(t.apply(flow_mod(FlowModCommand::kModifyStrict, in_port(1), 10, {}), 3000).ok());
  CHECK(t.next_expiry() == 8000);
  // A replacing add takes the new timeouts: none left.
  REQUIRE(t.apply(add(in_port(1), 10), 4000).ok());
  CHECK(t.next_expiry() == INT64_MAX);
  CHECK(t.expire(100000).empty());
}

TEST_CASE("flow table: a bundle applies every flow_mod", "[bundle]") {
  FlowTable t;
  REQUIRE(t.apply(add(in_port(1), 10, {Action::output(2)}), 0).ok());
  const uint64_t gen = t.generation();
  std::vector<FlowMod> b = {
      add(in_port(2), 10, {Action::output(1)}),
      flow_mod(FlowModCommand::kModifyStrict, in_port(1), 10, {Action::output(3)}),
      flow_mod(FlowModCommand::kDelete, in_port(7)),  // no-op
      add(in_port(3), 10),
  };
  size_t failed = 99;
  REQUIRE(t.apply_bundle(b, 50, &failed).ok());
  CHECK(failed == 99);
  CHECK(t.size() == 3);
  CHECK(t.generation() == gen + 3);
  auto c = t.classifier();
  FlowKey k = zero_key();
  k.in_port = 1;
  CHECK(format_actions(*c->lookup(k, nullptr)->actions) == "output:3");
}

TEST_CASE("flow table: a failing bundle leaves the table exactly as it was", "[bundle]") {
  FlowTable t(6);
  for (uint32_t p = 1; p <= 4; p++)
    REQUIRE(t.apply(add(in_port(p), 10, {Action::output(p + 1)}), 0).ok());
  for (const RulePtr& r : t.all_rules()) r->stats->add(r->id, 100, 10);
  auto classifier_before = t.classifier();
  const Snapshot before(t);

  SECTION("an invalid action late in the bundle") {
    std::vector<FlowMod> b = {
        flow_mod(FlowModCommand::kModify, Match::catchall(), 0, {Action::output(9)}),
        flow_mod(FlowModCommand::kDelete, in_port(2)),
        add(in_port(2), 10, {Action::output(7)}),
        flow_mod(FlowModCommand::kModifyStrict, in_port(3), 10, {Action::output(0xff01)}),
    };
    size_t failed = 99;
    auto st = t.apply_bundle(b, 100, &failed);
    REQUIRE_FALSE(st.ok());
    CHECK(failed == 3);
    CHECK(st.error().code == kErrBadOutPort);
    CHECK(st.error().message ==
          "bundle of 4 flow_mods rolled back: flow_mod 3 failed: modify_strict: output to port "
          "65281 (0xff01) is not a valid OpenFlow port");
  }
  SECTION("the table fills up") {
    std::vector<FlowMod> b;
    b.push_back(flow_mod(FlowModCommand::kDeleteStrict, in_port(4), 10));
    for (uint32_t p = 10; p < 14; p++) b.push_back(add(in_port(p), 10));
    size_t failed = 99;
    auto st = t.apply_bundle(b, 100, &failed);
    REQUIRE_FALSE(st.ok());
    CHECK(failed == 4);
    CHECK(st.error().code == kErrTableFull);
  }
  SECTION("an overlap") {
    FlowMod o = add(Match().set_dl_type(0x0800), 10);
    o.flags = kFlowCheckOverlap;
    std::vector<FlowMod> b = {flow_mod(FlowModCommand::kDelete, Match::catchall()),
                              add(in_port(1), 10), o};
    size_t failed = 99;
    auto st = t.apply_bundle(b, 100, &failed);
    REQUIRE_FALSE(st.ok());
    CHECK(failed == 2);
    CHECK(st.error().code == kErrOverlap);
  }
  CHECK(Snapshot(t) == before);
  CHECK(t.classifier() == classifier_before);  // same generation: same snapshot
  for (const RulePtr& r : t.all_rules()) CHECK(r->stats->packets == r->id);
  // The ids the failed bundle used are handed out again.
  REQUIRE(t.apply(add(in_port(50), 10), 200).ok());
  CHECK(t.all_rules().back()->id == 5);
  CHECK(t.generation() == before.generation + 1);
}

TEST_CASE("flow table: empty bundle and bundle of one", "[bundle]") {
  FlowTable t;
  size_t failed = 99;
  REQUIRE(t.apply_bundle({}, 0, &failed).ok());
  CHECK(t.generation() == 1);
  auto st = t.apply_bundle({add(in_port(1), 1, {Action::output(kOfppNone)})}, 0, nullptr);
  CHECK_FALSE(st.ok());
  CHECK(t.size() == 0);
}

TEST_CASE("flow table: 100k rules, one loose catch-all delete is fast", "[flow_table][perf]") {
  FlowTable t;
  std::vector<FlowMod> b;
  b.reserve(100000);
  for (uint32_t i = 0; i < 100000; i++) {
    Match m = Match().set_in_port(1 + i % 8).set_dl_type(0x0800).set_nw_dst(htonl(0x0a000000 + i));
    b.push_back(add(m, static_cast<uint16_t>(i % 3), {Action::output(2)}));
  }
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(t.apply_bundle(b, 0, nullptr).ok());
  REQUIRE(t.size() == 100000);
  CHECK(t.classifier()->size() == 100000);
  FlowMod out3 = flow_mod(FlowModCommand::kDelete, Match::catchall());
  out3.out_port = 3;  // selects nothing, scans everything
  REQUIRE(t.apply(out3, 0).ok());
  REQUIRE(t.apply(flow_mod(FlowModCommand::kDelete, Match::catchall()), 0).ok());
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(t.size() == 0);
  CHECK(t.next_expiry() == INT64_MAX);
  // Generous for a shared machine and sanitizer builds; quadratic would be minutes.
  CHECK(secs < 20.0);
}
