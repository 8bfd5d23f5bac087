// Kernel link notifications (rtnetlink RTMGRP_LINK): a carrier change on a
// kernel interface (the one behind a net_af_packet port) wakes the control
// thread, which then reads every port's link state at once instead of at
// its next 100 ms check.
#pragma once

#include "lib/util/waiter.h"

namespace ferry {

class LinkNotifier {
 public:
  LinkNotifier();  // without a socket (not permitted, say) it never fires
  ~LinkNotifier();
  LinkNotifier(const LinkNotifier&) = delete;
  LinkNotifier& operator=(const LinkNotifier&) = delete;

  // Drains the socket; true when a link was added, changed or removed.
  bool run();
  void wait(Waiter& w) const;

 private:
  int fd_ = -1;
};

}  // namespace ferry
