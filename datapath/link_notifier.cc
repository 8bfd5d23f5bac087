#include "datapath/link_notifier.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ferry {

LinkNotifier::LinkNotifier() {
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd_ < 0) return;
  sockaddr_nl sa;
  std::memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR;  // addresses: tunnels' underlay
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

LinkNotifier::~LinkNotifier() {
  if (fd_ >= 0) ::close(fd_);
}

bool LinkNotifier::run() {
  if (fd_ < 0) return false;
  bool changed = false;
  alignas(nlmsghdr) char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) {
      // ENOBUFS: notifications were lost; a check of every port covers them.
      if (errno == ENOBUFS) changed = true;
      break;
    }
    if (n == 0) break;
    // The messages one after another, each aligned to NLMSG_ALIGNTO.
    size_t off = 0, len = static_cast<size_t>(n);
    while (off + sizeof(nlmsghdr) <= len) {
      const auto* h = reinterpret_cast<const nlmsghdr*>(buf + off);
      if (h->nlmsg_len < sizeof(nlmsghdr) || off + h->nlmsg_len > len) break;
      if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK ||
          h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR)
        changed = true;
      off += (h->nlmsg_len + NLMSG_ALIGNTO - 1) & ~static_cast<size_t>(NLMSG_ALIGNTO - 1);
    }
  }
  return changed;
}

void LinkNotifier::wait(Waiter& w) const {
  if (fd_ >= 0) w.fd_wait(fd_, POLLIN);
}

}  // namespace ferry
