#include "datapath/af_packet_defrag.h"

#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace ferry {

namespace {

std::atomic<uint64_t> g_cleared{0};

}  // namespace

uint64_t af_packet_defrag_cleared() { return g_cleared.load(std::memory_order_relaxed); }

}  // namespace ferry

// libc's setsockopt is this system call; this one differs only for a
// PACKET_FANOUT request with the defrag flag (see the header).
extern "C" int setsockopt(int fd, int level, int optname, const void* optval, socklen_t optlen) {
  uint32_t arg;
  if (level == SOL_PACKET && optname == PACKET_FANOUT && optval && optlen == sizeof arg) {
    std::memcpy(&arg, optval, sizeof arg);
    constexpr uint32_t kDefrag = static_cast<uint32_t>(PACKET_FANOUT_FLAG_DEFRAG) << 16;
    if (arg & kDefrag) {
      arg &= ~kDefrag;
      ferry::g_cleared.fetch_add(1, std::memory_order_relaxed);
      return static_cast<int>(syscall(SYS_setsockopt, fd, level, optname, &arg, optlen));
    }
  }
  return static_cast<int>(syscall(SYS_setsockopt, fd, level, optname, optval, optlen));
}
