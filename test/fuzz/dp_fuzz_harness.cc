#include "test/fuzz/dp_fuzz_harness.h"

#include <sanitizer/asan_interface.h>

#include <cstring>
#include <rte_bus_vdev.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "datapath/pipeline.h"

namespace ferry::fuzz {

bool DpFuzzHarness::LearnIntoTable::learn(uint16_t slot, uint16_t vlan, const uint8_t* mac,
                                          uint32_t ofport) {
  Mac m;
  std::memcpy(m.data(), mac, 6);
  h->bridges_.at(slot)->fdb.learn(vlan, m, ofport, now_s);
  return true;
}

bool DpFuzzHarness::FreeingUpcaller::send(Upcall::Type, uint16_t, uint32_t, rte_mbuf* m) {
  rte_pktmbuf_free(m);
  return true;
}

Status DpFuzzHarness::build(const DpFuzzConfig& cfg) {
  pool_ = rte_pktmbuf_pool_create("fuzz_rx_pool", kPoolSize, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                  SOCKET_ID_ANY);
  if (!pool_) return make_error("cannot create the rx mbuf pool");
  dp_ = std::make_unique<Datapath>(4096);
  PmdConfig pc;
  pc.cores.clear();  // no PMD thread: run() is the PMD
  Status st = dp_->set_pmds(pc);
  if (!st.ok()) return st;
  auto copies = dp_->control_pool();
  if (!copies) return copies.error();
  copy_pool_ = *copies;
  for (const MeterConfig& m : cfg.meters) {
    if (!(st = meters_.add(m)).ok()) return st;
  }
  for (const BridgeConfig& bc : cfg.bridges) {
    auto b = std::make_unique<Bridge>();
    b->fdb.set_limits(cfg.mac_table_size, FdbTable::kDefaultAgingSeconds);
    if (!(st = add_bridge(bc, *b)).ok()) return st;
    bridges_.push_back(std::move(b));
  }
  dp_->commit();

  // The published snapshot, with this thread's megaflow caches and FDBs.
  const DpSnapshot* s = dp_->snapshot();
  if (!s || s->bridges.size() != bridges_.size()) return make_error("bridges missing");
  snap_.version = s->version;
  snap_.bridges = s->bridges;
  snap_.ports = s->ports;
  snap_.emc_insert_inv_prob = 1;  // every megaflow hit fills the EMC: the most EMC traffic
  for (DpBridge& br : snap_.bridges) {
    caches_.push_back(std::make_unique<MegaflowCache>(1024));
    br.caches = {caches_.back().get()};
  }
  refresh_fdbs();
  tx_ = std::make_unique<TxBuffers>(0, counters_.get());
  learn_.h = this;
  return {};
}

Status DpFuzzHarness::add_bridge(const BridgeConfig& cfg, Bridge& b) {
  int slot = dp_->add_bridge("br" + std::to_string(bridges_.size()));
  if (slot != static_cast<int>(bridges_.size())) return make_error("unexpected bridge slot");
  std::vector<BridgePortSpec> members;
  for (size_t i = 0; i < cfg.vlans.size(); i++) {
    std::string name = "fz" + std::to_string(slot) + "p" + std::to_string(i + 1);
    RingPort rp;
    rp.ethdev = "net_ring_" + name;
    rp.rx = rte_ring_create((name + "rx").c_str(), kRingSize, SOCKET_ID_ANY, 0);
    rp.tx = rte_ring_create((name + "tx").c_str(), kRingSize, SOCKET_ID_ANY, 0);
    ports_.push_back(rp);
    RingPort& p = ports_.back();
    if (!p.rx || !p.tx) return make_error("cannot create the rings of " + name);
    int id = rte_eth_from_rings(name.c_str(), &p.rx, 1, &p.tx, 1, 0);
    if (id < 0) return make_error("rte_eth_from_rings " + name + " failed");
    p.port_id = static_cast<uint16_t>(id);
    PortSpec spec;
    spec.name = name;
    spec.devargs = p.ethdev;
    auto port = dp_->open_port(spec);
    if (!port) return port.error();
    members.push_back(BridgePortSpec{p.port_id, static_cast<uint32_t>(i + 1), name, cfg.vlans[i]});
  }
  dp_->set_bridge_ports(slot, members);
  Status st;
  for (const FlowMod& fm : cfg.flows) {
    if (!(st = b.flows.apply(fm, now_ms_)).ok()) return st;
  }
  dp_->set_bridge_classifier(slot, b.flows.classifier());
  for (const Conversion& c : cfg.conversions) {
    if (!(st = b.conversions.add(c)).ok()) return st;
  }
  dp_->set_bridge_conversions(slot, b.conversions.snapshot());
  dp_->set_bridge_meters(slot, meters_.snapshot());
  BridgeOptions options;
  options.watch_garp = cfg.watch_garp;
  dp_->set_bridge_options(slot, options);
  for (const StaticFdbEntry& e : cfg.fdb) b.fdb.add_static(e.vlan, e.mac, e.ofport, "");
  return {};
}

DpFuzzHarness::~DpFuzzHarness() {
  if (tx_) tx_->flush_all();
  snap_.bridges.clear();
  dp_.reset();  // stops and closes the ports
  drain_rings();
  if (pool_) {  // the memory goes back to DPDK's heap unpoisoned
    rte_mempool_obj_iter(
        pool_,
        [](rte_mempool*, void*, void* obj, unsigned) {
          auto* m = static_cast<rte_mbuf*>(obj);
          ASAN_UNPOISON_MEMORY_REGION(m->buf_addr, m->buf_len);
        },
        nullptr);
  }
  for (RingPort& p : ports_) {
    rte_vdev_uninit(p.ethdev.c_str());
    rte_ring_free(p.rx);
    rte_ring_free(p.tx);
  }
  rte_mempool_free(pool_);
}

void DpFuzzHarness::drain_rings() {
  void* objs[64];
  for (RingPort& p : ports_) {
    for (rte_ring* r : {p.rx, p.tx}) {
      unsigned n;
      while (r && (n = rte_ring_dequeue_burst(r, objs, 64, nullptr)) > 0)
        rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), n);
    }
  }
}

void DpFuzzHarness::refresh_fdbs() {
  // FdbTable::snapshot() builds a new one only when the table changed.
  for (DpBridge& br : snap_.bridges) br.fdb = bridges_.at(br.slot)->fdb.snapshot();
}

std::vector<RulePtr> DpFuzzHarness::rules() const {
  std::vector<RulePtr> v;
  for (const auto& b : bridges_) {
    for (RulePtr& r : b->flows.all_rules()) v.push_back(std::move(r));
  }
  return v;
}

std::vector<const ConversionStats*> DpFuzzHarness::conversion_stats() const {
  std::vector<const ConversionStats*> v;
  for (const auto& b : bridges_) {
    for (const auto& [id, c] : b->conversions.all()) v.push_back(c.stats.get());
  }
  return v;
}

void DpFuzzHarness::reset() {
  now_ms_ += 10000;
  rng_ = 0x2545f491;
  for (auto& c : caches_) c->flush();
  for (auto& b : bridges_) b->fdb.flush();
  refresh_fdbs();
}

bool DpFuzzHarness::receive(size_t port, const std::vector<uint8_t>& frame,
                            std::optional<uint16_t> stripped_tci) {
  if (port >= ports_.size()) return false;
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (!m) return false;
  ASAN_UNPOISON_MEMORY_REGION(m->buf_addr, m->buf_len);
  if (stripped_tci) {
    m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
    m->vlan_tci = *stripped_tci;
  }
  char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size()));
  if (!p) {
    rte_pktmbuf_free(m);
    return false;
  }
  if (!frame.empty()) std::memcpy(p, frame.data(), frame.size());
  ASAN_POISON_MEMORY_REGION(p + frame.size(), rte_pktmbuf_tailroom(m));
  if (rte_ring_enqueue(ports_[port].rx, m) != 0) {
    rte_pktmbuf_free(m);
    return false;
  }
  return true;
}

void DpFuzzHarness::run() {
  for (bool got = true; got; now_ms_++) {
    PipelineContext pc;
    pc.pmd_index = 0;
    pc.counters = counters_.get();
    pc.tx = tx_.get();
    pc.learn = &learn_;
    pc.upcall = &upcaller_;
    pc.pool = copy_pool_;
    pc.now_ms = now_ms_;
    pc.rng = &rng_;
    learn_.now_s = now_ms_ / 1000;
    got = false;
    for (const RingPort& p : ports_) {
      rte_mbuf* pkts[TxBuffers::kBurst];
      uint16_t n = rte_eth_rx_burst(p.port_id, 0, pkts, TxBuffers::kBurst);
      if (n == 0) continue;
      got = true;
      process_batch(pc, snap_, *snap_.ports[p.port_id], pkts, n);
    }
    tx_->flush_all();
    refresh_fdbs();
  }
  // Rule statistics from the megaflows, as the control thread pulls them.
  for (auto& c : caches_) c->pull_stats();
}

std::vector<TxFrame> DpFuzzHarness::drain() {
  std::vector<TxFrame> out;
  void* obj;
  for (size_t i = 0; i < ports_.size(); i++) {
    while (rte_ring_dequeue(ports_[i].tx, &obj) == 0) {
      auto* m = static_cast<rte_mbuf*>(obj);
      TxFrame f{i, {}, m->pool != pool_};
      for (const rte_mbuf* s = m; s; s = s->next) {
        const uint8_t* d = rte_pktmbuf_mtod(s, const uint8_t*);
        f.bytes.insert(f.bytes.end(), d, d + s->data_len);
      }
      out.push_back(std::move(f));
      rte_pktmbuf_free(m);
    }
  }
  return out;
}

}  // namespace ferry::fuzz
