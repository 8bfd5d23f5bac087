#include "test/unit/datapath/dp_harness.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <rte_bus_vdev.h>
#include <rte_eth_ring.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <thread>

#include <catch2/catch.hpp>

#include "lib/util/clock.h"

namespace ferry::test {

namespace {

constexpr int64_t kDeadlineMs = 15000;  // generous: a loaded 2-core machine

std::atomic<unsigned> g_serial{0};

void pause_briefly() { std::this_thread::sleep_for(std::chrono::microseconds(100)); }

}  // namespace

DpHarness::DpHarness(unsigned n_ports, std::vector<VlanConfig> vlans, unsigned n_pmds) {
  serial_ = g_serial.fetch_add(1);
  build(n_ports, vlans, n_pmds);
}

void DpHarness::build(unsigned n_ports, const std::vector<VlanConfig>& vlans, unsigned n_pmds) {
  if (!ensure_eal(&error_)) return;
  std::string tag = "fu" + std::to_string(serial_);
  pool_ = rte_pktmbuf_pool_create((tag + "_pool").c_str(), kPoolSize, 0, 0,
                                  RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  if (!pool_) {
    error_ = "cannot create the test's mbuf pool";
    return;
  }
  dp_ = std::make_unique<Datapath>(4096);
  PmdConfig pc;
  pc.cores.assign(n_pmds, -1);
  pc.sleep_max_us = 100;  // share the machine while idle
  pc.megaflow_capacity = 1024;
  Status st = dp_->set_pmds(pc);
  if (!st.ok()) {
    error_ = "set_pmds: " + st.error().message;
    return;
  }
  std::vector<BridgePortSpec> members;
  for (unsigned i = 0; i < n_ports; i++) {
    RingPort rp;
    std::string name = tag + "p" + std::to_string(i + 1);
    rp.ethdev = "net_ring_" + name;
    rp.rx = rte_ring_create((name + "rx").c_str(), kRxRingSize, SOCKET_ID_ANY, 0);
    rp.tx = rte_ring_create((name + "tx").c_str(), kTxRingSize, SOCKET_ID_ANY, 0);
    ports_.push_back(rp);
    RingPort& p = ports_.back();
    if (!p.rx || !p.tx) {
      error_ = "cannot create rings for " + name;
      return;
    }
    int id = rte_eth_from_rings(name.c_str(), &p.rx, 1, &p.tx, 1, 0);
    if (id < 0) {
      error_ = "rte_eth_from_rings " + name + " failed";
      return;
    }
    p.ethdev_created = true;
    p.port_id = static_cast<uint16_t>(id);
    PortSpec spec;
    spec.name = "p" + std::to_string(i + 1);
    spec.devargs = p.ethdev;
    auto port = dp_->open_port(spec);
    if (!port) {
      error_ = "open_port " + spec.name + ": " + port.error().message;
      return;
    }
    if ((*port)->id() != p.port_id) {
      error_ = "open_port found port " + std::to_string((*port)->id()) + ", not " +
               std::to_string(p.port_id);
      return;
    }
    p.open = true;
    BridgePortSpec bp;
    bp.port_id = p.port_id;
    bp.ofport = i + 1;
    bp.name = spec.name;
    if (i < vlans.size()) bp.vlan = vlans[i];
    members.push_back(bp);
  }
  slot_ = dp_->add_bridge("br0");
  if (slot_ < 0) {
    error_ = "add_bridge failed";
    return;
  }
  dp_->set_bridge_ports(slot_, members);
  dp_->commit_and_sync();
}

DpHarness::~DpHarness() { teardown(); }

void DpHarness::teardown() {
  if (dp_) {
    // No PMD transmits on a port once close_port returns; then the rings
    // can be drained and every mbuf must be back in its pool.
    for (RingPort& p : ports_) {
      if (p.open) dp_->close_port(p.port_id);
      p.open = false;
    }
    drain_rings();
    auto ferry_pool = dp_->control_pool();
    if (ferry_pool) {
      CHECK(rte_mempool_avail_count(*ferry_pool) == (*ferry_pool)->size);
    }
    dp_.reset();
  } else {
    drain_rings();
  }
  for (RingPort& p : ports_) {
    if (p.ethdev_created) rte_vdev_uninit(p.ethdev.c_str());
    rte_ring_free(p.rx);
    rte_ring_free(p.tx);
  }
  ports_.clear();
  if (pool_) {
    CHECK(rte_mempool_avail_count(pool_) == kPoolSize);  // Ferry freed what it got
    rte_mempool_free(pool_);
    pool_ = nullptr;
  }
}

void DpHarness::drain_rings() {
  void* objs[64];
  for (RingPort& p : ports_) {
    for (rte_ring* r : {p.rx, p.tx}) {
      if (!r) continue;
      unsigned n;
      while ((n = rte_ring_dequeue_burst(r, objs, 64, nullptr)) > 0) {
        rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), n);
      }
    }
  }
}

void DpHarness::add_flow(const Match& match, uint16_t priority, ActionList actions,
                         uint64_t cookie) {
  add_flow_in(0, match, priority, std::move(actions), cookie);
}

std::shared_ptr<RuleStats> DpHarness::add_flow_in(uint8_t table, const Match& match,
                                                  uint16_t priority, ActionList actions,
                                                  uint64_t cookie) {
  FlowMod fm;
  fm.command = FlowModCommand::kAdd;
  fm.table_id = table;
  fm.match = match;
  fm.priority = priority;
  fm.cookie = cookie;
  fm.actions = std::move(actions);
  Status st = flows_.apply(fm, monotonic_ms());
  INFO((st.ok() ? std::string() : st.error().message));
  REQUIRE(st.ok());
  publish_flows();
  auto rules = flows_.query(match, kOfppNone, 0, 0, table);
  for (const RulePtr& r : rules) {
    if (r->match == match && r->priority == priority) return r->stats;
  }
  FAIL("the rule just added is not in the table");
  return nullptr;
}

void DpHarness::clear_flows() {
  FlowMod fm;
  fm.command = FlowModCommand::kDelete;
  fm.table_id = kAllTables;
  REQUIRE(flows_.apply(fm, monotonic_ms()).ok());
  REQUIRE(flows_.size() == 0);
}

void DpHarness::publish_flows() {
  dp_->set_bridge_classifier(slot_, flows_.classifier());
  dp_->commit_and_sync();
}

void DpHarness::send(uint32_t ofport, const Frame& frame, std::optional<uint16_t> stripped_tci) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  REQUIRE(m);
  if (stripped_tci) {
    m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
    m->vlan_tci = *stripped_tci;
  }
  char* data = rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size()));
  REQUIRE(data);
  std::memcpy(data, frame.data(), frame.size());
  int64_t deadline = monotonic_ms() + kDeadlineMs;
  while (rte_ring_enqueue(rx_ring(ofport), m) != 0) {
    if (monotonic_ms() > deadline) {
      rte_pktmbuf_free(m);
      FAIL("rx ring of port " << ofport << " stayed full");
    }
    pause_briefly();
  }
}

Frame DpHarness::read_mbuf(const rte_mbuf* m) {
  Frame f;
  f.reserve(rte_pktmbuf_pkt_len(m));
  for (const rte_mbuf* s = m; s; s = s->next) {
    const uint8_t* p = rte_pktmbuf_mtod(s, const uint8_t*);
    f.insert(f.end(), p, p + s->data_len);
  }
  return f;
}

std::vector<Frame> DpHarness::take(uint32_t ofport) {
  std::vector<Frame> out;
  void* obj;
  while (rte_ring_dequeue(tx_ring(ofport), &obj) == 0) {
    auto* m = static_cast<rte_mbuf*>(obj);
    out.push_back(read_mbuf(m));
    rte_pktmbuf_free(m);
  }
  return out;
}

std::vector<Frame> DpHarness::recv(uint32_t ofport, size_t n) {
  std::vector<Frame> out;
  int64_t deadline = monotonic_ms() + kDeadlineMs;
  while (out.size() < n && monotonic_ms() < deadline) {
    void* obj;
    if (rte_ring_dequeue(tx_ring(ofport), &obj) == 0) {
      auto* m = static_cast<rte_mbuf*>(obj);
      out.push_back(read_mbuf(m));
      rte_pktmbuf_free(m);
    } else {
      pause_briefly();
    }
  }
  return out;
}

void DpHarness::quiesce() {
  int64_t deadline = monotonic_ms() + kDeadlineMs;
  for (const RingPort& p : ports_) {
    while (p.open && rte_ring_count(p.rx) > 0) {
      if (monotonic_ms() > deadline)
        FAIL("the PMD did not take the frames sent to port " << &p - ports_.data() + 1);
      pause_briefly();
    }
  }
  // The PMD reports a quiescent state only after the iteration that took
  // the frames has run them and flushed its tx buffers.
  dp_->commit_and_sync();
  dp_->sync_stats();  // rule statistics up to date, as before a flow stats reply
}

void DpHarness::learn() {
  quiesce();
  dp_->run();
  dp_->commit_and_sync();
}

uint64_t DpHarness::drops(const std::string& name) const {
  for (size_t i = 0; i < static_cast<size_t>(DropReason::kCount); i++) {
    if (name == drop_reason_name(static_cast<DropReason>(i))) return counters().drops[i].get();
  }
  FAIL("no drop reason named " << name);
  return 0;
}

uint64_t DpHarness::sum(Counter PmdCounters::*counter) const {
  uint64_t n = 0;
  for (size_t i = 0; i < dp_->n_pmds(); i++) n += (dp_->pmd(i).counters().*counter).get();
  return n;
}

void DpHarness::close_port(uint32_t ofport) {
  RingPort& p = ports_.at(ofport - 1);
  REQUIRE(p.open);
  dp_->close_port(p.port_id);
  p.open = false;
}

}  // namespace ferry::test
