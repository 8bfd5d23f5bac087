#include "datapath/datapath.h"

#include <poll.h>

#include <algorithm>
#include <cstring>
#include <rte_mbuf.h>

#include "datapath/megaflow_cache.h"
#include "datapath/mirror.h"
#include "datapath/pipeline.h"
#include "datapath/tx_buffers.h"
#include "lib/util/clock.h"
#include "lib/util/log.h"
#include "lib/util/text.h"

FERRY_LOG_MODULE(dp_log, "datapath");

namespace ferry {

namespace {
constexpr unsigned kUpcallRingSize = 4096;
constexpr size_t kMaxPendingPacketUpcalls = 4096;
constexpr size_t kMaxPendingLearnEvents = 4096;
}  // namespace

// On the control thread NORMAL learns straight into the table.
class Datapath::FdbLearnSink : public LearnSink {
 public:
  explicit FdbLearnSink(Datapath* dp) : dp_(dp) {}
  bool learn(uint16_t slot, uint16_t vlan, const uint8_t* mac, uint32_t ofport) override {
    auto it = dp_->bridges_.find(slot);
    if (it == dp_->bridges_.end()) return true;
    Mac m;
    std::memcpy(m.data(), mac, 6);
    if (it->second->fdb.learn(vlan, m, ofport, monotonic_ms() / 1000)) dp_->dirty_ = true;
    return true;
  }

 private:
  Datapath* dp_;
};

// On the control thread (packet-outs, re-injections) frames for the
// control thread are queued with those the PMDs handed up.
class Datapath::ControlUpcaller : public PacketUpcaller {
 public:
  explicit ControlUpcaller(Datapath* dp) : dp_(dp) {}
  bool send(Upcall::Type type, uint16_t slot, uint32_t ofport, rte_mbuf* m) override {
    if (dp_->packet_upcalls_.size() >= kMaxPendingPacketUpcalls) return false;
    dp_->packet_upcalls_.push_back(PacketUpcall{type, slot, ofport, MbufPtr(m)});
    return true;
  }

 private:
  Datapath* dp_;
};

Datapath::Datapath(unsigned n_mbufs)
    : snapshot_(&rcu_),
      pools_(n_mbufs),
      control_learn_(std::make_unique<FdbLearnSink>(this)),
      control_upcall_(std::make_unique<ControlUpcaller>(this)),
      conntrack_(std::make_unique<ct::Conntrack>(ct::Conntrack::Config{
          .max_conns = 3000000, .max_threads = kCtThreads, .expected_conns = 65536})) {}

Datapath::~Datapath() {
  for (auto& p : pmds_) p->stop();
  drain_upcalls();  // frees the frames still in the rings
  packet_upcalls_.clear();
  pmds_.clear();
  if (control_tx_) control_tx_->flush_all();
  retire_snapshot(snapshot_.exchange(nullptr));
  while (rcu_.pending()) {  // a retirement may defer another step
    rcu_.synchronize();
    rcu_.reclaim();
  }
  bridges_.clear();
  ports_.clear();
}

Status Datapath::set_pmds(const PmdConfig& config) {
  if (config.rxq_assign != pmd_config_.rxq_assign ||
      config.rxq_isolate != pmd_config_.rxq_isolate) {
    pmd_config_.rxq_assign = config.rxq_assign;
    pmd_config_.rxq_isolate = config.rxq_isolate;
    replace_ = true;
    dirty_ = true;
  }
  bool same_threads = config.cores == pmd_config_.cores && pmds_.size() == config.cores.size() &&
                      config.megaflow_capacity == pmd_config_.megaflow_capacity &&
                      config.flow_limit == pmd_config_.flow_limit;
  if (same_threads) {
    pmd_config_.sleep_max_us = config.sleep_max_us;
    if (pmd_config_.emc_insert_inv_prob != config.emc_insert_inv_prob ||
        pmd_config_.max_idle_ms != config.max_idle_ms) {
      pmd_config_.emc_insert_inv_prob = config.emc_insert_inv_prob;
      pmd_config_.max_idle_ms = config.max_idle_ms;
      dirty_ = true;
    }
    for (auto& p : pmds_) p->set_sleep_max_us(config.sleep_max_us);
    return {};
  }
  for (auto& p : pmds_) p->stop();
  pmds_.clear();
  if (control_tx_) control_tx_->flush_all();
  pmd_config_ = config;
  replace_ = true;
  auto pool = pools_.get(0);
  if (!pool) return pool.error();

  // Every port needs one tx queue per transmitting thread.
  control_tx_index_ = static_cast<uint16_t>(config.cores.size());
  control_tx_ = std::make_unique<TxBuffers>(control_tx_index_, &control_counters_);
  for (auto& [id, port] : ports_) {
    PortSpec spec = port->spec();
    spec.n_txq = static_cast<uint16_t>(config.cores.size() + 1);
    Status st = port->reconfigure(spec, pools_);
    if (!st.ok()) FLOG_ERR(dp_log, "%s: %s", port->name().c_str(), st.error().message.c_str());
  }
  pull_stats(-1);  // the caches go: what they counted goes to the rules first
  for (auto& [slot, b] : bridges_) rebuild_caches(*b);
  for (unsigned i = 0; i < config.cores.size(); i++) {
    auto ring = UpcallRing::create(kUpcallRingSize);
    if (!ring) return ring.error();
    pmds_.push_back(std::make_unique<Pmd>(i, config.cores[i], &rcu_, &snapshot_, *pool,
                                          std::move(*ring), &notifier_));
    pmds_.back()->set_sleep_max_us(config.sleep_max_us);
  }
  dirty_ = true;
  commit();
  for (auto& p : pmds_) p->start();
  FLOG_INFO(dp_log, "%zu PMD thread(s), idle sleep up to %lld us", pmds_.size(),
            static_cast<long long>(config.sleep_max_us));
  return {};
}

void Datapath::rebuild_caches(BridgeModel& b) {
  // Only while no PMD runs: caches are owned by their PMD otherwise.
  b.caches.clear();
  for (size_t i = 0; i < pmd_config_.cores.size(); i++) {
    b.caches.push_back(std::make_unique<MegaflowCache>(pmd_config_.megaflow_capacity));
  }
}

Result<Port*> Datapath::open_port(const PortSpec& spec_in) {
  PortSpec spec = spec_in;
  spec.n_txq = static_cast<uint16_t>(pmd_config_.cores.size() + 1);
  std::vector<std::pair<uint16_t, std::string>> in_use;
  for (auto& [id, p] : ports_) in_use.emplace_back(id, p->name());
  auto port = Port::open(spec, pools_, in_use);
  if (!port) return port.error();
  uint16_t id = (*port)->id();
  if (id >= kMaxDpPorts)
    return make_error(strprintf("port id %u is beyond Ferry's limit of %u", id, kMaxDpPorts));
  Port* p = port->get();
  ports_[id] = std::move(*port);
  return p;
}

void Datapath::close_port(uint16_t port_id) {
  auto it = ports_.find(port_id);
  if (it == ports_.end()) return;
  bool member = false;
  for (auto& [slot, b] : bridges_) {
    auto& v = b->ports;
    for (const BridgePortSpec& s : v) {
      if (s.port_id == port_id) b->fdb.flush_port(s.ofport);
    }
    auto e = std::remove_if(v.begin(), v.end(),
                            [&](const BridgePortSpec& s) { return s.port_id == port_id; });
    if (e != v.end()) {
      member = true;
      v.erase(e, v.end());
    }
  }
  if (member) dirty_ = true;
  // No PMD may poll or transmit on it any more before it closes.
  commit_and_sync();
  if (control_tx_) control_tx_->flush_all();
  ports_.erase(it);
}

Status Datapath::reconfigure_port(uint16_t port_id, const PortSpec& spec_in) {
  auto it = ports_.find(port_id);
  if (it == ports_.end()) return make_error(strprintf("no port %u", port_id), ENODEV);
  PortSpec spec = spec_in;
  spec.n_txq = static_cast<uint16_t>(pmd_config_.cores.size() + 1);
  if (spec == it->second->spec()) return {};
  reconfiguring_ = port_id;
  dirty_ = true;
  commit_and_sync();
  if (control_tx_) control_tx_->flush_all();
  Status st = it->second->reconfigure(spec, pools_);
  reconfiguring_ = -1;
  dirty_ = true;
  commit();
  return st;
}

Port* Datapath::port(uint16_t port_id) {
  auto it = ports_.find(port_id);
  return it == ports_.end() ? nullptr : it->second.get();
}

std::vector<Port*> Datapath::ports() const {
  std::vector<Port*> v;
  for (auto& [id, p] : ports_) v.push_back(p.get());
  return v;
}

uint64_t Datapath::tx_dropped(uint16_t port_id) const {
  uint64_t n = control_tx_ ? control_tx_->tx_dropped(port_id) : 0;
  for (auto& p : pmds_) n += p->tx_dropped(port_id);
  return n;
}

NamedCounters Datapath::port_statistics(uint16_t port_id) const {
  auto it = ports_.find(port_id);
  if (it == ports_.end()) return {};
  PortHwStats hw = it->second->hw_stats();
  return {{"rx_packets", hw.rx_packets},
          {"rx_bytes", hw.rx_bytes},
          {"tx_packets", hw.tx_packets},
          {"tx_bytes", hw.tx_bytes},
          {"rx_dropped", hw.rx_missed + hw.rx_nombuf},
          {"rx_missed_errors", hw.rx_missed},
          {"rx_errors", hw.rx_errors},
          {"tx_errors", hw.tx_errors},
          {"tx_dropped", tx_dropped(port_id)}};
}

int Datapath::add_bridge(const std::string& name) {
  int slot = 0;
  while (bridges_.count(slot)) slot++;
  if (slot >= static_cast<int>(kMaxBridges)) return -1;
  auto b = std::make_unique<BridgeModel>();
  b->name = name;
  b->classifier = std::make_shared<const Classifier>(std::vector<RulePtr>{}, 0);
  for (size_t i = 0; i < pmds_.size(); i++)
    b->caches.push_back(std::make_unique<MegaflowCache>(pmd_config_.megaflow_capacity));
  bridges_[slot] = std::move(b);
  dirty_ = true;
  return slot;
}

void Datapath::remove_bridge(int slot) {
  auto it = bridges_.find(slot);
  if (it == bridges_.end()) return;
  // The caches stay alive until no PMD can hold the snapshot that lists them.
  std::shared_ptr<BridgeModel> b(it->second.release());
  bridges_.erase(it);
  dirty_ = true;
  commit();
  rcu_.defer([b] {});
}

void Datapath::set_bridge_ports(int slot, std::vector<BridgePortSpec> ports) {
  BridgeModel& b = *bridges_.at(slot);
  for (const BridgePortSpec& old : b.ports) {
    auto same = std::find_if(ports.begin(), ports.end(), [&](const BridgePortSpec& p) {
      return p.port_id == old.port_id && p.ofport == old.ofport;
    });
    if (same == ports.end()) b.fdb.flush_port(old.ofport);
  }
  std::sort(ports.begin(), ports.end(),
            [](const auto& a, const auto& c) { return a.ofport < c.ofport; });
  for (const BridgePortSpec& n : ports) {
    auto old = std::find_if(b.ports.begin(), b.ports.end(),
                            [&](const BridgePortSpec& o) { return o.port_id == n.port_id; });
    if (old == b.ports.end() || old->rxq_affinity != n.rxq_affinity)
      replace_ = true;  // re-place rx queues
  }
  b.ports = std::move(ports);
  dirty_ = true;
}

void Datapath::set_bridge_classifier(int slot, std::shared_ptr<const Classifier> classifier) {
  BridgeModel& b = *bridges_.at(slot);
  b.classifier = std::move(classifier);
  b.generation++;
  dirty_ = true;
}

void Datapath::set_bridge_meters(int slot, std::shared_ptr<const MeterSnapshot> meters) {
  bridges_.at(slot)->meters = std::move(meters);
  dirty_ = true;
}

void Datapath::set_bridge_groups(int slot, std::shared_ptr<const GroupSnapshot> groups) {
  BridgeModel& b = *bridges_.at(slot);
  b.groups = std::move(groups);
  b.generation++;
  dirty_ = true;
}

void Datapath::set_bridge_mirrors(int slot, std::shared_ptr<const MirrorSnapshot> mirrors) {
  BridgeModel& b = *bridges_.at(slot);
  b.mirrors = std::move(mirrors);
  b.generation++;
  dirty_ = true;
}

void Datapath::set_bridge_conversions(int slot,
                                      std::shared_ptr<const ConversionSnapshot> conversions) {
  BridgeModel& b = *bridges_.at(slot);
  b.conversions = std::move(conversions);
  b.generation++;
  dirty_ = true;
}

void Datapath::set_bridge_packet_in_on_miss(int slot, bool on) {
  BridgeModel& b = *bridges_.at(slot);
  if (b.packet_in_on_miss == on) return;
  b.packet_in_on_miss = on;
  b.generation++;  // cached misses are answered anew
  dirty_ = true;
}

void Datapath::set_bridge_fail_open(int slot, bool on) {
  BridgeModel& b = *bridges_.at(slot);
  if (b.fail_open == on) return;
  b.fail_open = on;
  b.generation++;
  dirty_ = true;
}

void Datapath::set_bridge_tun_md0(int slot, const GeneveOptMap& map) {
  BridgeModel& b = *bridges_.at(slot);
  if (b.tun_md0 == map) return;
  b.tun_md0 = map;
  b.generation++;  // encapsulations translated with the old option are stale
  dirty_ = true;
}

void Datapath::set_bridge_options(int slot, const BridgeOptions& options) {
  BridgeModel& b = *bridges_.at(slot);
  b.options = options;
  b.fdb.set_limits(options.mac_table_size, options.mac_aging_s);
  dirty_ = true;
}

FdbTable& Datapath::fdb(int slot) { return bridges_.at(slot)->fdb; }

std::vector<const MegaflowCache*> Datapath::megaflow_caches(int slot) const {
  std::vector<const MegaflowCache*> v;
  auto it = bridges_.find(slot);
  if (it == bridges_.end()) return v;
  for (auto& c : it->second->caches) v.push_back(c.get());
  return v;
}

std::unique_ptr<DpSnapshot> Datapath::build_snapshot() {
  auto snap = std::make_unique<DpSnapshot>();
  snap->version = ++version_;
  snap->emc_insert_inv_prob = pmd_config_.emc_insert_inv_prob;
  snap->conntrack = conntrack_.get();
  snap->max_idle_ms = pmd_config_.max_idle_ms;
  for (auto& [slot, b] : bridges_) {
    DpBridge db;
    db.name = b->name;
    db.slot = static_cast<uint16_t>(slot);
    db.classifier = b->classifier;
    db.fdb = b->fdb.snapshot();
    db.conversions = b->conversions;
    db.meters = b->meters;
    db.groups = b->groups;
    db.generation = b->generation;
    db.mac_learning = b->options.mac_learning;
    db.flood_unknown = b->options.flood_unknown;
    db.move_detect = b->options.move_detect;
    db.watch_garp = b->options.watch_garp;
    db.forward_bpdu = b->options.forward_bpdu;
    db.packet_in_on_miss = b->packet_in_on_miss;
    db.fail_open = b->fail_open;
    db.tun_md0 = b->tun_md0;
    db.mirrors = b->mirrors;
    for (auto& c : b->caches) db.caches.push_back(c.get());
    db.recirc = b->recirc;
    uint16_t bidx = static_cast<uint16_t>(snap->bridges.size());
    for (const BridgePortSpec& ps : b->ports) {
      auto pit = ports_.find(ps.port_id);
      auto tit = tunnel_ports_.find(ps.port_id);
      if ((pit == ports_.end() && tit == tunnel_ports_.end()) || ps.port_id >= kMaxSnapPorts ||
          snap->ports[ps.port_id] || ps.port_id == reconfiguring_)
        continue;
      auto dp = std::make_unique<DpPort>();
      dp->port_id = ps.port_id;
      dp->ofport = ps.ofport;
      dp->bridge = bidx;
      dp->port = pit != ports_.end() ? pit->second.get() : nullptr;
      if (tit != tunnel_ports_.end()) dp->tunnel = tit->second;
      dp->vlan = ps.vlan;
      dp->name = ps.name;
      dp->rxq_affinity = ps.rxq_affinity;
      dp->uplink = ps.uplink;
      dp->mirror_out = b->mirrors && b->mirrors->is_output(ps.ofport);
      snap->ports[ps.port_id] = dp.get();
      db.ports.push_back(ps.port_id);
      if (ps.ofport == kOfppLocal) {
        db.local_port = ps.port_id;
      } else {
        if (db.by_ofport.size() <= ps.ofport) db.by_ofport.resize(ps.ofport + 1, -1);
        db.by_ofport[ps.ofport] = ps.port_id;
      }
      snap->port_storage.push_back(std::move(dp));
    }
    snap->bridges.push_back(std::move(db));
  }
  snap->tunnels = build_tunnels(*snap);
  couple_tunnel_generations(*snap);
  if (!snap->tunnels->ports.empty()) {
    for (const LocalAddress& a : tnl_.local_addresses()) {
      for (auto& dp : snap->port_storage) {
        if (dp->name == a.dev && dp->port) dp->tnl_terminate = true;
      }
    }
  }
  for (auto& dp : snap->port_storage) {
    if (dp->special()) snap->bridges[dp->bridge].special_ofports.push_back(dp->ofport);
  }
  for (auto& dp : snap->port_storage) compute_simple(*snap, *dp);
  assign_rxqs(*snap);
  return snap;
}

void Datapath::compute_simple(const DpSnapshot& snap, DpPort& port) {
  const DpBridge& br = snap.bridges[port.bridge];
  if (br.move_detect || br.watch_garp) return;
  FlowKey key = zero_key();
  key.in_port = port.ofport;
  FlowKey wc = zero_key();
  Classification c = classify(br, key, &wc);
  wc.in_port = 0;
  wc.recirc_id = 0;  // every megaflow matches it; a port's frames are never recirculated
  // The answer must depend on the port alone, and need no translation.
  if (wc != zero_key() || c.conv || (c.rule && c.rule->needs_xlate) || c.untranslated || c.xlate)
    return;
  port.simple = true;
  port.simple_rule = c.rule;
  port.simple_batchable =
      c.rule && batchable_actions(*c.rule->actions) && !br.is_special(c.rule->actions->back().port);
}

void Datapath::commit() {
  for (auto& [slot, b] : bridges_) {
    if (b->fdb.changed()) dirty_ = true;
  }
  if (!dirty_) return;
  dirty_ = false;
  retire_snapshot(snapshot_.exchange(build_snapshot()));
  retire_caches();
}

void Datapath::commit_and_sync() {
  commit();
  rcu_.synchronize();
}

ExecContext Datapath::control_context(const DpSnapshot* snap, const DpBridge* br, const DpPort* in,
                                      rte_mempool* pool) {
  ExecContext ctx;
  ctx.snap = snap;
  ctx.bridge = br;
  ctx.in = in;
  ctx.tx = control_tx_.get();
  ctx.counters = &control_counters_;
  ctx.learn = control_learn_.get();
  ctx.upcall = control_upcall_.get();
  ctx.pool = pool;
  ctx.now_ms = monotonic_ms();
  ctx.now_s = ctx.now_ms / 1000;
  ctx.now_ns = static_cast<uint64_t>(monotonic_us()) * 1000;
  ctx.conntrack = conntrack_.get();
  ctx.ct_tid = kControlCtTid;  // recirculations: the caller gives a queue (control_recirc)
  return ctx;
}

void Datapath::drain_upcalls() {
  notifier_.clear();
  int64_t now_s = monotonic_ms() / 1000;
  Upcall batch[64];
  for (auto& p : pmds_) {
    unsigned n;
    while ((n = p->upcalls().pop(batch, 64)) > 0) {
      for (unsigned i = 0; i < n; i++) {
        const Upcall& u = batch[i];
        auto it = bridges_.find(u.bridge_slot);
        if (u.type != Upcall::kLearn) {
          MbufPtr pkt(u.pkt);
          if (it != bridges_.end() && packet_upcalls_.size() < kMaxPendingPacketUpcalls) {
            packet_upcalls_.push_back(PacketUpcall{static_cast<Upcall::Type>(u.type), u.bridge_slot,
                                                   u.ofport, std::move(pkt)});
          }
          continue;
        }
        if (it == bridges_.end()) continue;
        // A request may race with the port leaving the bridge.
        const auto& ports = it->second->ports;
        bool present = std::any_of(ports.begin(), ports.end(),
                                   [&](const BridgePortSpec& s) { return s.ofport == u.ofport; });
        if (!present) continue;
        Mac mac;
        std::memcpy(mac.data(), u.mac, 6);
        uint32_t old = 0;
        if (it->second->fdb.learn(u.vlan, mac, u.ofport, now_s, &old) &&
            learn_events_.size() < kMaxPendingLearnEvents) {
          LearnEvent e{u.bridge_slot, u.vlan, {}, u.ofport, old};
          std::memcpy(e.mac, u.mac, 6);
          learn_events_.push_back(e);
        }
      }
    }
  }
}

void Datapath::grow_caches() {
  for (auto& [slot, b] : bridges_) {
    for (auto& c : b->caches) {
      if (!c->wants_more() || c->capacity() >= pmd_config_.flow_limit) continue;
      size_t next = std::min(c->capacity() * 4, pmd_config_.flow_limit);
      retired_caches_.push_back({slot, std::shared_ptr<MegaflowCache>(c.release())});
      c = std::make_unique<MegaflowCache>(next);
      dirty_ = true;
    }
  }
}

void Datapath::run() {
  drain_upcalls();
  grow_caches();
  int64_t now = monotonic_ms();
  if (now >= next_fdb_run_ms_) {
    next_fdb_run_ms_ = now + 1000;
    for (auto& [slot, b] : bridges_) b->fdb.run(now / 1000);
  }
  if (now >= next_stats_pull_ms_) {
    next_stats_pull_ms_ = now + kStatsPullMs;
    pull_stats(-1);
  }
  conntrack_->offline(kControlCtTid);  // the control thread holds nothing between runs
  if (now >= next_ct_sweep_ms_) {
    next_ct_sweep_ms_ = now + kCtSweepMs;
    conntrack_->sweep(static_cast<uint64_t>(now));
  }
  commit();
  rcu_.reclaim();
}

void Datapath::wait(Waiter& w) {
  w.fd_wait(notifier_.fd(), POLLIN);
  int64_t now = monotonic_ms();
  w.timer_wait(std::max<int64_t>(0, next_fdb_run_ms_ - now));
  if (conntrack_->nconns()) w.timer_wait(std::max<int64_t>(0, next_ct_sweep_ms_ - now));
  if (!pmds_.empty()) w.timer_wait(std::max<int64_t>(0, next_stats_pull_ms_ - now));
  if (rcu_.pending()) w.timer_wait(10);
}

}  // namespace ferry
