// MbufPools: every pool has DPDK's default data room (2 KB frames); a port
// with a pool of its own (a pcap replay port) gets more mbufs, never
// smaller ones.
#include "datapath/mbuf_pools.h"

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <string>

#include <catch2/catch.hpp>

#include "test/unit/datapath/dp_harness.h"

TEST_CASE("mbuf pools: a sized pool keeps the default data room", "[mbuf_pools]") {
  std::string err;
  REQUIRE(ferry::test::ensure_eal(&err));
  ferry::MbufPools pools(1024);
  auto shared = pools.get(0);
  REQUIRE(shared);
  CHECK(rte_pktmbuf_data_room_size(*shared) == RTE_MBUF_DEFAULT_BUF_SIZE);
  // 60-byte frames (a pcap of minimum-size frames): the same 2 KB buffers.
  auto small = pools.get_sized(0, 3000, 60);
  REQUIRE(small);
  CHECK(rte_pktmbuf_data_room_size(*small) == RTE_MBUF_DEFAULT_BUF_SIZE);
  CHECK((*small)->size == 3000);
  // Jumbo frames: room for the frame and two VLAN tags, past the headroom.
  auto jumbo = pools.get_sized(0, 1024, 9000);
  REQUIRE(jumbo);
  CHECK(rte_pktmbuf_data_room_size(*jumbo) >= RTE_PKTMBUF_HEADROOM + 9000 + 8);
  CHECK(rte_pktmbuf_data_room_size(*jumbo) > RTE_MBUF_DEFAULT_BUF_SIZE);
  // The same request reuses the pool.
  auto again = pools.get_sized(0, 3000, 60);
  REQUIRE(again);
  CHECK(*again == *small);
}
