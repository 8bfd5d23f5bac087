// The route switcher's numbers on the emulated NIC (scripts/bench/offload.sh
// prints them next to dpdk-test-flow-perf's):
//   elephant + mice  a VF-attached VM receives one heavy flow and many
//                    light ones from the wire under the threshold policy: the share of packets the
//                    hardware path took, how many the PMD saw, and what an offloaded
//                    packet costs: the PMD's busy cycles (its own TSC counters) per frame
//                    before the elephant is offloaded and while it is, and the CPU time
//                    of the emulated NIC's thread (the "hardware": on a real NIC its
//                    eSwitch does that work, no host CPU);
//   insertion        first-packet with K new flows at once: rules per
//                    second through the offload thread, and the decision to
//                    active latency (p50/p99), also for the single elephant.
// Output: "key: value" lines.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <string>
#include <thread>
#include <vector>

#include "lib/util/clock.h"
#include "offload/eswitch-emu/eswitch_emu.h"
#include "test/unit/offload/esw_datapath.h"

namespace ferry::test {

bool ensure_eal(std::string* error) {
  static int state = 0;  // 0 untried, 1 ok, 2 failed
  if (state == 0) {
    std::string prefix = "--file-prefix=ferry-obench-" + std::to_string(getpid());
    std::vector<std::string> args = {
        "offload-bench",           "--no-huge", "-m", "512", "--no-pci", "--no-telemetry",
        "--log-level=pmd:warning", prefix};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    state = rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0 ? 2 : 1;
  }
  if (state == 2) *error = "rte_eal_init failed";
  return state == 1;
}

}  // namespace ferry::test

namespace {

using ferry::Action;
using ferry::Match;
using ferry::OffloadFlow;
using ferry::test::EswDatapath;

Match to_mac(uint32_t in_port, const uint8_t* mac) {
  Match m;
  m.key.in_port = in_port;
  m.mask.in_port = 0xffffffff;
  std::memcpy(m.key.dl_dst, mac, 6);
  std::memset(m.mask.dl_dst, 0xff, 6);
  return m;
}

std::string mac_str(const uint8_t* m) {
  char b[18];
  std::snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return b;
}

void mouse_mac(unsigned i, uint8_t* m) {
  const uint8_t base[6] = {0x02, 0x00, 0x00, 0x01, 0, 0};
  std::memcpy(m, base, 6);
  m[4] = static_cast<uint8_t>(i >> 8);
  m[5] = static_cast<uint8_t>(i);
}

double pct(std::vector<int64_t> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[std::min(
             v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5))]) /
         1e6;
}

void drain(EswDatapath& t, const char* vport = "pf") {
  rte_ring* r = t.out_ring(vport);
  void* ms[64];
  unsigned n;
  while ((n = rte_ring_dequeue_burst(r, ms, 64, nullptr)) > 0)
    for (unsigned i = 0; i < n; i++) rte_pktmbuf_free(static_cast<rte_mbuf*>(ms[i]));
}

uint64_t pmd_rx(EswDatapath& t) {
  uint64_t n = 0;
  for (size_t i = 0; i < t.dp().n_pmds(); i++) n += t.dp().pmd(i).counters().rx_packets.get();
  return n;
}

uint64_t pmd_busy_cycles(EswDatapath& t) {
  uint64_t n = 0;
  for (size_t i = 0; i < t.dp().n_pmds(); i++) n += t.dp().pmd(i).counters().cycles_busy.get();
  return n;
}

// The thread id of this process's thread whose name starts with prefix
// (the emulated NIC's is "esw-..."), or 0.
pid_t thread_named(const std::string& prefix) {
  DIR* d = opendir("/proc/self/task");
  if (!d) return 0;
  pid_t found = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(std::string("/proc/self/task/") + e->d_name + "/comm");
    std::string name;
    if (std::getline(f, name) && name.rfind(prefix, 0) == 0) {
      found = static_cast<pid_t>(std::atoi(e->d_name));
      break;
    }
  }
  closedir(d);
  return found;
}

// CPU time (ns) a thread of this process has used: its per-thread CPU
// clock, as pthread_getcpuclockid gives it, from its thread id.
uint64_t thread_cpu_ns(pid_t tid) {
  if (tid <= 0) return 0;
  clockid_t clock = static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6);
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// The counters at one moment of the elephant-and-mice run.
struct Snapshot {
  std::chrono::steady_clock::time_point at;
  uint64_t sent = 0, hw = 0, pmd_rx = 0, pmd_busy = 0, nic_ns = 0;
};

Snapshot snapshot(EswDatapath& t, uint64_t sent, pid_t nic) {
  return {std::chrono::steady_clock::now(),
          sent,
          t.xstat(ferry::esw::kXstatSwitchedPackets),
          pmd_rx(t),
          pmd_busy_cycles(t),
          thread_cpu_ns(nic)};
}

double per(double a, double b) { return b > 0 ? a / b : 0; }

// One phase (between two snapshots): what the PMD and the NIC's thread
// spent on it. Returns the PMD's busy cycles per frame it received.
double print_phase(const char* name, const Snapshot& a, const Snapshot& b) {
  double secs = std::chrono::duration<double>(b.at - a.at).count();
  auto d = [](uint64_t x, uint64_t y) { return static_cast<double>(y - x); };
  double rx = d(a.pmd_rx, b.pmd_rx), busy = d(a.pmd_busy, b.pmd_busy), hw = d(a.hw, b.hw);
  std::printf("offload_cost.%s.seconds: %.3f\n", name, secs);
  std::printf("offload_cost.%s.frames_sent: %.0f\n", name, d(a.sent, b.sent));
  std::printf("offload_cost.%s.hw_switched: %.0f\n", name, hw);
  std::printf("offload_cost.%s.pmd_rx: %.0f\n", name, rx);
  std::printf("offload_cost.%s.pmd_busy_cycles: %.0f\n", name, busy);
  std::printf("offload_cost.%s.pmd_busy_cycles_per_pmd_frame: %.1f\n", name, per(busy, rx));
  std::printf("offload_cost.%s.nic_thread_cpu_ms: %.3f\n", name, d(a.nic_ns, b.nic_ns) / 1e6);
  std::printf("offload_cost.%s.nic_thread_cpu_ns_per_frame_sent: %.1f\n", name,
              per(d(a.nic_ns, b.nic_ns), d(a.sent, b.sent)));
  return per(busy, rx);
}

int elephant_and_mice(unsigned mice, int seconds, int elephant_pps, int mouse_pps) {
  EswDatapath t("net_ferry_esw_be");
  if (!t.ok()) {
    std::fprintf(stderr, "%s\n", t.error().c_str());
    return 1;
  }
  const uint8_t vm[6] = {0x52, 0x54, 0, 0, 0, 0x01};
  t.add_flow(to_mac(3, vm), 100, {Action::output(1)});
  for (unsigned i = 0; i < mice; i++) {
    uint8_t m[6];
    mouse_mac(i, m);
    t.add_flow(to_mac(3, m), 100, {Action::output(1)});
  }
  (void)t.offload().set_policy(t.slot(), "br0",
                               "threshold,up-pps=2000,up-ms=100,down-pps=200,down-ms=1000");
  auto elephant =
      ferry::test::udp_frame(mac_str(vm), "52:54:00:00:00:fe", "10.0.9.1", "10.0.0.1", 1, 2);
  std::vector<ferry::test::Bytes> mf;
  for (unsigned i = 0; i < mice; i++) {
    uint8_t m[6];
    mouse_mac(i, m);
    mf.push_back(
        ferry::test::udp_frame(mac_str(m), "52:54:00:00:00:fe", "10.0.9.1", "10.0.0.1", 1, 2));
  }
  uint64_t rx0 = pmd_rx(t);
  uint64_t sent = 0;
  pid_t nic = thread_named("esw-");
  // Phases: "before" until the elephant's rule is in the NIC, "during"
  // from then until the traffic stops.
  Snapshot s0 = snapshot(t, 0, nic), s1{}, s2{};
  bool offloaded = false;
  auto elephant_in_hw = [&] {
    for (auto& [id, f] : t.offload().flows())
      if (std::memcmp(f.key.dl_dst, vm, 6) == 0) return f.state == OffloadFlow::State::kHw;
    return false;
  };
  auto start = std::chrono::steady_clock::now();
  auto next = start;
  int64_t next_tick = 0;
  double mouse_credit = 0;
  unsigned mouse_i = 0;
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(seconds)) {
    for (int i = 0; i < elephant_pps / 1000; i++, sent++) t.far_send("pf", elephant);
    mouse_credit += mouse_pps * static_cast<double>(mice) / 1000.0;
    for (; mouse_credit >= 1; mouse_credit -= 1, sent++) t.far_send("pf", mf[mouse_i++ % mice]);
    drain(t, "vf0");
    int64_t now = ferry::monotonic_ms();
    if (now >= next_tick) {
      t.offload().run(now);
      next_tick = now + 5;
      if (!offloaded && elephant_in_hw()) {
        offloaded = true;
        s1 = snapshot(t, sent, nic);
      }
    }
    next += std::chrono::milliseconds(1);
    std::this_thread::sleep_until(next);
  }
  s2 = snapshot(t, sent, nic);
  for (int i = 0; i < 200; i++) {
    drain(t, "vf0");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    t.offload().run(ferry::monotonic_ms());
    t.offload().sync(ferry::monotonic_ms());
  }
  uint64_t hw = t.xstat(ferry::esw::kXstatSwitchedPackets);
  uint64_t pmd = pmd_rx(t) - rx0;
  uint64_t el_hw = 0, el_sw = 0, mice_hw = 0;
  for (auto& [id, f] : t.offload().flows()) {
    if (std::memcmp(f.key.dl_dst, vm, 6) == 0) {
      el_hw = f.hw_packets;
      el_sw = f.sw_packets;
    } else if (f.state == OffloadFlow::State::kHw) {
      mice_hw++;
    }
  }
  std::printf("elephant_mice.frames_sent: %llu\n", static_cast<unsigned long long>(sent));
  std::printf("elephant_mice.hw_switched: %llu\n", static_cast<unsigned long long>(hw));
  std::printf("elephant_mice.hw_share: %.4f\n",
              sent ? static_cast<double>(hw) / static_cast<double>(sent) : 0);
  std::printf("elephant_mice.pmd_rx: %llu\n", static_cast<unsigned long long>(pmd));
  std::printf("elephant_mice.pmd_rx_plus_hw: %llu\n", static_cast<unsigned long long>(pmd + hw));
  std::printf("elephant.sw_packets: %llu\n", static_cast<unsigned long long>(el_sw));
  std::printf("elephant.hw_packets: %llu\n", static_cast<unsigned long long>(el_hw));
  std::printf("elephant_mice.pmd_rx_plus_hw_equals_sent: %s\n", pmd + hw == sent ? "yes" : "no");
  if (!offloaded) {
    std::printf("offload_cost: the elephant was never offloaded: nothing to compare\n");
  } else {
    double hz = static_cast<double>(rte_get_tsc_hz());
    std::printf("offload_cost.tsc_hz: %.0f\n", hz);
    std::printf("offload_cost.nic_thread: %s\n",
                nic ? "the emulated NIC's switching thread (the hardware's work: a real NIC's "
                      "eSwitch does it without a host CPU)"
                    : "not found (no CPU figures for it)");
    double before = print_phase("before", s0, s1);
    print_phase("during", s1, s2);
    // The PMD's busy cycles during the offloaded phase beyond what its own
    // (software) frames cost at the rate measured before: what the
    // offloaded frames added to the PMD, per offloaded frame.
    double rx = static_cast<double>(s2.pmd_rx - s1.pmd_rx);
    double busy = static_cast<double>(s2.pmd_busy - s1.pmd_busy);
    double hw_frames = static_cast<double>(s2.hw - s1.hw);
    std::printf("offload_cost.pmd_busy_cycles_per_offloaded_frame: %.2f\n",
                per(busy - rx * before, hw_frames));
    std::printf(
        "offload_cost.pmd_busy_cycles_per_frame_sent: before %.1f, during %.1f\n",
        per(static_cast<double>(s1.pmd_busy - s0.pmd_busy), static_cast<double>(s1.sent - s0.sent)),
        per(busy, static_cast<double>(s2.sent - s1.sent)));
    std::printf("offload_cost.nic_thread_cpu_ns_per_offloaded_frame: %.1f\n",
                per(static_cast<double>(s2.nic_ns - s1.nic_ns), hw_frames));
  }
  std::printf("mice.in_hw: %llu of %u\n", static_cast<unsigned long long>(mice_hw), mice);
  std::printf("elephant.decision_to_active_ms: %.3f\n", pct(t.offload().latencies_ns(), 0.5));
  return 0;
}

int insertion(unsigned k) {
  EswDatapath t("net_ferry_esw_bi", ",max_rules=" + std::to_string(k + 16));
  if (!t.ok()) {
    std::fprintf(stderr, "%s\n", t.error().c_str());
    return 1;
  }
  for (unsigned i = 0; i < k; i++) {
    uint8_t m[6];
    mouse_mac(i, m);
    t.add_flow(to_mac(1, m), 100, {Action::output(3)});
  }
  (void)t.offload().set_policy(t.slot(), "br0", "first-packet,idle-ms=600000");
  for (unsigned i = 0; i < k; i++) {
    uint8_t m[6];
    mouse_mac(i, m);
    t.far_send("vf0", ferry::test::udp_frame(mac_str(m), "52:54:00:00:00:01", "10.0.0.1",
                                             "10.0.9.9", 1, 2));
    if (i % 512 == 511) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Wait until the software path has every megaflow, then let the route
  // switcher decide all of them in one look.
  for (int i = 0; i < 2000 && t.xstat(ferry::esw::kXstatMissPackets) < k; i++) {
    drain(t);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  drain(t);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20000 && t.offload().n_hw() < k; i++) {
    t.offload().run(ferry::monotonic_ms());
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  t.offload().sync(ferry::monotonic_ms());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto lat = t.offload().latencies_ns();
  std::printf("insertion.flows: %u\n", k);
  std::printf("insertion.in_hw: %zu\n", t.offload().n_hw());
  std::printf("insertion.seconds: %.4f\n", secs);
  std::printf("insertion.rules_per_second: %.0f\n", static_cast<double>(t.offload().n_hw()) / secs);
  std::printf("insertion.decision_to_active_p50_ms: %.3f\n", pct(lat, 0.5));
  std::printf("insertion.decision_to_active_p99_ms: %.3f\n", pct(lat, 0.99));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  std::string err;
  if (!ferry::test::ensure_eal(&err)) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  int rc = elephant_and_mice(quick ? 20 : 200, quick ? 1 : 3, 20000, 10);
  if (rc == 0) rc = insertion(quick ? 100 : 1000);
  rte_eal_cleanup();
  return rc;
}
