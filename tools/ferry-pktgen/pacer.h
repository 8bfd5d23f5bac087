// Absolute-deadline pacing for udp-send: datagram i is due at
// start + i * 1e9 / rate ns. Lateness never accumulates: a sender that wakes
// up late sends every datagram already due (in a batch) and the average rate
// over any run stays exact. Pure arithmetic; the send loop does the waiting.
// A sender that was stopped (SIGSTOP: a VM paused by a live migration, whose
// clock stands still meanwhile) shifts the schedule by the stop instead:
// no burst of everything that fell due while it was stopped.
#pragma once

#include <cstdint>
#include <limits>

namespace ferry::pktgen {

class Pacer {
 public:
  // rate_pps == 0: unpaced (everything is always due).
  Pacer(uint64_t rate_pps, int64_t start_ns) : rate_(rate_pps), start_(start_ns) {}

  // Deadline of datagram `index`.
  int64_t deadline(uint64_t index) const;
  // How many of the datagrams from `next` on are due at `now` (at most
  // `limit`).
  uint64_t due(int64_t now_ns, uint64_t next, uint64_t limit) const;
  // Number of datagrams whose deadline is before start + duration.
  uint64_t count_within(int64_t duration_ns) const;

  // Every later deadline moves by `ns` (the time the sender stood still).
  void shift(int64_t ns) { start_ += ns; }

  uint64_t rate() const { return rate_; }
  int64_t start() const { return start_; }

 private:
  uint64_t rate_;
  int64_t start_;
};

}  // namespace ferry::pktgen
