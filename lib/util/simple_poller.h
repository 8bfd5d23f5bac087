// A poll(2)-based Waiter for tools and tests that do not run the OVS poll loop.
#pragma once

#include <poll.h>

#include <cstdint>
#include <vector>

#include "lib/util/waiter.h"

namespace ferry {

class SimplePoller : public Waiter {
 public:
  void fd_wait(int fd, short events) override { fds_.push_back({fd, events, 0}); }
  void timer_wait(int64_t msec) override {
    if (timeout_ < 0 || msec < timeout_) timeout_ = msec < 0 ? 0 : msec;
  }
  void immediate_wake() override { timeout_ = 0; }

  // Blocks until an fd is ready or the earliest timer expires, then resets.
  // max_msec bounds the wait when nothing set a timer (-1: forever).
  void block(int64_t max_msec = -1) {
    int64_t t = timeout_;
    if (max_msec >= 0 && (t < 0 || t > max_msec)) t = max_msec;
    ::poll(fds_.data(), fds_.size(), static_cast<int>(t));
    fds_.clear();
    timeout_ = -1;
  }

 private:
  std::vector<pollfd> fds_;
  int64_t timeout_ = -1;
};

}  // namespace ferry
