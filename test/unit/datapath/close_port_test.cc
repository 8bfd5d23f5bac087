// Ports leaving a running Datapath: close_port under a stream of frames,
// and what it does to the bridge's FDB.
#include <atomic>
#include <chrono>
#include <cstring>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <thread>

#include <catch2/catch.hpp>

#include "lib/packet/builder.h"
#include "lib/util/clock.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {
namespace {

const Mac kA = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
const Mac kB = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
const Mac kC = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0c};

constexpr size_t kSeqOffset = 14 + 20 + 8;  // UDP payload

Frame numbered(uint32_t seq) {
  std::vector<uint8_t> payload(32, 0);
  std::memcpy(payload.data(), &seq, sizeof seq);
  return FrameBuilder()
      .eth(kB, kA)
      .ipv4(ip4(10, 2, 0, 1), ip4(10, 2, 0, 2))
      .udp(5000, 5001)
      .payload(payload)
      .pad_to(0)
      .build();
}

uint32_t seq_of(const Frame& f) {
  uint32_t seq = UINT32_MAX;
  if (f.size() >= kSeqOffset + 4) std::memcpy(&seq, f.data() + kSeqOffset, 4);
  return seq;
}

// Frames read from one port, checked to be 0, 1, 2 ... in order.
struct Sink {
  uint32_t next = 0;
  bool in_order = true;
  void add(const std::vector<Frame>& frames) {
    for (const Frame& f : frames) {
      if (seq_of(f) != next) in_order = false;
      next++;
    }
  }
};

Frame udp(const Mac& dst, const Mac& src) {
  return FrameBuilder().eth(dst, src).ipv4(ip4(10, 3, 0, 1), ip4(10, 3, 0, 2)).udp(1, 2).build();
}

}  // namespace

TEST_CASE("close_port under a stream of frames", "[dpdk][close]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(Match().set_in_port(1), 100, {Action::output(2), Action::output(3)});

  constexpr uint32_t kWindow = 256;  // frames in flight at most
  std::atomic<bool> stop{false};
  std::atomic<uint32_t> sent{0};
  std::atomic<uint32_t> done{0};  // frames seen on port 3
  rte_mempool* pool = h.pool();
  rte_ring* rx = h.rx_ring(1);
  std::thread producer([&] {
    while (!stop.load()) {
      uint32_t seq = sent.load();
      if (seq - done.load() >= kWindow) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        continue;
      }
      rte_mbuf* m = rte_pktmbuf_alloc(pool);
      if (!m) continue;
      Frame f = numbered(seq);
      std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(f.size())), f.data(), f.size());
      while (rte_ring_enqueue(rx, m) != 0) {
        if (stop.load()) {
          rte_pktmbuf_free(m);
          return;
        }
        std::this_thread::yield();
      }
      sent.store(seq + 1);
    }
  });

  Sink p2, p3;
  auto pump = [&](uint32_t p3_target, uint32_t p2_target) {
    int64_t deadline = monotonic_ms() + 20000;
    while ((p3.next < p3_target || p2.next < p2_target) && monotonic_ms() < deadline) {
      if (p2_target) p2.add(h.take(2));
      p3.add(h.take(3));
      done.store(p3.next);
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  };

  pump(300, 300);  // a stream through both ports
  CHECK(p2.next >= 300);
  h.close_port(2);
  p2.add(h.take(2));
  uint32_t p2_at_close = p2.next;
  uint32_t p3_at_close = p3.next;
  pump(p3_at_close + 600, 0);  // the stream goes on without port 2
  stop.store(true);
  producer.join();

  h.quiesce();
  p3.add(h.take(3));
  std::vector<Frame> late = h.take(2);
  CHECK(late.empty());  // nothing left the closed port after close_port returned
  uint32_t total = sent.load();
  CHECK(p3.next == total);
  CHECK(p3.in_order);
  CHECK(p2.in_order);
  CHECK(p2.next == p2_at_close);
  CHECK(h.drops("bad_out_port") == total - p2_at_close);
  CHECK(h.drops("tx_queue_full") == 0);
  CHECK(h.drops("no_mbuf") == 0);
  CHECK(h.counters().total_drops() == total - p2_at_close);
  CHECK(h.counters().rx_packets.get() == total);
  CHECK(total >= p3_at_close + 600);
}

TEST_CASE("set_bridge_ports forgets the MACs of a port that left", "[dpdk][fdb]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(Match::catchall(), 0, {Action::output(kOfppNormal)});
  h.send(1, udp(kBroadcastMac, kA));
  h.send(2, udp(kBroadcastMac, kB));
  h.send(3, udp(kBroadcastMac, kC));
  h.learn();
  REQUIRE(h.fdb().size() == 3);

  BridgePortSpec p1{h.port_id(1), 1, "p1", {}};
  BridgePortSpec p3{h.port_id(3), 3, "p3", {}};
  h.dp().set_bridge_ports(h.slot(), {p1, p3});
  h.dp().commit_and_sync();
  CHECK(h.fdb().find(0, kA));
  CHECK(h.fdb().find(0, kB) == nullptr);
  CHECK(h.fdb().find(0, kC));

  // Port 2 is out of the bridge: nothing is sent to it any more.
  for (uint32_t p = 1; p <= 3; p++) h.take(p);
  h.send(1, udp(kBroadcastMac, kA));
  CHECK(h.recv(3, 1).size() == 1);
  h.quiesce();
  CHECK(h.take(2).empty());
}

// close_port takes the port out of every bridge and must flush exactly that
// port's FDB entries (as set_bridge_ports does), not another port's.
TEST_CASE("close_port forgets the MACs of the closed port only", "[dpdk][fdb][close]") {
  DpHarness h(3);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(Match::catchall(), 0, {Action::output(kOfppNormal)});
  h.send(1, udp(kBroadcastMac, kA));
  h.send(2, udp(kBroadcastMac, kB));
  h.send(3, udp(kBroadcastMac, kC));
  h.learn();
  REQUIRE(h.fdb().size() == 3);

  h.close_port(1);
  CHECK(h.fdb().find(0, kA) == nullptr);
  CHECK(h.fdb().find(0, kB) != nullptr);
  CHECK(h.fdb().find(0, kC) != nullptr);
  CHECK(h.fdb().size() == 2);
}

}  // namespace ferry::test
