// libFuzzer target: frames through the real pipeline (parse, EMC, megaflow
// cache and classifier, simple-match bursts, conversions, action execution,
// NORMAL with learning, meters, tx) of a fixed datapath
// (dp_fuzz_config.h), driven on the fuzzer's thread (dp_fuzz_harness.h).
// Input format: dp_fuzz_input.h.
//
// After each input every frame has been processed and every output drained;
// checked:
//   - no mbuf leaks: both pools are full again;
//   - answers: the EMC's and the megaflow cache's answer for every key
//     looked up, and a port's simple-match answer for every frame it took,
//     are the classifier's answer for that key;
//   - counters: rx = frames in; tx = frames out; lookups (EMC hits,
//     megaflow hits and misses) and simple-match hits as predicted; parse
//     drops by reason, kNoHeadroom and kNoRule exactly as predicted; no
//     kNoMbuf or kTxQueueFull; every frame in is out or dropped (out as
//     itself + drops >= frames in);
//   - rule and conversion statistics grow by what the classifier predicts;
//   - every frame out is at least 14 bytes and at most the longest frame in
//     plus 4 bytes per VLAN tag a rule may push.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <rte_mempool.h>
#include <string>
#include <vector>

#include "datapath/classify.h"
#include "test/fuzz/dp_fuzz_eal.h"
#include "test/fuzz/dp_fuzz_harness.h"
#include "test/fuzz/dp_fuzz_oracle.h"
#include "test/fuzz/fuzz_check.h"

namespace ferry::fuzz {
namespace {

struct Fixture {
  DpFuzzHarness h;
  unsigned max_pushes = 0;
};
Fixture* g_fixture = nullptr;  // the process's one datapath, from LLVMFuzzerInitialize

void destroy_fixture() {
  delete g_fixture;
  g_fixture = nullptr;
}

using ull = unsigned long long;

std::string describe(const Classification& c) {
  std::string s = c.rule ? "rule priority " + std::to_string(c.rule->priority) : "miss";
  if (c.conv) s += ", conversion " + std::to_string(c.conv->id);
  if (c.mirror_rule) s += ", mirror rule priority " + std::to_string(c.mirror_rule->priority);
  return s;
}

bool same(const Classification& a, const Classification& b) {
  return a.rule == b.rule && a.conv == b.conv && a.mirror_rule == b.mirror_rule;
}

void check_answers(DpFuzzHarness& h, const Expected& e, uint64_t install_failures) {
  using Emc = ExactMatchCache<MegaflowCache::Entry>;
  for (const PortKey& pk : e.keys) {
    FlowKey wc = zero_key();
    Classification fresh = classify(h.bridge_of(pk.port), pk.key, &wc);
    MegaflowCache& cache = h.cache_of(pk.port);
    uint32_t version = 0;
    const MegaflowCache::Entry* x = cache.emc().lookup(pk.key, Emc::hash(pk.key), &version);
    if (x && x->live && x->version == version) {
      FUZZ_CHECK(same(x->cls, fresh), "the EMC answers %s for\n  %s\nthe classifier: %s",
                 describe(x->cls).c_str(), pk.key.to_string().c_str(), describe(fresh).c_str());
    }
    const MegaflowCache::Entry* m = cache.lookup(pk.key, nullptr);
    if (!m) {
      FUZZ_CHECK(install_failures > 0, "no megaflow for %s", pk.key.to_string().c_str());
      continue;
    }
    FUZZ_CHECK(same(m->cls, fresh), "megaflow %s answers %s for\n  %s\nthe classifier: %s",
               m->key.to_string().c_str(), describe(m->cls).c_str(), pk.key.to_string().c_str(),
               describe(fresh).c_str());
  }
  for (const PortKey& pk : e.simple_keys) {
    FlowKey wc = zero_key();
    Classification fresh = classify(h.bridge_of(pk.port), pk.key, &wc);
    const Rule* simple = h.port(pk.port).simple_rule;
    FUZZ_CHECK(fresh.rule == simple && !fresh.conv,
               "port %s's simple-match answer (%s) is not the classifier's (%s) for\n  %s",
               h.port(pk.port).name.c_str(),
               describe(Classification{simple, nullptr, nullptr}).c_str(), describe(fresh).c_str(),
               pk.key.to_string().c_str());
  }
}

void check_counters(const Expected& e, const CounterValues& a, const CounterValues& b,
                    const std::vector<TxFrame>& out) {
  FUZZ_CHECK(b.rx - a.rx == e.frames, "rx %llu, frames in %llu", ull(b.rx - a.rx), ull(e.frames));
  FUZZ_CHECK(b.tx - a.tx == out.size(), "tx %llu, frames out %zu", ull(b.tx - a.tx), out.size());
  FUZZ_CHECK(b.lookups - a.lookups == e.looked_up, "lookups %llu, expected %llu",
             ull(b.lookups - a.lookups), ull(e.looked_up));
  FUZZ_CHECK(b.simple - a.simple == e.simple, "simple-match hits %llu, expected %llu",
             ull(b.simple - a.simple), ull(e.simple));
  for (size_t i = 0; i < kDropReasons; i++) {
    auto r = static_cast<DropReason>(i);
    bool exact = i < static_cast<size_t>(DropReason::kNoRule) || r == DropReason::kNoRule ||
                 r == DropReason::kNoHeadroom || r == DropReason::kNoMbuf ||
                 r == DropReason::kTxQueueFull;
    FUZZ_CHECK(!exact || b.drops[i] - a.drops[i] == e.drops[i], "drops %s: %llu, expected %llu",
               drop_reason_name(r), ull(b.drops[i] - a.drops[i]), ull(e.drops[i]));
  }
  uint64_t originals_out = 0;
  for (const TxFrame& f : out) originals_out += !f.copy;
  // A frame leaves as itself, is a counted drop, or ends as a packet-in.
  const uint64_t drops = b.total_drops() - a.total_drops();
  const uint64_t pins = b.packet_in_consumed - a.packet_in_consumed;
  FUZZ_CHECK(originals_out <= e.frames && e.frames - originals_out <= drops + pins,
             "%llu frames in, %llu out as themselves, %llu drops, %llu packet-ins", ull(e.frames),
             ull(originals_out), ull(drops), ull(pins));
}

void check_stats(DpFuzzHarness& h, const Expected& e, const std::vector<RulePtr>& rules,
                 std::map<const RuleStats*, uint64_t>& rules_before,
                 std::map<const ConversionStats*, uint64_t>& convs_before) {
  for (const RulePtr& r : rules) {
    const RuleStats* s = r->stats.get();
    uint64_t got = s->total_packets() - rules_before[s];
    uint64_t want = e.rule_packets.count(s) ? e.rule_packets.at(s) : 0;
    FUZZ_CHECK(got == want, "rule %s priority %u: %llu packets, expected %llu",
               r->match.to_string().c_str(), r->priority, ull(got), ull(want));
  }
  for (const ConversionStats* c : h.conversion_stats()) {
    uint64_t got = c->packets.load() - convs_before[c];
    uint64_t want = e.conv_packets.count(c) ? e.conv_packets.at(c) : 0;
    FUZZ_CHECK(got == want, "conversion: %llu packets, expected %llu", ull(got), ull(want));
  }
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
  DpFuzzConfig cfg = dp_fuzz_config();
  g_fixture->max_pushes = max_tag_pushes(cfg);
  ferry::Status st = g_fixture->h.build(cfg);
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
  DpFuzzHarness& h = g_fixture->h;
  h.reset();
  std::vector<FuzzFrame> frames = decode_frames(data, size, h.n_ports());
  Expected e = predict(frames, h);
  std::vector<RulePtr> rules = h.rules();
  std::map<const RuleStats*, uint64_t> rules_before;
  for (const RulePtr& r : rules) rules_before[r->stats.get()] = r->stats->total_packets();
  std::map<const ConversionStats*, uint64_t> convs_before;
  for (const ConversionStats* c : h.conversion_stats()) convs_before[c] = c->packets.load();
  CounterValues before = read_counters(h.counters());

  for (const FuzzFrame& f : frames) {
    FUZZ_CHECK(h.receive(f.port, f.bytes, f.stripped_tci),
               "cannot queue a frame of %zu bytes: rx pool or ring exhausted", f.bytes.size());
  }
  h.run();
  std::vector<TxFrame> out = h.drain();
  CounterValues after = read_counters(h.counters());

  FUZZ_CHECK(rte_mempool_avail_count(h.rx_pool()) == DpFuzzHarness::kPoolSize,
             "rx pool: %u of %u mbufs free", rte_mempool_avail_count(h.rx_pool()),
             DpFuzzHarness::kPoolSize);
  FUZZ_CHECK(rte_mempool_avail_count(h.copy_pool()) == h.copy_pool()->size,
             "datapath pool: %u of %u mbufs free", rte_mempool_avail_count(h.copy_pool()),
             h.copy_pool()->size);
  check_answers(h, e, after.install_fail - before.install_fail);
  check_counters(e, before, after, out);
  check_stats(h, e, rules, rules_before, convs_before);
  const size_t longest = e.max_len + 4 * g_fixture->max_pushes;
  for (const TxFrame& f : out) {
    FUZZ_CHECK(f.bytes.size() >= 14 && f.bytes.size() <= longest,
               "a frame of %zu bytes left port %s (longest in %zu, at most %u tags pushed)",
               f.bytes.size(), h.port(f.port).name.c_str(), e.max_len, g_fixture->max_pushes);
  }
  return 0;
}
