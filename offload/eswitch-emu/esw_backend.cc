#include "offload/eswitch-emu/esw_backend.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

namespace ferry::esw {

std::string ring_prefix(const std::string& device, const std::string& vport) {
  // rte_ring names are at most 29 characters: drop the driver's prefix.
  std::string dev = device;
  const std::string pre = "net_ferry_";
  if (dev.rfind(pre, 0) == 0) dev = dev.substr(pre.size());
  return dev + "_" + vport;
}

std::string ring_name(const std::string& device, const std::string& vport, bool in) {
  return ring_prefix(device, vport) + (in ? "_in" : "_out");
}

namespace {

constexpr unsigned kRingSize = 4096;

class RingBackend : public Backend {
 public:
  RingBackend(rte_ring* in, rte_ring* out, std::string name)
      : in_(in), out_(out), name_(std::move(name)) {}
  ~RingBackend() override {
    drain(in_);
    drain(out_);
    rte_ring_free(in_);
    rte_ring_free(out_);
  }
  uint16_t receive(rte_mempool*, rte_mbuf** pkts, uint16_t n) override {
    return static_cast<uint16_t>(
        rte_ring_dequeue_burst(in_, reinterpret_cast<void**>(pkts), n, nullptr));
  }
  uint16_t deliver(rte_mbuf** pkts, uint16_t n) override {
    unsigned sent = rte_ring_enqueue_burst(out_, reinterpret_cast<void**>(pkts), n, nullptr);
    if (sent < n) rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    return static_cast<uint16_t>(sent);
  }
  std::string describe() const override { return "ring " + name_; }

 private:
  static void drain(rte_ring* r) {
    void* m;
    while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  }
  rte_ring* in_;
  rte_ring* out_;
  std::string name_;
};

class PacketBackend : public Backend {
 public:
  PacketBackend(int fd, std::string ifname) : fd_(fd), ifname_(std::move(ifname)) {}
  ~PacketBackend() override { close(fd_); }

  uint16_t receive(rte_mempool* pool, rte_mbuf** pkts, uint16_t n) override {
    uint16_t got = 0;
    while (got < n) {
      rte_mbuf* m = rte_pktmbuf_alloc(pool);
      if (!m) break;
      // Leave room in front for a tag the kernel took out of the frame.
      uint8_t* data = rte_pktmbuf_mtod(m, uint8_t*);
      uint16_t room = static_cast<uint16_t>(rte_pktmbuf_tailroom(m));
      iovec iov{data, room};
      alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(tpacket_auxdata))];
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = ctrl;
      msg.msg_controllen = sizeof ctrl;
      ssize_t len = recvmsg(fd_, &msg, MSG_DONTWAIT | MSG_TRUNC);
      if (len <= 0 || len > room) {
        rte_pktmbuf_free(m);
        if (len <= 0) break;
        continue;  // larger than an mbuf: dropped
      }
      m->data_len = m->pkt_len = static_cast<uint32_t>(len);
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
        tpacket_auxdata aux;
        std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
        if ((aux.tp_status & TP_STATUS_VLAN_VALID) && len >= 12) {
          auto* nd = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, 4));
          if (!nd) break;
          std::memmove(nd, nd + 4, 12);
          uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : 0x8100;
          uint16_t t = htons(tpid), tci = htons(aux.tp_vlan_tci);
          std::memcpy(nd + 12, &t, 2);
          std::memcpy(nd + 14, &tci, 2);
        }
      }
      pkts[got++] = m;
    }
    return got;
  }
  uint16_t deliver(rte_mbuf** pkts, uint16_t n) override {
    uint16_t ok = 0;
    for (uint16_t i = 0; i < n; i++) {
      rte_mbuf* m = pkts[i];
      if (m->nb_segs == 1 &&
          send(fd_, rte_pktmbuf_mtod(m, void*), m->data_len, MSG_DONTWAIT) == m->data_len)
        ok++;
      rte_pktmbuf_free(m);
    }
    return ok;
  }
  std::string describe() const override { return "interface " + ifname_; }

 private:
  int fd_;
  std::string ifname_;
};

}  // namespace

Result<std::unique_ptr<Backend>> make_ring_backend(const std::string& prefix) {
  std::string in = prefix + "_in", out = prefix + "_out";
  rte_ring* ri = rte_ring_create(in.c_str(), kRingSize, SOCKET_ID_ANY, 0);
  if (!ri)
    return make_error("cannot create ring " + in + ": " + rte_strerror(rte_errno), rte_errno);
  rte_ring* ro = rte_ring_create(out.c_str(), kRingSize, SOCKET_ID_ANY, 0);
  if (!ro) {
    rte_ring_free(ri);
    return make_error("cannot create ring " + out + ": " + rte_strerror(rte_errno), rte_errno);
  }
  return std::unique_ptr<Backend>(new RingBackend(ri, ro, prefix));
}

Result<std::unique_ptr<Backend>> make_packet_backend(const std::string& ifname) {
  unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) return make_error("no interface " + ifname, ENODEV);
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) return make_error("socket(AF_PACKET): " + std::string(strerror(errno)), errno);
  int one = 1;
  setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one);
#ifdef PACKET_IGNORE_OUTGOING
  setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
#endif
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) {
    int e = errno;
    close(fd);
    return make_error("bind to " + ifname + ": " + strerror(e), e);
  }
  packet_mreq mr{};
  mr.mr_ifindex = static_cast<int>(ifindex);
  mr.mr_type = PACKET_MR_PROMISC;
  setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr);
  // Frames that arrived between socket() and bind() came from any interface.
  char buf[64];
  while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
  return std::unique_ptr<Backend>(new PacketBackend(fd, ifname));
}

}  // namespace ferry::esw
