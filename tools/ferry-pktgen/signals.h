// Stopping on SIGINT/SIGTERM without races: install() blocks both signals
// and sets a handler; they are let in only while wait() sleeps (ppoll with
// the unblocked mask), so a signal can never slip in between a check of
// stop_requested() and a sleep. The flags behind stop_requested() and
// take_continued() are the process-wide state here (a signal handler has
// nothing else).
#pragma once

#include <poll.h>
#include <signal.h>

#include <cstdint>

#include "lib/util/result.h"

namespace ferry::pktgen {

class StopSignals {
 public:
  static Result<StopSignals> install();

  bool stop_requested() const;
  // The signal that stopped us (SIGINT, SIGTERM) or 0.
  int stop_signal() const;
  // Whether a SIGCONT arrived since the last call: the process was stopped
  // (SIGSTOP, as the lab's hypervisor driver pauses a VM) and continued.
  // SIGCONT is never blocked; its handler only sets a flag.
  bool take_continued() const;

  // Sleeps until one of fds is ready, timeout_ns passes (< 0: no limit;
  // 0: just deliver pending signals) or a stop signal arrives. Returns
  // ppoll's result (-1 with errno EINTR on a signal).
  int wait(pollfd* fds, nfds_t nfds, int64_t timeout_ns) const;

 private:
  StopSignals() = default;
  sigset_t unblocked_{};
};

}  // namespace ferry::pktgen
