// Packet-buffer pools (DPDK mempools), one per NUMA socket, shared by the
// ports on that socket. Created on first use; freed when the owner is.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "lib/util/result.h"

struct rte_mempool;

namespace ferry {

class MbufPools {
 public:
  static constexpr unsigned kDefaultMbufs = 16384;

  explicit MbufPools(unsigned n_mbufs = kDefaultMbufs) : n_mbufs_(n_mbufs) {}
  ~MbufPools();
  MbufPools(const MbufPools&) = delete;
  MbufPools& operator=(const MbufPools&) = delete;

  // The pool for a socket (SOCKET_ID_ANY = -1 uses socket 0's).
  Result<rte_mempool*> get(int socket);
  // A pool of its own of n mbufs with the default data room (2 KB), or
  // more when max_frame needs it (reused for the same sizes); lives as
  // long as this object.
  Result<rte_mempool*> get_sized(int socket, unsigned n, unsigned max_frame);
  unsigned n_mbufs() const { return n_mbufs_; }

 private:
  unsigned n_mbufs_;
  std::map<int, rte_mempool*> pools_;
  std::map<std::tuple<int, unsigned, unsigned>, rte_mempool*> sized_;
};

}  // namespace ferry
