// vhost-user pieces that need no guest: the socket checks before net_vhost
// opens a path, and the bounded tx retries (options:tx-retries-max) on a
// device whose queue takes only part of a burst.
#include "datapath/vhost_port.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <string>

#include <catch2/catch.hpp>

#include "lib/packet/builder.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {
namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/ferry-vhost-unit-XXXXXX";
    path = mkdtemp(t);
  }
  ~TempDir() { std::system(("rm -rf " + path).c_str()); }
};

// A UNIX socket bound at path; listening or (closed at once) left stale.
void make_socket(const std::string& path, bool listen_on, int* fd_out) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  if (listen_on) {
    REQUIRE(listen(fd, 1) == 0);
    *fd_out = fd;
  } else {
    close(fd);
  }
}

std::string server(const std::string& path) {
  auto d = vhost_devargs("vhu0", path, VhostMode::kServer);
  REQUIRE(d.ok());
  return *d;
}

}  // namespace

TEST_CASE("vhost_devargs builds net_vhost devargs and refuses unusable paths", "[vhost]") {
  auto c = vhost_devargs("vhu0", "/run/vm1.sock", VhostMode::kClient);
  REQUIRE(c.ok());
  CHECK(*c == "net_vhost_vhu0,iface=/run/vm1.sock,queues=16,client=1");
  CHECK(server("/run/vhu0") == "net_vhost_vhu0,iface=/run/vhu0,queues=16");
  CHECK(!vhost_devargs("vhu0", "", VhostMode::kClient).ok());
  CHECK(vhost_devargs("vhu0", "/tmp/a,b", VhostMode::kClient).error().message ==
        "vhost-user socket path /tmp/a,b contains a comma");
  CHECK(vhost_devargs("vhu0", "/" + std::string(120, 'x'), VhostMode::kClient).error().code ==
        ENAMETOOLONG);
}

TEST_CASE("VhostQueues counts the leading pairs enabled both ways", "[vhost]") {
  VhostQueues q;
  CHECK(q.leading_pairs() == 0);
  q.rx = 0b0111;
  q.tx = 0b1011;
  CHECK(q.leading_pairs() == 2);
  q.tx = 0b1111;
  CHECK(q.leading_pairs() == 3);
  q.rx = q.tx = ~0ULL;
  CHECK(q.leading_pairs() == 64);
  q.rx = 0b110;  // pair 0 disabled: nothing usable from the start
  CHECK(q.leading_pairs() == 0);
}

TEST_CASE("vhost_prepare_socket checks the path before net_vhost opens it", "[vhost]") {
  TempDir dir;
  const std::string file = dir.path + "/plain";
  std::system(("echo x > " + file).c_str());

  SECTION("a path that is not a socket is refused in both modes") {
    auto c = vhost_devargs("vhu0", file, VhostMode::kClient);
    Status st = vhost_prepare_socket("vhu0", *c);
    REQUIRE(!st.ok());
    CHECK(st.error().message == "vhost-user socket path " + file + " exists and is not a socket");
    CHECK(st.error().code == ENOTSOCK);
    CHECK(!vhost_prepare_socket("vhu0", server(file)).ok());
  }
  SECTION("a client path that does not exist yet is fine (Ferry keeps connecting)") {
    auto c = vhost_devargs("vhu0", dir.path + "/later.sock", VhostMode::kClient);
    CHECK(vhost_prepare_socket("vhu0", *c).ok());
  }
  SECTION("a server socket in a directory that does not exist is refused") {
    Status st = vhost_prepare_socket("vhu0", server(dir.path + "/nodir/vhu0"));
    REQUIRE(!st.ok());
    CHECK(st.error().code == ENOENT);
  }
  SECTION("a stale server socket is removed, a live one refused") {
    const std::string stale = dir.path + "/stale";
    make_socket(stale, false, nullptr);
    CHECK(vhost_prepare_socket("vhu0", server(stale)).ok());
    struct stat st;
    CHECK(stat(stale.c_str(), &st) != 0);

    const std::string live = dir.path + "/live";
    int fd = -1;
    make_socket(live, true, &fd);
    Status busy = vhost_prepare_socket("vhu0", server(live));
    close(fd);
    REQUIRE(!busy.ok());
    CHECK(busy.error().code == EBUSY);
    CHECK(stat(live.c_str(), &st) == 0);
  }
}

// Port 2's tx ring is filled up to 5 free slots; a burst of 32 frames
// then leaves 27 untaken. The retry that follows takes nothing, so there
// is exactly one (with retries enabled) and the PMD moves on.
TEST_CASE("tx retries are bounded and stop when the device takes nothing", "[dpdk][vhost]") {
  uint32_t retries_max = GENERATE(0u, 8u);
  DpHarness h(2);
  if (!h.ok()) FAIL(h.error());
  h.add_flow(Match().set_in_port(1), 100, {Action::output(2)});
  Port* out = h.dp().port(h.port_id(2));
  REQUIRE(out);
  out->set_tx_retries_max(retries_max);

  rte_ring* tx = h.tx_ring(2);
  static int filler;  // stands for frames the "guest" has not consumed
  unsigned fill = rte_ring_free_count(tx) - 5;
  unsigned filled = 0;
  while (filled < fill && rte_ring_enqueue(tx, &filler) == 0) filled++;
  REQUIRE(filled == fill);

  const Frame f = FrameBuilder()
                      .eth({0x02, 0, 0, 0, 0, 2}, {0x02, 0, 0, 0, 0, 1})
                      .ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2))
                      .udp(1, 2)
                      .build();
  rte_mbuf* burst[32];
  for (rte_mbuf*& m : burst) {
    m = rte_pktmbuf_alloc(h.pool());
    REQUIRE(m);
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(f.size())), f.data(), f.size());
  }
  // One enqueue: the PMD sees the 32 frames as one burst.
  REQUIRE(rte_ring_enqueue_bulk(h.rx_ring(1), reinterpret_cast<void**>(burst), 32, nullptr) == 32);
  h.quiesce();

  CHECK(h.drops("tx_queue_full") == 27);
  CHECK(h.dp().tx_dropped(h.port_id(2)) == 27);
  CHECK(out->tx_retries() == (retries_max ? 1u : 0u));
  void* obj;
  unsigned emptied = 0;
  while (emptied < fill && rte_ring_dequeue(tx, &obj) == 0 && obj == &filler) emptied++;
  REQUIRE(emptied == fill);
  auto frames = h.take(2);
  REQUIRE(frames.size() == 5);
  CHECK(frames[0] == f);
}

}  // namespace ferry::test
