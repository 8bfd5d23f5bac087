// The route switcher end to end: a Datapath on the representors of the
// emulated NIC, flows moved to the embedded switch and back by the policy,
// with exact frames, merged counters, eviction, refusals and ordering.
#include <arpa/inet.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <thread>

#include <catch2/catch.hpp>

#include "offload/eswitch-emu/eswitch_emu.h"
#include "test/unit/offload/esw_datapath.h"

namespace ferry::test {

namespace {

const char* kGw = "52:54:00:00:00:fe";
const char* kVm1 = "52:54:00:00:00:01";
const char* kVm2 = "52:54:00:00:00:02";

Match from_port_to(uint32_t in_port, const char* dst) {
  Match m;
  m.key.in_port = in_port;
  m.mask.in_port = 0xffffffff;
  auto mac = *parse_mac(dst);
  std::memcpy(m.key.dl_dst, mac.data(), 6);
  std::memset(m.mask.dl_dst, 0xff, 6);
  return m;
}

}  // namespace

TEST_CASE("route switcher: first-packet moves a flow to the NIC; frames and counters stay exact") {
  EswDatapath t("net_ferry_esw_fp");
  INFO(t.error());
  REQUIRE(t.ok());
  auto rewrite = *parse_mac("02:00:00:00:00:99");
  t.add_flow(from_port_to(1, kGw), 100, {Action::set_eth_dst(rewrite), Action::output(3)});
  REQUIRE(t.offload().set_policy(t.slot(), "br0", "first-packet,idle-ms=600000"));

  Bytes in = udp_frame(kGw, kVm1, "10.0.0.1", "10.0.0.9", 1, 2);
  Bytes want = in;
  std::copy(rewrite.begin(), rewrite.end(), want.begin());
  t.far_send("vf0", in);
  auto got = t.far_recv("pf", 1);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == want);
  CHECK(t.xstat(esw::kXstatSwitchedPackets) == 0);  // the software path did it

  REQUIRE(t.tick_until([&] { return t.offload().n_hw() == 1; }));
  const auto& flows = t.offload().flows();
  REQUIRE(flows.size() == 1);
  const OffloadFlow& f = flows.begin()->second;
  CHECK(f.state == OffloadFlow::State::kHw);
  CHECK(f.spec->to_string().find(
            "set_mac_dst mac_addr 02:00:00:00:00:99 / count / represented_port") !=
        std::string::npos);

  for (int i = 0; i < 10; i++) t.far_send("vf0", in);
  got = t.far_recv("pf", 10);
  REQUIRE(got.size() == 10);
  for (auto& g : got) CHECK(g == want);
  CHECK(t.xstat(esw::kXstatSwitchedPackets) == 10);  // no PMD involved
  // Hardware counts reach the OpenFlow rule: 1 in software + 10 in hardware.
  REQUIRE(t.tick_until([&] { return t.rule_stats(100)->total_packets() == 11; }));
  CHECK(t.offload().bridges().at(t.slot()).to_hw == 1);

  // offload off: back to software, traffic keeps flowing through the PMD.
  t.offload().set_enabled(false);
  REQUIRE(t.tick_until([&] { return t.offload().n_hw() == 0; }));
  t.far_send("vf0", in);
  REQUIRE(t.far_recv("pf", 1).size() == 1);
  CHECK(t.xstat(esw::kXstatSwitchedPackets) == 10);
  CHECK(t.offload().bridges().at(t.slot()).to_sw == 1);
}

TEST_CASE(
    "route switcher: a modified rule is replaced in the NIC, new rule in before the old out") {
  EswDatapath t("net_ferry_esw_md");
  INFO(t.error());
  REQUIRE(t.ok());
  auto a = *parse_mac("02:00:00:00:00:aa");
  auto b = *parse_mac("02:00:00:00:00:bb");
  t.add_flow(from_port_to(1, kGw), 100, {Action::set_eth_dst(a), Action::output(3)});
  REQUIRE(t.offload().set_policy(t.slot(), "br0", "first-packet,idle-ms=600000"));
  Bytes in = udp_frame(kGw, kVm1, "10.0.0.1", "10.0.0.9", 1, 2);
  t.far_send("vf0", in);
  REQUIRE(t.far_recv("pf", 1).size() == 1);
  REQUIRE(t.tick_until([&] { return t.offload().n_hw() == 1; }));
  t.far_send("vf0", in);
  REQUIRE(t.far_recv("pf", 1).size() == 1);
  CHECK(t.xstat(esw::kXstatSwitchedPackets) == 1);

  // The same match and priority with new actions: the rule is replaced.
  t.add_flow(from_port_to(1, kGw), 100, {Action::set_eth_dst(b), Action::output(3)});
  auto& stats = t.offload().bridges().at(t.slot());
  REQUIRE(t.tick_until([&] {
    const OffloadFlow& f = t.offload().flows().begin()->second;
    return stats.replaced == 1 && f.state == OffloadFlow::State::kHw;
  }));
  CHECK(stats.to_sw == 0);  // it never went back to software
  CHECK(t.offload().flows().begin()->second.spec->to_string().find(
            "set_mac_dst mac_addr 02:00:00:00:00:bb") != std::string::npos);
  for (int i = 0; i < 3; i++) t.far_send("vf0", in);
  auto got = t.far_recv("pf", 3);
  REQUIRE(got.size() == 3);
  Bytes want = in;
  std::copy(b.begin(), b.end(), want.begin());
  for (auto& g : got) CHECK(g == want);
  CHECK(t.xstat(esw::kXstatSwitchedPackets) == 4);
  CHECK(t.xstat("esw_rules") == 1);  // the old rule is gone
  // 1 in software, 1 on the old rule, 3 on the new one.
  REQUIRE(t.tick_until([&] { return t.rule_stats(100)->total_packets() == 5; }));
}

TEST_CASE("route switcher: untranslatable flows and a refusing NIC stay in software with reasons") {
  EswDatapath t("net_ferry_esw_rf", ",max_rules=0");
  INFO(t.error());
  REQUIRE(t.ok());
  t.add_flow(from_port_to(1, kGw), 100, {Action::output(3)});
  t.add_flow(from_port_to(1, kVm2), 100, {Action::output(2), Action::output(3)});
  REQUIRE(t.offload().set_policy(t.slot(), "br0", "first-packet"));
  t.far_send("vf0", udp_frame(kGw, kVm1, "10.0.0.1", "10.0.0.9", 1, 2));
  t.far_send("vf0", udp_frame(kVm2, kVm1, "10.0.0.1", "10.0.0.2", 1, 2));
  REQUIRE(t.far_recv("pf", 2).size() == 2);
  auto& stats = t.offload().bridges().at(t.slot());
  REQUIRE(t.tick_until([&] { return stats.refusals >= 1 && stats.reasons.size() >= 2; }));
  CHECK(stats.reasons.count("more than one output (the NIC does not mirror)") == 1);
  CHECK(stats.reasons.count("NIC refused the rule: flow table full (max_rules=0) (ENOSPC)") == 1);
  CHECK(t.offload().n_hw() == 0);
  // Still forwarded by software.
  t.far_send("vf0", udp_frame(kGw, kVm1, "10.0.0.1", "10.0.0.9", 1, 2));
  CHECK(t.far_recv("pf", 1).size() == 1);
}

TEST_CASE("route switcher: a full NIC table evicts the lowest-rate flow, counters written back") {
  EswDatapath t("net_ferry_esw_ev");
  INFO(t.error());
  REQUIRE(t.ok());
  t.offload().set_max_rules(1);
  t.add_flow(from_port_to(1, kGw), 100, {Action::output(3)});
  t.add_flow(from_port_to(2, kGw), 100, {Action::output(3)});
  REQUIRE(t.offload().set_policy(t.slot(), "br0",
                                 "threshold,up-pps=1,up-ms=0,down-pps=0,down-ms=600000"));
  // A slow flow from vf0 gets the only slot ...
  Bytes slow = udp_frame(kGw, kVm1, "10.0.0.1", "10.0.0.9", 1, 2);
  Bytes fast = udp_frame(kGw, kVm2, "10.0.0.2", "10.0.0.9", 1, 2);
  std::atomic<bool> stop{false};
  auto pump = [&](const char* vport, const Bytes& f, int per_ms) {
    while (!stop) {
      for (int i = 0; i < per_ms; i++) t.far_send(vport, f);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  std::thread a(pump, "vf0", slow, 1);
  auto first_hw = [&](uint32_t in_port) {
    for (auto& [id, f] : t.offload().flows())
      if (f.key.in_port == in_port && f.state == OffloadFlow::State::kHw) return true;
    return false;
  };
  REQUIRE(t.tick_until([&] { return first_hw(1); }));
  // ... until a faster one needs it.
  std::thread b(pump, "vf1", fast, 10);
  bool evicted = t.tick_until([&] { return first_hw(2) && !first_hw(1); });
  stop = true;
  a.join();
  b.join();
  CHECK(evicted);
  CHECK(t.offload().bridges().at(t.slot()).evictions >= 1);
  CHECK(t.offload().n_hw() <= 1);
}

TEST_CASE("route switcher: 100 moves under sequence-numbered traffic lose and reorder nothing") {
  EswDatapath t("net_ferry_esw_or");
  INFO(t.error());
  REQUIRE(t.ok());
  auto rewrite = *parse_mac("02:00:00:00:00:99");
  t.add_flow(from_port_to(1, kGw), 100, {Action::set_eth_dst(rewrite), Action::output(3)});
  REQUIRE(t.offload().set_policy(t.slot(), "br0", "never"));
  // FERRY_ORDER_PPS lowers the rate on a machine that cannot keep up.
  const char* env = std::getenv("FERRY_ORDER_PPS");
  const int pps = env ? std::atoi(env) : 50000;
  const int per_ms = std::max(1, pps / 1000);

  std::atomic<bool> stop{false};
  std::atomic<uint32_t> sent{0};
  std::thread sender([&] {
    auto next = std::chrono::steady_clock::now();
    uint32_t seq = 0;
    while (!stop) {
      for (int i = 0; i < per_ms; i++)
        t.far_send("vf0", udp_frame(kGw, kVm1, "10.0.0.1", "10.0.0.9", 7, 9, -1, seq++));
      sent = seq;
      next += std::chrono::milliseconds(1);
      std::this_thread::sleep_until(next);
    }
  });
  std::vector<uint32_t> seqs;
  seqs.reserve(4 << 20);
  std::atomic<bool> recv_stop{false};
  std::thread receiver([&] {
    rte_ring* r = t.out_ring("pf");
    void* ms[64];
    for (;;) {
      unsigned n = rte_ring_dequeue_burst(r, ms, 64, nullptr);
      for (unsigned i = 0; i < n; i++) {
        auto* m = static_cast<rte_mbuf*>(ms[i]);
        auto* d = rte_pktmbuf_mtod(m, uint8_t*);
        uint32_t s;
        std::memcpy(&s, d + m->data_len - 4, 4);
        seqs.push_back(ntohl(s));
        rte_pktmbuf_free(m);
      }
      if (!n) {
        if (recv_stop) break;
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
    }
  });
  auto flow_id = [&]() -> uint64_t {
    for (auto& [id, f] : t.offload().flows()) return id;
    return 0;
  };
  REQUIRE(t.tick_until([&] { return flow_id() != 0; }));
  uint64_t id = flow_id();
  auto state = [&] { return t.offload().find(id)->state; };
  int moves = 0;
  for (int i = 0; i < 50; i++) {
    REQUIRE(t.offload().pin(id, Pin::kHw));
    if (!t.tick_until([&] { return state() == OffloadFlow::State::kHw; })) break;
    moves++;
    REQUIRE(t.offload().pin(id, Pin::kSw));
    if (!t.tick_until([&] { return state() == OffloadFlow::State::kSw; })) break;
    moves++;
  }
  stop = true;
  sender.join();
  // Everything sent reaches the wire (generous deadline), then stop reading.
  for (int i = 0; i < 4000 && seqs.size() < sent; i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  recv_stop = true;
  receiver.join();
  CHECK(moves == 100);
  INFO("pps " << pps << ", sent " << sent << ", received " << seqs.size());
  CHECK(seqs.size() == sent);
  size_t reordered = 0;
  for (size_t i = 1; i < seqs.size(); i++)
    if (seqs[i] != seqs[i - 1] + 1) reordered++;
  CHECK(reordered == 0);
  CHECK(t.xstat(esw::kXstatSwitchedPackets) > 0);  // the hardware path carried some
  CHECK(t.xstat("esw_hold_timeouts") == 0);
  auto& b = t.offload().bridges().at(t.slot());
  CHECK(b.to_hw == 50);
  CHECK(b.to_sw == 50);
  // Every frame is counted once, software + hardware.
  REQUIRE(t.tick_until([&] { return t.rule_stats(100)->total_packets() >= sent; }));
  CHECK(t.rule_stats(100)->total_packets() == sent);
}

}  // namespace ferry::test
