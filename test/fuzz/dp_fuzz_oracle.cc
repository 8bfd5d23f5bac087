#include "test/fuzz/dp_fuzz_oracle.h"

#include <algorithm>

#include "datapath/classify.h"
#include "lib/packet/parser.h"

namespace ferry::fuzz {

namespace {

size_t idx(DropReason r) { return static_cast<size_t>(r); }

}  // namespace

Expected predict(const std::vector<FuzzFrame>& frames, const DpBridge& br) {
  Expected e;
  e.frames = frames.size();
  for (const FuzzFrame& f : frames) {
    auto wire = f.on_wire();
    if (!wire) {
      e.drops[idx(DropReason::kNoHeadroom)]++;
      continue;
    }
    e.max_len = std::max(e.max_len, wire->size());
    FlowKey k;
    ParseStatus st = parse_frame(wire->data(), static_cast<uint32_t>(wire->size()), f.ofport, &k);
    if (st != ParseStatus::kOk) {
      e.drops[static_cast<size_t>(st)]++;
      continue;
    }
    e.parsed++;
    e.keys.push_back(k);
    FlowKey wc = zero_key();
    Classification c = classify(br, k, &wc);
    if (c.rule) {
      e.rule_packets[c.rule->stats.get()]++;
    } else {
      e.drops[idx(DropReason::kNoRule)]++;
    }
    if (!c.conv) continue;
    e.conv_packets[c.conv->stats]++;
    if (!c.conv->mirror) continue;
    if (c.mirror_rule) {
      e.rule_packets[c.mirror_rule->stats.get()]++;
    } else {
      e.drops[idx(DropReason::kNoRule)]++;  // the unconverted copy misses
    }
  }
  return e;
}

uint64_t CounterValues::total_drops() const {
  uint64_t n = 0;
  for (uint64_t d : drops) n += d;
  return n;
}

CounterValues read_counters(const PmdCounters& c) {
  CounterValues v;
  v.rx = c.rx_packets.get();
  v.tx = c.tx_packets.get();
  v.hits = c.megaflow_hits.get();
  v.misses = c.megaflow_misses.get();
  v.install_fail = c.megaflow_install_fail.get();
  for (size_t i = 0; i < kDropReasons; i++) v.drops[i] = c.drops[i].get();
  return v;
}

}  // namespace ferry::fuzz
