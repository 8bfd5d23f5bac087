#include "test/fuzz/dp_fuzz_bridge.h"

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

bool DpFuzzBridge::LearnIntoTable::learn(uint16_t, uint16_t vlan, const uint8_t* mac,
                                         uint32_t ofport) {
  Mac m;
  std::memcpy(m.data(), mac, 6);
  fdb->learn(vlan, m, ofport, now_s);
  return true;
}

bool DpFuzzBridge::FreeingUpcaller::send(Upcall::Type, uint16_t, uint32_t, rte_mbuf* m) {
  rte_pktmbuf_free(m);
  n++;
  return true;
}

Status DpFuzzBridge::build(const DpFuzzConfig& cfg) {
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

  std::vector<BridgePortSpec> members;
  st = add_ports(cfg, &members);
  if (!st.ok()) return st;
  int slot = dp_->add_bridge("br0");
  if (slot < 0) return make_error("add_bridge failed");
  dp_->set_bridge_ports(slot, members);
  for (const FlowMod& fm : cfg.flows) {
    st = flows_.apply(fm, now_ms_);
    if (!st.ok()) return st;
  }
  dp_->set_bridge_classifier(slot, flows_.classifier());
  for (const Conversion& c : cfg.conversions) {
    st = conversions_.add(c);
    if (!st.ok()) return st;
  }
  dp_->set_bridge_conversions(slot, conversions_.snapshot());
  for (const MeterConfig& m : cfg.meters) {
    st = meters_.add(m);
    if (!st.ok()) return st;
  }
  dp_->set_bridge_meters(slot, meters_.snapshot());
  BridgeOptions options;
  options.watch_garp = true;
  dp_->set_bridge_options(slot, options);
  dp_->commit();

  // The published snapshot, with this thread's megaflow cache and FDB.
  const DpSnapshot* s = dp_->snapshot();
  if (!s || s->bridges.size() != 1) return make_error("no bridge in the snapshot");
  snap_.version = s->version;
  snap_.bridges = s->bridges;
  snap_.ports = s->ports;
  cache_ = std::make_unique<MegaflowCache>(1024);
  snap_.bridges[0].caches = {cache_.get()};
  fdb_.set_limits(cfg.mac_table_size, FdbTable::kDefaultAgingSeconds);
  for (const StaticFdbEntry& e : cfg.fdb) fdb_.add_static(e.vlan, e.mac, e.ofport, "");
  snap_.bridges[0].fdb = fdb_.snapshot();
  tx_ = std::make_unique<TxBuffers>(0, counters_.get());
  learn_.fdb = &fdb_;
  return {};
}

Status DpFuzzBridge::add_ports(const DpFuzzConfig& cfg, std::vector<BridgePortSpec>* members) {
  for (size_t i = 0; i < cfg.vlans.size(); i++) {
    std::string name = "fzp" + std::to_string(i + 1);
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
    BridgePortSpec bp;
    bp.port_id = p.port_id;
    bp.ofport = static_cast<uint32_t>(i + 1);
    bp.name = name;
    bp.vlan = cfg.vlans[i];
    members->push_back(bp);
  }
  return {};
}

DpFuzzBridge::~DpFuzzBridge() {
  if (tx_) tx_->flush_all();
  snap_.bridges.clear();
  dp_.reset();  // stops and closes the ports
  drain_rings();
  if (pool_) {  // the memory goes back to DPDK's heap clean
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

void DpFuzzBridge::drain_rings() {
  void* objs[64];
  for (RingPort& p : ports_) {
    for (rte_ring* r : {p.rx, p.tx}) {
      unsigned n;
      while (r && (n = rte_ring_dequeue_burst(r, objs, 64, nullptr)) > 0)
        rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), n);
    }
  }
}

void DpFuzzBridge::reset() {
  now_ms_ += 10000;
  cache_->flush();
  fdb_.flush();
  snap_.bridges[0].fdb = fdb_.snapshot();
}

std::vector<const ConversionStats*> DpFuzzBridge::conversion_stats() const {
  std::vector<const ConversionStats*> v;
  for (const auto& [id, c] : conversions_.all()) v.push_back(c.stats.get());
  return v;
}

bool DpFuzzBridge::receive(uint32_t ofport, const std::vector<uint8_t>& frame,
                           std::optional<uint16_t> stripped_tci) {
  if (ofport < 1 || ofport > ports_.size()) return false;
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
  if (rte_ring_enqueue(ports_[ofport - 1].rx, m) != 0) {
    rte_pktmbuf_free(m);
    return false;
  }
  return true;
}

void DpFuzzBridge::run() {
  for (bool got = true; got; now_ms_++) {
    PipelineContext pc;
    pc.pmd_index = 0;
    pc.counters = counters_.get();
    pc.tx = tx_.get();
    pc.learn = &learn_;
    pc.upcall = &upcaller_;
    pc.pool = copy_pool_;
    pc.now_ms = now_ms_;
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
    if (fdb_.changed()) snap_.bridges[0].fdb = fdb_.snapshot();
  }
}

std::vector<TxFrame> DpFuzzBridge::drain() {
  std::vector<TxFrame> out;
  void* obj;
  for (size_t i = 0; i < ports_.size(); i++) {
    while (rte_ring_dequeue(ports_[i].tx, &obj) == 0) {
      auto* m = static_cast<rte_mbuf*>(obj);
      TxFrame f{static_cast<uint32_t>(i + 1), {}, m->pool != pool_};
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
