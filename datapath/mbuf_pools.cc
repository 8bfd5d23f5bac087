#include "datapath/mbuf_pools.h"

#include <algorithm>
#include <atomic>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "lib/util/log.h"
#include "lib/util/text.h"

FERRY_LOG_MODULE(pool_log, "mbuf_pools");

namespace ferry {

MbufPools::~MbufPools() {
  for (auto& [socket, pool] : pools_) rte_mempool_free(pool);
  for (auto& [key, pool] : sized_) rte_mempool_free(pool);
}

Result<rte_mempool*> MbufPools::get_sized(int socket, unsigned n, unsigned max_frame) {
  if (socket < 0) socket = 0;
  // The same buffers as every other port's (2 KB of data room), or more
  // for a longer frame (plus a VLAN tag or two, in cache lines): a port
  // with a pool of its own gets more mbufs, never smaller ones.
  unsigned room = RTE_PKTMBUF_HEADROOM + ((max_frame + 8 + 63) / 64) * 64;
  room = std::max(room, static_cast<unsigned>(RTE_MBUF_DEFAULT_BUF_SIZE));
  auto key = std::make_tuple(socket, n, room);
  if (auto it = sized_.find(key); it != sized_.end()) return it->second;
  static std::atomic<unsigned> serial{0};
  std::string name = strprintf("ferry_mpx%u", serial.fetch_add(1));
  rte_mempool* mp =
      rte_pktmbuf_pool_create(name.c_str(), n, 256, 0, static_cast<uint16_t>(room), socket);
  if (!mp) {
    return make_error(strprintf("cannot create a pool of %u mbufs of %u bytes: %s", n, room,
                                rte_strerror(rte_errno)),
                      ENOMEM);
  }
  FLOG_INFO(pool_log, "created %s: %u mbufs of %u bytes", name.c_str(), n, room);
  sized_[key] = mp;
  return mp;
}

Result<rte_mempool*> MbufPools::get(int socket) {
  if (socket < 0) socket = 0;
  auto it = pools_.find(socket);
  if (it != pools_.end()) return it->second;
  static std::atomic<unsigned> serial{0};  // mempool names are process-wide
  std::string name = strprintf("ferry_mp%u_s%d", serial.fetch_add(1), socket);
  rte_mempool* mp =
      rte_pktmbuf_pool_create(name.c_str(), n_mbufs_, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
  if (!mp && socket != 0) {
    mp = rte_pktmbuf_pool_create(name.c_str(), n_mbufs_, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                 SOCKET_ID_ANY);
  }
  if (!mp) {
    return make_error(strprintf("cannot create a pool of %u mbufs on socket %d: %s", n_mbufs_,
                                socket, rte_strerror(rte_errno)),
                      ENOMEM);
  }
  FLOG_INFO(pool_log, "created %s: %u mbufs of %u bytes", name.c_str(), n_mbufs_,
            static_cast<unsigned>(RTE_MBUF_DEFAULT_BUF_SIZE));
  pools_[socket] = mp;
  return mp;
}

}  // namespace ferry
