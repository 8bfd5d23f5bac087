// Megaflow statistics (datapath/megaflow_stats.h): hits count on the
// megaflow; pulls and retirements credit the answer's rules, every packet
// exactly once, to the rules of the answer it was counted under.
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "datapath/megaflow_cache.h"
#include "test/unit/datapath/megaflow_helpers.h"

namespace ferry {
namespace {

using test::make_rule;
using test::mask_port_dst;
using test::port_key;

FlowKey mask_port() {
  FlowKey m = zero_key();
  m.in_port = UINT32_MAX;
  return m;
}

Classification plain(const Rule* r) {
  Classification c;
  c.rule = r;
  return c;
}

uint64_t packets(const std::shared_ptr<Rule>& r) { return r->stats->total_packets(); }
uint64_t bytes(const std::shared_ptr<Rule>& r) { return r->stats->total_bytes(); }

TEST_CASE("a hit counts on its megaflow; a pull credits each rule of the answer once",
          "[megaflow][stats]") {
  auto r0 = make_rule(0), r1 = make_rule(1), r2 = make_rule(2), m = make_rule(3);
  MegaflowCache c(16);
  // A translated walk through three tables.
  const Rule* walk[3] = {r0.get(), r1.get(), r2.get()};
  Action out[1] = {Action::output(2)};
  Translation t;
  t.actions = out;
  t.n_actions = 1;
  t.rules = walk;
  t.n_rules = 3;
  Classification translated = plain(r0.get());
  translated.xlate = &t;
  MegaflowCache::Entry* e1 = c.insert(port_key(1, 5), mask_port_dst(), translated, 100);
  // A plain answer with a mirror's rule.
  Classification mirrored = plain(r2.get());
  mirrored.mirror_rule = m.get();
  MegaflowCache::Entry* e2 = c.insert(port_key(2, 5), mask_port_dst(), mirrored, 100);
  REQUIRE(e1);
  REQUIRE(e2);

  e1->add_stats(3, 300, 1000);
  e1->add_stats(2, 200, 1200);
  e2->add_stats(1, 64, 900);
  CHECK(packets(r0) == 0);  // nothing on the rules yet
  CHECK(c.pull_stats() == 2);
  CHECK(packets(r0) == 5);
  CHECK(bytes(r0) == 500);
  CHECK(packets(r1) == 5);
  CHECK(packets(r2) == 6);  // visited by the walk and the plain answer's rule
  CHECK(bytes(r2) == 564);
  CHECK(packets(m) == 1);
  CHECK(r1->stats->used_ms == 1200);
  CHECK(r2->stats->used_ms == 1200);  // the later of the two answers' last use
  CHECK(m->stats->used_ms == 900);

  CHECK(c.pull_stats() == 0);  // nothing new: nothing credited twice
  CHECK(packets(r0) == 5);
  e1->add_stats(1, 100, 1300);
  CHECK(c.pull_stats() == 1);
  CHECK(packets(r0) == 6);
  CHECK(packets(r2) == 7);
  CHECK(packets(m) == 1);
  // The megaflow's own counters are unchanged by the pulls.
  std::vector<MegaflowCache::EntryCopy> copies;
  c.for_each([&](const MegaflowCache::EntryCopy& ec) { copies.push_back(ec); });
  REQUIRE(copies.size() == 2);
  CHECK(copies[0].packets == 6);
  CHECK(copies[1].packets == 1);
}

TEST_CASE("what an answer counted reaches its rules when it goes", "[megaflow][stats]") {
  auto r1 = make_rule(1), r2 = make_rule(2), r3 = make_rule(3);
  MegaflowCache c(4);
  c.set_generation(1);
  MegaflowCache::Entry* e = c.insert(port_key(1, 5), mask_port_dst(), plain(r1.get()), 0);
  REQUIRE(e);
  e->add_stats(2, 120, 10);
  REQUIRE(c.pull_stats() == 1);
  e->add_stats(3, 180, 20);  // not pulled yet

  SECTION("revalidated with the same mask: the old rule keeps what it counted") {
    c.set_generation(2);
    REQUIRE(c.revalidate(e, mask_port_dst(), plain(r2.get())));
    CHECK(packets(r1) == 5);
    CHECK(bytes(r1) == 300);
    e->add_stats(4, 240, 30);
    c.pull_stats();
    CHECK(packets(r1) == 5);
    CHECK(packets(r2) == 4);
    CHECK(bytes(r2) == 240);
  }
  SECTION("revalidated away") {
    c.set_generation(2);
    REQUIRE_FALSE(c.revalidate(e, mask_port(), plain(r2.get())));
    CHECK(packets(r1) == 5);
    CHECK(c.pull_stats() == 0);
  }
  SECTION("aged out") {
    CHECK(c.sweep(100000, 1000, 4) == 1);
    CHECK(packets(r1) == 5);
    CHECK(bytes(r1) == 300);
  }
  SECTION("flushed") {
    c.flush();
    CHECK(packets(r1) == 5);
    CHECK(c.pull_stats() == 0);
  }
  // Whatever happened, the slot's next answer counts from zero for its own rule.
  MegaflowCache::Entry* n = c.insert(port_key(1, 6), mask_port_dst(), plain(r3.get()), 0);
  REQUIRE(n);
  n->add_stats(1, 60, 40);
  c.pull_stats();
  CHECK(packets(r1) == 5);
  CHECK(packets(r3) == 1);
  CHECK(bytes(r3) == 60);
  c.for_each([&](const MegaflowCache::EntryCopy& ec) {
    if (ec.cls.rule == r3.get()) CHECK(ec.packets == 1);
  });
}

// The owner counts, revalidates, ages out and flushes while another thread
// pulls: every rule ends with exactly the packets and bytes counted under
// answers that named it.
TEST_CASE("pulls racing with the owner lose and duplicate nothing", "[megaflow][stats]") {
  constexpr unsigned kRules = 4, kKeys = 24;
  std::vector<std::shared_ptr<Rule>> rules;
  for (unsigned i = 0; i < kRules; i++) rules.push_back(make_rule(i));
  auto index_of = [&](const Rule* r) {
    for (unsigned i = 0; i < kRules; i++) {
      if (rules[i].get() == r) return i;
    }
    return kRules;
  };
  MegaflowCache c(32);
  std::atomic<bool> stop{false};
  std::atomic<size_t> pulled{0};
  std::thread puller([&] {
    while (!stop.load(std::memory_order_relaxed))
      pulled.fetch_add(c.pull_stats(), std::memory_order_relaxed);
  });

  uint64_t want_packets[kRules] = {}, want_bytes[kRules] = {};
  uint32_t rng = 12345;
  auto next = [&] {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
  };
  int64_t now = 1;
  uint64_t gen = 1;
  c.set_generation(gen);
  // At least 300000 rounds, and on a busy machine until the puller has
  // had its share of them (or 20 s went by).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (unsigned iter = 0; iter < 300000 || (pulled.load(std::memory_order_relaxed) < 10000 &&
                                            std::chrono::steady_clock::now() < deadline);
       iter++) {
    const FlowKey k = port_key(1 + next() % kKeys, 7);
    const Rule* pick = rules[next() % kRules].get();
    MegaflowCache::Entry* e = c.lookup(k, nullptr);
    if (e && e->gen != gen) {
      const FlowKey& m = next() % 2 ? mask_port_dst() : mask_port();
      if (!c.revalidate(e, m, plain(pick))) e = nullptr;
    }
    if (!e) {
      e = c.insert(k, next() % 2 ? mask_port_dst() : mask_port(), plain(pick), now);
      if (!e) {
        c.flush();  // full: start over
        continue;
      }
    }
    const uint64_t n = 1 + next() % 3, b = n * (60 + next() % 100);
    e->add_stats(n, b, now);
    const unsigned ri = index_of(e->cls.rule);
    if (ri >= kRules) FAIL("an answer with no known rule");
    want_packets[ri] += n;
    want_bytes[ri] += b;
    now++;
    // Answers change often: most are retired with something uncredited.
    if (iter % 7 == 0) c.set_generation(++gen);
    if (iter % 997 == 0) c.flush();
    if (iter % 101 == 0) c.sweep(now + 50, 40, 8);
  }
  stop.store(true);
  puller.join();
  CHECK(pulled.load() >= 10000);  // the two threads did meet
  c.pull_stats();
  for (unsigned i = 0; i < kRules; i++) {
    CHECK(packets(rules[i]) == want_packets[i]);
    CHECK(bytes(rules[i]) == want_bytes[i]);
  }
}

}  // namespace
}  // namespace ferry
