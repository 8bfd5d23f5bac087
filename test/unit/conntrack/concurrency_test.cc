// Two packet threads and a sweeping thread at once: lookups without locks,
// creation, expiry and recycling of connections, exact counts at the end.
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "test/unit/conntrack/ct_test_util.h"

using namespace ferry;
using namespace ferry::ct;
using namespace ferry::ct::test;

namespace {

constexpr int kOwn = 2000, kShared = 100, kRounds = 200, kEphemeral = 64;
const uint32_t kB = ip4(10, 1, 1, 2);

Pkt own(int t, int i, bool reply) {
  uint32_t a =
      ip4(10, static_cast<uint8_t>(10 + t), static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i));
  return reply ? pkt(v4(kB, a).udp(53, 4000)) : pkt(v4(a, kB).udp(4000, 53));
}
Pkt shared(int i, bool reply) {
  uint32_t a = ip4(10, 3, 0, static_cast<uint8_t>(i));
  return reply ? pkt(v4(kB, a).udp(80, 6000)) : pkt(v4(a, kB).udp(6000, 80));
}
Pkt ephemeral(int t, int r, int i) {
  uint32_t a =
      ip4(10, static_cast<uint8_t>(20 + t), static_cast<uint8_t>(r >> 8), static_cast<uint8_t>(r));
  return pkt(v4(a, kB).udp(static_cast<uint16_t>(1000 + i), 9));
}

// Runs a batch of packets through ct() and counts states other than want.
int batch(Conntrack& ct, unsigned tid, std::vector<Pkt>& ps, const CtAction& a, uint64_t now,
          const std::string& want) {
  std::vector<PacketRef> refs;
  for (Pkt& p : ps) {
    p.meta = CtMeta{};
    refs.push_back(p.ref());
  }
  ct.execute(tid, refs.data(), refs.size(), a, now);
  int bad = 0;
  for (Pkt& p : ps) bad += st(p.meta.state) != want;
  return bad;
}

}  // namespace

TEST_CASE("concurrency: two PMD threads and a sweeper", "[conntrack][concurrency]") {
  Conntrack::Config cfg;
  cfg.max_conns = 100000;
  cfg.max_threads = 4;
  Conntrack ct(cfg);
  TimeoutPolicy lasting, brief;
  for (TpAttr a : {TpAttr::kUdpFirst, TpAttr::kUdpSingle, TpAttr::kUdpMultiple}) {
    lasting.present |= 1u << static_cast<int>(a);
    lasting.attrs[static_cast<int>(a)] = 1000000;
    brief.present |= 1u << static_cast<int>(a);
    brief.attrs[static_cast<int>(a)] = 1;
  }
  ct.set_zone_timeout_policy(0, lasting);
  ct.set_zone_timeout_policy(9, brief);
  for (int i = 0; i < kShared; i++) {
    Pkt p = shared(i, false);
    REQUIRE(run(ct, p, commit(), 1000, 2) == "+new+trk");
    Pkt r = shared(i, true);
    REQUIRE(run(ct, r, commit(), 1000, 2) == "+est+rpl+trk");
  }
  ct.offline(2);

  std::atomic<uint64_t> latest{1000};
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  auto pmd = [&](int t) {
    unsigned tid = static_cast<unsigned>(t);
    std::vector<Pkt> ps;
    for (int i = 0; i < kOwn; i += 32) {  // create own connections
      ps.clear();
      for (int j = i; j < std::min(kOwn, i + 32); j++) ps.push_back(own(t, j, false));
      bad += batch(ct, tid, ps, commit(), 1000, "+new+trk");
      ct.quiesce(tid);
    }
    for (int r = 0; r < kRounds; r++) {
      uint64_t now = 1000 + static_cast<uint64_t>(r) * 2000;
      uint64_t prev = latest.load();
      while (prev < now && !latest.compare_exchange_weak(prev, now)) {
      }
      ps.clear();  // replies on own connections
      for (int j = 0; j < 32; j++) ps.push_back(own(t, (r * 32 + j) % kOwn, true));
      bad += batch(ct, tid, ps, commit(), now, "+est+rpl+trk");
      ps.clear();  // both directions of the shared ones
      for (int j = 0; j < 16; j++) ps.push_back(shared((r + j) % kShared, j & 1));
      std::vector<Pkt> orig, rep;
      for (Pkt& p : ps) (p.bytes[14 + 12] == 10 && p.bytes[14 + 13] == 1 ? rep : orig).push_back(p);
      bad += batch(ct, tid, orig, commit(), now, "+est+trk");
      bad += batch(ct, tid, rep, commit(), now, "+est+rpl+trk");
      ps.clear();  // short-lived connections in zone 9
      for (int i = 0; i < kEphemeral; i++) ps.push_back(ephemeral(t, r, i));
      bad += batch(ct, tid, ps, commit(9), now, "+new+trk");
      ct.quiesce(tid);
    }
    ct.offline(tid);
  };
  std::thread sweeper([&] {
    while (!done.load()) {
      ct.sweep(latest.load());
      std::this_thread::yield();
    }
  });
  std::thread t0(pmd, 0), t1(pmd, 1);
  t0.join();
  t1.join();
  done = true;
  sweeper.join();
  ct.sweep(latest.load() + 5000);

  CHECK(bad.load() == 0);
  CHECK(ct.nconns() == 2 * kOwn + kShared);
  Counters c = ct.counters();
  CHECK(c.get("conn_created") == 2 * kOwn + kShared + 2 * kRounds * kEphemeral);
  CHECK(c.get("conn_expired") == 2 * kRounds * kEphemeral);
  CHECK(c.get("tuple_collision") == 0);
  CHECK(ct.zone_limit(9).count == 0);
  CHECK(ct.zone_limit(0).count == 2 * kOwn + kShared);
  size_t dumped = 0;
  ct.dump(
      nullptr, [&](const ConnInfo&) { dumped++; }, latest.load());
  CHECK(dumped == 2 * kOwn + kShared);
}

TEST_CASE("concurrency: two threads SNAT into one port range", "[conntrack][concurrency]") {
  Conntrack::Config cfg;
  cfg.max_conns = 100000;
  cfg.max_threads = 4;
  Conntrack ct(cfg);
  CtAction a = commit();
  a.nat = true;
  a.nat_spec.kind = NatSpec::kSrc;
  a.nat_spec.min = a.nat_spec.max = addr4(192, 168, 0, 10);
  a.nat_spec.port_min = 10000;
  a.nat_spec.port_max = 19999;
  constexpr int kPer = 3000;
  std::vector<uint16_t> ports[2];
  std::atomic<int> bad{0};
  auto pmd = [&](int t) {
    unsigned tid = static_cast<unsigned>(t);
    for (int i = 0; i < kPer; i += 32) {
      std::vector<Pkt> ps;
      for (int j = i; j < std::min(kPer, i + 32); j++) ps.push_back(own(t, j, false));
      bad += batch(ct, tid, ps, a, 1000, "+new+trk+snat");
      for (Pkt& p : ps) ports[t].push_back(static_cast<uint16_t>(p.bytes[34] << 8 | p.bytes[35]));
      ct.quiesce(tid);
    }
    ct.offline(tid);
  };
  std::thread t0(pmd, 0), t1(pmd, 1);
  t0.join();
  t1.join();
  CHECK(bad.load() == 0);
  std::vector<uint16_t> all = ports[0];
  all.insert(all.end(), ports[1].begin(), ports[1].end());
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());  // no port twice
  CHECK(all.size() == 2 * kPer);
  CHECK(all.front() >= 10000);
  CHECK(all.back() <= 19999);
  CHECK(ct.nconns() == 2 * kPer);
  CHECK(ct.counters().get("nat_exhausted") == 0);
}
