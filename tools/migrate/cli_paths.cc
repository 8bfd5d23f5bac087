// SEEDS 000 embodiment 3: candidate paths through different fabric
// switches (stage-paths) and the failover that changes only the senders'
// conversions (failover, --watch for a fabric switch going away or a
// sender's uplink to it losing its link).
#include <chrono>
#include <set>
#include <thread>

#include "lib/rpc/json.h"
#include "lib/util/clock.h"
#include "tools/migrate/cli_common.h"

namespace ferry::migrate::cli {

using rpc::Json;

int cmd_stage_paths(const Args& a) {
  if (a.vm.empty()) return fail("usage: stage-paths VM [--candidates N]");
  auto ctx = open_context(a, true);
  if (!ctx) return fail(ctx.error().message);
  Context& c = **ctx;
  const Vm* vm = c.inv.vm(a.vm);
  if (!vm) return fail("unknown VM \"" + a.vm + "\"");
  auto loc = c.db->location(a.vm);
  if (!loc) return fail(loc.error().message);
  std::string host = loc->empty() ? vm->host : *loc;
  auto ledger = c.db->ledger(false);
  if (!ledger) return fail(ledger.error().message);
  for (const LedgerRow& r : *ledger)
    if (r.vm == a.vm)
      return fail(a.vm + " already has " +
                  (r.plan == "paths" ? "staged paths" : "a migration in progress") + " (" +
                  r.status + ")");
  if (a.candidates < 1 || a.candidates > paths_available(c.inv))
    return fail("--candidates: 1 to " + std::to_string(paths_available(c.inv)) +
                " (one path per fabric switch)");
  auto vmacs = c.db->free_vmacs(a.candidates);
  if (!vmacs) return fail(vmacs.error().message);
  auto plan = build_paths_plan(c.inv, a.vm, host, *vmacs);
  if (!plan) return fail(plan.error().message);
  std::set<std::string> nodes;
  for (const Step& s : plan->steps) nodes.insert(s.node);
  if (Status s = c.ex->check_reachable({nodes.begin(), nodes.end()}); !s)
    return fail(s.error().message + "; nothing was changed");
  auto uuid = c.db->create_migration(*plan, vm->vlan, 0);
  if (!uuid) return fail(uuid.error().message);
  Run run(*plan);
  auto journal = c.db->journal(*uuid, *plan);
  PrintProgress pp(stdout, a.verbose);
  int64_t t0 = monotonic_us();
  Outcome o = run_plan(run, *c.ex, *journal, pp);
  return finish_run(c, *uuid, run, o, pp, t0, a.json);
}

// One staged path of stage-paths: its fabric switch and, per sender, the
// id of its conversion.
namespace {

struct Candidate {
  std::string vmac, fabric;
  std::map<std::string, std::string> tx;  // sender -> conversion id
};

std::vector<Candidate> candidates_of(const Run& run) {
  std::vector<Candidate> out;
  for (const std::string& m : run.plan.vmacs) out.push_back({m, "", {}});
  for (size_t i = 0; i < run.plan.steps.size(); i++) {
    const Step& s = run.plan.steps[i];
    for (Candidate& cand : out) {
      if (s.label == "E3-path" && s.apply.args.size() == 4 && s.apply.args[3] == cand.vmac &&
          cand.fabric.empty())
        cand.fabric = s.node;
      if (s.label == "E3-tx" && s.apply.args.size() >= 3 && s.apply.args[2] == cand.vmac)
        cand.tx[s.node] = run.results[i];
    }
  }
  return out;
}

}  // namespace

int cmd_failover(const Args& a) {
  if (a.vm.empty()) return fail("usage: failover VM [--watch SECONDS]");
  auto ctx = open_context(a, true);
  if (!ctx) return fail(ctx.error().message);
  Context& c = **ctx;
  auto ledger = c.db->ledger(false);
  if (!ledger) return fail(ledger.error().message);
  const LedgerRow* row = nullptr;
  for (const LedgerRow& r : *ledger)
    if (r.vm == a.vm && r.plan == "paths" && r.status == "held") row = &r;
  if (!row)
    return fail("no staged paths for " + a.vm + " (ferry-migrate stage-paths " + a.vm + ")");
  auto run = c.db->load_run(*row);
  if (!run) return fail(run.error().message);
  std::vector<Candidate> cands = candidates_of(**run);
  const std::string sender = cands[0].tx.begin()->first;
  // The active candidate: what the sender's daemon says.
  auto active_index = [&]() -> int {
    auto show = c.ex->ctl(sender, "vmac/show", {c.inv.node(sender)->bridge, "--format", "json"});
    if (!show) return -1;
    auto j = rpc::parse_json(*show);
    if (!j || !j->is_array()) return -1;
    for (const Json& conv : j->as_array()) {
      const Json* id = conv.find("id");
      const Json* st = conv.find("state");
      if (!id || !st || !st->is_string() || st->as_string() != "active") continue;
      std::string ids = id->is_int() ? std::to_string(id->as_int()) : id->dump();
      for (size_t i = 0; i < cands.size(); i++)
        if (cands[i].tx[sender] == ids) return static_cast<int>(i);
    }
    return -1;
  };
  // Link state: the senders' daemons report their ports' carrier changes
  // as "link" events; a sender's uplink to a fabric switch that is down
  // makes that switch's path unusable as surely as the switch failing.
  std::map<std::string, uint64_t> seen_seq;           // sender -> last event read
  std::map<std::string, std::set<std::string>> down;  // sender -> ports down
  auto read_links = [&]() {
    for (const auto& [s, id] : cands[0].tx) {
      auto r = c.ex->ctl(s, "events/wait", {"0", std::to_string(seen_seq[s])}, 300);
      auto j = r ? rpc::parse_json(*r) : Result<Json>(make_error("no reply"));
      const Json* evs = j ? j->find("events") : nullptr;
      const Json* last = j ? j->find("last_seq") : nullptr;
      if (!evs || !evs->is_array() || !last || !last->is_int()) continue;
      if (static_cast<uint64_t>(last->as_int()) < seen_seq[s]) {
        // The daemon restarted (its log starts again): read it from the start.
        seen_seq[s] = 0;
        down[s].clear();
        continue;
      }
      for (const Json& e : evs->as_array()) {
        const Json* type = e.find("type");
        const Json* port = e.find("port");
        const Json* state = e.find("state");
        if (!type || !type->is_string() || type->as_string() != "link" || !port ||
            !port->is_string() || !state || !state->is_string()) {
          continue;
        }
        if (state->as_string() == "down") {
          down[s].insert(port->as_string());
        } else {
          down[s].erase(port->as_string());
        }
      }
      seen_seq[s] = static_cast<uint64_t>(last->as_int());
    }
  };
  // Why the path through `fabric` cannot carry traffic, or "".
  auto broken = [&](const std::string& fabric) -> std::string {
    for (const auto& [s, ports] : down) {
      const Node* n = c.inv.node(s);
      auto up = n ? n->ports.find(fabric) : std::map<std::string, std::string>::const_iterator{};
      if (n && up != n->ports.end() && ports.count(up->second)) {
        std::string why = s;
        why += "'s uplink " + up->second + " to " + fabric + " is down";
        return why;
      }
    }
    if (!c.ex->ctl(fabric, "version", {}, 300).ok()) return fabric + " failed";
    return "";
  };
  auto alive = [&](const std::string& fabric) { return broken(fabric).empty(); };
  read_links();  // the event log's history: links already down
  auto switch_over = [&](int from, const std::string& why) -> int {
    int64_t t0 = monotonic_us();
    for (size_t k = 1; k <= cands.size(); k++) {
      size_t to = (static_cast<size_t>(from < 0 ? 0 : from) + k) % cands.size();
      if (static_cast<int>(to) == from || !alive(cands[to].fabric)) continue;
      for (const auto& [s, id] : cands[to].tx) {
        std::vector<std::string> args{"activate=" + id};
        if (from >= 0)
          args.insert(args.begin(), "deactivate=" + cands[static_cast<size_t>(from)].tx[s]);
        auto r = c.ex->ctl(s, "vmac/commit", args);
        if (!r) {
          fail(r.error().message);
          return -1;
        }
      }
      std::printf("ferry-migrate: %s: senders moved to %s through %s (%s) in %.1f ms\n",
                  a.vm.c_str(), cands[to].vmac.c_str(), cands[to].fabric.c_str(), why.c_str(),
                  ms(monotonic_us() - t0));
      std::fflush(stdout);
      return static_cast<int>(to);
    }
    fail("no other staged path of " + a.vm + " is reachable");
    return -1;
  };
  int cur = active_index();
  if (a.watch_s == 0) {
    std::string why = "none was active";
    if (cur >= 0) {
      why = broken(cands[static_cast<size_t>(cur)].fabric);
      if (why.empty()) why = cands[static_cast<size_t>(cur)].fabric + " on request";
    }
    return switch_over(cur, why) < 0 ? 1 : 0;
  }
  // Watch the active path's fabric switch; fail over when it goes away.
  std::printf("ferry-migrate: %s: watching %s for %d s\n", a.vm.c_str(),
              cur < 0 ? "-" : cands[static_cast<size_t>(cur)].fabric.c_str(), a.watch_s);
  std::fflush(stdout);
  int64_t end = monotonic_ms() + int64_t{a.watch_s} * 1000;
  while (monotonic_ms() < end) {
    read_links();
    std::string why = cur < 0 ? "none was active" : broken(cands[static_cast<size_t>(cur)].fabric);
    if (!why.empty()) {
      int next = switch_over(cur, why);
      if (next < 0) return 1;
      cur = next;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

}  // namespace ferry::migrate::cli
