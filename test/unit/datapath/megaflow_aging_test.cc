// MegaflowCache: removal (aging) and revalidation after a rule change.
#include <arpa/inet.h>

#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "datapath/megaflow_cache.h"
#include "test/unit/datapath/megaflow_helpers.h"

namespace ferry {
namespace {

using test::make_rule;
using test::mask_port_dst;
using test::port_key;

TEST_CASE("idle megaflows age out; the rest stay findable", "[megaflow][aging]") {
  MegaflowCache c(64);
  auto r = make_rule(1);
  Classification a;
  a.rule = r.get();
  for (uint32_t i = 0; i < 40; i++) REQUIRE(c.insert(port_key(1, i), mask_port_dst(), a, 1000));
  CHECK(c.size() == 40);
  // Half of them are used later.
  for (uint32_t i = 0; i < 40; i += 2) c.lookup(port_key(1, i), nullptr)->add_stats(1, 64, 5000);
  size_t removed = 0;
  for (int round = 0; round < 10; round++) removed += c.sweep(6000, 2000, 16);
  CHECK(removed == 20);
  CHECK(c.size() == 20);
  CHECK(c.expired() == 20);
  for (uint32_t i = 0; i < 40; i++) {
    INFO("flow " << i);
    CHECK((c.lookup(port_key(1, i), nullptr) != nullptr) == (i % 2 == 0));
  }
  // Removed entries are reused (no growth past capacity), and dumps skip them.
  for (uint32_t i = 100; i < 144; i++) REQUIRE(c.insert(port_key(1, i), mask_port_dst(), a, 7000));
  CHECK(c.size() == 64);
  CHECK(c.insert(port_key(1, 999), mask_port_dst(), a, 7000) == nullptr);
  size_t dumped = 0;
  c.for_each([&](const MegaflowCache::EntryCopy&) { dumped++; });
  CHECK(dumped == 64);
  for (uint32_t i = 100; i < 144; i++) CHECK(c.lookup(port_key(1, i), nullptr));
}

TEST_CASE("removal keeps every probe chain intact", "[megaflow][aging]") {
  // Many keys in a small index: long linear-probing chains; remove a
  // scattered half and check every remaining key still hits.
  MegaflowCache c(512);
  auto r = make_rule(1);
  Classification a;
  a.rule = r.get();
  for (uint32_t i = 0; i < 500; i++) REQUIRE(c.insert(port_key(1, i), mask_port_dst(), a, 0));
  for (uint32_t i = 0; i < 500; i += 3) c.lookup(port_key(1, i), nullptr)->add_stats(1, 1, 10000);
  while (c.sweep(10001, 5000, 64)) {
  }
  for (uint32_t i = 0; i < 500; i++) {
    INFO("flow " << i);
    CHECK((c.lookup(port_key(1, i), nullptr) != nullptr) == (i % 3 == 0));
  }
}

TEST_CASE("a hit on an older generation keeps or replaces the entry", "[megaflow][revalidate]") {
  MegaflowCache c(16);
  c.set_generation(1);
  auto r1 = make_rule(1), r2 = make_rule(2);
  Classification a;
  a.rule = r1.get();
  MegaflowCache::Entry* e = c.insert(port_key(1, 5), mask_port_dst(), a, 0);
  REQUIRE(e);
  CHECK(e->gen == 1);
  c.set_generation(2);
  // Same mask, new rule: kept, updated.
  Classification b;
  b.rule = r2.get();
  CHECK(c.revalidate(e, mask_port_dst(), b));
  CHECK(e->gen == 2);
  CHECK(e->cls.rule == r2.get());
  CHECK(c.lookup(port_key(1, 5), nullptr) == e);
  // Different mask: removed, and its version moves (exact-match entries
  // pointing at it stop matching).
  uint32_t v = e->version;
  c.set_generation(3);
  FlowKey wider = zero_key();
  wider.in_port = UINT32_MAX;
  CHECK_FALSE(c.revalidate(e, wider, b));
  CHECK(e->version != v);
  CHECK(c.lookup(port_key(1, 5), nullptr) == nullptr);
  CHECK(c.size() == 0);
}

TEST_CASE("the exact-match cache returns the tag it was given", "[emc]") {
  ExactMatchCache<int> emc;
  int a = 1, b = 2;
  FlowKey k1 = port_key(1, 1), k2 = port_key(1, 2);
  uint32_t h1 = ExactMatchCache<int>::hash(k1), h2 = ExactMatchCache<int>::hash(k2);
  CHECK(h1 != h2);
  emc.insert(k1, h1, &a, 7);
  emc.insert(k2, h2, &b, 9);
  uint32_t tag = 0;
  CHECK(emc.lookup(k1, h1, &tag) == &a);
  CHECK(tag == 7);
  CHECK(emc.lookup(k2, h2, &tag) == &b);
  CHECK(tag == 9);
  CHECK(emc.lookup(port_key(1, 3), ExactMatchCache<int>::hash(port_key(1, 3)), &tag) == nullptr);
  emc.flush();
  CHECK(emc.lookup(k1, h1, &tag) == nullptr);
}

}  // namespace
}  // namespace ferry
