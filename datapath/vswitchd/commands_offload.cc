// ovs-appctl commands of the route switcher:
//   offload/show [BRIDGE]           policy, rules in hardware vs capacity,
//                                   moves, refusals and reasons, every flow
//   offload/pin FLOW hw|sw|auto     pins one flow (by the id offload/show
//                                   prints) to a path, or back to the policy
// and the offload fields of dpctl/dump-flows.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "datapath/vswitchd/vswitchd.h"
#include "lib/ovs/ofparse.h"
#include "lib/util/text.h"
#include "offload/offload_manager.h"

namespace ferry {

namespace {

using rpc::ReplyPtr;
using Args = std::vector<std::string>;

Bridge* bridge_by_slot(Vswitchd& d, int slot) {
  for (const auto& [name, b] : d.bridges())
    if (b->slot() == slot) return b.get();
  return nullptr;
}

std::string flow_text(Vswitchd& d, const OffloadFlow& f) {
  Bridge* b = bridge_by_slot(d, f.slot);
  Match m = Match::of_packet(f.key, f.mask);
  return ovs::format_match(m, 0x8000, b ? b->port_names() : ovs::PortNames{});
}

const char* pin_name(Pin p) { return p == Pin::kHw ? "hw" : p == Pin::kSw ? "sw" : "none"; }

std::string percentile_ms(std::vector<int64_t> v, double q) {
  if (v.empty()) return "-";
  std::sort(v.begin(), v.end());
  size_t i =
      std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5));
  return strprintf("%.3f", static_cast<double>(v[i]) / 1e6);
}

void offload_show(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  OffloadManager* m = d.offload();
  if (!m) return r->error("DPDK is not initialized");
  std::string only = a.empty() ? "" : a[0];
  if (!only.empty() && !d.bridge(only)) return r->error("no bridge named " + only);
  std::string out =
      strprintf("hw-offload: %s\n",
                m->enabled() ? "enabled" : "disabled (other_config:hw-offload=true turns it on)");
  size_t cap = m->capacity();
  out += strprintf("NIC table: %zu rules in hardware, capacity %s\n", m->n_hw(),
                   cap ? std::to_string(cap).c_str() : "unknown (learned on the first ENOSPC)");
  out +=
      strprintf("hardware packets: %llu\n", static_cast<unsigned long long>(m->hw_packets_total()));
  out += strprintf("decision to active: p50 %s ms, p99 %s ms (%zu moves to hardware)\n",
                   percentile_ms(m->latencies_ns(), 0.5).c_str(),
                   percentile_ms(m->latencies_ns(), 0.99).c_str(), m->latencies_ns().size());
  for (const auto& [slot, b] : m->bridges()) {
    if (!only.empty() && b.name != only) continue;
    out += "bridge " + b.name + ":\n";
    out += "  policy: " + b.policy.to_string() + "\n";
    if (!b.policy_error.empty())
      out += "  policy error: " + b.policy_error + " (the policy above applies)\n";
    size_t in_hw = 0;
    for (const auto& [id, f] : m->flows())
      if (f.slot == slot && f.state == OffloadFlow::State::kHw) in_hw++;
    out += strprintf("  rules in hardware: %zu\n", in_hw);
    out += strprintf(
        "  moves: to hardware %llu, to software %llu, evictions %llu, refusals %llu\n",
        static_cast<unsigned long long>(b.to_hw), static_cast<unsigned long long>(b.to_sw),
        static_cast<unsigned long long>(b.evictions), static_cast<unsigned long long>(b.refusals));
    if (!b.reasons.empty()) {
      out += "  kept in software because:\n";
      for (const auto& [why, n] : b.reasons)
        out += strprintf("    %llu x %s\n", static_cast<unsigned long long>(n), why.c_str());
    }
    out += "  flows:\n";
    for (const auto& [id, f] : m->flows()) {
      if (f.slot != slot) continue;
      out += strprintf(
          "    flow %llu: %s, state:%s, pin:%s, rate:%.0f %s, packets:%llu (hw %llu, sw %llu)",
          static_cast<unsigned long long>(id), flow_text(d, f).c_str(), f.state_name(),
          pin_name(f.pin), f.rate.rate(), b.policy.bits ? "bps" : "pps",
          static_cast<unsigned long long>(f.packets()),
          static_cast<unsigned long long>(f.hw_packets),
          static_cast<unsigned long long>(f.sw_packets));
      if (f.state == OffloadFlow::State::kSw && !f.reason.empty()) out += ", reason: " + f.reason;
      if (f.state == OffloadFlow::State::kHw && f.spec)
        out += "\n      rte_flow: " + f.spec->to_string();
      out += "\n";
    }
  }
  r->ok(out);
}

void offload_pin(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  OffloadManager* m = d.offload();
  if (!m) return r->error("DPDK is not initialized");
  char* end = nullptr;
  unsigned long long id = std::strtoull(a[0].c_str(), &end, 10);
  if (a[0].empty() || *end)
    return r->error("\"" + a[0] + "\": expected a flow id (see offload/show)");
  Pin pin;
  if (a[1] == "hw") {
    pin = Pin::kHw;
  } else if (a[1] == "sw") {
    pin = Pin::kSw;
  } else if (a[1] == "auto") {
    pin = Pin::kNone;
  } else {
    return r->error("\"" + a[1] + "\": expected hw, sw or auto");
  }
  Status st = m->pin(id, pin);
  if (!st) return r->error(st.error().message);
  r->ok(strprintf("flow %llu pinned to %s\n", id, pin == Pin::kNone ? "the policy" : a[1].c_str()));
}

}  // namespace

std::string offload_megaflow_fields(Vswitchd& d, int slot, const FlowKey& key,
                                    const FlowKey& mask) {
  OffloadManager* m = d.offload();
  const OffloadFlow* f = m ? m->find(slot, key, mask) : nullptr;
  const char* state = "no";
  if (f && f->state == OffloadFlow::State::kHw) state = "yes";
  if (f &&
      (f->state == OffloadFlow::State::kInstalling || f->state == OffloadFlow::State::kRemoving))
    state = "partial";
  return strprintf("offloaded:%s, ", state);
}

std::string offload_dump_hw(Vswitchd& d, const std::string& only_bridge) {
  OffloadManager* m = d.offload();
  if (!m) return "";
  std::string out;
  for (const auto& [id, f] : m->flows()) {
    if (f.state != OffloadFlow::State::kHw) continue;
    Bridge* b = bridge_by_slot(d, f.slot);
    if (!b || (!only_bridge.empty() && b->name() != only_bridge)) continue;
    std::string actions = "?";
    if (f.spec) actions = f.spec->to_string();
    out += strprintf(
        "bridge(%s),%s, packets:%llu, bytes:%llu, offloaded:yes, dp:hw, flow:%llu, rte_flow:(%s)\n",
        b->name().c_str(), flow_text(d, f).c_str(), static_cast<unsigned long long>(f.hw_packets),
        static_cast<unsigned long long>(f.hw_bytes), static_cast<unsigned long long>(id),
        actions.c_str());
  }
  return out.empty() ? out : "flow-dump from the embedded switch:\n" + out;
}

void register_offload_commands(Vswitchd& d) {
  auto bind = [&d](void (*fn)(Vswitchd&, const Args&, const ReplyPtr&)) {
    return [&d, fn](const Args& a, const ReplyPtr& r) { fn(d, a, r); };
  };
  d.commands().add_table({
      {"offload/show", "[bridge]", 0, 1, bind(offload_show)},
      {"offload/pin", "flow hw|sw|auto", 2, 2, bind(offload_pin)},
  });
}

}  // namespace ferry
