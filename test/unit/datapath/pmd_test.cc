// Several PMDs: rx queues spread over them, one device tx queue shared
// (ring ports have one), each PMD with its own megaflow cache.
#include <cstring>

#include <catch2/catch.hpp>

#include "datapath/megaflow_cache.h"
#include "lib/packet/builder.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {
namespace {

Frame numbered(uint8_t source, uint32_t seq) {
  std::vector<uint8_t> payload(8, 0);
  payload[0] = source;
  std::memcpy(payload.data() + 4, &seq, 4);
  return FrameBuilder()
      .eth(Mac{0x52, 0x54, 0, 0, 0, 0xee}, Mac{0x52, 0x54, 0, 0, 0, source})
      .ipv4(ip4(10, 4, 0, source), ip4(10, 4, 0, 100))
      .udp(7, 7)
      .payload(payload)
      .build();
}

}  // namespace

TEST_CASE("two PMDs transmit on one shared tx queue without loss or reordering", "[dpdk][pmd]") {
  DpHarness h(3, {}, 2);
  if (!h.ok()) FAIL(h.error());
  REQUIRE(h.dp().n_pmds() == 2);
  h.add_flow(Match().set_in_port(1), 100, {Action::output(3)});
  h.add_flow(Match().set_in_port(2), 100, {Action::output(3)});

  constexpr uint32_t kPerPort = 300;
  for (uint32_t i = 0; i < kPerPort; i++) {
    h.send(1, numbered(1, i));
    h.send(2, numbered(2, i));
  }
  std::vector<Frame> out = h.recv(3, 2 * kPerPort);
  REQUIRE(out.size() == 2 * kPerPort);
  uint32_t next[3] = {0, 0, 0};
  for (const Frame& f : out) {
    // Ethernet + IPv4 + UDP, then the payload: source, pad, sequence.
    uint8_t source = f[42];
    uint32_t seq;
    std::memcpy(&seq, f.data() + 46, 4);
    REQUIRE((source == 1 || source == 2));
    CHECK(seq == next[source]);
    CHECK(f == numbered(source, seq));
    next[source] = seq + 1;
  }
  h.quiesce();
  CHECK(h.take(3).empty());
  CHECK(h.sum(&PmdCounters::rx_packets) == 2 * kPerPort);
  CHECK(h.sum(&PmdCounters::tx_packets) == 2 * kPerPort);
  CHECK(h.sum(&PmdCounters::simple_hits) == 2 * kPerPort);  // in_port rules only
  // Port 1's queue is PMD 0's, port 2's PMD 1's (round robin, port order).
  CHECK(h.dp().pmd(0).counters().rx_packets.get() == kPerPort);
  CHECK(h.dp().pmd(1).counters().rx_packets.get() == kPerPort);
  auto caches = h.dp().megaflow_caches(h.slot());
  REQUIRE(caches.size() == 2);
  CHECK(caches[0]->size() == 0);
  CHECK(caches[1]->size() == 0);
  for (size_t i = 0; i < 2; i++) CHECK(h.dp().pmd(i).counters().total_drops() == 0);
}

}  // namespace ferry::test
