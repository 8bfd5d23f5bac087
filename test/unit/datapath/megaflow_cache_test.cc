// MegaflowCache: tuple-space search over the masks classifier lookups
// reported, in one fixed index.
#include "datapath/megaflow_cache.h"

#include <arpa/inet.h>

#include <cstring>
#include <memory>
#include <vector>

#include <catch2/catch.hpp>

namespace ferry {
namespace {

std::shared_ptr<Rule> rule(uint64_t id, ActionList actions) {
  auto r = std::make_shared<Rule>();
  r->id = id;
  r->actions = std::make_shared<const ActionList>(std::move(actions));
  r->stats = std::make_shared<RuleStats>();
  return r;
}

// The answer of a plain classifier lookup (no conversion).
Classification answer(const Rule* r) {
  Classification c;
  c.rule = r;
  return c;
}

FlowKey key(uint32_t in_port, uint16_t dl_type, uint8_t dst_last, uint8_t src_last) {
  FlowKey k = zero_key();
  k.in_port = in_port;
  k.dl_type = htons(dl_type);
  const uint8_t dst[6] = {0x52, 0x54, 0, 0, 0, dst_last};
  const uint8_t src[6] = {0x52, 0x54, 0, 0, 1, src_last};
  std::memcpy(k.dl_dst, dst, 6);
  std::memcpy(k.dl_src, src, 6);
  k.nw_src = htonl(0x0a000000u | src_last);
  return k;
}

FlowKey mask_in_port() {
  FlowKey m = zero_key();
  m.in_port = UINT32_MAX;
  return m;
}
FlowKey mask_in_port_type() {
  FlowKey m = mask_in_port();
  m.dl_type = 0xffff;
  return m;
}
FlowKey mask_in_port_dst() {
  FlowKey m = mask_in_port();
  std::memset(m.dl_dst, 0xff, 6);
  return m;
}

}  // namespace

TEST_CASE("entries match on their mask's bits only", "[megaflow]") {
  MegaflowCache c(64);
  auto r1 = rule(1, {Action::output(2)});
  auto r2 = rule(2, {Action::output(3)});
  auto r3 = rule(3, {Action::output(4)});
  CHECK(c.capacity() == 64);
  CHECK(c.size() == 0);
  CHECK(c.generation() == 0);

  // Mask 1: in_port. Any packet from port 1 hits, whatever else it carries.
  MegaflowCache::Entry* e1 = c.insert(key(1, 0x0800, 1, 1), mask_in_port(), answer(r1.get()));
  REQUIRE(e1);
  CHECK(e1->cls.rule == r1.get());
  CHECK(e1->cls.conv == nullptr);
  CHECK(e1->cls.mirror_rule == nullptr);
  CHECK(e1->subtable == 0);
  FlowKey expect1 = zero_key();
  expect1.in_port = 1;
  CHECK(e1->key == expect1);  // stored pre-masked

  // Mask 2: in_port + dl_type, for port 2.
  MegaflowCache::Entry* e2 = c.insert(key(2, 0x0800, 9, 9), mask_in_port_type(), answer(r2.get()));
  REQUIRE(e2);
  CHECK(e2->subtable == 1);
  // Mask 3: in_port + dl_dst, for port 3.
  MegaflowCache::Entry* e3 = c.insert(key(3, 0x86dd, 7, 7), mask_in_port_dst(), answer(r3.get()));
  REQUIRE(e3);
  CHECK(e3->subtable == 2);
  // A table-miss answer is cached too.
  MegaflowCache::Entry* miss = c.insert(key(4, 0x0800, 1, 1), mask_in_port(), answer(nullptr));
  REQUIRE(miss);
  CHECK(miss->cls.rule == nullptr);
  CHECK(miss->cls.conv == nullptr);
  CHECK(miss->subtable == 0);  // same mask, same subtable
  CHECK(c.size() == 4);
  CHECK(c.n_subtables() == 3);

  unsigned visited = 0;
  CHECK(c.lookup(key(1, 0x86dd, 200, 201), &visited) == e1);
  CHECK(visited == 1);
  visited = 0;
  CHECK(c.lookup(key(2, 0x0800, 100, 101), &visited) == e2);
  CHECK(visited == 2);
  visited = 0;
  CHECK(c.lookup(key(2, 0x0806, 9, 9), &visited) == nullptr);  // dl_type differs
  CHECK(visited == 3);                                         // a miss visits every subtable
  visited = 0;
  CHECK(c.lookup(key(3, 0x0800, 7, 50), &visited) == e3);
  CHECK(visited == 3);
  CHECK(c.lookup(key(3, 0x86dd, 8, 7), nullptr) == nullptr);  // dl_dst differs
  CHECK(c.lookup(key(4, 0x0806, 3, 3), nullptr) == miss);
  CHECK(c.lookup(key(5, 0x0800, 1, 1), nullptr) == nullptr);
}

TEST_CASE("many entries in one subtable", "[megaflow]") {
  MegaflowCache c(2000);
  auto r = rule(1, {Action::output(1)});
  std::vector<MegaflowCache::Entry*> entries;
  for (uint32_t p = 1; p <= 2000; p++) {
    entries.push_back(c.insert(key(p, 0x0800, 1, 1), mask_in_port(), answer(r.get())));
    REQUIRE(entries.back());
  }
  CHECK(c.size() == 2000);
  CHECK(c.n_subtables() == 1);
  for (uint32_t p = 1; p <= 2000; p++) {
    REQUIRE(c.lookup(key(p, 0x0806, 2, 2), nullptr) == entries[p - 1]);
  }
  CHECK(c.lookup(key(2001, 0x0800, 1, 1), nullptr) == nullptr);
}

TEST_CASE("a full cache refuses inserts", "[megaflow]") {
  auto r = rule(1, {Action::output(1)});
  MegaflowCache c(3);
  for (uint32_t p = 1; p <= 3; p++)
    REQUIRE(c.insert(key(p, 0, 0, 0), mask_in_port(), answer(r.get())));
  CHECK(c.insert(key(4, 0, 0, 0), mask_in_port(), answer(r.get())) == nullptr);
  CHECK(c.insert(key(4, 0, 0, 0), mask_in_port_type(), answer(r.get())) == nullptr);
  CHECK(c.size() == 3);
  CHECK(c.n_subtables() == 1);  // the refused insert added no subtable
  CHECK(c.lookup(key(4, 0, 0, 0), nullptr) == nullptr);
  CHECK(c.lookup(key(3, 0, 0, 0), nullptr) != nullptr);

  MegaflowCache zero(0);
  CHECK(zero.capacity() == 1);
  CHECK(zero.insert(key(1, 0, 0, 0), mask_in_port(), answer(r.get())));
  CHECK(zero.insert(key(2, 0, 0, 0), mask_in_port(), answer(r.get())) == nullptr);
}

TEST_CASE("at most kMaxSubtables masks", "[megaflow]") {
  auto r = rule(1, {Action::output(1)});
  MegaflowCache c(1000);
  FlowKey k = key(1, 0x0800, 1, 1);
  for (uint32_t i = 0; i < MegaflowCache::kMaxSubtables; i++) {
    FlowKey m = mask_in_port();
    m.nw_dst = htonl(i + 1);  // a distinct mask each time
    REQUIRE(c.insert(k, m, answer(r.get())));
  }
  CHECK(c.n_subtables() == MegaflowCache::kMaxSubtables);
  FlowKey extra = mask_in_port();
  extra.nw_dst = htonl(100000);
  CHECK(c.insert(k, extra, answer(r.get())) == nullptr);
  CHECK(c.size() == MegaflowCache::kMaxSubtables);
  // An existing mask still takes new entries.
  FlowKey m1 = mask_in_port();
  m1.nw_dst = htonl(1);
  MegaflowCache::Entry* e = c.insert(key(2, 0x0800, 1, 1), m1, answer(r.get()));
  REQUIRE(e);
  CHECK(e->subtable == 0);
  unsigned visited = 0;
  CHECK(c.lookup(key(2, 0x0800, 1, 1), &visited) == e);
  CHECK(visited == 1);
}

TEST_CASE("flush empties the cache and keeps the generation", "[megaflow]") {
  auto r = rule(1, {Action::output(1)});
  MegaflowCache c(8);
  c.set_generation(7);
  REQUIRE(c.insert(key(1, 0, 0, 0), mask_in_port(), answer(r.get())));
  REQUIRE(c.insert(key(2, 0x0800, 0, 0), mask_in_port_type(), answer(r.get())));
  c.flush();
  CHECK(c.size() == 0);
  CHECK(c.n_subtables() == 0);
  CHECK(c.generation() == 7);
  CHECK(c.lookup(key(1, 0, 0, 0), nullptr) == nullptr);
  CHECK(c.lookup(key(2, 0x0800, 0, 0), nullptr) == nullptr);
  size_t n = 0;
  c.for_each([&](const MegaflowCache::EntryCopy&) { n++; });
  CHECK(n == 0);

  // Refilled from the start, up to the full capacity again.
  for (uint32_t p = 10; p < 18; p++)
    REQUIRE(c.insert(key(p, 0, 0, 0), mask_in_port(), answer(r.get())));
  CHECK(c.insert(key(18, 0, 0, 0), mask_in_port(), answer(r.get())) == nullptr);
  CHECK(c.lookup(key(1, 0, 0, 0), nullptr) == nullptr);
  CHECK(c.lookup(key(17, 0, 0, 0), nullptr) != nullptr);
  c.set_generation(8);
  CHECK(c.generation() == 8);
}

TEST_CASE("for_each copies every entry with its mask and statistics", "[megaflow]") {
  auto r1 = rule(1, {Action::output(1)});
  auto r2 = rule(2, {Action::output(2)});
  MegaflowCache c(8);
  MegaflowCache::Entry* e1 = c.insert(key(1, 0x0800, 5, 6), mask_in_port(), answer(r1.get()));
  // The whole answer is cached: a conversion and the mirror's rule too.
  ConversionSnapshot::Entry conv{};
  conv.id = 9;
  Classification converted = answer(r2.get());
  converted.conv = &conv;
  converted.mirror_rule = r1.get();
  MegaflowCache::Entry* e2 = c.insert(key(2, 0x0806, 5, 6), mask_in_port_type(), converted);
  REQUIRE(e1);
  REQUIRE(e2);
  e1->add_stats(2, 128, 5000);
  e1->add_stats(1, 64, 6000);
  e2->add_stats(7, 700, 7000);

  std::vector<MegaflowCache::EntryCopy> copies;
  c.for_each([&](const MegaflowCache::EntryCopy& ec) { copies.push_back(ec); });
  REQUIRE(copies.size() == 2);
  FlowKey k1 = zero_key();
  k1.in_port = 1;
  CHECK(copies[0].key == k1);
  CHECK(copies[0].mask == mask_in_port());
  CHECK(copies[0].cls.rule == r1.get());
  CHECK(copies[0].cls.conv == nullptr);
  CHECK(copies[0].packets == 3);
  CHECK(copies[0].bytes == 192);
  CHECK(copies[0].used_ms == 6000);
  FlowKey k2 = zero_key();
  k2.in_port = 2;
  k2.dl_type = htons(0x0806);
  CHECK(copies[1].key == k2);
  CHECK(copies[1].mask == mask_in_port_type());
  CHECK(copies[1].cls.rule == r2.get());
  CHECK(copies[1].cls.conv == &conv);
  CHECK(copies[1].cls.mirror_rule == r1.get());
  CHECK(copies[1].packets == 7);
  CHECK(copies[1].bytes == 700);
  CHECK(copies[1].used_ms == 7000);
}

}  // namespace ferry

namespace ferry {

TEST_CASE("for_each finds live entries behind removed ones", "[megaflow]") {
  auto r = rule(1, {Action::output(1)});
  MegaflowCache c(8);
  for (uint8_t i = 0; i < 4; i++)
    REQUIRE(c.insert(key(1 + i, 0x0800, 5, 6), mask_in_port(), answer(r.get()), 0));
  // The first two go idle and are swept: two live entries remain, in slots 2 and 3.
  c.lookup(key(3, 0x0800, 5, 6), nullptr)->used_ms.store(10000);
  c.lookup(key(4, 0x0800, 5, 6), nullptr)->used_ms.store(10000);
  CHECK(c.sweep(10000, 5000, 8) == 2);
  REQUIRE(c.size() == 2);
  std::vector<uint32_t> ports;
  c.for_each([&](const MegaflowCache::EntryCopy& ec) { ports.push_back(ec.key.in_port); });
  CHECK(ports == std::vector<uint32_t>{3, 4});
}

TEST_CASE("subtables are looked up busiest first, re-ranked once a second", "[megaflow]") {
  auto r = rule(1, {Action::output(1)});
  MegaflowCache c(16);
  REQUIRE(c.insert(key(1, 0x0800, 5, 6), mask_in_port(), answer(r.get())));
  REQUIRE(c.insert(key(2, 0x0806, 5, 6), mask_in_port_type(), answer(r.get())));
  const FlowKey busy = key(2, 0x0806, 9, 9);
  unsigned visited = 0;
  REQUIRE(c.lookup(busy, &visited));
  CHECK(visited == 2);  // in insertion order: the second mask is second
  for (int i = 0; i < 10; i++) c.lookup(busy, nullptr);
  c.sweep(500, 1000000, 1);  // less than a second since the start: no ranking
  visited = 0;
  c.lookup(busy, &visited);
  CHECK(visited == 2);
  c.sweep(1000, 1000000, 1);
  visited = 0;
  REQUIRE(c.lookup(busy, &visited));
  CHECK(visited == 1);
  visited = 0;
  REQUIRE(c.lookup(key(1, 0x0800, 7, 7), &visited));  // the other one still found
  CHECK(visited == 2);
}

}  // namespace ferry
