/* The poll loop and clock of libopenvswitch, for the C++ side. */
#include "lib/ovs/db/fo-process.h"
#include "openvswitch/poll-loop.h"
#include "timeval.h"

void fo_poll_fd_wait(int fd, short events) { poll_fd_wait(fd, events); }

void fo_poll_timer_wait(int64_t msec) { poll_timer_wait(msec); }

void fo_poll_immediate_wake(void) { poll_immediate_wake(); }

void fo_poll_block(void) { poll_block(); }

int64_t fo_time_msec(void) { return time_msec(); }
