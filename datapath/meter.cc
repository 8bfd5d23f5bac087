#include "datapath/meter.h"

#include <algorithm>

#include "lib/util/clock.h"
#include "lib/util/text.h"

namespace ferry {

MeterState::MeterState(const MeterConfig& cfg) : created_ms(monotonic_ms()) { configure(cfg); }

void MeterState::configure(const MeterConfig& cfg) {
  pktps_.store(cfg.pktps, std::memory_order_relaxed);
  int best = -1;
  for (size_t i = 0; i < cfg.bands.size(); i++) {
    if (best < 0 || cfg.bands[i].rate < cfg.bands[static_cast<size_t>(best)].rate)
      best = static_cast<int>(i);
  }
  band_.store(best, std::memory_order_relaxed);
  if (best < 0) return;
  const MeterConfig::Band& b = cfg.bands[static_cast<size_t>(best)];
  // Units: bits for kbps meters, milli-packets for packet meters.
  uint64_t rate = static_cast<uint64_t>(b.rate) * 1000;
  uint64_t burst_in = b.burst ? b.burst : b.rate;
  int64_t burst = static_cast<int64_t>(burst_in) * 1000;
  rate_.store(rate, std::memory_order_relaxed);
  burst_.store(burst, std::memory_order_relaxed);
  tokens_.store(burst, std::memory_order_relaxed);
}

bool MeterState::admit(uint32_t bytes, uint64_t now_ns) {
  packets_in.fetch_add(1, std::memory_order_relaxed);
  bytes_in.fetch_add(bytes, std::memory_order_relaxed);
  int band = band_.load(std::memory_order_relaxed);
  if (band < 0) return true;
  uint64_t rate = rate_.load(std::memory_order_relaxed);
  int64_t burst = burst_.load(std::memory_order_relaxed);
  // Refill: whoever advances last_ns adds the whole tokens earned since,
  // and advances it only by the time those tokens took (no rounding loss).
  uint64_t last = last_ns_.load(std::memory_order_relaxed);
  if (last == 0) {
    last_ns_.compare_exchange_strong(last, now_ns);
  } else if (now_ns > last && rate) {
    auto add =
        static_cast<int64_t>(static_cast<double>(now_ns - last) * static_cast<double>(rate) / 1e9);
    if (add > 0) {
      auto used = static_cast<uint64_t>(static_cast<double>(add) * 1e9 / static_cast<double>(rate));
      if (last_ns_.compare_exchange_strong(last, last + used)) {
        int64_t t = tokens_.fetch_add(add, std::memory_order_relaxed) + add;
        if (t > burst) tokens_.fetch_sub(t - burst, std::memory_order_relaxed);
      }
    }
  }
  int64_t cost = pktps_.load(std::memory_order_relaxed) ? 1000 : static_cast<int64_t>(bytes) * 8;
  int64_t before = tokens_.fetch_sub(cost, std::memory_order_relaxed);
  if (before >= cost) return true;
  tokens_.fetch_add(cost, std::memory_order_relaxed);
  band_stats[band].packets.fetch_add(1, std::memory_order_relaxed);
  band_stats[band].bytes.fetch_add(bytes, std::memory_order_relaxed);
  return false;
}

MeterSnapshot::MeterSnapshot(std::vector<std::pair<uint32_t, std::shared_ptr<MeterState>>> meters) {
  std::sort(meters.begin(), meters.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [id, st] : meters) {
    ids_.push_back(id);
    states_.push_back(st.get());
    owners_.push_back(std::move(st));
  }
}

MeterState* MeterSnapshot::find(uint32_t id) const {
  auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it == ids_.end() || *it != id) return nullptr;
  return states_[static_cast<size_t>(it - ids_.begin())];
}

Status MeterTable::validate(const MeterConfig& cfg) const {
  if (cfg.id == 0 || cfg.id > 0xffff0000) {
    return make_error(strprintf("meter id %u is not valid (1 to 4294901760)", cfg.id),
                      kErrMeterInvalid);
  }
  if (cfg.bands.empty()) return make_error("a meter needs at least one band", kErrMeterBadBand);
  if (cfg.bands.size() > 8) return make_error("at most 8 bands per meter", kErrMeterBadBand);
  for (const auto& b : cfg.bands) {
    if (b.rate == 0) return make_error("a band rate must be above 0", kErrMeterBadRate);
  }
  return {};
}

Status MeterTable::add(const MeterConfig& cfg) {
  Status st = validate(cfg);
  if (!st.ok()) return st;
  if (meters_.count(cfg.id))
    return make_error(strprintf("meter %u exists", cfg.id), kErrMeterExists);
  if (meters_.size() >= kMaxMeters) return make_error("too many meters", kErrMeterOutOfMeters);
  meters_[cfg.id] = {cfg, std::make_shared<MeterState>(cfg)};
  dirty_ = true;
  return {};
}

Status MeterTable::modify(const MeterConfig& cfg) {
  Status st = validate(cfg);
  if (!st.ok()) return st;
  auto it = meters_.find(cfg.id);
  if (it == meters_.end()) return make_error(strprintf("no meter %u", cfg.id), kErrMeterUnknown);
  it->second.first = cfg;
  it->second.second->configure(cfg);
  return {};
}

Status MeterTable::del(uint32_t id) {
  if (id == 0xffffffff) {
    if (!meters_.empty()) dirty_ = true;
    meters_.clear();
    return {};
  }
  if (meters_.erase(id)) dirty_ = true;
  return {};  // OpenFlow: deleting a missing meter is not an error
}

std::shared_ptr<const MeterSnapshot> MeterTable::snapshot() {
  if (dirty_ || !snapshot_) {
    std::vector<std::pair<uint32_t, std::shared_ptr<MeterState>>> v;
    for (const auto& [id, m] : meters_) v.emplace_back(id, m.second);
    snapshot_ = std::make_shared<const MeterSnapshot>(std::move(v));
    dirty_ = false;
  }
  return snapshot_;
}

}  // namespace ferry
