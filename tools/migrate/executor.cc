#include "tools/migrate/executor.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "lib/rpc/json.h"
#include "lib/util/clock.h"
#include "lib/util/text.h"
#include "tools/migrate/openflow_fabric.h"

namespace ferry::migrate {

using rpc::Json;

namespace {

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Undoing something already gone is done.
bool already_gone(const std::string& msg) {
  return msg.find("could not find static mac entry") != std::string::npos ||
         msg.find("no conversion") != std::string::npos ||
         msg.find("OFPMMFC_UNKNOWN_METER") != std::string::npos;
}

std::string field(const Json& o, const char* k) {
  const Json* v = o.find(k);
  if (!v) return "";
  if (v->is_string()) return v->as_string();
  return v->dump();
}

}  // namespace

DaemonExecutor::DaemonExecutor(const Inventory& inv, Driver* driver, CommandRunner* runner)
    : inv_(inv), driver_(driver), runner_(runner) {
  driver_->set_switchover_gate(&gate_);
}

DaemonExecutor::~DaemonExecutor() {
  gate_.open();
  if (move_thread_.joinable()) move_thread_.join();
  driver_->set_switchover_gate(nullptr);
}

const Node& DaemonExecutor::node(const std::string& name) const {
  static const Node kNone;
  const Node* n = inv_.node(name);
  return n ? *n : kNone;
}

Result<std::string> DaemonExecutor::ctl(const std::string& name, const std::string& method,
                                        const std::vector<std::string>& args, int timeout_ms) {
  const Node* n = inv_.node(name);
  if (!n) return make_error("unknown switch \"" + name + "\"");
  if (!n->openflow.empty()) return openflow_ctl(*n, method, args, timeout_ms);
  auto& c = clients_[name];
  if (!c) {
    auto path = n->ctl.empty() || n->ctl[0] == '/' ? Result<std::string>(n->ctl)
                                                   : rpc::resolve_unixctl_target(n->ctl);
    if (!path) return make_error(name + " is unreachable: " + path.error().message, EHOSTUNREACH);
    auto cl = rpc::UnixctlClient::connect(*path, 3000);
    if (!cl)
      return make_error(name + " is unreachable (" + *path + "): " + cl.error().message,
                        EHOSTUNREACH);
    c = std::move(*cl);
  }
  auto r = c->transact(method, args, timeout_ms);
  if (!r) {
    if (r.error().code != rpc::UnixctlClient::kServerError) c.reset();  // reconnect next time
    return make_error(name + ": " + method + ": " + r.error().message, r.error().code);
  }
  return std::string(trim(*r));
}

Status DaemonExecutor::check_reachable(const std::vector<std::string>& nodes) {
  for (const std::string& n : nodes) {
    auto r = ctl(n, "version", {}, 3000);
    if (!r) return r.error();
  }
  return {};
}

Result<std::string> DaemonExecutor::vsctl(const Node& n, const Command& cmd) {
  // vlan-add PORT VLAN / vlan-remove PORT VLAN HOW / vlan-prune handled by the caller.
  std::vector<std::string> base{"ovs-vsctl", "--timeout=20"};
  if (!n.db.empty()) base.push_back("--db=" + n.db);
  const std::string& port = cmd.args.at(0);
  const std::string& vlan = cmd.args.at(1);
  auto get = base;
  get.insert(get.end(), {"get", "port", port, "trunks"});
  auto trunks = runner_->run(get);
  if (!trunks) return make_error(n.name + ": " + trunks.error().message);
  std::string t(trim(*trunks));
  bool all = t == "[]";
  bool has = false;
  for (const std::string& x : split(t.substr(1, t.size() >= 2 ? t.size() - 2 : 0), ", "))
    if (x == vlan) has = true;
  if (cmd.method == "vlan-add") {
    if (all) return std::string("all VLANs already");
    if (has) return std::string("present");
    auto add = base;
    add.insert(add.end(), {"add", "port", port, "trunks", vlan});
    auto r = runner_->run(add);
    if (!r) return make_error(n.name + ": " + r.error().message);
    return std::string("added");
  }
  // vlan-remove (undo of an add that added) and vlan-prune.
  if (cmd.method == "vlan-remove" && (cmd.args.size() < 3 || cmd.args[2] != "added"))
    return std::string("unchanged");
  if (all || !has) return std::string("unchanged");
  if (cmd.method == "vlan-prune" && t.find(',') == std::string::npos)
    return std::string("kept: the port's only VLAN (an empty trunk list carries every VLAN)");
  auto rm = base;
  rm.insert(rm.end(), {"remove", "port", port, "trunks", vlan});
  auto r = runner_->run(rm);
  if (!r) return make_error(n.name + ": " + r.error().message);
  return std::string("removed");
}

namespace {

// The bridge's OpenFlow socket beside the daemon's control socket, unless
// the inventory names the switch's OpenFlow target.
std::string openflow_target(const Node& n) {
  if (!n.openflow.empty()) return n.openflow;
  return "unix:" + n.ctl.substr(0, n.ctl.rfind('/')) + "/" + n.bridge + ".mgmt";
}

}  // namespace

Status DaemonExecutor::openflow(const Node& n, const std::string& command, const std::string& spec,
                                bool strict, int timeout_ms) {
  for (int attempt = 0;; attempt++) {
    auto& c = of_clients_[n.name];
    if (!c) {
      auto cl = ovs::OfClient::connect(openflow_target(n), std::min(timeout_ms, 3000));
      if (!cl) return make_error(n.name + " is unreachable: " + cl.error().message, EHOSTUNREACH);
      c = std::move(*cl);
    }
    auto r = command.empty() ? c->echo(timeout_ms) : c->change(command, spec, strict, timeout_ms);
    if (r) return {};
    if (r.error().code == EINVAL || r.error().code == EPROTO)
      return make_error(n.name + ": " + r.error().message, r.error().code);
    c.reset();  // the connection broke (or hangs): once more on a new one
    if (attempt > 0 || r.error().code == ETIMEDOUT)
      return make_error(n.name + ": " + r.error().message, EHOSTUNREACH);
  }
}

Result<std::string> DaemonExecutor::openflow_ctl(const Node& n, const std::string& method,
                                                 const std::vector<std::string>& args,
                                                 int timeout_ms) {
  if (method == "version") {
    if (auto r = openflow(n, "", "", false, timeout_ms); !r) return r.error();
    return "OpenFlow switch at " + n.openflow;
  }
  auto change = fabric_change(method, args);
  if (!change) return make_error(n.name + ": " + change.error().message, change.error().code);
  if (auto r = openflow(n, change->command, change->spec, change->strict, timeout_ms); !r)
    return r.error();
  return change->command + " " + change->spec;
}

Result<std::string> DaemonExecutor::ofctl(const Node& n, const Command& cmd) {
  // ovs-ofctl's arguments: [--strict] SPEC.
  bool strict = false;
  std::string spec;
  for (const std::string& a : cmd.args) {
    if (a == "--strict")
      strict = true;
    else
      spec = a;
  }
  if (auto r = openflow(n, cmd.method, spec, strict, 10000); !r) return r.error();
  return std::string("ok");
}

Result<std::string> DaemonExecutor::vlan_user(const std::string& host, const std::string& vlan,
                                              const std::string& except_vm) {
  const Vm* vm = inv_.vm(except_vm);
  auto show = ctl(host, "vlan/show", {node(host).bridge, "--format", "json"});
  if (!show) return show.error();
  auto j = rpc::parse_json(*show);
  const Json* ports = j ? j->find("ports") : nullptr;
  if (!ports || !ports->is_array()) return make_error("vlan/show: unexpected reply " + *show);
  // {"ports":[{"port":P,"vlan":V,"macs":[...]}]}: a MAC of the VLAN on one
  // of the host's VM ports (not an uplink), other than the VM's.
  std::set<std::string> uplinks;
  for (const auto& [f, up] : node(host).ports) uplinks.insert(up);
  for (const Json& p : ports->as_array()) {
    if (field(p, "vlan") != vlan || uplinks.count(field(p, "port"))) continue;
    const Json* macs = p.find("macs");
    if (!macs || !macs->is_array()) continue;
    for (const Json& m : macs->as_array())
      if (m.is_string() && m.as_string() != (vm ? vm->mac : ""))
        return m.as_string() + " still on " + host;
  }
  if (migrating_onto && migrating_onto(host, std::stoi(vlan), vm ? vm->name : ""))
    return "a VM of VLAN " + vlan + " is migrating onto " + host;
  return std::string();
}

Result<std::string> DaemonExecutor::vlan_prune(const Command& cmd) {
  // vlan-prune PORT VLAN SOURCE_HOST VM [MOVED]: the source leaves the VLAN
  // unless another VM of it still uses the host or is migrating onto it (in
  // a scheduled set, MOVED is how the VM's migration ended: only a VM that
  // left prunes). vlan-unadd PORT VLAN HOST - ADDED: a set's addition that
  // no VM ended up using is removed.
  const std::string& vlan = cmd.args.at(1);
  const std::string& host = cmd.args.at(2);
  bool unadd = cmd.method == "vlan-unadd";
  if (cmd.args.size() > 4) {
    const std::string& c = cmd.args[4];
    if (unadd && c != "added") return std::string("unchanged: the set did not add it");
    if (!unadd && c.rfind("done", 0) != 0)
      return "kept: " + cmd.args[3] + " did not move (" + c + ")";
  }
  auto user = vlan_user(host, vlan, cmd.args.at(3));
  if (!user) return user.error();
  if (!user->empty()) return "kept: " + *user;
  const std::string& sw = current_node_;
  if (unadd) return vsctl(node(sw), {"vlan-remove", {cmd.args[0], vlan, "added"}});
  return vsctl(node(sw), {"vlan-prune", {cmd.args[0], vlan}});
}

Result<MoveReport> DaemonExecutor::join_move() {
  if (move_thread_.joinable()) move_thread_.join();
  std::lock_guard<std::mutex> g(move_mu_);
  if (!move_result_) return make_error("no migration was started");
  return *move_result_;
}

Result<std::string> DaemonExecutor::first_frame(const Command& cmd) {
  // first-frame BRIDGE MAC SINCE_SEQ PORT: the VM's first frame on its port
  // of the destination (mac-learned, or a move detected from its RARP).
  const std::string& mac = cmd.args.at(1);
  std::string since = cmd.args.at(2);
  const std::string& port = cmd.args.at(3);
  int64_t done_at = 0;
  int64_t deadline = monotonic_ms() + 120000;
  while (monotonic_ms() < deadline) {
    auto r = ctl(current_node_, "events/wait", {"100", since}, 5000);
    if (!r) return r.error();
    auto j = rpc::parse_json(*r);
    if (!j || !j->is_object()) return make_error("events/wait: unexpected reply " + *r);
    if (const Json* ls = j->find("last_seq"); ls && ls->is_int())
      since = std::to_string(ls->as_int());
    if (const Json* ev = j->find("events"); ev && ev->is_array()) {
      for (const Json& e : ev->as_array()) {
        std::string type = field(e, "type");
        if ((type == "mac-learned" || type == "move-detected") && field(e, "mac") == mac &&
            field(e, "port") == port) {
          first_frame_how = "frame";
          const Json* t = e.find("time_ns");
          first_frame_ns = t && t->is_int() ? t->as_int() : now_ns();
          return type + " " + mac + " on " + port + " (event " + field(e, "seq") + ")";
        }
      }
    }
    bool done;
    {
      std::lock_guard<std::mutex> g(move_mu_);
      done = move_result_.has_value();
      if (done && !move_result_->ok()) return move_result_->error();
    }
    if (done) {
      if (!done_at) done_at = monotonic_ms();
      // The completion notification: a silent VM still gets its cut-over.
      if (monotonic_ms() - done_at > 1000) {
        first_frame_how = "completion";
        first_frame_ns = now_ns();
        return std::string("completion notification (no frame seen)");
      }
    }
  }
  return make_error("the VM did not appear on the destination within 120 s");
}

// drain BRIDGE ID...: reads the conversions' packet counters every 10 ms
// until two reads 20 ms apart agree (at most 1 s): the frames converted
// upstream before the senders stopped have arrived. Reports how many came
// meanwhile.
Result<std::string> DaemonExecutor::drain(const std::string& node, const Command& cmd) {
  auto count = [&]() -> Result<int64_t> {
    auto show = ctl(node, "vmac/show", {cmd.args.at(0), "--format", "json"});
    if (!show) return show.error();
    auto j = rpc::parse_json(*show);
    if (!j || !j->is_array()) return make_error("vmac/show: unexpected reply");
    int64_t n = 0;
    for (const Json& c : j->as_array()) {
      const std::string id = field(c, "id");
      if (std::find(cmd.args.begin() + 1, cmd.args.end(), id) == cmd.args.end()) continue;
      const Json* p = c.find("packets");
      if (p && p->is_int()) n += p->as_int();
    }
    return n;
  };
  const int64_t start = monotonic_ms();
  auto first = count();
  if (!first) return first.error();
  int64_t last = *first, stable_since = start;
  while (monotonic_ms() - stable_since < 20 && monotonic_ms() - start < 1000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    auto n = count();
    if (!n) return n.error();
    if (*n != last) last = *n, stable_since = monotonic_ms();
  }
  drained_frames = (drained_frames < 0 ? 0 : drained_frames) + (last - *first);
  drain_ms += monotonic_ms() - start;
  return strprintf("%lld frames in flight, %lld ms", static_cast<long long>(last - *first),
                   static_cast<long long>(monotonic_ms() - start));
}

Result<std::string> DaemonExecutor::apply(const Step& s, const Command& cmd) {
  current_node_ = s.node;
  switch (s.kind) {
    case StepKind::kCtl: {
      auto r = ctl(s.node, cmd.method, cmd.args);
      // Deleting what is already gone is done (idempotent on a resume).
      if (!r && (cmd.method == "fdb/del" || cmd.method == "vmac/del") &&
          already_gone(r.error().message))
        return std::string("absent");
      return r;
    }
    case StepKind::kVsctl:
      return vsctl(node(s.node), cmd);
    case StepKind::kVlanPrune:
      return vlan_prune(cmd);
    case StepKind::kMigrate:
      if (!run_migration) return make_error("no migration runner");
      return run_migration(cmd);
    case StepKind::kOfctl: {
      auto r = ofctl(node(s.node), cmd);
      if (!r && cmd.method.rfind("del-", 0) == 0 && already_gone(r.error().message))
        return std::string("absent");
      return r;
    }
    case StepKind::kMark: {
      auto r = ctl(s.node, "events/wait", {"0"});
      if (!r) return r.error();
      auto j = rpc::parse_json(*r);
      const Json* ls = j ? j->find("last_seq") : nullptr;
      if (!ls || !ls->is_int()) return make_error("events/wait: unexpected reply " + *r);
      return std::to_string(ls->as_int());
    }
    case StepKind::kMove: {
      const Vm* vm = inv_.vm(cmd.args.at(0));
      const Node* from = inv_.node(cmd.args.at(1));
      const Node* to = inv_.node(cmd.args.at(2));
      if (!vm || !from || !to) return make_error("move: unknown VM or host");
      if (move_thread_.joinable()) move_thread_.join();
      move_result_.reset();
      gate_.reset();
      move_thread_ = std::thread([this, vm, from, to] {
        auto r = driver_->move(*vm, *from, *to);
        std::lock_guard<std::mutex> g(move_mu_);
        move_result_ = std::move(r);
      });
      return std::string("started");
    }
    case StepKind::kFirstFrame:
      return first_frame(cmd);
    case StepKind::kDrain:
      return drain(s.node, cmd);
    case StepKind::kMoveWait: {
      bool here;
      {
        std::lock_guard<std::mutex> g(move_mu_);
        here = move_thread_.joinable() || move_result_.has_value();
      }
      if (!here) {
        // Resumed by another process: the driver says where the VM is.
        auto where = reconcile(s, cmd);
        if (!where) return where.error();
        if (!where->has_value()) return make_error("the VM is not on the destination");
        return **where;
      }
      // The cut-over steps before this one are done: the VM may run.
      gate_.open();
      auto r = join_move();
      if (!r) return r.error();
      last_move = *r;
      return strprintf("pause %.1f ms (gate %.1f ms)%s%s", r->pause_ms, r->gate_ms,
                       r->detail.empty() ? "" : "; ", r->detail.c_str());
    }
  }
  return make_error("unknown step kind");
}

Status DaemonExecutor::undo(const Step& s, const Command& cmd) {
  switch (s.kind) {
    case StepKind::kCtl: {
      auto r = ctl(s.node, cmd.method, cmd.args);
      if (!r && !already_gone(r.error().message)) return r.error();
      return {};
    }
    case StepKind::kVsctl: {
      auto r = vsctl(node(s.node), cmd);
      if (!r) return r.error();
      return {};
    }
    case StepKind::kOfctl: {
      auto r = ofctl(node(s.node), cmd);
      if (!r && !already_gone(r.error().message)) return r.error();
      return {};
    }
    case StepKind::kMove: {
      // Wait for a move in progress, then bring the VM back if it left.
      gate_.open();
      if (move_thread_.joinable()) move_thread_.join();
      const Vm* vm = inv_.vm(cmd.args.at(0));
      const Node* at = inv_.node(cmd.args.at(1));    // the destination
      const Node* back = inv_.node(cmd.args.at(2));  // the source
      if (!vm || !at || !back) return make_error("move: unknown VM or host");
      auto where = driver_->recover(*vm, *back, *at);
      if (!where) return where.error();
      if (*where == back->name) return {};
      auto r = driver_->move(*vm, *at, *back);
      if (!r) return r.error();
      return {};
    }
    default:
      return {};
  }
}

Result<std::optional<std::string>> DaemonExecutor::reconcile(const Step& s, const Command& cmd) {
  using Opt = std::optional<std::string>;
  switch (s.kind) {
    case StepKind::kCtl: {
      if (cmd.method.rfind("vmac/add-", 0) == 0) {
        // Did the conversion get created? Find it by its addresses.
        auto show = ctl(s.node, "vmac/show", {cmd.args.at(0), "--format", "json"});
        if (!show) return show.error();
        auto j = rpc::parse_json(*show);
        if (!j || !j->is_array()) return make_error("vmac/show: unexpected reply");
        std::string dir = cmd.method == "vmac/add-rx" ? "rx" : "tx";
        bool mirror = cmd.method == "vmac/add-dup";
        for (const Json& c : j->as_array()) {
          if (field(c, "direction") != dir || field(c, "from") != cmd.args.at(1) ||
              field(c, "to") != cmd.args.at(2))
            continue;
          if (dir == "tx" && (field(c, "mirror") == "on" || field(c, "mirror") == "true") != mirror)
            continue;
          return Opt(field(c, "id"));
        }
        return Opt();
      }
      // Every other command is idempotent: apply it again.
      auto r = ctl(s.node, cmd.method, cmd.args);
      if (!r) {
        if (already_gone(r.error().message)) return Opt(std::string("gone"));
        return r.error();
      }
      return Opt(*r);
    }
    case StepKind::kMove:
    case StepKind::kMoveWait: {
      // Finish or revert a half-done move; applied when the VM is on the destination.
      const Vm* vm = inv_.vm(cmd.args.at(0));
      const Node* from = inv_.node(cmd.args.at(1));
      const Node* to = inv_.node(cmd.args.at(2));
      if (!vm || !from || !to) return make_error("move: unknown VM or host");
      auto where = driver_->recover(*vm, *from, *to);
      if (!where) return where.error();
      if (*where == to->name) return Opt("the VM runs on " + to->name);
      return Opt();
    }
    case StepKind::kMark:
    case StepKind::kFirstFrame:
    case StepKind::kDrain:
      return Opt();
    case StepKind::kVsctl:
    case StepKind::kVlanPrune: {
      auto r = apply(s, cmd);
      if (!r) return r.error();
      return Opt(*r);
    }
    case StepKind::kMigrate:
      if (!find_migration) return make_error("no migration runner");
      return find_migration(cmd);
    case StepKind::kOfctl: {
      // Applied again; a meter that exists is replaced.
      if (cmd.method == "add-meter")
        (void)ofctl(node(s.node), {"del-meter", {"meter=" + std::to_string(kTransferMeterId)}});
      auto r = ofctl(node(s.node), cmd);
      if (!r) return r.error();
      return Opt(*r);
    }
  }
  return Opt();
}

}  // namespace ferry::migrate
