// net_ferry_replay (test/bench/replay_pmd.cc), the benchmarks' traffic
// source: the frames of a pcap, replayed round-robin into fresh mbufs of
// the queue's pool; transmit frees and counts.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <rte_bus_vdev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "test/unit/datapath/dp_harness.h"

namespace {

using Bytes = std::vector<uint8_t>;

// A classic little-endian pcap (Ethernet) of the given frames.
std::string write_pcap(const std::vector<Bytes>& frames, const std::string& tag) {
  std::string path = "/tmp/ferry-replay-test-" + std::to_string(getpid()) + "-" + tag + ".pcap";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f);
  const uint32_t hdr[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
  std::fwrite(hdr, 4, 6, f);
  for (const Bytes& b : frames) {
    const uint32_t rec[4] = {0, 0, static_cast<uint32_t>(b.size()),
                             static_cast<uint32_t>(b.size())};
    std::fwrite(rec, 4, 4, f);
    std::fwrite(b.data(), 1, b.size(), f);
  }
  std::fclose(f);
  return path;
}

Bytes frame(uint8_t tag, size_t len) {
  Bytes b(len, tag);
  b[12] = 0x08;  // an Ethernet header's type field, IPv4
  b[13] = 0x00;
  return b;
}

}  // namespace

TEST_CASE("replay PMD: frames round-robin, exact bytes, counted", "[replay]") {
  std::string err;
  REQUIRE(ferry::test::ensure_eal(&err));
  std::vector<Bytes> frames = {frame(1, 60), frame(2, 61), frame(3, 128)};
  std::string path = write_pcap(frames, "ok");
  const char* name = "net_ferry_replay_ut0";
  REQUIRE(rte_vdev_init(name, ("pcap=" + path).c_str()) == 0);
  uint16_t port;
  REQUIRE(rte_eth_dev_get_port_by_name(name, &port) == 0);
  rte_mempool* pool =
      rte_pktmbuf_pool_create("replay_ut", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  REQUIRE(pool);
  rte_eth_conf conf{};
  REQUIRE(rte_eth_dev_configure(port, 1, 1, &conf) == 0);
  REQUIRE(rte_eth_rx_queue_setup(port, 0, 64, SOCKET_ID_ANY, nullptr, pool) == 0);
  REQUIRE(rte_eth_tx_queue_setup(port, 0, 64, SOCKET_ID_ANY, nullptr) == 0);
  REQUIRE(rte_eth_dev_start(port) == 0);

  rte_mbuf* pkts[7];
  REQUIRE(rte_eth_rx_burst(port, 0, pkts, 7) == 7);
  for (int i = 0; i < 7; i++) {
    const Bytes& want = frames[static_cast<size_t>(i % 3)];
    REQUIRE(rte_pktmbuf_pkt_len(pkts[i]) == want.size());
    CHECK(pkts[i]->data_len == want.size());
    CHECK(pkts[i]->port == port);
    CHECK(std::memcmp(rte_pktmbuf_mtod(pkts[i], const void*), want.data(), want.size()) == 0);
  }
  // The next burst goes on where this one stopped (frame 1 of the file).
  rte_mbuf* more[1];
  REQUIRE(rte_eth_rx_burst(port, 0, more, 1) == 1);
  CHECK(rte_pktmbuf_pkt_len(more[0]) == 61);
  rte_pktmbuf_free(more[0]);
  // Transmit frees every packet and counts it.
  CHECK(rte_eth_tx_burst(port, 0, pkts, 7) == 7);
  rte_eth_stats st{};
  REQUIRE(rte_eth_stats_get(port, &st) == 0);
  CHECK(st.ipackets == 8);
  CHECK(st.opackets == 7);
  CHECK(st.obytes == 60 * 3 + 61 * 2 + 128 * 2);
  CHECK(rte_mempool_in_use_count(pool) == 0);

  // A pool whose buffers cannot hold the longest frame is refused.
  rte_mempool* tiny = rte_pktmbuf_pool_create("replay_ut_tiny", 64, 0, 0,
                                              RTE_PKTMBUF_HEADROOM + 100, SOCKET_ID_ANY);
  REQUIRE(tiny);
  rte_eth_dev_stop(port);
  CHECK(rte_eth_rx_queue_setup(port, 0, 64, SOCKET_ID_ANY, nullptr, tiny) != 0);
  CHECK(rte_vdev_uninit(name) == 0);
  rte_mempool_free(tiny);
  rte_mempool_free(pool);
  std::remove(path.c_str());
}

TEST_CASE("replay PMD: a bad or missing pcap fails the probe", "[replay]") {
  std::string err;
  REQUIRE(ferry::test::ensure_eal(&err));
  CHECK(rte_vdev_init("net_ferry_replay_ut1", "pcap=/nonexistent/f.pcap") != 0);
  CHECK(rte_vdev_init("net_ferry_replay_ut2", "") != 0);
  std::string junk = "/tmp/ferry-replay-test-" + std::to_string(getpid()) + "-junk.pcap";
  std::FILE* f = std::fopen(junk.c_str(), "wb");
  REQUIRE(f);
  std::fputs("not a pcap file at all, longer than a header", f);
  std::fclose(f);
  CHECK(rte_vdev_init("net_ferry_replay_ut3", ("pcap=" + junk).c_str()) != 0);
  std::string empty = write_pcap({}, "empty");
  CHECK(rte_vdev_init("net_ferry_replay_ut4", ("pcap=" + empty).c_str()) != 0);
  uint16_t port;
  CHECK(rte_eth_dev_get_port_by_name("net_ferry_replay_ut3", &port) != 0);
  std::remove(junk.c_str());
  std::remove(empty.c_str());
}
