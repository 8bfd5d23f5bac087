// dpif-netdev/* and dpctl/*: the PMD threads, their rx queues and their
// megaflow caches, with the command names OVS-DPDK operators use.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "datapath/megaflow_cache.h"
#include "datapath/vswitchd/vswitchd.h"
#include "lib/ovs/ofparse.h"
#include "lib/packet/odp_format.h"
#include "lib/util/clock.h"
#include "lib/util/text.h"

namespace ferry {

namespace {

using rpc::ReplyPtr;
using Args = std::vector<std::string>;

struct Values {
  std::vector<std::pair<std::string, uint64_t>> v;
  uint64_t get(const std::string& k) const {
    for (const auto& [name, val] : v) {
      if (name == k) return val;
    }
    return 0;
  }
};

Values read_counters(const PmdCounters& c) { return Values{named_counters(c)}; }

// Counters minus the baseline of the last pmd-stats-clear.
Values since_clear(Vswitchd& d, const std::string& who, const PmdCounters& c) {
  Values v = read_counters(c);
  for (auto& [name, val] : v.v) {
    uint64_t base = d.pmd_stats_baseline()[who + "/" + name];
    val = val >= base ? val - base : val;
  }
  return v;
}

std::string pmd_header(const Pmd& p) {
  if (p.core() >= 0) return strprintf("pmd thread numa_id %d core_id %d:\n", p.numa(), p.core());
  return strprintf("pmd thread numa_id %d core_id any (pmd %u, not pinned):\n", p.numa(),
                   p.index());
}

std::string format_stats(const Values& s) {
  uint64_t rx = s.get("rx"), hits = s.get("hits"), misses = s.get("misses");
  uint64_t busy = s.get("busy"), idle = s.get("idle"), total = busy + idle;
  auto ratio = [](uint64_t a, uint64_t b) {
    return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  std::string out;
  out += strprintf("  packets received: %llu\n", static_cast<unsigned long long>(rx));
  out += strprintf("  packets sent: %llu\n", static_cast<unsigned long long>(s.get("tx")));
  out += strprintf("  simple match hits: %llu\n", static_cast<unsigned long long>(s.get("simple")));
  out += strprintf("  emc hits: %llu\n", static_cast<unsigned long long>(s.get("emc")));
  out += strprintf("  megaflow hits: %llu\n", static_cast<unsigned long long>(hits));
  out += strprintf("  avg. subtable lookups per megaflow hit: %.2f\n",
                   ratio(s.get("subtables"), hits));
  out +=
      strprintf("  miss with success upcall: %llu\n",
                static_cast<unsigned long long>(misses - std::min(misses, s.get("install_fail"))));
  out += strprintf("  miss with failed upcall: %llu\n",
                   static_cast<unsigned long long>(s.get("install_fail")));
  out += strprintf("  avg. packets per output batch: %.2f\n",
                   ratio(s.get("tx_batch_packets"), s.get("tx_batches")));
  out += strprintf("  idle cycles: %llu (%.2f%%)\n", static_cast<unsigned long long>(idle),
                   100.0 * ratio(idle, total));
  out += strprintf("  processing cycles: %llu (%.2f%%)\n", static_cast<unsigned long long>(busy),
                   100.0 * ratio(busy, total));
  if (rx) {
    out += strprintf("  avg cycles per packet: %.2f (%llu/%llu)\n", ratio(total, rx),
                     static_cast<unsigned long long>(total), static_cast<unsigned long long>(rx));
    out += strprintf("  avg processing cycles per packet: %.2f (%llu/%llu)\n", ratio(busy, rx),
                     static_cast<unsigned long long>(busy), static_cast<unsigned long long>(rx));
  }
  out +=
      strprintf("  idle sleeps: %llu (%llu us)\n", static_cast<unsigned long long>(s.get("sleeps")),
                static_cast<unsigned long long>(s.get("sleep_us")));
  std::string drops;
  for (const auto& [name, val] : s.v) {
    if (name.rfind("drop:", 0) == 0 && val)
      drops += strprintf("    %s: %llu\n", name.c_str() + 5, static_cast<unsigned long long>(val));
  }
  if (s.get("learn_full")) {
    drops += strprintf("    (learning requests lost: %llu)\n",
                       static_cast<unsigned long long>(s.get("learn_full")));
  }
  out += "  drops:" + (drops.empty() ? std::string(" 0\n") : "\n" + drops);
  return out;
}

void pmd_stats_show(Vswitchd& d, const Args&, const ReplyPtr& r) {
  Datapath* dp = d.datapath();
  if (!dp) return r->error("DPDK is not initialized");
  std::string out;
  for (size_t i = 0; i < dp->n_pmds(); i++) {
    const Pmd& p = dp->pmd(i);
    out += pmd_header(p) + format_stats(since_clear(d, "pmd" + std::to_string(i), p.counters()));
  }
  out += "main thread:\n" + format_stats(since_clear(d, "main", dp->control_counters()));
  r->ok(out);
}

void pmd_stats_clear(Vswitchd& d, const Args&, const ReplyPtr& r) {
  Datapath* dp = d.datapath();
  if (!dp) return r->error("DPDK is not initialized");
  auto set = [&](const std::string& who, const PmdCounters& c) {
    for (const auto& [name, val] : read_counters(c).v)
      d.pmd_stats_baseline()[who + "/" + name] = val;
  };
  for (size_t i = 0; i < dp->n_pmds(); i++) set("pmd" + std::to_string(i), dp->pmd(i).counters());
  set("main", dp->control_counters());
  r->ok("");
}

void pmd_rxq_show(Vswitchd& d, const Args&, const ReplyPtr& r) {
  Datapath* dp = d.datapath();
  if (!dp) return r->error("DPDK is not initialized");
  const DpSnapshot* snap = dp->snapshot();
  std::string out;
  for (size_t i = 0; i < dp->n_pmds(); i++) {
    out += pmd_header(dp->pmd(i));
    bool isolated = i < dp->isolated_pmds().size() && dp->isolated_pmds()[i];
    out += strprintf("  isolated : %s\n", isolated ? "true" : "false");
    if (!snap || i >= snap->pmd_rxqs.size()) continue;
    for (const RxqRef& q : snap->pmd_rxqs[i]) {
      const DpPort* p = snap->ports[q.port_id];
      out += strprintf("  port: %-16s queue-id: %2u (enabled)   pmd usage: %3.0f %%\n",
                       p ? p->name.c_str() : "?", q.queue, dp->rxq_usage(i, q.port_id, q.queue));
    }
  }
  r->ok(out);
}

void pmd_rxq_rebalance(Vswitchd& d, const Args&, const ReplyPtr& r) {
  Datapath* dp = d.datapath();
  if (!dp) return r->error("DPDK is not initialized");
  dp->rebalance();
  r->ok("pmd rxq rebalance requested.\n");
}

void pmd_perf_show(Vswitchd& d, const Args&, const ReplyPtr& r) {
  Datapath* dp = d.datapath();
  if (!dp) return r->error("DPDK is not initialized");
  auto pct = [](uint64_t a, uint64_t b) {
    return b ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  std::string out;
  for (size_t i = 0; i < dp->n_pmds(); i++) {
    const Pmd& p = dp->pmd(i);
    Values s = since_clear(d, "pmd" + std::to_string(i), p.counters());
    const PmdCounters& c = p.counters();
    uint64_t rx = s.get("rx"), busy = s.get("busy"), idle = s.get("idle"),
             its = s.get("iterations");
    uint64_t simple = s.get("simple"), emc = s.get("emc"), mf = s.get("hits"),
             miss = s.get("misses");
    out += pmd_header(p);
    out += strprintf("  Iterations:             %12llu\n", static_cast<unsigned long long>(its));
    out += strprintf("  - Used TSC cycles:      %12llu (%5.1f %% busy)\n",
                     static_cast<unsigned long long>(busy + idle), pct(busy, busy + idle));
    out += strprintf("  - Idle sleeps:          %12llu (%llu us)\n",
                     static_cast<unsigned long long>(s.get("sleeps")),
                     static_cast<unsigned long long>(s.get("sleep_us")));
    out += strprintf("  Rx packets:             %12llu\n", static_cast<unsigned long long>(rx));
    if (rx) {
      out += strprintf("  - cycles per packet:    %12.1f (processing %0.1f)\n",
                       static_cast<double>(busy + idle) / static_cast<double>(rx),
                       static_cast<double>(busy) / static_cast<double>(rx));
      out += strprintf(
          "  - packets per rx batch: %12.1f\n",
          static_cast<double>(rx) / static_cast<double>(std::max<uint64_t>(1, s.get("bursts"))));
    }
    out += strprintf("  - simple match hits:    %12llu (%5.1f %%)\n",
                     static_cast<unsigned long long>(simple), pct(simple, rx));
    out += strprintf("  - EMC hits:             %12llu (%5.1f %%)\n",
                     static_cast<unsigned long long>(emc), pct(emc, rx));
    out += strprintf("  - megaflow hits:        %12llu (%5.1f %%)\n",
                     static_cast<unsigned long long>(mf), pct(mf, rx));
    out += strprintf("  - misses (classifier):  %12llu (%5.1f %%)\n",
                     static_cast<unsigned long long>(miss), pct(miss, rx));
    out += strprintf("  - upcalls to control:   %12llu\n",
                     static_cast<unsigned long long>(c.upcalls.get()));
    out += "  Rx batch sizes:         1: " + std::to_string(c.burst_hist[0].get()) +
           "  2-3: " + std::to_string(c.burst_hist[1].get()) +
           "  4-7: " + std::to_string(c.burst_hist[2].get()) +
           "  8-15: " + std::to_string(c.burst_hist[3].get()) +
           "  16-31: " + std::to_string(c.burst_hist[4].get()) +
           "  32: " + std::to_string(c.burst_hist[5].get()) + "\n";
    out += strprintf("  Tx batches:             %12llu (%.1f packets each)\n",
                     static_cast<unsigned long long>(s.get("tx_batches")),
                     static_cast<double>(s.get("tx_batch_packets")) /
                         static_cast<double>(std::max<uint64_t>(1, s.get("tx_batches"))));
  }
  r->ok(out);
}

// A megaflow passes a dpctl filter when its key has the filter's values in
// the filter's bits (OVS's filter=FLOW of dpctl/dump-flows).
bool passes(const FlowKey& key, const Match& filter) {
  const uint64_t* k = key.words();
  const uint64_t* fk = filter.key.words();
  const uint64_t* fm = filter.mask.words();
  for (size_t i = 0; i < FlowKey::kWords; i++) {
    if ((k[i] & fm[i]) != (fk[i] & fm[i])) return false;
  }
  return true;
}

// The datapath's actions for a rule's: outputs to the bridge's ports as
// datapath ports ("3,1"; names with --names), "drop" for none; actions
// the datapath resolves per packet (NORMAL, rewrites ...) as OpenFlow
// prints them.
std::string dp_actions(const ActionList& actions, const ovs::PortNames& names,
                       const std::function<std::string(uint32_t)>& port) {
  if (actions.empty()) return "drop";
  std::string out;
  for (const Action& act : actions) {
    if (act.type != ActionType::kOutput || act.port >= kOfppMax)
      return format_datapath_actions(actions, names);
    out += (out.empty() ? "" : ",") + port(act.port);
  }
  return out;
}

void dump_flows(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  Datapath* dp = d.datapath();
  if (!dp) return r->error("DPDK is not initialized");
  bool more = false, names = false;
  std::string only, filter_text;
  for (const std::string& arg : a) {
    if (arg == "-m" || arg == "--more") {
      more = true;
    } else if (arg == "--names") {
      names = true;
    } else if (arg == "--no-names") {
      names = false;
    } else if (arg.rfind("filter=", 0) == 0) {
      filter_text = arg.substr(7);
    } else if (arg == "netdev@ovs-netdev" || arg == "ovs-netdev" || arg == "netdev@ferry") {
      // the one datapath
    } else if (d.bridge(arg)) {
      only = arg;
    } else {
      return r->error("unknown datapath or bridge \"" + arg + "\"");
    }
  }
  int64_t now = monotonic_ms();
  std::string out;
  for (size_t i = 0; i < dp->n_pmds(); i++) {
    const Pmd& p = dp->pmd(i);
    std::string block;
    for (const auto& [name, b] : d.bridges()) {
      if (b->slot() < 0 || (!only.empty() && name != only)) continue;
      auto caches = dp->megaflow_caches(b->slot());
      if (i >= caches.size()) continue;
      ovs::PortNames of_names = b->port_names();
      std::optional<Match> filter;
      if (!filter_text.empty()) {
        auto fm =
            ovs::parse_flow_mod(filter_text + ",actions=drop", FlowModCommand::kAdd, of_names);
        if (!fm) return r->error("invalid filter \"" + filter_text + "\": " + fm.error().message);
        filter = fm->match;
      }
      // An OpenFlow port as the datapath's port: its number (dpctl/show),
      // or its name.
      std::map<uint32_t, std::pair<uint16_t, std::string>> by_ofport;
      for (const auto& [pname, bp] : b->ports()) {
        if (bp.dp && bp.ofport) by_ofport[bp.ofport] = {bp.dp->id(), pname};
      }
      auto port = [&](uint32_t ofport) -> std::string {
        auto it = by_ofport.find(ofport);
        if (it == by_ofport.end()) return b->port_label(ofport);
        return names ? it->second.second : std::to_string(it->second.first);
      };
      uint64_t gen = 0;
      if (const DpSnapshot* snap = dp->snapshot()) {
        for (const DpBridge& db : snap->bridges) {
          if (db.slot == b->slot()) gen = db.generation;
        }
      }
      caches[i]->for_each([&](const MegaflowCache::EntryCopy& e) {
        if (filter && !passes(e.key, *filter)) return;
        std::string match = format_odp_match(e.key, e.mask, port, more);
        if (e.gen != gen) {
          // Computed under older rules: its rule may be gone; the next hit
          // revalidates it.
          block += strprintf("%s, packets:%llu, bytes:%llu, dp:ferry, actions:(revalidating)\n",
                             match.c_str(), static_cast<unsigned long long>(e.packets),
                             static_cast<unsigned long long>(e.bytes));
          return;
        }
        std::string used =
            e.used_ms ? strprintf("%.3fs", static_cast<double>(now - e.used_ms) / 1000.0) : "never";
        const Classification& c = e.cls;
        // A translated walk (several tables) shows its flat list.
        std::string actions = c.xlate   ? dp_actions(e.xlate_actions, of_names, port)
                              : !c.rule ? "drop"
                                        : dp_actions(*c.rule->actions, of_names, port);
        if (c.conv) {
          // The conversion runs first; a mirror also sends the frame unconverted.
          std::string conv =
              strprintf("vmac(%u,dst=%s)", c.conv->id, format_mac(c.conv->to).c_str());
          if (c.conv->mirror) {
            conv = strprintf("clone(%s),",
                             c.mirror_rule
                                 ? dp_actions(*c.mirror_rule->actions, of_names, port).c_str()
                                 : "drop") +
                   conv;
          }
          actions = conv + "," + actions;
        }
        block += strprintf("%s, packets:%llu, bytes:%llu, used:%s, %sdp:ferry, actions:%s\n",
                           match.c_str(), static_cast<unsigned long long>(e.packets),
                           static_cast<unsigned long long>(e.bytes), used.c_str(),
                           offload_megaflow_fields(d, b->slot(), e.key, e.mask).c_str(),
                           actions.c_str());
        if (more && c.rule)
          block += strprintf("  (bridge %s, rule priority=%u cookie=0x%llx)\n", name.c_str(),
                             c.rule->priority, static_cast<unsigned long long>(c.rule->cookie));
      });
    }
    if (block.empty()) continue;
    out += p.core() >= 0 ? strprintf("flow-dump from pmd on cpu core: %d\n", p.core())
                         : strprintf("flow-dump from pmd %u (not pinned)\n", p.index());
    out += block;
  }
  out += offload_dump_hw(d, only);
  r->ok(out);
}

void dpctl_show(Vswitchd& d, const Args&, const ReplyPtr& r) {
  Datapath* dp = d.datapath();
  if (!dp) return r->error("DPDK is not initialized");
  std::string out = "netdev@ferry:\n";
  for (const auto& [name, b] : d.bridges()) {
    for (const auto& [pname, p] : b->ports()) {
      if (!p.dp) continue;
      out += strprintf("  port %u: %s (%s: bridge %s, ofport %s, %u rxq, %u txq%s)\n", p.dp->id(),
                       pname.c_str(), p.dp->driver_name().c_str(), name.c_str(),
                       b->port_label(p.ofport).c_str(), p.dp->n_rxq(), p.dp->n_txq(),
                       p.dp->txq_shared() ? " shared" : "");
    }
  }
  r->ok(out);
}

}  // namespace

void register_dpif_commands(Vswitchd& d) {
  auto bind = [&d](void (*fn)(Vswitchd&, const Args&, const ReplyPtr&)) {
    return [&d, fn](const Args& a, const ReplyPtr& r) { fn(d, a, r); };
  };
  d.commands().add_table({
      {"dpif-netdev/pmd-stats-show", "[-pmd core] [dp]", 0, 3, bind(pmd_stats_show)},
      {"dpif-netdev/pmd-stats-clear", "[-pmd core] [dp]", 0, 3, bind(pmd_stats_clear)},
      {"dpif-netdev/pmd-rxq-show", "[-pmd core] [dp]", 0, 3, bind(pmd_rxq_show)},
      {"dpif-netdev/pmd-rxq-rebalance", "[dp]", 0, 1, bind(pmd_rxq_rebalance)},
      {"dpif-netdev/pmd-perf-show",
       "[-nh] [-it iter-history-len] [-ms ms-history-len] [-pmd core] [dp]", 0, 8,
       bind(pmd_perf_show)},
      {"dpctl/dump-flows", "[-m] [--names | --no-names] [dp] [bridge] [filter=FLOW]", 0, 6,
       bind(dump_flows)},
      {"dpctl/show", "[dp]", 0, 1, bind(dpctl_show)},
  });
}

std::string format_datapath_actions(const ActionList& actions, const ovs::PortNames& names) {
  std::string out;
  ActionList part;
  auto flush = [&] {
    if (part.empty()) return;
    out += (out.empty() ? "" : ",") + ovs::format_actions(part, names);
    part.clear();
  };
  for (size_t i = 0; i < actions.size(); i++) {
    const Action& a = actions[i];
    if (a.type == ActionType::kRecirc || a.type == ActionType::kPushMpls ||
        a.type == ActionType::kPopMpls) {
      flush();
      // OVS's datapath syntax: push_mpls(label=..,eth_type=..), pop_mpls(eth_type=0x800).
      out += (out.empty() ? "" : ",") + (a.type == ActionType::kPopMpls
                                             ? strprintf("pop_mpls(eth_type=0x%x)", a.u16)
                                             : a.to_string());
    } else if (a.type == ActionType::kTnlPush) {
      flush();
      out += (out.empty() ? "" : ",") + format_tnl_push(&a, actions.size() - i);
      i += a.n_data();
    } else {
      part.push_back(a);
    }
  }
  flush();
  return out;
}

}  // namespace ferry
