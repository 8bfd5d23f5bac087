#include "tools/ferry-pktgen/pacer.h"

#include <algorithm>

namespace ferry::pktgen {

namespace {
constexpr __int128 kNsPerSec = 1000000000;
constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
}  // namespace

int64_t Pacer::deadline(uint64_t index) const {
  if (rate_ == 0) return start_;
  __int128 offset = static_cast<__int128>(index) * kNsPerSec / rate_;
  __int128 d = start_ + offset;
  return d > std::numeric_limits<int64_t>::max() ? std::numeric_limits<int64_t>::max()
                                                 : static_cast<int64_t>(d);
}

uint64_t Pacer::due(int64_t now_ns, uint64_t next, uint64_t limit) const {
  if (rate_ == 0) return limit;
  if (now_ns < start_) return 0;
  // Datagram i is due when floor(i * 1e9 / rate) <= now - start, i.e. for
  // i < ceil((now - start + 1) * rate / 1e9).
  __int128 n = ((static_cast<__int128>(now_ns - start_) + 1) * rate_ + kNsPerSec - 1) / kNsPerSec;
  if (n >= kU64Max) return limit;
  uint64_t due_end = static_cast<uint64_t>(n);  // one past the last due index
  if (due_end <= next) return 0;
  return std::min(due_end - next, limit);
}

uint64_t Pacer::count_within(int64_t duration_ns) const {
  if (duration_ns <= 0) return 0;
  if (rate_ == 0) return kU64Max;
  // Indices i with i * 1e9 / rate < duration: i < duration * rate / 1e9.
  __int128 n = (static_cast<__int128>(duration_ns) * rate_ + kNsPerSec - 1) / kNsPerSec;
  return n >= kU64Max ? kU64Max : static_cast<uint64_t>(n);
}

}  // namespace ferry::pktgen
