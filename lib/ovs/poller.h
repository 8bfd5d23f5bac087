// The control thread's event loop runs on libopenvswitch's poll loop (the
// OVSDB IDL and OpenFlow connections register their own waits on it).
// OvsPoller lets Ferry's components register theirs through Waiter.
#pragma once

#include <cstdint>
#include <string>

#include "lib/util/waiter.h"

namespace ferry::ovs {

class OvsPoller : public Waiter {
 public:
  void fd_wait(int fd, short events) override;
  void timer_wait(int64_t msec) override;
  void immediate_wake() override;
  // Blocks until something registered (by Ferry or by libopenvswitch) is ready.
  void block();
};

// libopenvswitch's monotonic clock, in ms.
int64_t time_msec();

}  // namespace ferry::ovs
