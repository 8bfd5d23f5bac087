#include "test/unit/offload/esw_datapath.h"

#include <chrono>
#include <cstring>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <thread>

#include "lib/util/clock.h"
#include "offload/eswitch-emu/eswitch_emu.h"
#include "test/unit/datapath/dp_harness.h"

namespace ferry::test {

EswDatapath::EswDatapath(const std::string& device, const std::string& extra) : device_(device) {
  if (!ensure_eal(&error_)) return;
  pool_ = rte_pktmbuf_pool_create((device.substr(10) + "_t").c_str(), 8191, 0, 0,
                                  RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  dp_ = std::make_unique<Datapath>(8192);
  PmdConfig pc;
  pc.sleep_max_us = 50;
  pc.megaflow_capacity = 1024;
  if (Status st = dp_->set_pmds(pc); !st) {
    error_ = st.error().message;
    return;
  }
  std::vector<BridgePortSpec> members;
  // The device's own port (the uplink) first: it probes the device.
  const char* vps[] = {"pf", "vf0", "vf1"};
  const uint32_t ofports[] = {3, 1, 2};
  for (int i = 0; i < 3; i++) {
    PortSpec spec;
    spec.name = vps[i];
    spec.devargs =
        i == 0 ? device + ",vfs=2,uplink=ring" + extra : device + ",representor=" + vps[i];
    spec.n_txq = 2;
    auto port = dp_->open_port(spec);
    if (!port) {
      error_ = "open_port " + spec.devargs + ": " + port.error().message;
      return;
    }
    ports_.emplace_back(vps[i], (*port)->id());
    BridgePortSpec bp;
    bp.port_id = (*port)->id();
    bp.ofport = ofports[i];
    bp.name = vps[i];
    members.push_back(bp);
  }
  slot_ = dp_->add_bridge("br0");
  dp_->set_bridge_ports(slot_, members);
  dp_->set_bridge_classifier(slot_, flows_.classifier());
  dp_->commit_and_sync();
  mgr_ = std::make_unique<OffloadManager>(dp_.get());
  mgr_->set_enabled(true);
}

EswDatapath::~EswDatapath() {
  mgr_.reset();
  if (dp_) {
    rte_eth_dev_info info{};
    rte_device* dev = nullptr;
    if (port_id("pf") != 0xffff && rte_eth_dev_info_get(port_id("pf"), &info) == 0)
      dev = info.device;
    for (auto& [name, id] : ports_) dp_->close_port(id);
    // Ports found rather than probed (the representors) stay open after
    // the Datapath lets go of them: detach the whole device, before the
    // pools its rings hold frames from go away.
    if (dev) {
      uint16_t id;
      RTE_ETH_FOREACH_DEV_OF(id, dev) rte_eth_dev_close(id);
      rte_dev_remove(dev);
    }
  }
  dp_.reset();
  if (pool_) rte_mempool_free(pool_);
}

uint16_t EswDatapath::port_id(const std::string& vport) const {
  for (auto& [n, id] : ports_)
    if (n == vport) return id;
  return 0xffff;
}

void EswDatapath::add_flow(const Match& match, uint16_t priority, ActionList actions) {
  FlowMod fm;
  fm.command = FlowModCommand::kAdd;
  fm.match = match;
  fm.priority = priority;
  fm.actions = std::move(actions);
  Status st = flows_.apply(fm, monotonic_ms());
  if (!st) error_ = st.error().message;
  dp_->set_bridge_classifier(slot_, flows_.classifier());
  dp_->commit_and_sync();
}

std::shared_ptr<RuleStats> EswDatapath::rule_stats(uint16_t priority) {
  std::shared_ptr<RuleStats> out;
  for (const auto& r : flows_.all_rules())
    if (r->priority == priority) out = r->stats;
  return out;
}

rte_ring* EswDatapath::in_ring(const std::string& vport) {
  return rte_ring_lookup(esw::ring_name(device_, vport, true).c_str());
}
rte_ring* EswDatapath::out_ring(const std::string& vport) {
  return rte_ring_lookup(esw::ring_name(device_, vport, false).c_str());
}

void EswDatapath::far_send(const std::string& vport, const Bytes& frame) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())), frame.data(),
              frame.size());
  if (rte_ring_enqueue(in_ring(vport), m) != 0) rte_pktmbuf_free(m);
}

std::vector<Bytes> EswDatapath::far_recv(const std::string& vport, size_t n) {
  std::vector<Bytes> got;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  rte_ring* r = out_ring(vport);
  while (got.size() < n && std::chrono::steady_clock::now() < end) {
    void* m;
    if (rte_ring_dequeue(r, &m) == 0) {
      auto* mb = static_cast<rte_mbuf*>(m);
      auto* d = rte_pktmbuf_mtod(mb, uint8_t*);
      got.emplace_back(d, d + mb->data_len);
      rte_pktmbuf_free(mb);
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  return got;
}

uint64_t EswDatapath::xstat(const std::string& name) const {
  uint64_t id, value = ~0ull;
  uint16_t p = port_id("pf");
  if (rte_eth_xstats_get_id_by_name(p, name.c_str(), &id) == 0)
    rte_eth_xstats_get_by_id(p, &id, &value, 1);
  return value;
}

void EswDatapath::tick() {
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  mgr_->run(monotonic_ms());
  mgr_->sync(monotonic_ms());
  dp_->sync_stats();  // rule statistics from the megaflows, as the daemon's loop pulls them
}

}  // namespace ferry::test
