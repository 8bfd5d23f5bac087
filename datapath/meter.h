// OpenFlow meters (drop bands, kbps or packets per second): token buckets
// shared by every PMD, lock-free. The control thread keeps the
// configuration in a MeterTable and publishes a MeterSnapshot; a meter's
// state (buckets and counters) survives snapshots and modifications of its
// rate.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "lib/util/result.h"

namespace ferry {

struct MeterConfig {
  uint32_t id = 0;
  bool pktps = false;  // packets per second; else kbps
  bool stats = true;
  struct Band {
    uint32_t rate = 0;   // kbps or packets per second
    uint32_t burst = 0;  // kb or packets; 0: one second's worth (rate)
  };
  std::vector<Band> bands;  // drop bands
};

class MeterState {
 public:
  explicit MeterState(const MeterConfig& cfg);
  // Re-rates the buckets (meter modify), keeping the counters.
  void configure(const MeterConfig& cfg);
  // True when the packet passes; false when a drop band drops it.
  bool admit(uint32_t bytes, uint64_t now_ns);

  std::atomic<uint64_t> packets_in{0};
  std::atomic<uint64_t> bytes_in{0};
  struct BandStats {
    std::atomic<uint64_t> packets{0};
    std::atomic<uint64_t> bytes{0};
  };
  BandStats band_stats[8];
  int64_t created_ms = 0;

 private:
  // The lowest-rate drop band decides (OpenFlow applies the highest band
  // exceeded; for drop bands that is the first one exceeded).
  std::atomic<int64_t> tokens_{0};  // bits (kbps) or milli-packets (pktps)
  std::atomic<uint64_t> last_ns_{0};
  std::atomic<uint64_t> rate_{0};  // units per second
  std::atomic<int64_t> burst_{0};  // units
  std::atomic<int> band_ = -1;     // the deciding band's index, -1: no band
  std::atomic<bool> pktps_{false};
};

class MeterSnapshot {
 public:
  MeterSnapshot() = default;
  explicit MeterSnapshot(std::vector<std::pair<uint32_t, std::shared_ptr<MeterState>>> meters);
  MeterState* find(uint32_t id) const;

 private:
  std::vector<uint32_t> ids_;  // sorted
  std::vector<MeterState*> states_;
  std::vector<std::shared_ptr<MeterState>> owners_;
};

class MeterTable {
 public:
  static constexpr size_t kMaxMeters = 65536;

  // OpenFlow meter_mod semantics. Errors carry the OpenFlow reason in the
  // message; codes are the kErrMeter* below.
  enum : int {
    kErrMeterExists = 2001,
    kErrMeterUnknown,
    kErrMeterInvalid,
    kErrMeterBadRate,
    kErrMeterBadBand,
    kErrMeterOutOfMeters
  };
  Status add(const MeterConfig& cfg);
  Status modify(const MeterConfig& cfg);
  Status del(uint32_t id);  // 0xffffffff: all

  const std::map<uint32_t, std::pair<MeterConfig, std::shared_ptr<MeterState>>>& all() const {
    return meters_;
  }
  bool changed() const { return dirty_; }
  std::shared_ptr<const MeterSnapshot> snapshot();

 private:
  Status validate(const MeterConfig& cfg) const;
  std::map<uint32_t, std::pair<MeterConfig, std::shared_ptr<MeterState>>> meters_;
  bool dirty_ = true;
  std::shared_ptr<const MeterSnapshot> snapshot_;
};

}  // namespace ferry
