// Micro-benchmark of the per-packet libraries: frame parsing, classifier
// lookup and build, flow-table bundles. Plain main, no framework.
//
//   flow-bench [--quick]
//
// Absolute numbers on a shared machine are noise; compare runs made on the
// same machine at the same time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lib/flow/classifier.h"
#include "lib/flow/flow_table.h"
#include "lib/packet/builder.h"
#include "lib/packet/parser.h"
#include "lib/packet/parser_inline.h"

using namespace ferry;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Keeps results alive so the compiler cannot drop the work.
volatile uint64_t g_sink;

Mac mac_of(uint32_t i) {
  return Mac{0x02,
             0x00,
             static_cast<uint8_t>(i >> 24),
             static_cast<uint8_t>(i >> 16),
             static_cast<uint8_t>(i >> 8),
             static_cast<uint8_t>(i)};
}

void bench_parse(size_t iters) {
  const Mac a = mac_of(1), b = mac_of(2);
  std::vector<std::vector<uint8_t>> frames = {
      FrameBuilder().eth(b, a).ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2)).tcp(1234, 80).build(),
      FrameBuilder()
          .eth(b, a)
          .vlan(10, 3)
          .ipv4(ip4(10, 0, 0, 1), ip4(10, 0, 0, 3))
          .udp(5, 6)
          .payload_size(64)
          .build(),
      FrameBuilder().eth(b, a).ipv6(ip6("2001:db8::1"), ip6("2001:db8::2")).udp(546, 547).build(),
      FrameBuilder().arp_request(a, ip4(10, 0, 0, 1), ip4(10, 0, 0, 2)).build(),
  };
  for (int inline_variant = 0; inline_variant < 2; inline_variant++) {
    for (size_t which = 0; which <= frames.size(); which++) {
      FlowKey key;
      uint64_t acc = 0;
      auto t0 = Clock::now();
      for (size_t i = 0; i < iters; i++) {
        const auto& f = frames[which < frames.size() ? which : i & 3];
        ParseStatus st =
            inline_variant
                ? parse_frame_inline(f.data(), static_cast<uint32_t>(f.size()), 1, &key, nullptr)
                : parse_frame(f.data(), static_cast<uint32_t>(f.size()), 1, &key, nullptr);
        acc += static_cast<uint64_t>(st) + key.words()[3];
      }
      double ns = seconds_since(t0) * 1e9 / static_cast<double>(iters);
      g_sink = acc;
      static const char* names[] = {"ipv4 tcp", "vlan udp", "ipv6 udp", "arp", "mix of 4"};
      std::printf("parse %-8s %-9s %7.2f ns/packet\n", inline_variant ? "inline" : "call",
                  names[which], ns);
    }
  }
}

RulePtr rule(uint64_t id, uint16_t priority, Match m) {
  auto r = std::make_shared<Rule>();
  r->id = id;
  r->priority = priority;
  m.normalize();
  r->match = m;
  r->actions = std::make_shared<const ActionList>(ActionList{Action::output(2)});
  r->stats = std::make_shared<RuleStats>();
  return r;
}

FlowKey key_for(uint32_t port, uint32_t mac, uint32_t dst, uint16_t tp_dst) {
  FlowKey k = zero_key();
  k.in_port = port;
  Mac m = mac_of(mac);
  std::memcpy(k.dl_dst, m.data(), 6);
  k.dl_type = be16(kEthTypeIpv4);
  k.nw_dst = dst;
  k.nw_proto = kIpProtoUdp;
  k.tp_dst = be16(tp_dst);
  return k;
}

// Rule v has shape v % n_masks and values derived from v (shapes never
// match each other's keys). Keys pick v in [0, 2n): half of them hit.
Match shape(uint32_t v, int n_masks) {
  Match m;
  switch (static_cast<int>(v % static_cast<uint32_t>(n_masks))) {
    case 0:  // the MAC-rewrite shape: in_port + dl_dst
      m.set_in_port(1).set_dl_dst(mac_of(v));
      break;
    case 1:
      m.set_dl_type(kEthTypeIpv4).set_nw_dst(htonl(0x40000000 + (v << 8)), htonl(0xffffff00));
      break;
    case 2:
      m.set_dl_type(kEthTypeIpv4)
          .set_nw_dst(htonl(0x80000000 + v))
          .set_nw_proto(kIpProtoUdp)
          .set_tp_dst(static_cast<uint16_t>(v));
      break;
    default:
      m.set_in_port(2).set_dl_dst(mac_of(v)).set_dl_type(kEthTypeIpv4);
      break;
  }
  return m;
}

FlowKey key_of(uint32_t v, int n_masks) {
  switch (static_cast<int>(v % static_cast<uint32_t>(n_masks))) {
    case 0:
      return key_for(1, v, 0, 0);
    case 1:
      return key_for(9, 0, htonl(0x40000000 + (v << 8) + 5), 0);
    case 2:
      return key_for(9, 0, htonl(0x80000000 + v), static_cast<uint16_t>(v));
    default:
      return key_for(2, v, 0, 0);
  }
}

void make_rules(size_t n, int n_masks, std::vector<RulePtr>* rules, std::vector<FlowKey>* keys,
                size_t n_keys) {
  std::mt19937 rng(7);
  for (size_t i = 0; i < n; i++) {
    rules->push_back(rule(i + 1, static_cast<uint16_t>(100 + (i % 7) * 10),
                          shape(static_cast<uint32_t>(i), n_masks)));
  }
  for (size_t i = 0; i < n_keys; i++) {
    keys->push_back(key_of(static_cast<uint32_t>(rng() % (2 * n)), n_masks));
  }
}

// A PMD looks up keys it has just parsed (in L1); a small pool keeps the
// benchmark about the classifier, not about cache misses on the keys.
// "+wc" zeroes a wildcard key right before each lookup, as an upcall does;
// most of its extra cost is that zeroing followed at once by the narrower
// OR loads (a store-forwarding stall), not the ORs themselves.
constexpr size_t kKeys = 1024;

void bench_lookup(const char* label, size_t n_rules, int n_masks, size_t iters) {
  std::vector<RulePtr> rules;
  std::vector<FlowKey> keys;
  make_rules(n_rules, n_masks, &rules, &keys, kKeys);
  Classifier c(rules, 1);
  for (int with_wc = 0; with_wc < 2; with_wc++) {
    uint64_t hits = 0;
    auto t0 = Clock::now();
    for (size_t i = 0; i < iters; i++) {
      const FlowKey& k = keys[i & (kKeys - 1)];
      FlowKey wc;
      if (with_wc) std::memset(&wc, 0, sizeof wc);
      const Rule* r = c.lookup(k, with_wc ? &wc : nullptr);
      hits += r != nullptr;
    }
    double ns = seconds_since(t0) * 1e9 / static_cast<double>(iters);
    g_sink = hits;
    std::printf("lookup %-22s %zu subtables %-8s %7.2f ns/lookup (%.0f%% hit)\n", label,
                c.n_subtables(), with_wc ? "+wc" : "", ns,
                100.0 * static_cast<double>(hits) / static_cast<double>(iters));
  }
}

void bench_build(size_t n_rules) {
  std::vector<RulePtr> rules;
  std::vector<FlowKey> keys;
  make_rules(n_rules, 4, &rules, &keys, 0);
  auto t0 = Clock::now();
  Classifier c(rules, 1);
  double s = seconds_since(t0);
  g_sink = c.size();
  std::printf("build  %8zu rules %zu subtables %9.1f ms\n", n_rules, c.n_subtables(), s * 1e3);
}

void bench_flow_table(size_t n_rules) {
  std::vector<FlowMod> fms;
  fms.reserve(n_rules);
  for (size_t i = 0; i < n_rules; i++) {
    FlowMod fm;
    fm.match.set_in_port(1).set_dl_dst(mac_of(static_cast<uint32_t>(i)));
    fm.priority = 100;
    fm.actions = {Action::set_eth_dst(mac_of(7)), Action::output(2)};
    fms.push_back(std::move(fm));
  }
  FlowTable t(2 * n_rules);
  auto t0 = Clock::now();
  Status st = t.apply_bundle(fms, 0, nullptr);
  double add_s = seconds_since(t0);
  t0 = Clock::now();
  auto c = t.classifier();
  double cls_s = seconds_since(t0);
  FlowMod mod;
  mod.command = FlowModCommand::kModify;
  mod.actions = {Action::output(3)};
  t0 = Clock::now();
  Status st2 = t.apply(mod, 1);
  double mod_s = seconds_since(t0);
  FlowMod del;
  del.command = FlowModCommand::kDelete;
  t0 = Clock::now();
  Status st3 = t.apply(del, 2);
  double del_s = seconds_since(t0);
  if (!st || !st2 || !st3 || t.size() != 0) {
    std::printf("flow table benchmark failed\n");
    return;
  }
  std::printf(
      "table  %8zu rules: bundle add %.1f ms (%.0f ns/rule), classifier %.1f ms, "
      "loose modify-all %.1f ms, loose delete-all %.1f ms\n",
      n_rules, add_s * 1e3, add_s * 1e9 / static_cast<double>(n_rules), cls_s * 1e3, mod_s * 1e3,
      del_s * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const size_t iters = quick ? 1000000 : 20000000;
  bench_parse(iters);
  bench_lookup("1 rule", 1, 1, iters);
  bench_lookup("1k rules, 1 mask", 1000, 1, iters);
  bench_lookup("1k rules, 4 masks", 1000, 4, iters);
  bench_lookup("100k rules, 1 mask", 100000, 1, iters);
  bench_lookup("100k rules, 4 masks", 100000, 4, iters);
  bench_build(100000);
  bench_build(quick ? 200000 : 1000000);
  bench_flow_table(100000);
  return 0;
}
