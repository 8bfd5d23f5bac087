// Micro-benchmark of the connection tracker (lib/conntrack): connection
// setup rate, established lookups, sweeps, and memory per connection.
// Plain main, no framework.
//
//   ct-bench [--quick] [--conns N] [--runs R]
//
// Prints the median and min..max over R runs of each figure. Absolute
// numbers on a shared machine are noise; compare runs made on the same
// machine at the same time.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lib/conntrack/conntrack.h"
#include "lib/packet/builder.h"

using namespace ferry;
using namespace ferry::ct;

namespace {

// Time is this thread's CPU time: on a shared machine it leaves out the
// time the thread spent descheduled (caches still suffer from neighbours).
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
};
constexpr size_t kSlot = 64;  // bytes per stored L3 packet
constexpr size_t kBatch = 32;

double seconds_since(Clock::time_point t0) { return Clock::now() - t0; }

// Resident set size in bytes (/proc/self/statm).
size_t rss_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * 4096 : 0;
}

// UDP packets (L3 only) of connections order[0], order[1] ... stored one
// after the other (as a receive ring delivers them), connection i being
// 10.x.y.z:p -> 10.255.0.1:53.
std::vector<uint8_t> make_packets(const std::vector<uint32_t>& order, bool reply) {
  size_t n = order.size();
  std::vector<uint8_t> buf(n * kSlot);
  for (size_t slot = 0; slot < n; slot++) {
    size_t i = order[slot];
    uint32_t a = ip4(10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8),
                     static_cast<uint8_t>(i));
    uint32_t b = ip4(10, 255, 0, 1);
    uint16_t sp = static_cast<uint16_t>(1024 + (i >> 24));
    FrameBuilder fb;
    fb.pad_to(0);
    if (reply) {
      fb.ipv4(b, a).udp(53, sp).payload_size(18);
    } else {
      fb.ipv4(a, b).udp(sp, 53).payload_size(18);
    }
    std::vector<uint8_t> f = fb.build();
    std::memcpy(&buf[slot * kSlot], f.data() + 14, f.size() - 14);  // 46 bytes of IP
  }
  return buf;
}

struct Stat {
  std::vector<double> v;
  void print(const char* name, const char* unit) {
    std::sort(v.begin(), v.end());
    std::printf("%-34s %10.1f %s  (min %.1f .. max %.1f, %zu runs)\n", name, v[v.size() / 2], unit,
                v.front(), v.back(), v.size());
  }
};

// Runs every stored packet through ct(), in batches.
void run_all(Conntrack& ct, std::vector<uint8_t>& buf, const CtAction& a, uint64_t now,
             std::vector<CtMeta>* metas) {
  PacketRef refs[kBatch];
  size_t total = buf.size() / kSlot;
  for (size_t i = 0; i < total; i += kBatch) {
    size_t n = std::min(kBatch, total - i);
    for (size_t j = 0; j < n; j++) {
      (*metas)[j] = CtMeta{};
      refs[j] = PacketRef{&buf[(i + j) * kSlot], 46, 0x0800, &(*metas)[j]};
    }
    ct.execute(0, refs, n, a, now);
    ct.quiesce(0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  size_t conns = 1000000;
  int runs = 5;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--quick")) {
      quick = true;
    } else if (!std::strcmp(argv[i], "--conns") && i + 1 < argc) {
      conns = std::strtoul(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: ct-bench [--quick] [--conns N] [--runs R]\n");
      return 2;
    }
  }
  if (quick) {
    conns = std::min<size_t>(conns, 20000);
    runs = std::min(runs, 2);
  }
  std::vector<uint32_t> seq(conns), shuffled(conns);
  for (uint32_t i = 0; i < conns; i++) seq[i] = shuffled[i] = i;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(42));
  // Connections in a random order, packets in memory order.
  std::vector<uint8_t> orig = make_packets(seq, false);
  std::vector<uint8_t> reply = make_packets(seq, true);
  std::vector<uint8_t> orig_mixed = make_packets(shuffled, false);
  std::vector<uint8_t> reply_mixed = make_packets(shuffled, true);
  std::vector<CtMeta> metas(kBatch);

  CtAction commit;
  commit.commit = true;
  CtAction track;
  Stat setup, lookup_est, lookup_commit, lookup_miss, sweep_ms, bytes_rss, bytes_table;
  for (int r = 0; r < runs; r++) {
    Conntrack::Config cfg;
    cfg.max_conns = std::max<size_t>(conns, 1000);
    cfg.max_threads = 4;
    size_t rss0 = rss_bytes();
    auto ct = std::make_unique<Conntrack>(cfg);

    auto t0 = Clock::now();
    run_all(*ct, orig, commit, 1000, &metas);
    double s = seconds_since(t0);
    if (ct->nconns() != conns) {
      std::fprintf(stderr, "ct-bench: %zu connections, wanted %zu\n", ct->nconns(), conns);
      return 1;
    }
    setup.v.push_back(static_cast<double>(conns) / s / 1e6);
    bytes_rss.v.push_back(static_cast<double>(rss_bytes() - rss0) / static_cast<double>(conns));
    bytes_table.v.push_back(static_cast<double>(ct->memory_bytes()) / static_cast<double>(conns));

    run_all(*ct, reply, track, 1000, &metas);  // establish them
    t0 = Clock::now();
    run_all(*ct, orig_mixed, track, 2000, &metas);
    lookup_est.v.push_back(seconds_since(t0) * 1e9 / static_cast<double>(conns));
    if (metas[0].state != (kTrk | kEst)) {
      std::fprintf(stderr, "ct-bench: established lookup gave state 0x%x\n", metas[0].state);
      return 1;
    }
    t0 = Clock::now();
    run_all(*ct, reply_mixed, commit, 2000, &metas);
    lookup_commit.v.push_back(seconds_since(t0) * 1e9 / static_cast<double>(conns));

    t0 = Clock::now();
    size_t swept = ct->sweep(3000);  // nothing expires: a full scan
    sweep_ms.v.push_back(seconds_since(t0) * 1e3);
    if (swept) return 1;

    // Misses: the other direction's tuples in another zone (not committed).
    CtAction other = track;
    other.zone = 7;
    t0 = Clock::now();
    run_all(*ct, orig_mixed, other, 2000, &metas);
    lookup_miss.v.push_back(seconds_since(t0) * 1e9 / static_cast<double>(conns));
  }
  std::printf("ct-bench: %zu connections (UDP/IPv4), batches of %zu, one thread, CPU time\n", conns,
              kBatch);
  setup.print("new connections (commit)", "M conns/s");
  lookup_est.print("established lookup ct()", "ns/packet");
  lookup_commit.print("established ct(commit), reply dir", "ns/packet");
  lookup_miss.print("miss, uncommitted ct()", "ns/packet");
  sweep_ms.print("sweep of the whole table", "ms");
  bytes_rss.print("memory per connection (RSS)", "bytes");
  bytes_table.print("memory per connection (table)", "bytes");
  return 0;
}
