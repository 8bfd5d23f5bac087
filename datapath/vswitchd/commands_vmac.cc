// vmac/*: address conversion units (staged virtual-MAC paths, SEEDS 000).
// Every change is validated in full first and then committed to every PMD
// at once; the reply comes when it is in effect.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "datapath/vswitchd/vswitchd.h"
#include "lib/rpc/json.h"
#include "lib/util/text.h"

namespace ferry {

namespace {

using rpc::ReplyPtr;
using Args = std::vector<std::string>;

// OpenFlow port numbers for "a,b,3" (names or numbers), or an error.
Result<std::vector<uint32_t>> parse_ports(Bridge& b, const std::string& list) {
  std::vector<uint32_t> out;
  for (const std::string& name : split(list, ",")) {
    if (name.empty()) return make_error("empty port name in \"" + list + "\"");
    const BridgePort* p = b.port_by_name(name);
    if (!p) {
      if (auto n = parse_u64(name); n && b.port_by_ofport(static_cast<uint32_t>(*n))) {
        out.push_back(static_cast<uint32_t>(*n));
        continue;
      }
      return make_error("no port " + name + " on bridge " + b.name());
    }
    if (!p->ofport) return make_error("port " + name + " is not up (" + p->error + ")");
    out.push_back(p->ofport);
  }
  return out;
}

Result<Mac> parse_unicast(const std::string& s, const char* what) {
  auto mac = parse_mac(s);
  if (!mac) return make_error(std::string("malformed ") + what + " MAC \"" + s + "\"");
  return *mac;
}

// "ID,ID" or "ID": conversion ids that exist; nothing else.
Result<std::vector<uint32_t>> parse_ids(Vswitchd& d, const std::vector<std::string>& words) {
  std::vector<uint32_t> ids;
  for (const std::string& w : words) {
    for (const std::string& one : split(w, ",")) {
      auto n = parse_u64(one);
      if (!n || *n == 0 || *n > UINT32_MAX) return make_error("bad conversion id \"" + one + "\"");
      if (!d.bridge_of_conversion(static_cast<uint32_t>(*n))) {
        return make_error(strprintf("no conversion %llu", static_cast<unsigned long long>(*n)),
                          ENOENT);
      }
      ids.push_back(static_cast<uint32_t>(*n));
    }
  }
  return ids;
}

std::string ports_text(Bridge& b, const std::vector<uint32_t>& ports) {
  std::vector<std::string> v;
  for (uint32_t p : ports) v.push_back(b.port_label(p));
  return join(v, ",");
}

void emit_state(Vswitchd& d, Bridge& b, uint32_t id, const std::string& state) {
  d.events().emit("conversion",
                  {{"bridge", b.name()}, {"id", std::to_string(id)}, {"state", state}});
}

// Commits ops on every bridge concerned, or on none.
void commit_ops(Vswitchd& d, const ConversionOps& ops, const ReplyPtr& r) {
  std::set<Bridge*> touched;
  for (const auto* list : {&ops.activate, &ops.deactivate, &ops.del}) {
    for (uint32_t id : *list) touched.insert(d.bridge_of_conversion(id));
  }
  for (Bridge* b : touched) {
    Status st = b->conversions().check(ops);
    if (!st.ok()) return r->error(st.error().message);
  }
  for (Bridge* b : touched) {
    b->conversions().apply(ops);
    b->push();
  }
  if (d.datapath()) d.datapath()->commit_and_sync();
  for (Bridge* b : touched) {
    for (uint32_t id : ops.deactivate) {
      if (b->conversions().has(id)) emit_state(d, *b, id, "staged");
    }
    for (uint32_t id : ops.activate) {
      if (b->conversions().has(id)) emit_state(d, *b, id, "active");
    }
  }
  for (uint32_t id : ops.del)
    d.events().emit("conversion", {{"id", std::to_string(id)}, {"state", "removed"}});
  d.state_changed();
  r->ok("");
}

void add_conversion(Vswitchd& d, ConversionDir dir, bool force_mirror, const Args& a,
                    const ReplyPtr& r) {
  Bridge* b = d.bridge(a[0]);
  if (!b) return r->error("no such bridge " + a[0]);
  auto m1 = parse_unicast(a[1], dir == ConversionDir::kRx ? "virtual" : "real");
  if (!m1) return r->error(m1.error().message);
  auto m2 = parse_unicast(a[2], dir == ConversionDir::kRx ? "real" : "virtual");
  if (!m2) return r->error(m2.error().message);
  Conversion c;
  c.dir = dir;
  c.from = *m1;
  c.to = *m2;
  c.mirror = force_mirror;
  c.state = dir == ConversionDir::kRx ? ConversionState::kActive : ConversionState::kStaged;
  bool have_ports = false;
  for (size_t i = 3; i < a.size(); i++) {
    const std::string& w = a[i];
    if (w.rfind("in_port=", 0) == 0) {
      auto ports = parse_ports(*b, w.substr(8));
      if (!ports) return r->error(ports.error().message);
      c.in_ports = *ports;
      have_ports = true;
    } else if (w.rfind("class=", 0) == 0 && dir == ConversionDir::kTx) {
      std::vector<std::string> lh = split(w.substr(6), "-");
      auto lo = lh.size() >= 1 ? parse_u64(lh[0]) : std::nullopt;
      auto hi = lh.size() == 2 ? parse_u64(lh[1]) : lo;
      if (lh.size() > 2 || !lo || !hi || *lo > 7 || *hi > 7 || *lo > *hi) {
        return r->error("bad class \"" + w.substr(6) + "\": a range LOW-HIGH within 0-7");
      }
      c.has_class = true;
      c.class_lo = static_cast<uint8_t>(*lo);
      c.class_hi = static_cast<uint8_t>(*hi);
    } else if ((w == "mirror=on" || w == "mirror=off") && dir == ConversionDir::kTx) {
      c.mirror = force_mirror || w == "mirror=on";
    } else {
      return r->error("unknown argument \"" + w + "\"");
    }
  }
  if (!have_ports) {
    c.in_ports = b->ports_with_role(dir == ConversionDir::kRx ? PortRole::kUplink : PortRole::kVm);
    if (c.in_ports.empty()) {
      return r->error(std::string("bridge ") + b->name() + " has no " +
                      (dir == ConversionDir::kRx
                           ? "uplink ports (Port other_config:ferry-role=uplink)"
                           : "VM ports") +
                      "; give in_port=PORT[,PORT...]");
    }
  }
  c.id = d.next_conversion_id();
  // A VMAC may serve one real MAC only, across the whole daemon's bridges
  // it is checked per bridge (the table's rules).
  Status st = b->conversions().add(c);
  if (!st.ok()) return r->error(st.error().message);
  b->push();
  if (d.datapath()) d.datapath()->commit_and_sync();
  emit_state(d, *b, c.id, c.state == ConversionState::kActive ? "active" : "staged");
  d.state_changed();
  r->ok(std::to_string(c.id) + "\n");
}

void change_state(Vswitchd& d, const char* what, const Args& a, const ReplyPtr& r) {
  auto ids = parse_ids(d, a);
  if (!ids) return r->error(ids.error().message);
  ConversionOps ops;
  if (std::string(what) == "activate") ops.activate = *ids;
  if (std::string(what) == "deactivate") ops.deactivate = *ids;
  if (std::string(what) == "del") ops.del = *ids;
  commit_ops(d, ops, r);
}

void vmac_commit(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  ConversionOps ops;
  for (const std::string& w : a) {
    size_t eq = w.find('=');
    std::string op = w.substr(0, eq);
    if (eq == std::string::npos || (op != "activate" && op != "deactivate" && op != "del")) {
      return r->error("expected activate=IDS, deactivate=IDS or del=IDS, not \"" + w + "\"");
    }
    auto ids = parse_ids(d, {w.substr(eq + 1)});
    if (!ids) return r->error(ids.error().message);
    auto& list = op == "activate" ? ops.activate : op == "deactivate" ? ops.deactivate : ops.del;
    list.insert(list.end(), ids->begin(), ids->end());
  }
  commit_ops(d, ops, r);
}

void vmac_show(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  bool json = false;
  std::string only;
  for (size_t i = 0; i < a.size(); i++) {
    if (a[i] == "--format=json" || (a[i] == "--format" && i + 1 < a.size() && a[i + 1] == "json")) {
      json = true;
      if (a[i] == "--format") i++;
    } else if (d.bridge(a[i])) {
      only = a[i];
    } else {
      return r->error("no such bridge " + a[i]);
    }
  }
  rpc::Json arr = rpc::Json::array();
  std::string text =
      strprintf("%4s %-10s %-3s %-17s %-17s %-16s %-5s %-6s %-7s %10s %12s\n", "id", "bridge",
                "dir", "from", "to", "ports", "class", "mirror", "state", "packets", "bytes");
  for (const auto& [name, b] : d.bridges()) {
    if (!only.empty() && name != only) continue;
    for (const auto& [id, c] : b->conversions().all()) {
      std::string cls = c.has_class ? strprintf("%u-%u", c.class_lo, c.class_hi) : "-";
      uint64_t packets = c.stats->packets.load(), bytes = c.stats->bytes.load();
      std::string ports = ports_text(*b, c.in_ports);
      if (json) {
        rpc::Json o = rpc::Json::object();
        o.set("id", rpc::Json(static_cast<int64_t>(id)));
        o.set("bridge", rpc::Json(name));
        o.set("direction", rpc::Json(c.dir_name()));
        o.set("from", rpc::Json(format_mac(c.from)));
        o.set("to", rpc::Json(format_mac(c.to)));
        rpc::Json pl = rpc::Json::array();
        for (uint32_t p : c.in_ports) pl.push_back(rpc::Json(b->port_label(p)));
        o.set("ports", std::move(pl));
        o.set("class", rpc::Json(cls));
        o.set("mirror", rpc::Json(c.mirror));
        o.set("state", rpc::Json(c.state_name()));
        o.set("packets", rpc::Json(static_cast<int64_t>(packets)));
        o.set("bytes", rpc::Json(static_cast<int64_t>(bytes)));
        arr.push_back(std::move(o));
      } else {
        text += strprintf(
            "%4u %-10s %-3s %-17s %-17s %-16s %-5s %-6s %-7s %10llu %12llu\n", id, name.c_str(),
            c.dir_name(), format_mac(c.from).c_str(), format_mac(c.to).c_str(), ports.c_str(),
            cls.c_str(), c.mirror ? "on" : "off", c.state_name(),
            static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes));
      }
    }
  }
  r->ok(json ? arr.dump() + "\n" : text);
}

}  // namespace

void register_vmac_commands(Vswitchd& d) {
  d.commands().add_table({
      {"vmac/add-rx", "BRIDGE VMAC REAL_MAC [in_port=PORT[,PORT...]]", 3, 4,
       [&d](const Args& a, const ReplyPtr& r) {
         add_conversion(d, ConversionDir::kRx, false, a, r);
       }},
      {"vmac/add-tx", "BRIDGE REAL_MAC VMAC [in_port=PORT[,PORT...]] [class=LOW-HIGH] [mirror=on]",
       3, 6,
       [&d](const Args& a, const ReplyPtr& r) {
         add_conversion(d, ConversionDir::kTx, false, a, r);
       }},
      {"vmac/add-dup", "BRIDGE REAL_MAC VMAC [in_port=PORT[,PORT...]] [class=LOW-HIGH]", 3, 5,
       [&d](const Args& a, const ReplyPtr& r) {
         add_conversion(d, ConversionDir::kTx, true, a, r);
       }},
      {"vmac/activate", "ID [ID...]", 1, INT32_MAX,
       [&d](const Args& a, const ReplyPtr& r) { change_state(d, "activate", a, r); }},
      {"vmac/deactivate", "ID [ID...]", 1, INT32_MAX,
       [&d](const Args& a, const ReplyPtr& r) { change_state(d, "deactivate", a, r); }},
      {"vmac/del", "ID [ID...]", 1, INT32_MAX,
       [&d](const Args& a, const ReplyPtr& r) { change_state(d, "del", a, r); }},
      {"vmac/commit", "[activate=IDS] [deactivate=IDS] [del=IDS]", 1, 3,
       [&d](const Args& a, const ReplyPtr& r) { vmac_commit(d, a, r); }},
      {"vmac/show", "[BRIDGE] [--format json]", 0, 3,
       [&d](const Args& a, const ReplyPtr& r) { vmac_show(d, a, r); }},
  });
}

}  // namespace ferry
