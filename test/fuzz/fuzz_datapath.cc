// libFuzzer target: frames through the real pipeline (parse, megaflow cache
// and classifier, conversions, action execution, NORMAL with learning,
// meters, tx) of a bridge with a fixed rule set (dp_fuzz_config.h), driven
// on the fuzzer's thread (dp_fuzz_bridge.h). Input format: dp_fuzz_input.h.
//
// After each input every frame has been processed and every output drained;
// checked:
//   - no mbuf leaks: both pools are full again;
//   - counters: rx = frames in; tx = frames out; megaflow hits + misses =
//     frames parsed; parse drops by reason, kNoHeadroom and kNoRule exactly
//     as predicted; no kNoMbuf or kTxQueueFull; every input frame is out or
//     dropped (out as itself + drops >= frames in);
//   - rule and conversion statistics grow by what the classifier predicts;
//   - megaflow soundness: the cache's answer for every key processed is the
//     classifier's answer for that key;
//   - every frame out is at least 14 bytes and at most the longest frame in
//     plus 4 bytes per VLAN tag a rule may push.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <rte_mempool.h>
#include <string>
#include <vector>

#include "datapath/classify.h"
#include "test/fuzz/dp_fuzz_bridge.h"
#include "test/fuzz/dp_fuzz_eal.h"
#include "test/fuzz/dp_fuzz_oracle.h"
#include "test/fuzz/fuzz_check.h"

namespace ferry::fuzz {
namespace {

struct Fixture {
  DpFuzzBridge bridge;
  unsigned max_pushes = 0;
};
Fixture* g_fixture = nullptr;  // the process's one bridge, from LLVMFuzzerInitialize

void destroy_fixture() {
  delete g_fixture;
  g_fixture = nullptr;
}

std::string describe(const Classification& c) {
  std::string s = c.rule ? "rule priority " + std::to_string(c.rule->priority) : "miss";
  if (c.conv) s += ", conversion " + std::to_string(c.conv->id);
  if (c.mirror_rule) s += ", mirror rule priority " + std::to_string(c.mirror_rule->priority);
  return s;
}

void check_megaflows(DpFuzzBridge& b, const Expected& e, uint64_t install_failures) {
  for (const FlowKey& k : e.keys) {
    FlowKey wc = zero_key();
    Classification fresh = classify(b.bridge(), k, &wc);
    const MegaflowCache::Entry* m = b.cache().lookup(k, nullptr);
    if (!m) {
      FUZZ_CHECK(install_failures > 0, "no megaflow for %s", k.to_string().c_str());
      continue;
    }
    FUZZ_CHECK(m->cls.rule == fresh.rule && m->cls.conv == fresh.conv &&
                   m->cls.mirror_rule == fresh.mirror_rule,
               "megaflow %s answers %s for\n  %s\nthe classifier: %s", m->key.to_string().c_str(),
               describe(m->cls).c_str(), k.to_string().c_str(), describe(fresh).c_str());
  }
}

void check_counters(const Expected& e, const CounterValues& a, const CounterValues& b,
                    const std::vector<TxFrame>& out) {
  FUZZ_CHECK(b.rx - a.rx == e.frames, "rx %llu, frames %llu", (unsigned long long)(b.rx - a.rx),
             (unsigned long long)e.frames);
  FUZZ_CHECK(b.tx - a.tx == out.size(), "tx %llu, frames out %zu",
             (unsigned long long)(b.tx - a.tx), out.size());
  FUZZ_CHECK(b.hits + b.misses - a.hits - a.misses == e.parsed, "lookups %llu, parsed %llu",
             (unsigned long long)(b.hits + b.misses - a.hits - a.misses),
             (unsigned long long)e.parsed);
  for (size_t i = 0; i < kDropReasons; i++) {
    auto r = static_cast<DropReason>(i);
    uint64_t got = b.drops[i] - a.drops[i];
    bool exact = i < static_cast<size_t>(DropReason::kNoRule) || r == DropReason::kNoRule ||
                 r == DropReason::kNoHeadroom || r == DropReason::kNoMbuf ||
                 r == DropReason::kTxQueueFull;
    if (!exact) continue;
    FUZZ_CHECK(got == e.drops[i], "drops %s: %llu, expected %llu", drop_reason_name(r),
               (unsigned long long)got, (unsigned long long)e.drops[i]);
  }
  uint64_t originals_out = 0;
  for (const TxFrame& f : out) originals_out += !f.copy;
  FUZZ_CHECK(
      originals_out <= e.frames && e.frames - originals_out <= b.total_drops() - a.total_drops(),
      "%llu frames in, %llu out as themselves, %llu drops", (unsigned long long)e.frames,
      (unsigned long long)originals_out, (unsigned long long)(b.total_drops() - a.total_drops()));
}

}  // namespace
}  // namespace ferry::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace ferry::fuzz;
  std::string error;
  if (!init_eal(&error)) {
    std::fprintf(stderr, "fuzz-datapath: %s\n", error.c_str());
    std::exit(1);
  }
  g_fixture = new Fixture;
  ferry::fuzz::DpFuzzConfig cfg = dp_fuzz_config();
  g_fixture->max_pushes = max_tag_pushes(cfg.flows);
  ferry::Status st = g_fixture->bridge.build(cfg);
  if (!st.ok()) {
    std::fprintf(stderr, "fuzz-datapath: %s\n", st.error().message.c_str());
    std::exit(1);
  }
  std::atexit(destroy_fixture);  // runs before the EAL's cleanup
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ferry;
  using namespace ferry::fuzz;
  DpFuzzBridge& b = g_fixture->bridge;
  b.reset();
  std::vector<FuzzFrame> frames = decode_frames(data, size, b.n_ports());
  Expected e = predict(frames, b.bridge());
  std::map<const RuleStats*, uint64_t> rules_before;
  std::vector<RulePtr> rules = b.rules();
  for (const RulePtr& r : rules) rules_before[r->stats.get()] = r->stats->packets.load();
  std::map<const ConversionStats*, uint64_t> convs_before;
  for (const ConversionStats* c : b.conversion_stats()) convs_before[c] = c->packets.load();
  CounterValues before = read_counters(b.counters());

  for (const FuzzFrame& f : frames) {
    FUZZ_CHECK(b.receive(f.ofport, f.bytes, f.stripped_tci),
               "cannot queue a frame of %zu bytes: rx pool or ring exhausted", f.bytes.size());
  }
  b.run();
  std::vector<TxFrame> out = b.drain();
  CounterValues after = read_counters(b.counters());

  FUZZ_CHECK(rte_mempool_avail_count(b.rx_pool()) == DpFuzzBridge::kPoolSize,
             "rx pool: %u of %u mbufs free", rte_mempool_avail_count(b.rx_pool()),
             DpFuzzBridge::kPoolSize);
  FUZZ_CHECK(rte_mempool_avail_count(b.copy_pool()) == b.copy_pool()->size,
             "datapath pool: %u of %u mbufs free", rte_mempool_avail_count(b.copy_pool()),
             b.copy_pool()->size);
  check_megaflows(b, e, after.install_fail - before.install_fail);
  check_counters(e, before, after, out);
  for (const RulePtr& r : rules) {
    uint64_t got = r->stats->packets.load() - rules_before[r->stats.get()];
    uint64_t want = e.rule_packets.count(r->stats.get()) ? e.rule_packets[r->stats.get()] : 0;
    FUZZ_CHECK(got == want, "rule priority %u: %llu packets, expected %llu", r->priority,
               (unsigned long long)got, (unsigned long long)want);
  }
  for (const auto& [c, n] : convs_before) {
    uint64_t want = e.conv_packets.count(c) ? e.conv_packets[c] : 0;
    FUZZ_CHECK(c->packets.load() - n == want, "conversion: %llu packets, expected %llu",
               (unsigned long long)(c->packets.load() - n), (unsigned long long)want);
  }
  const size_t longest = e.max_len + 4 * g_fixture->max_pushes;
  for (const TxFrame& f : out) {
    FUZZ_CHECK(f.bytes.size() >= 14 && f.bytes.size() <= longest,
               "a frame of %zu bytes left port %u (longest in %zu, at most %u tags pushed)",
               f.bytes.size(), f.ofport, e.max_len, g_fixture->max_pushes);
  }
  return 0;
}
