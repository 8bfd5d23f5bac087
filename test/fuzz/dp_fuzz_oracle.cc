#include "test/fuzz/dp_fuzz_oracle.h"

#include <algorithm>

#include "datapath/classify.h"
#include "lib/packet/parser.h"

namespace ferry::fuzz {

namespace {

size_t idx(DropReason r) { return static_cast<size_t>(r); }

void predict_simple(const DpPort& in, ParseStatus st, const PortKey& pk, Expected& e) {
  if (st == ParseStatus::kRunt || st == ParseStatus::kTruncatedVlan) {
    e.drops[static_cast<size_t>(st)]++;
    return;
  }
  e.simple++;
  if (st == ParseStatus::kOk) e.simple_keys.push_back(pk);
  if (in.simple_rule) {
    e.rule_packets[in.simple_rule->stats.get()]++;
  } else {
    e.drops[idx(DropReason::kNoRule)]++;
  }
}

void predict_lookup(const DpBridge& br, const PortKey& pk, Expected& e) {
  e.looked_up++;
  e.keys.push_back(pk);
  FlowKey wc = zero_key();
  Classification c = classify(br, pk.key, &wc);
  if (c.rule) {
    e.rule_packets[c.rule->stats.get()]++;
  } else {
    e.drops[idx(DropReason::kNoRule)]++;
  }
  if (!c.conv) return;
  e.conv_packets[c.conv->stats]++;
  if (!c.conv->mirror) return;
  if (c.mirror_rule) {
    e.rule_packets[c.mirror_rule->stats.get()]++;
  } else {
    e.drops[idx(DropReason::kNoRule)]++;  // the unconverted copy misses
  }
}

}  // namespace

bool takes_simple_path(const DpPort& in) {
  return in.simple && (in.simple_batchable || !in.simple_rule);
}

Expected predict(const std::vector<FuzzFrame>& frames, const DpFuzzHarness& h) {
  Expected e;
  e.frames = frames.size();
  for (const FuzzFrame& f : frames) {
    auto wire = f.on_wire();
    if (!wire) {
      e.drops[idx(DropReason::kNoHeadroom)]++;
      continue;
    }
    e.max_len = std::max(e.max_len, wire->size());
    const DpPort& in = h.port(f.port);
    PortKey pk{f.port, zero_key()};
    ParseStatus st =
        parse_frame(wire->data(), static_cast<uint32_t>(wire->size()), in.ofport, &pk.key);
    if (takes_simple_path(in)) {
      predict_simple(in, st, pk, e);
    } else if (st != ParseStatus::kOk) {
      e.drops[static_cast<size_t>(st)]++;
    } else {
      predict_lookup(h.bridge_of(f.port), pk, e);
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
  v.simple = c.simple_hits.get();
  v.lookups = c.emc_hits.get() + c.megaflow_hits.get() + c.megaflow_misses.get();
  v.install_fail = c.megaflow_install_fail.get();
  v.packet_in_consumed = c.packet_in_consumed.get();
  for (size_t i = 0; i < kDropReasons; i++) v.drops[i] = c.drops[i].get();
  return v;
}

}  // namespace ferry::fuzz
