// The datapath's receive-queue placement: which PMD polls which rxq, from
// the cycles each rxq used since the last placement (the policy itself is
// place_rxqs(), datapath/rxq_placement.h).
#include <algorithm>

#include "datapath/datapath.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(dp_rxq_log, "rxq_placement");

namespace ferry {

uint64_t Datapath::rxq_cycles(uint16_t port_id, uint16_t queue) const {
  uint64_t n = 0;
  unsigned slot = std::min<unsigned>(queue, PmdCounters::kRxqSlots - 1);
  for (auto& p : pmds_) n += p->counters().rxq_cycles[port_id][slot].get();
  return n;
}

void Datapath::assign_rxqs(DpSnapshot& snap) {
  snap.pmd_rxqs.assign(pmds_.size(), {});
  if (pmds_.empty()) return;
  std::vector<RxqInfo> rxqs;
  std::vector<uint8_t> shifts;
  for (unsigned id = 0; id < kMaxDpPorts; id++) {
    const DpPort* dp = snap.ports[id];
    if (!dp) continue;
    uint8_t shift = dp->port->driver_name() == "net_tap" ? 5 : 0;
    for (uint16_t q = 0; q < dp->port->n_rxq(); q++) {
      RxqInfo info;
      info.port_id = static_cast<uint16_t>(id);
      info.queue = q;
      info.port_name = dp->name;
      auto key = std::make_pair(info.port_id, q);
      uint64_t now = rxq_cycles(info.port_id, q);
      auto base = cycles_base_.find(key);
      info.cycles = now - (base == cycles_base_.end() ? 0 : std::min(now, base->second));
      for (const auto& [queue, core] : dp->rxq_affinity) {
        if (queue == q) info.affinity_core = core;
      }
      if (!placement_.count(key)) replace_ = true;
      rxqs.push_back(info);
      shifts.push_back(shift);
    }
  }
  if (rxqs.size() != placement_.size()) replace_ = true;
  if (replace_) {
    std::vector<int> cores = pmd_config_.cores;
    RxqPlacement pl = place_rxqs(rxqs, cores, pmd_config_.rxq_assign, pmd_config_.rxq_isolate);
    for (const std::string& w : pl.warnings) FLOG_WARN(dp_rxq_log, "%s", w.c_str());
    placement_.clear();
    cycles_base_.clear();
    for (size_t p = 0; p < pl.by_pmd.size(); p++) {
      for (size_t i : pl.by_pmd[p]) placement_[{rxqs[i].port_id, rxqs[i].queue}] = p;
    }
    for (const RxqInfo& q : rxqs)
      cycles_base_[{q.port_id, q.queue}] = rxq_cycles(q.port_id, q.queue);
    isolated_ = pl.isolated;
    replace_ = false;
  }
  for (size_t i = 0; i < rxqs.size(); i++) {
    size_t pmd = placement_.at({rxqs[i].port_id, rxqs[i].queue});
    snap.pmd_rxqs[pmd].push_back(RxqRef{rxqs[i].port_id, rxqs[i].queue, shifts[i]});
  }
}

void Datapath::rebalance() {
  // Place with the cycles measured so far, then restart the measurement.
  replace_ = true;
  dirty_ = true;
  commit_and_sync();
}

double Datapath::rxq_usage(size_t pmd, uint16_t port_id, uint16_t queue) const {
  uint64_t total = 0, mine = 0;
  for (const auto& [key, p] : placement_) {
    if (p != pmd) continue;
    auto base = cycles_base_.find(key);
    uint64_t now = rxq_cycles(key.first, key.second);
    uint64_t c = now - (base == cycles_base_.end() ? 0 : std::min(now, base->second));
    total += c;
    if (key == std::make_pair(port_id, queue)) mine = c;
  }
  return total ? 100.0 * static_cast<double>(mine) / static_cast<double>(total) : 0.0;
}

}  // namespace ferry
