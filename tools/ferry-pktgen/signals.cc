#include "tools/ferry-pktgen/signals.h"

#include <signal.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace ferry::pktgen {

namespace {

volatile sig_atomic_t g_stop_signal = 0;

volatile sig_atomic_t g_continued = 0;

void on_stop_signal(int sig) { g_stop_signal = sig; }

void on_continue(int) { g_continued = 1; }

}  // namespace

Result<StopSignals> StopSignals::install() {
  StopSignals s;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &block, &s.unblocked_) != 0) {
    return make_error(std::string("sigprocmask: ") + std::strerror(errno), errno);
  }
  sigdelset(&s.unblocked_, SIGINT);
  sigdelset(&s.unblocked_, SIGTERM);
  if (sigaction(SIGINT, &sa, nullptr) != 0 || sigaction(SIGTERM, &sa, nullptr) != 0) {
    return make_error(std::string("sigaction: ") + std::strerror(errno), errno);
  }
  struct sigaction cont;
  std::memset(&cont, 0, sizeof cont);
  cont.sa_handler = on_continue;
  cont.sa_flags = SA_RESTART;
  sigemptyset(&cont.sa_mask);
  if (sigaction(SIGCONT, &cont, nullptr) != 0) {
    return make_error(std::string("sigaction: ") + std::strerror(errno), errno);
  }
  signal(SIGPIPE, SIG_IGN);
  return s;
}

bool StopSignals::stop_requested() const { return g_stop_signal != 0; }

int StopSignals::stop_signal() const { return g_stop_signal; }

bool StopSignals::take_continued() const {
  if (!g_continued) return false;
  g_continued = 0;
  return true;
}

int StopSignals::wait(pollfd* fds, nfds_t nfds, int64_t timeout_ns) const {
  timespec ts;
  timespec* tsp = nullptr;
  if (timeout_ns >= 0) {
    ts.tv_sec = static_cast<time_t>(timeout_ns / 1000000000);
    ts.tv_nsec = static_cast<long>(timeout_ns % 1000000000);
    tsp = &ts;
  }
  return ppoll(fds, nfds, tsp, &unblocked_);
}

}  // namespace ferry::pktgen
