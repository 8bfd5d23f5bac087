// FdbTable (the control thread's MAC learning table) and FdbSnapshot (what
// PMDs read). Times are explicit seconds, so nothing here sleeps.
#include "datapath/fdb_table.h"

#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include "datapath/fdb_snapshot.h"

namespace ferry {
namespace {

Mac mac(uint8_t last) { return Mac{0x52, 0x54, 0x00, 0x00, 0x00, last}; }
const Mac kA = mac(0xa);
const Mac kB = mac(0xb);
const Mac kC = mac(0xc);
const Mac kD = mac(0xd);

std::vector<Mac> macs_by_age(const FdbTable& t) {
  std::vector<Mac> v;
  for (const FdbEntry* e : t.entries_by_age()) v.push_back(e->mac);
  return v;
}

}  // namespace

TEST_CASE("learn, refresh and move", "[fdb]") {
  FdbTable t;
  CHECK(t.max_entries() == 8192);
  CHECK(t.aging_s() == 300);

  CHECK(t.learn(10, kA, 1, 100));
  REQUIRE(t.size() == 1);
  const FdbEntry* e = t.find(10, kA);
  REQUIRE(e);
  CHECK(e->mac == kA);
  CHECK(e->vlan == 10);
  CHECK(e->ofport == 1);
  CHECK_FALSE(e->is_static);
  CHECK(e->learned_s == 100);
  CHECK(e->last_seen_s() == 100);
  CHECK(t.find(0, kA) == nullptr);  // the VLAN is part of the key
  CHECK(t.find(10, kB) == nullptr);

  // Same port again: a refresh, not a change.
  CHECK_FALSE(t.learn(10, kA, 1, 150));
  CHECK(t.find(10, kA)->learned_s == 100);
  CHECK(t.find(10, kA)->last_seen_s() == 150);

  // Another port: a move.
  CHECK(t.learn(10, kA, 2, 160));
  CHECK(t.find(10, kA)->ofport == 2);
  CHECK(t.find(10, kA)->learned_s == 160);
  CHECK(t.stats().learned == 1);
  CHECK(t.stats().moved == 1);

  // The same MAC in another VLAN is another entry.
  CHECK(t.learn(20, kA, 3, 170));
  CHECK(t.size() == 2);
  CHECK(t.find(20, kA)->ofport == 3);
  CHECK(t.find(10, kA)->ofport == 2);
  CHECK(t.stats().learned == 2);

  // Multicast sources are never learned.
  Mac mcast = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
  CHECK_FALSE(t.learn(10, mcast, 1, 180));
  CHECK(t.find(10, mcast) == nullptr);
  CHECK(t.size() == 2);

  t.clear_stats();
  CHECK(t.stats().learned == 0);
  CHECK(t.stats().moved == 0);
}

TEST_CASE("static entries are never overridden by learning", "[fdb]") {
  FdbTable t;
  CHECK(t.add_static(10, kA, 1, "p1") == "");
  CHECK(t.n_static() == 1);
  CHECK_FALSE(t.learn(10, kA, 2, 100));
  const FdbEntry* e = t.find(10, kA);
  REQUIRE(e);
  CHECK(e->ofport == 1);
  CHECK(e->is_static);
  CHECK(t.stats().moved == 0);
  CHECK(t.stats().learned == 0);
  CHECK_FALSE(t.learn(10, kA, 1, 100));

  // Static entries never age.
  CHECK_FALSE(t.run(1000000));
  CHECK(t.find(10, kA));
}

TEST_CASE("add_static reports what it overrides as OVS does", "[fdb]") {
  FdbTable t;
  REQUIRE(t.learn(0, kA, 1, 100));
  CHECK(t.add_static(0, kA, 2, "p1") == "Overriding already existing dynamic entry on p1\n");
  CHECK(t.find(0, kA)->ofport == 2);
  CHECK(t.find(0, kA)->is_static);
  CHECK(t.size() == 1);

  // A dynamic entry on the same port is still overridden (becomes static).
  REQUIRE(t.learn(0, kB, 3, 100));
  CHECK(t.add_static(0, kB, 3, "p3") == "Overriding already existing dynamic entry on p3\n");

  CHECK(t.add_static(0, kA, 4, "p2") == "Overriding already existing static entry on p2\n");
  CHECK(t.find(0, kA)->ofport == 4);
  CHECK(t.add_static(0, kA, 4, "p4") == "");  // same static entry again: silent
  CHECK(t.n_static() == 2);
  CHECK(t.size() == 2);
}

TEST_CASE("del_static removes only static entries", "[fdb]") {
  FdbTable t;
  REQUIRE(t.learn(0, kA, 1, 100));
  t.add_static(0, kB, 2, "");
  CHECK_FALSE(t.del_static(0, kA));  // dynamic: untouched
  CHECK(t.find(0, kA));
  CHECK_FALSE(t.del_static(0, kC));  // absent
  CHECK_FALSE(t.del_static(1, kB));  // other VLAN
  CHECK(t.del_static(0, kB));
  CHECK(t.find(0, kB) == nullptr);
  CHECK_FALSE(t.del_static(0, kB));
  CHECK(t.size() == 1);
  CHECK(t.n_static() == 0);
}

TEST_CASE("flush_port removes the port's entries, static ones too", "[fdb]") {
  FdbTable t;
  REQUIRE(t.learn(0, kA, 1, 100));
  REQUIRE(t.learn(5, kB, 1, 100));
  REQUIRE(t.learn(0, kC, 2, 100));
  t.add_static(0, kD, 1, "");
  t.flush_port(1);
  CHECK(t.size() == 1);
  CHECK(t.find(0, kC));
  CHECK(t.find(0, kA) == nullptr);
  CHECK(t.find(5, kB) == nullptr);
  CHECK(t.find(0, kD) == nullptr);  // as OVS's bundle_flush_macs
}

TEST_CASE("flush removes every dynamic entry", "[fdb]") {
  FdbTable t;
  REQUIRE(t.learn(0, kA, 1, 100));
  REQUIRE(t.learn(7, kB, 2, 100));
  (void)t.snapshot();
  t.flush();
  CHECK(t.find(0, kA) == nullptr);
  CHECK(t.find(7, kB) == nullptr);
  CHECK(t.changed());
  CHECK(t.snapshot()->size() == 0);
  CHECK(t.stats().expired == 0);  // a flush is not aging
}

// OVS's fdb/flush (mac_learning_flush: "Expires all the dynamic
// mac-learning entries") keeps static entries; fdb/add ones survive it.
TEST_CASE("flush keeps static entries as OVS's fdb/flush does", "[fdb]") {
  FdbTable t;
  REQUIRE(t.learn(0, kA, 1, 100));
  t.add_static(0, kB, 2, "");
  t.flush();
  CHECK(t.find(0, kA) == nullptr);
  REQUIRE(t.find(0, kB));
  CHECK(t.find(0, kB)->is_static);
  CHECK(t.size() == 1);
}

TEST_CASE("aging with explicit times", "[fdb]") {
  FdbTable t;
  t.set_limits(100, 300);
  REQUIRE(t.learn(0, kA, 1, 1000));
  REQUIRE(t.learn(0, kB, 1, 1000));
  t.add_static(0, kC, 1, "");
  (void)t.snapshot();

  CHECK_FALSE(t.run(1299));
  CHECK(t.size() == 3);
  CHECK_FALSE(t.changed());

  // B is refreshed by a frame at 1200 (learn on the same port) ...
  CHECK_FALSE(t.learn(0, kB, 1, 1200));
  CHECK(t.run(1300));  // ... A expires exactly aging seconds after it was seen
  CHECK(t.find(0, kA) == nullptr);
  CHECK(t.find(0, kB));
  CHECK(t.stats().expired == 1);
  CHECK(t.changed());

  // ... and a PMD refreshes in place through the shared state.
  t.find(0, kB)->state->used_s.store(1450);
  CHECK(t.find(0, kB)->last_seen_s() == 1450);
  CHECK_FALSE(t.run(1749));
  CHECK(t.run(1750));
  CHECK(t.find(0, kB) == nullptr);
  CHECK(t.stats().expired == 2);
  CHECK(t.find(0, kC));  // static

  t.set_limits(0, 0);  // clamped
  CHECK(t.max_entries() == 1);
  CHECK(t.aging_s() == 1);
}

TEST_CASE("a full table evicts the least recently seen dynamic entry", "[fdb]") {
  FdbTable t;
  t.set_limits(4, 300);
  t.add_static(0, mac(0x99), 9, "");  // older than everything, never evicted
  REQUIRE(t.learn(0, kA, 1, 10));
  REQUIRE(t.learn(0, kB, 1, 20));
  REQUIRE(t.learn(0, kC, 1, 30));
  CHECK_FALSE(t.learn(0, kA, 1, 40));  // A is now the most recent
  CHECK(macs_by_age(t) == std::vector<Mac>{mac(0x99), kB, kC, kA});

  REQUIRE(t.learn(0, kD, 2, 50));
  CHECK(t.size() == 4);
  CHECK(t.find(0, kB) == nullptr);
  CHECK(t.find(0, kA));
  CHECK(t.find(0, kC));
  CHECK(t.find(0, kD));
  CHECK(t.find(0, mac(0x99)));
  CHECK(t.stats().evicted == 1);
  CHECK(t.stats().learned == 4);

  // Shrinking the limit trims on the next run, oldest first.
  t.set_limits(2, 300);
  CHECK(t.run(60));
  CHECK(t.size() == 2);
  CHECK(t.find(0, mac(0x99)));
  CHECK(t.find(0, kD));
  CHECK(t.stats().evicted == 3);
  CHECK(t.stats().expired == 0);
}

TEST_CASE("snapshots are rebuilt only when the table changed", "[fdb]") {
  FdbTable t;
  CHECK(t.changed());
  auto s0 = t.snapshot();
  REQUIRE(s0);
  CHECK(s0->size() == 0);
  CHECK_FALSE(t.changed());
  CHECK(t.snapshot() == s0);

  REQUIRE(t.learn(10, kA, 1, 100));
  CHECK(t.changed());
  auto s1 = t.snapshot();
  CHECK(s1 != s0);
  CHECK(s0->find(10, kA.data()) == nullptr);  // old snapshots never change
  const FdbSnapshot::Slot* slot = s1->find(10, kA.data());
  REQUIRE(slot);
  CHECK(slot->ofport == 1);
  CHECK_FALSE(slot->is_static);
  CHECK(slot->state == t.find(10, kA)->state.get());
  CHECK(s1->find(11, kA.data()) == nullptr);

  // A refresh changes no snapshot; the PMD-visible state moves instead.
  CHECK_FALSE(t.learn(10, kA, 1, 130));
  CHECK_FALSE(t.changed());
  CHECK(t.snapshot() == s1);
  CHECK(slot->state->used_s.load() == 130);

  t.add_static(10, kB, 2, "");
  auto s2 = t.snapshot();
  CHECK(s2 != s1);
  REQUIRE(s2->find(10, kB.data()));
  CHECK(s2->find(10, kB.data())->is_static);
  CHECK(s2->find(10, kB.data())->ofport == 2);

  CHECK_FALSE(t.del_static(10, kA));
  CHECK_FALSE(t.changed());
  t.flush_port(7);  // nothing on port 7
  CHECK_FALSE(t.changed());
  CHECK(t.snapshot() == s2);
}

TEST_CASE("FdbSnapshot lookups over many entries", "[fdb]") {
  std::vector<FdbSnapshot::Slot> slots;
  std::vector<std::shared_ptr<FdbEntryState>> owners;
  for (uint32_t i = 0; i < 1000; i++) {
    Mac m = {0x02, 0, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i), 0x01};
    auto st = std::make_shared<FdbEntryState>();
    slots.push_back({FdbSnapshot::make_key(static_cast<uint16_t>(i % 7), m.data()), i + 1,
                     i % 3 == 0, st.get()});
    owners.push_back(st);
  }
  // A duplicate key: the later slot wins and is counted once.
  slots.push_back(slots[5]);
  slots.back().ofport = 4242;
  FdbSnapshot snap(slots, owners);
  CHECK(snap.size() == 1000);
  for (uint32_t i = 0; i < 1000; i++) {
    Mac m = {0x02, 0, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i), 0x01};
    const FdbSnapshot::Slot* s = snap.find(static_cast<uint16_t>(i % 7), m.data());
    REQUIRE(s);
    CHECK(s->ofport == (i == 5 ? 4242u : i + 1));
    CHECK(s->is_static == (i % 3 == 0));
    CHECK(s->state == owners[i].get());
    CHECK(snap.find(static_cast<uint16_t>(i % 7 + 1), m.data()) == nullptr);
  }
  FdbSnapshot empty({}, {});
  CHECK(empty.size() == 0);
  CHECK(empty.find(0, kA.data()) == nullptr);

  // The key is the MAC's bytes in memory order with the VLAN on top.
  const uint8_t m[6] = {1, 2, 3, 4, 5, 6};
  uint64_t k = FdbSnapshot::make_key(0xabc, m);
  CHECK((k >> 48) == 0xabc);
  CHECK(k != FdbSnapshot::make_key(0xabd, m));
  CHECK(k != FdbSnapshot::kEmpty);
}

}  // namespace ferry
