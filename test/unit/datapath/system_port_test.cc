// A system port's device reads IPv4 fragments as they crossed the kernel
// interface (DPDK's net_af_packet asks the kernel to reassemble them:
// datapath/af_packet_defrag.h). Real devices on a real veth pair, in a network namespace of the
// test's own (needs root; skipped with a warning otherwise).
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "datapath/af_packet_defrag.h"
#include "datapath/mbuf_pools.h"
#include "datapath/port.h"
#include "test/unit/datapath/dp_harness.h"

namespace {

using Frame = std::vector<uint8_t>;

uint16_t csum(const uint8_t* p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2) s += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s & 0xffff);
}

// The two fragments of one UDP datagram with 1600 bytes of payload from
// 10.0.0.1 to 10.0.0.2: 1480 and 128 bytes of IP payload.
std::vector<Frame> udp_fragments() {
  Frame udp = {0x13, 0x88, 0x13, 0x89, 0x06, 0x48, 0x00, 0x00};  // 5000 -> 5001, len 1608
  for (int i = 0; i < 1600; i++) udp.push_back(static_cast<uint8_t>(i));
  std::vector<Frame> out;
  size_t offsets[] = {0, 1480};
  for (size_t off : offsets) {
    size_t len = off == 0 ? 1480 : udp.size() - 1480;
    bool more = off == 0;
    Frame f = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00};
    uint16_t tot = static_cast<uint16_t>(20 + len);
    uint16_t frag = static_cast<uint16_t>((more ? 0x2000 : 0) | off / 8);
    uint8_t ip[20] = {0x45,
                      0,
                      static_cast<uint8_t>(tot >> 8),
                      static_cast<uint8_t>(tot),
                      0x42,
                      0x42,
                      static_cast<uint8_t>(frag >> 8),
                      static_cast<uint8_t>(frag),
                      64,
                      17,
                      0,
                      0,
                      10,
                      0,
                      0,
                      1,
                      10,
                      0,
                      0,
                      2};
    uint16_t c = csum(ip, 20);
    ip[10] = static_cast<uint8_t>(c >> 8);
    ip[11] = static_cast<uint8_t>(c);
    f.insert(f.end(), ip, ip + 20);
    f.insert(f.end(), udp.begin() + static_cast<long>(off),
             udp.begin() + static_cast<long>(off + len));
    out.push_back(f);
  }
  return out;
}

// The IPv4 frames a port received within the time, as bytes.
std::vector<Frame> receive(uint16_t port, size_t want, int ms) {
  std::vector<Frame> got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    rte_mbuf* pkts[8];
    uint16_t n = rte_eth_rx_burst(port, 0, pkts, 8);
    for (uint16_t i = 0; i < n; i++) {
      Frame f(rte_pktmbuf_pkt_len(pkts[i]));
      // A pointer into the mbuf when contiguous, else a copy into f.
      const void* d = rte_pktmbuf_read(pkts[i], 0, static_cast<uint32_t>(f.size()), f.data());
      if (d && d != f.data()) std::memcpy(f.data(), d, f.size());
      if (f.size() >= 14 && f[12] == 0x08 && f[13] == 0x00) got.push_back(f);
      rte_pktmbuf_free(pkts[i]);
    }
    if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return got;
}

// A network namespace of this thread's own with a veth pair fa/fb (up),
// left (and so deleted) at the end of the scope.
class Netns {
 public:
  Netns() {
    saved_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (saved_ < 0 || unshare(CLONE_NEWNET) != 0) return;
    entered_ = true;
    ok_ = std::system(
              "ip link add fa type veth peer name fb && ip link set fa up && "
              "ip link set fb up") == 0;
  }
  ~Netns() {
    if (entered_) (void)setns(saved_, CLONE_NEWNET);
    if (saved_ >= 0) close(saved_);
  }
  bool ok() const { return ok_; }

 private:
  int saved_ = -1;
  bool entered_ = false;
  bool ok_ = false;
};

bool send_on(const char* ifname, const Frame& f) {
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = static_cast<int>(if_nametoindex(ifname));
  sll.sll_halen = 6;
  bool ok = sendto(fd, f.data(), f.size(), 0, reinterpret_cast<sockaddr*>(&sll), sizeof sll) ==
            static_cast<ssize_t>(f.size());
  close(fd);
  return ok;
}

}  // namespace

TEST_CASE("system port: IPv4 fragments are received as they crossed the interface",
          "[port][root]") {
  if (geteuid() != 0) {
    WARN("needs root (a network namespace and a veth pair): skipped");
    return;
  }
  std::string error;
  REQUIRE(ferry::test::ensure_eal(&error));
  CHECK(ferry::system_port_devargs("fa") == "net_af_packet_fa,iface=fa,framecnt=4096");
  CHECK(ferry::kernel_iface(ferry::system_port_devargs("fa")) == "fa");
  std::vector<Frame> frags = udp_fragments();
  REQUIRE(frags[0].size() == 1514);
  REQUIRE(frags[1].size() == 162);
  {
    Netns ns;
    REQUIRE(ns.ok());
    ferry::MbufPools pools(2048);
    uint64_t cleared = ferry::af_packet_defrag_cleared();
    ferry::PortSpec sys;
    sys.name = "fa";
    sys.devargs = ferry::system_port_devargs("fa");
    sys.n_rxd = sys.n_txd = 256;
    auto port = ferry::Port::open(sys, pools);
    REQUIRE(port.ok());
    // The PMD asked the kernel to reassemble; Ferry took that flag out.
    CHECK(ferry::af_packet_defrag_cleared() > cleared);

    REQUIRE(send_on("fb", frags[0]));
    REQUIRE(send_on("fb", frags[1]));
    std::vector<Frame> got = receive((*port)->id(), 2, 2000);
    REQUIRE(got.size() == 2);
    CHECK(got[0] == frags[0]);
    CHECK(got[1] == frags[1]);
    CHECK(receive((*port)->id(), 1, 200).empty());
    port->reset();
  }
}
