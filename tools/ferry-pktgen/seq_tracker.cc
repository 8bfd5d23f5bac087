#include "tools/ferry-pktgen/seq_tracker.h"

#include <algorithm>
#include <limits>

namespace ferry::pktgen {

namespace {

using i128 = __int128;

constexpr uint64_t kMaxSeq = std::numeric_limits<uint64_t>::max();
constexpr int64_t kMaxSpan = int64_t{1} << 62;  // keeps the 128-bit products in range

i128 floor_div(i128 a, i128 b) { return a / b - ((a % b != 0 && a < 0) ? 1 : 0); }
i128 ceil_div(i128 a, i128 b) { return a / b + ((a % b != 0 && a > 0) ? 1 : 0); }

i128 clamp_span(i128 v) { return std::clamp<i128>(v, -kMaxSpan, kMaxSpan); }

// The send-time estimate of sequence s is t0 + (s - s0) * num / den
// (num >= 0, den > 0). Counts the s in [lo, hi) whose estimate lies in the
// window.
uint64_t count_in_window(uint64_t lo, uint64_t hi, int64_t t0, uint64_t s0, int64_t num,
                         uint64_t den, const PauseWindow& w) {
  if (lo >= hi) return 0;
  if (num <= 0) return (w.start_ns <= t0 && t0 <= w.end_ns) ? hi - lo : 0;
  // x = s - s0 must satisfy start <= t0 + x*num/den <= end.
  i128 xmin = ceil_div(clamp_span(i128{w.start_ns} - t0) * den, num);
  i128 xmax = floor_div(clamp_span(i128{w.end_ns} - t0) * den, num);
  i128 first = std::max<i128>(i128{s0} + xmin, lo);
  i128 last = std::min<i128>(i128{s0} + xmax, i128{hi} - 1);
  return last < first ? 0 : static_cast<uint64_t>(last - first + 1);
}

}  // namespace

void StreamTracker::on_datagram(uint64_t seq, int64_t send_ns, int64_t arrival_ns) {
  received_++;
  if (!any_) {
    any_ = true;
    highest_ = lowest_ = seq;
    highest_send_ = lowest_send_ = send_ns;
    first_arrival_ = last_arrival_ = arrival_ns;
    first_send_ = last_send_ = send_ns;
    if (seq > 0) holes_.emplace(0, Hole{seq, std::nullopt, send_ns});
    return;
  }
  if (arrival_ns - last_arrival_ > max_gap_) {
    max_gap_ = arrival_ns - last_arrival_;
    max_gap_start_ = last_arrival_;
    max_gap_end_ = arrival_ns;
  }
  last_arrival_ = std::max(last_arrival_, arrival_ns);
  last_send_ = send_ns;

  if (seq > highest_) {
    if (seq > highest_ + 1) holes_.emplace(highest_ + 1, Hole{seq, highest_send_, send_ns});
    highest_ = seq;
    highest_send_ = send_ns;
    return;
  }
  auto it = holes_.upper_bound(seq);
  if (it == holes_.begin()) {
    duplicated_++;
    return;
  }
  --it;
  if (seq >= it->second.end) {
    duplicated_++;
    return;
  }
  reordered_++;
  fill_hole(it, seq, send_ns);
  if (seq < lowest_) {
    lowest_ = seq;
    lowest_send_ = send_ns;
  }
}

void StreamTracker::fill_hole(std::map<uint64_t, Hole>::iterator it, uint64_t seq,
                              int64_t send_ns) {
  const uint64_t start = it->first;
  const Hole hole = it->second;
  holes_.erase(it);
  if (start < seq) holes_.emplace(start, Hole{seq, hole.send_before, send_ns});
  if (seq + 1 < hole.end) holes_.emplace(seq + 1, Hole{hole.end, send_ns, hole.send_after});
}

StreamReport StreamTracker::report(std::optional<uint64_t> expect,
                                   std::optional<PauseWindow> pause) const {
  StreamReport r;
  r.stream = stream_;
  r.received = received_;
  r.unique = received_ - duplicated_;
  r.duplicated = duplicated_;
  r.reordered = reordered_;
  r.highest_seq = highest_;
  r.first_arrival_ns = first_arrival_;
  r.last_arrival_ns = last_arrival_;
  r.first_send_ns = first_send_;
  r.last_send_ns = last_send_;
  r.max_gap_ns = max_gap_;
  r.max_gap_start_ns = max_gap_start_;
  r.max_gap_end_ns = max_gap_end_;
  r.expected = expect ? *expect : (highest_ == kMaxSeq ? kMaxSeq : highest_ + 1);
  const uint64_t expected = r.expected;

  const bool interval = highest_ > lowest_;
  const int64_t inum = interval ? std::max<int64_t>(highest_send_ - lowest_send_, 0) : 0;
  const uint64_t iden = interval ? highest_ - lowest_ : 1;
  uint64_t in = 0, unknown = 0;

  for (const auto& [start, hole] : holes_) {
    if (start >= expected) break;
    const uint64_t end = std::min(hole.end, expected);
    r.lost += end - start;
    r.loss_bursts++;
    if (!pause) continue;
    if (hole.send_before) {
      // Between two received neighbours: n + 1 equal steps.
      int64_t num = std::max<int64_t>(hole.send_after - *hole.send_before, 0);
      in += count_in_window(start, end, *hole.send_before, start - 1, num, hole.end - start + 1,
                            *pause);
    } else if (interval) {
      // Before the lowest received number: extrapolate backwards from seq
      // hole.end (num/den applied to a negative distance).
      in += count_in_window(start, end, hole.send_after, hole.end, inum, iden, *pause);
    } else {
      unknown += end - start;
    }
  }
  if (highest_ < kMaxSeq && expected > highest_ + 1) {
    const uint64_t start = highest_ + 1;
    r.lost += expected - start;
    r.loss_bursts++;
    if (pause) {
      if (interval) {
        in += count_in_window(start, expected, highest_send_, highest_, inum, iden, *pause);
      } else {
        unknown += expected - start;
      }
    }
  }
  if (pause) {
    r.attributed = true;
    r.lost_in_pause = in;
    r.lost_unattributed = unknown;
    r.lost_outside_pause = r.lost - in - unknown;
  }
  return r;
}

void SeqTracker::on_datagram(uint32_t stream, uint64_t seq, int64_t send_ns, int64_t arrival_ns) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) it = streams_.emplace(stream, StreamTracker(stream)).first;
  it->second.on_datagram(seq, send_ns, arrival_ns);
}

std::vector<StreamReport> SeqTracker::report(std::optional<uint64_t> expect,
                                             std::optional<PauseWindow> pause) const {
  std::vector<StreamReport> out;
  out.reserve(streams_.size());
  for (const auto& [id, tracker] : streams_) out.push_back(tracker.report(expect, pause));
  return out;
}

}  // namespace ferry::pktgen
