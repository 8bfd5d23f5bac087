// Sequence accounting for udp-recv: per stream, what arrived, what is
// missing, what came twice or out of order, and the longest silence. No
// sockets here: the receive loop feeds (stream, seq, send_ns, arrival_ns)
// and asks for a report at the end.
//
// Definitions (per stream; sequence numbers are u64, start at 0 and never
// wrap: 0 after 2^64-1 is an old packet, not a new cycle):
//   received    datagrams that arrived, duplicates included
//   unique      distinct sequence numbers that arrived
//   expected    --expect N when given, else highest_seq + 1 (saturating at
//               2^64-1)
//   lost        sequence numbers in [0, expected) that never arrived
//   duplicated  arrivals of a sequence number already seen
//   reordered   first arrivals of a sequence number lower than the highest
//               already seen (each fills a hole left earlier)
//   max_gap     longest time between two consecutive arrivals (any
//               sequence), with the arrival times bounding it; 0 with fewer
//               than two arrivals
//   loss_bursts number of maximal runs of consecutive missing numbers
//
// Pause-window attribution (PauseWindow [start_ns, end_ns], monotonic send
// time, both ends inclusive). The send time of a lost packet is unknown; it
// is estimated from the received neighbours of its run of missing numbers
// [a, b): seq a-1 sent at t_prev and seq b sent at t_next. The k-th missing
// number (k = 1..n, n = b - a) is taken as sent at
//     t_prev + k * (t_next - t_prev) / (n + 1)
// i.e. evenly spread between the neighbours, as a paced sender sends them.
// A run with only one received neighbour (missing numbers before the first
// arrival, or up to --expect after the last) is extrapolated from that
// neighbour with the stream's mean send interval
//     (send time of highest_seq - send time of lowest seq) / (highest - lowest);
// when that is unknown (one unique packet only) those losses are
// "unattributed". Each estimate inside the window counts in lost_in_pause,
// every other estimate in lost_outside_pause. The three always add up to lost.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace ferry::pktgen {

struct PauseWindow {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

struct StreamReport {
  uint32_t stream = 0;
  uint64_t received = 0;
  uint64_t unique = 0;
  uint64_t expected = 0;
  uint64_t lost = 0;
  uint64_t duplicated = 0;
  uint64_t reordered = 0;
  uint64_t highest_seq = 0;
  uint64_t loss_bursts = 0;
  int64_t first_arrival_ns = 0;
  int64_t last_arrival_ns = 0;
  int64_t first_send_ns = 0;  // send time of the first arrival
  int64_t last_send_ns = 0;   // send time of the last arrival
  int64_t max_gap_ns = 0;
  int64_t max_gap_start_ns = 0;  // arrival before the gap
  int64_t max_gap_end_ns = 0;    // arrival after the gap
  // Only meaningful when a pause window was given.
  bool attributed = false;
  uint64_t lost_in_pause = 0;
  uint64_t lost_outside_pause = 0;
  uint64_t lost_unattributed = 0;
};

// One stream's accounting. Memory is O(number of loss bursts), whatever the
// sequence numbers are.
class StreamTracker {
 public:
  explicit StreamTracker(uint32_t stream) : stream_(stream) {}

  void on_datagram(uint64_t seq, int64_t send_ns, int64_t arrival_ns);
  StreamReport report(std::optional<uint64_t> expect, std::optional<PauseWindow> pause) const;

 private:
  // Missing numbers [start, end): the map key is start.
  struct Hole {
    uint64_t end;
    std::optional<int64_t> send_before;  // send time of seq start-1
    int64_t send_after;                  // send time of seq end
  };
  void fill_hole(std::map<uint64_t, Hole>::iterator it, uint64_t seq, int64_t send_ns);

  uint32_t stream_;
  std::map<uint64_t, Hole> holes_;
  bool any_ = false;
  uint64_t highest_ = 0;
  int64_t highest_send_ = 0;
  uint64_t lowest_ = 0;
  int64_t lowest_send_ = 0;
  uint64_t received_ = 0, duplicated_ = 0, reordered_ = 0;
  int64_t first_arrival_ = 0, last_arrival_ = 0;
  int64_t first_send_ = 0, last_send_ = 0;
  int64_t max_gap_ = 0, max_gap_start_ = 0, max_gap_end_ = 0;
};

// All streams, keyed by stream id.
class SeqTracker {
 public:
  void on_datagram(uint32_t stream, uint64_t seq, int64_t send_ns, int64_t arrival_ns);
  // One report per stream that sent anything, in stream-id order.
  std::vector<StreamReport> report(std::optional<uint64_t> expect = std::nullopt,
                                   std::optional<PauseWindow> pause = std::nullopt) const;

 private:
  std::map<uint32_t, StreamTracker> streams_;
};

}  // namespace ferry::pktgen
