#include "offload/offload_manager.h"

#include <algorithm>
#include <cstring>
#include <rte_ethdev.h>

#include "datapath/classify.h"
#include "datapath/datapath.h"
#include "datapath/megaflow_cache.h"
#include "lib/util/log.h"
#include "lib/util/text.h"

FERRY_LOG_MODULE(offload_log, "offload");

namespace ferry {

const char* OffloadFlow::state_name() const {
  switch (state) {
    case State::kSw:
      return "software";
    case State::kInstalling:
      return "moving-to-hardware";
    case State::kHw:
      return "hardware";
    case State::kRemoving:
      return "moving-to-software";
  }
  return "?";
}

OffloadManager::OffloadManager(Datapath* dp) : dp_(dp) {}

OffloadManager::~OffloadManager() {
  sync(0);
  for (auto& [id, f] : flows_)
    if (f.state == OffloadFlow::State::kHw) to_sw(f);
  sync(0);
}

Status OffloadManager::set_policy(int slot, const std::string& bridge, const std::string& text) {
  auto p = OffloadPolicy::parse(text.empty() ? "threshold" : text);
  BridgeStats& b = bridges_[slot];
  b.name = bridge;
  b.policy_text = text;
  if (!p) {
    b.policy_error = "\"" + text + "\": " + p.error().message;
    return p.error();
  }
  b.policy_error.clear();
  b.policy = *p;
  return {};
}

void OffloadManager::remove_bridge(int slot) {
  for (auto& [id, f] : flows_)
    if (f.slot == slot && f.state == OffloadFlow::State::kHw) to_sw(f);
  bridges_.erase(slot);
}

size_t OffloadManager::capacity() const { return max_rules_ ? max_rules_ : nic_max_rules_; }

size_t OffloadManager::n_hw() const {
  size_t n = 0;
  for (const auto& [id, f] : flows_)
    if (f.state == OffloadFlow::State::kHw || f.state == OffloadFlow::State::kInstalling) n++;
  return n;
}

std::string OffloadManager::key_of(int slot, const FlowKey& key, const FlowKey& mask) const {
  std::string k(reinterpret_cast<const char*>(&slot), sizeof slot);
  k.append(reinterpret_cast<const char*>(&key), sizeof key);
  k.append(reinterpret_cast<const char*>(&mask), sizeof mask);
  return k;
}

const OffloadFlow* OffloadManager::find(uint64_t id) const {
  auto it = flows_.find(id);
  return it == flows_.end() ? nullptr : &it->second;
}

const OffloadFlow* OffloadManager::find(int slot, const FlowKey& key, const FlowKey& mask) const {
  auto it = index_.find(key_of(slot, key, mask));
  return it == index_.end() ? nullptr : find(it->second);
}

Status OffloadManager::pin(uint64_t flow_id, Pin pin) {
  auto it = flows_.find(flow_id);
  if (it == flows_.end())
    return make_error(strprintf("no offload flow %llu", static_cast<unsigned long long>(flow_id)),
                      ENOENT);
  it->second.pin = pin;
  it->second.retry_after_ms = 0;
  return {};
}

std::optional<OffloadPortInfo> OffloadManager::port_info(uint16_t port_id) {
  auto it = ports_.find(port_id);
  if (it != ports_.end()) return it->second;
  std::optional<OffloadPortInfo> info;
  rte_eth_dev_info di;
  if (rte_eth_dev_info_get(port_id, &di) == 0 &&
      di.switch_info.domain_id != RTE_ETH_DEV_SWITCH_DOMAIN_ID_INVALID) {
    info = OffloadPortInfo{port_id, di.switch_info.domain_id};
    uint64_t xid, value = 0;
    if (rte_eth_xstats_get_id_by_name(port_id, "esw_rules_max", &xid) == 0 &&
        rte_eth_xstats_get_by_id(port_id, &xid, &value, 1) == 1 && value)
      nic_max_rules_ = nic_max_rules_ ? std::min<size_t>(nic_max_rules_, value) : value;
  }
  ports_[port_id] = info;
  return info;
}

void OffloadManager::write_back(OffloadFlow& f, uint64_t rule_packets, uint64_t rule_bytes,
                                int64_t now_ms) {
  if (rule_packets < f.hw_rule_packets) return;
  uint64_t dp = rule_packets - f.hw_rule_packets;
  uint64_t db = rule_bytes >= f.hw_rule_bytes ? rule_bytes - f.hw_rule_bytes : 0;
  f.hw_rule_packets = rule_packets;
  f.hw_rule_bytes = rule_bytes;
  if (!dp) return;
  f.hw_packets += dp;
  f.hw_bytes += db;
  hw_total_ += dp;
  if (f.rule_stats) f.rule_stats->add(dp, db, now_ms);
}

void OffloadManager::apply_results(int64_t now_ms) {
  for (OffloadDone& d : thread_.take()) {
    auto it = flows_.find(d.flow);
    if (it == flows_.end()) continue;
    OffloadFlow& f = it->second;
    BridgeStats& b = bridges_[f.slot];
    switch (d.kind) {
      case OffloadJob::Kind::kInstall:
        if (d.err && f.replacing) {
          // The old rule is still in, with a stale answer: take it out.
          f.replacing = false;
          f.state = OffloadFlow::State::kHw;
          b.refusals++;
          b.reasons["NIC refused the rule: " + d.message]++;
          to_sw(f);
          break;
        }
        if (d.err) {
          f.state = OffloadFlow::State::kSw;
          f.reason = "NIC refused the rule: " + d.message;
          f.retry_after_ms = now_ms + kRetryMs;
          b.refusals++;
          b.reasons[f.reason]++;
          if (d.err == ENOSPC) nic_max_rules_ = std::max<size_t>(1, n_hw());
          FLOG_INFO(offload_log, "flow %llu stays in software: %s",
                    static_cast<unsigned long long>(f.id), f.reason.c_str());
          break;
        }
        if (f.replacing) {
          // Install-new-then-remove-old: the old rule's last counts go to
          // its OpenFlow rule, the new rule counts from zero.
          if (d.counted) write_back(f, d.hits, d.bytes, now_ms);
          f.replacing = false;
          f.rule_stats = std::move(f.next_rule_stats);
          f.state = OffloadFlow::State::kHw;
          f.handle = d.handle;
          f.port = d.port;
          f.hw_rule_packets = f.hw_rule_bytes = 0;
          b.replaced++;
          if (!enabled_) to_sw(f);
          break;
        }
        f.state = OffloadFlow::State::kHw;
        f.handle = d.handle;
        f.port = d.port;
        f.hw_rule_packets = f.hw_rule_bytes = 0;
        f.reason.clear();
        b.to_hw++;
        // Decided (submitted) to active in the NIC, as the offload thread
        // measured it.
        if (latencies_.size() < 4096) {
          latencies_.push_back(d.latency_ns);
        } else {
          latencies_[latency_pos_++ % latencies_.size()] = d.latency_ns;
        }
        if (f.stale || !enabled_) to_sw(f);
        break;
      case OffloadJob::Kind::kRemove:
        if (d.counted) write_back(f, d.hits, d.bytes, now_ms);
        f.state = OffloadFlow::State::kSw;
        f.handle = nullptr;
        f.rate.below_since_ms = -1;
        b.to_sw++;
        break;
      case OffloadJob::Kind::kQuery:
        if (f.state == OffloadFlow::State::kHw && f.handle == d.handle && d.counted)
          write_back(f, d.hits, d.bytes, now_ms);
        break;
    }
  }
}

void OffloadManager::to_sw(OffloadFlow& f) {
  OffloadJob j;
  j.kind = OffloadJob::Kind::kRemove;
  j.flow = f.id;
  j.handle = f.handle;
  j.port = f.port;
  f.state = OffloadFlow::State::kRemoving;
  thread_.submit(std::move(j));
}

bool OffloadManager::to_hw(OffloadFlow& f, size_t* used) {
  auto spec = fresh_.find(f.id);
  if (spec == fresh_.end()) {
    auto why = fresh_reason_.find(f.id);
    if (why != fresh_reason_.end() && f.reason != why->second) {
      f.reason = why->second;
      bridges_[f.slot].reasons[f.reason]++;
    }
    return false;
  }
  size_t cap = capacity();
  bool evicted = false;
  if (cap && *used >= cap) {
    // The NIC table is a cache: the least valuable entry makes room.
    OffloadFlow* victim = nullptr;
    for (auto& [id, o] : flows_) {
      if (o.state != OffloadFlow::State::kHw || o.pin == Pin::kHw) continue;
      if (!victim || o.rate.rate() < victim->rate.rate()) victim = &o;
    }
    if (!victim || victim->rate.rate() >= f.rate.rate()) {
      std::string why = strprintf("NIC table full (%zu rules)", cap);
      if (f.reason != why) bridges_[f.slot].reasons[why]++;
      f.reason = why;
      return false;
    }
    bridges_[victim->slot].evictions++;
    to_sw(*victim);
    evicted = true;  // one out, one in
  }
  OffloadJob j;
  j.kind = OffloadJob::Kind::kInstall;
  j.flow = f.id;
  j.spec = spec->second;
  f.spec = spec->second;
  f.state = OffloadFlow::State::kInstalling;
  f.decided_ns = offload_now_ns();
  if (!evicted) ++*used;
  thread_.submit(std::move(j));
  return true;
}

bool OffloadManager::replace(OffloadFlow& f, const DpBridge& br, const OffloadPortLookup& lookup) {
  if (f.pin == Pin::kSw || (software_pin_ && !software_pin_(f.slot, f.key, f.mask).empty()))
    return false;
  // The new answer must hold for the whole megaflow: the lookup may only
  // have consulted bits the megaflow's mask covers.
  FlowKey wc = zero_key();
  Classification c = classify(br, f.key, &wc);
  for (size_t i = 0; i < FlowKey::kWords; i++)
    if (wc.words()[i] & ~f.mask.words()[i]) return false;
  OffloadAnswer ans;
  ans.actions = c.rule ? c.rule->actions.get() : nullptr;
  if (c.conv) {
    ans.has_conversion = true;
    std::memcpy(ans.conversion_to.data(), c.conv->to, 6);
    ans.conversion_mirror = c.conv->mirror;
  }
  auto spec = translate_megaflow(f.key, f.mask, ans, lookup);
  if (!spec) return false;
  OffloadJob j;
  j.kind = OffloadJob::Kind::kInstall;
  j.flow = f.id;
  j.spec = std::shared_ptr<const RteFlowSpec>(std::move(*spec));
  j.handle = f.handle;  // removed once the new rule is in
  j.port = f.port;
  f.spec = j.spec;
  f.next_rule_stats = c.rule ? c.rule->stats : nullptr;
  f.replacing = true;
  f.stale = false;
  f.gen = br.generation;
  f.state = OffloadFlow::State::kInstalling;
  thread_.submit(std::move(j));
  return true;
}

void OffloadManager::scan_bridge(int slot, const DpBridge& br, int64_t now_ms) {
  OffloadPortLookup lookup = [&](uint32_t ofport) -> std::optional<OffloadPortInfo> {
    int32_t p = br.port_of(ofport);
    if (p < 0) return std::nullopt;
    return port_info(static_cast<uint16_t>(p));
  };
  uint64_t& known = generations_[slot];
  if (known != br.generation) {
    known = br.generation;
    for (auto& [id, f] : flows_) {
      if (f.slot != slot) continue;
      f.stale = true;
      // Flows in hardware get a rule with the new answer in place, or
      // return to software when it cannot be had.
      if (f.state == OffloadFlow::State::kHw && !replace(f, br, lookup)) to_sw(f);
    }
  }
  struct Agg {
    FlowKey key, mask;
    uint64_t packets = 0, bytes = 0;
    Classification cls;
  };
  std::map<std::string, Agg> agg;
  for (const MegaflowCache* c : dp_->megaflow_caches(slot)) {
    if (!c) continue;
    c->for_each([&](const MegaflowCache::EntryCopy& e) {
      if (e.gen != br.generation) return;
      Agg& a = agg[key_of(slot, e.key, e.mask)];
      a.key = e.key;
      a.mask = e.mask;
      a.packets += e.packets;
      a.bytes += e.bytes;
      a.cls = e.cls;
    });
  }
  for (auto& [id, f] : flows_)
    if (f.slot == slot) f.in_cache = false;
  for (auto& [k, a] : agg) {
    auto [pos, added] = index_.emplace(k, next_id_);
    if (added) {
      OffloadFlow f;
      f.id = next_id_++;
      f.slot = slot;
      f.key = a.key;
      f.mask = a.mask;
      flows_.emplace(f.id, std::move(f));
    }
    OffloadFlow& f = flows_[pos->second];
    f.in_cache = true;
    f.seen_ms = now_ms;
    f.stale = false;
    f.gen = br.generation;
    f.sw_packets += a.packets >= f.sw_seen_packets ? a.packets - f.sw_seen_packets : a.packets;
    f.sw_bytes += a.bytes >= f.sw_seen_bytes ? a.bytes - f.sw_seen_bytes : a.bytes;
    f.sw_seen_packets = a.packets;
    f.sw_seen_bytes = a.bytes;
    if (f.state != OffloadFlow::State::kSw) continue;
    f.rule_stats = a.cls.rule ? a.cls.rule->stats : nullptr;
    OffloadAnswer ans;
    ans.actions = a.cls.rule ? a.cls.rule->actions.get() : nullptr;
    if (a.cls.conv) {
      ans.has_conversion = true;
      std::memcpy(ans.conversion_to.data(), a.cls.conv->to, 6);
      ans.conversion_mirror = a.cls.conv->mirror;
    }
    auto spec = translate_megaflow(a.key, a.mask, ans, lookup);
    if (spec) {
      fresh_[f.id] = std::shared_ptr<const RteFlowSpec>(std::move(*spec));
    } else {
      fresh_reason_[f.id] = spec.error().message;
    }
  }
}

void OffloadManager::decide_all(int64_t now_ms) {
  size_t used = n_hw();
  for (auto it = flows_.begin(); it != flows_.end();) {
    OffloadFlow& f = it->second;
    auto b = bridges_.find(f.slot);
    bool on = enabled_ && b != bridges_.end();
    if (!on) {
      if (f.state == OffloadFlow::State::kHw) to_sw(f);
    }
    if (f.state == OffloadFlow::State::kSw && !f.in_cache && f.pin == Pin::kNone &&
        now_ms - f.seen_ms > kForgetMs) {
      index_.erase(key_of(f.slot, f.key, f.mask));
      it = flows_.erase(it);
      continue;
    }
    ++it;
    if (!on || f.state == OffloadFlow::State::kInstalling ||
        f.state == OffloadFlow::State::kRemoving)
      continue;
    const OffloadPolicy& p = b->second.policy;
    bool in_hw = f.state == OffloadFlow::State::kHw;
    FlowObservation o{now_ms, f.packets(), f.sw_bytes + f.hw_bytes, in_hw};
    f.rate.observe(o, p.bits);
    Pin pin = f.pin;
    std::string pinned = software_pin_ ? software_pin_(f.slot, f.key, f.mask) : std::string();
    if (!pinned.empty() && pin != Pin::kHw) {
      pin = Pin::kSw;
      std::string why = "pinned to software: " + pinned;
      if (f.reason != why) b->second.reasons[why]++;
      f.reason = why;
    } else if (f.pin == Pin::kSw) {
      f.reason = "pinned to software (offload/pin)";
    }
    Decision d = decide(p, pin, f.rate, o);
    if (d == Decision::kToSw && in_hw) {
      to_sw(f);
    } else if (d == Decision::kToHw && !in_hw && f.in_cache && !f.stale &&
               now_ms >= f.retry_after_ms) {
      to_hw(f, &used);
    }
  }
}

void OffloadManager::query_all() {
  for (auto& [id, f] : flows_) {
    if (f.state != OffloadFlow::State::kHw) continue;
    OffloadJob j;
    j.kind = OffloadJob::Kind::kQuery;
    j.flow = id;
    j.handle = f.handle;
    j.port = f.port;
    thread_.submit(std::move(j));
  }
}

void OffloadManager::run(int64_t now_ms) {
  apply_results(now_ms);
  if (now_ms < next_run_ms_) return;
  next_run_ms_ = now_ms + kTickMs;
  if (now_ms < next_query_ms_) return;
  next_query_ms_ = now_ms + kQueryMs;
  ports_.clear();
  fresh_.clear();
  fresh_reason_.clear();
  if (enabled_) {
    if (const DpSnapshot* snap = dp_->snapshot()) {
      for (const DpBridge& br : snap->bridges)
        if (bridges_.count(br.slot)) scan_bridge(br.slot, br, now_ms);
    }
  }
  decide_all(now_ms);
  query_all();
}

void OffloadManager::sync(int64_t now_ms) {
  thread_.drain();
  apply_results(now_ms);
}

}  // namespace ferry
