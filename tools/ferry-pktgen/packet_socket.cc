#include "tools/ferry-pktgen/packet_socket.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tools/ferry-pktgen/vlan_restore.h"

namespace ferry::pktgen {

namespace {

constexpr size_t kMaxFrame = 65536;

Error sys_error(const std::string& what) {
  return make_error(what + ": " + std::strerror(errno), errno);
}

}  // namespace

Result<PacketSocket> PacketSocket::open(const std::string& iface, Mode mode) {
  unsigned ifindex = if_nametoindex(iface.c_str());
  if (ifindex == 0) return make_error("no interface \"" + iface + "\"", ENODEV);
  // Protocol 0: nothing is queued before bind() narrows it to this interface.
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) return sys_error("socket(AF_PACKET)");
  PacketSocket s(fd, static_cast<int>(ifindex));
  if (mode == Mode::kReceive) {
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) != 0) {
      return sys_error("PACKET_AUXDATA");
    }
    // Older kernels lack it; receive() also drops outgoing frames by type.
    (void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    int rcvbuf = 4 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
      (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
  }
  sockaddr_ll sll;
  std::memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = static_cast<int>(ifindex);
  sll.sll_protocol = mode == Mode::kReceive ? htons(ETH_P_ALL) : 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
    return sys_error("bind to " + iface);
  }
  return s;
}

PacketSocket::~PacketSocket() {
  if (fd_ >= 0) close(fd_);
}

Status PacketSocket::send(const std::vector<uint8_t>& frame) {
  if (frame.size() < 14) return make_error("frame shorter than an Ethernet header");
  sockaddr_ll sll;
  std::memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = ifindex_;
  sll.sll_halen = 6;
  std::memcpy(sll.sll_addr, frame.data(), 6);
  // The frame's own ethertype, so the receiving side classifies it exactly
  // as a frame from the wire (tags included).
  std::memcpy(&sll.sll_protocol, frame.data() + 12, 2);
  ssize_t n =
      sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&sll), sizeof sll);
  if (n < 0) return sys_error("send");
  if (static_cast<size_t>(n) != frame.size()) return make_error("short send", EIO);
  return {};
}

Result<std::optional<ReceivedFrame>> PacketSocket::receive() {
  ReceivedFrame f;
  for (;;) {
    f.bytes.resize(kMaxFrame);
    sockaddr_ll from;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(tpacket_auxdata))];
    iovec iov{f.bytes.data(), f.bytes.size()};
    msghdr msg;
    std::memset(&msg, 0, sizeof msg);
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(fd_, &msg, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<ReceivedFrame>();
      if (errno == EINTR) continue;
      return sys_error("recvmsg");
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue;
    f.truncated = static_cast<size_t>(n) > kMaxFrame;
    f.bytes.resize(f.truncated ? kMaxFrame : static_cast<size_t>(n));
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
      tpacket_auxdata aux;
      std::memcpy(&aux, CMSG_DATA(c), sizeof aux);
      if ((aux.tp_status & TP_STATUS_VLAN_VALID) || aux.tp_vlan_tci != 0) {
        uint16_t tpid =
            (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : ETH_P_8021Q;
        f.vlan_restored = restore_vlan_tag(&f.bytes, tpid, aux.tp_vlan_tci);
      }
    }
    return std::optional<ReceivedFrame>(std::move(f));
  }
}

}  // namespace ferry::pktgen
