// The control thread's event loop in the run()/wait()/block() style of OVS:
// every component has run() (do what is ready, never block) and
// wait(Waiter&) (say what it is waiting for). The loop then blocks once.
#pragma once

#include <cstdint>

namespace ferry {

class Waiter {
 public:
  virtual ~Waiter() = default;
  // Wake when fd has any of events (POLLIN, POLLOUT).
  virtual void fd_wait(int fd, short events) = 0;
  // Wake after at most msec milliseconds (relative).
  virtual void timer_wait(int64_t msec) = 0;
  // Do not block at all this iteration.
  virtual void immediate_wake() = 0;
};

}  // namespace ferry
