#include "lib/ovs/poller.h"

#include "lib/ovs/db/fo-process.h"

namespace ferry::ovs {

void OvsPoller::fd_wait(int fd, short events) { fo_poll_fd_wait(fd, events); }

void OvsPoller::timer_wait(int64_t msec) { fo_poll_timer_wait(msec < 0 ? 0 : msec); }

void OvsPoller::immediate_wake() { fo_poll_immediate_wake(); }

void OvsPoller::block() { fo_poll_block(); }

int64_t time_msec() { return fo_time_msec(); }

}  // namespace ferry::ovs
