#include "lib/util/rcu.h"

#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

using ferry::Rcu;
using ferry::RcuPtr;

TEST_CASE("rcu: grace period waits for every online reader", "[rcu]") {
  Rcu rcu;
  int a = rcu.register_reader();
  int b = rcu.register_reader();
  REQUIRE(a >= 0);
  REQUIRE(b >= 0);
  uint64_t token = rcu.start();
  CHECK_FALSE(rcu.done(token));
  rcu.quiescent(a);
  CHECK_FALSE(rcu.done(token));
  rcu.offline(b);  // an offline reader never holds references
  CHECK(rcu.done(token));
  rcu.online(b);
  uint64_t token2 = rcu.start();
  rcu.quiescent(a);
  CHECK_FALSE(rcu.done(token2));
  rcu.quiescent(b);
  CHECK(rcu.done(token2));
  rcu.unregister_reader(a);
  rcu.unregister_reader(b);
}

TEST_CASE("rcu: deferred frees run only after the grace period", "[rcu]") {
  Rcu rcu;
  int r = rcu.register_reader();
  int freed = 0;
  rcu.defer([&] { freed++; });
  rcu.reclaim();
  CHECK(freed == 0);
  CHECK(rcu.pending() == 1);
  rcu.quiescent(r);
  rcu.reclaim();
  CHECK(freed == 1);
  CHECK(rcu.pending() == 0);
  rcu.unregister_reader(r);
}

TEST_CASE("rcu: a reader thread never sees a freed snapshot", "[rcu]") {
  struct Snap {
    uint64_t a, b;  // always equal while alive
    ~Snap() { a = 1, b = 2; }
  };
  Rcu rcu;
  RcuPtr<Snap> ptr(&rcu);
  ptr.publish(std::make_unique<Snap>(Snap{0, 0}));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> bad{0}, reads{0};
  std::thread reader([&] {
    int slot = rcu.register_reader();
    while (!stop.load()) {
      const Snap* s = ptr.load();
      if (s->a != s->b) bad++;
      reads++;
      rcu.quiescent(slot);
    }
    rcu.unregister_reader(slot);
  });
  while (reads.load() == 0) std::this_thread::yield();
  for (uint64_t i = 1; i <= 2000; i++) {
    ptr.publish(std::make_unique<Snap>(Snap{i, i}));
    rcu.reclaim();
  }
  rcu.synchronize();
  rcu.reclaim();
  stop = true;
  reader.join();
  rcu.synchronize();
  rcu.reclaim();
  CHECK(bad.load() == 0);
  CHECK(reads.load() > 0);
  CHECK(rcu.pending() == 0);
}
