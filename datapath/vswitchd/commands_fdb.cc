// fdb/*: the MAC learning tables, with ovs-appctl's command names and texts.
#include <string>
#include <vector>

#include "datapath/vswitchd/vswitchd.h"
#include "lib/util/clock.h"
#include "lib/util/text.h"

namespace ferry {

namespace {

using rpc::ReplyPtr;
using Args = std::vector<std::string>;

// The bridge named by args[0] with a datapath, or an error reply.
Bridge* find_bridge(Vswitchd& d, const std::string& name, const ReplyPtr& r) {
  Bridge* b = d.bridge(name);
  if (!b) {
    r->error("no such bridge");
    return nullptr;
  }
  if (!d.datapath() || b->slot() < 0) {
    r->error("bridge " + name + " has no datapath (DPDK is not initialized)");
    return nullptr;
  }
  return b;
}

std::optional<uint16_t> parse_vlan(const std::string& s) {
  auto v = parse_u64(s);
  if (!v || *v > 4095) return std::nullopt;
  return static_cast<uint16_t>(*v);
}

void fdb_show(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  Bridge* b = find_bridge(d, a[0], r);
  if (!b) return;
  FdbTable& fdb = d.datapath()->fdb(b->slot());
  int64_t now_s = monotonic_ms() / 1000;
  std::string out = " port  VLAN  MAC                Age\n";
  for (const FdbEntry* e : fdb.entries_by_age()) {
    std::string port = e->ofport == kOfppLocal ? "LOCAL" : std::to_string(e->ofport);
    out += strprintf("%5s  %4d  %s  ", port.c_str(), e->vlan, format_mac(e->mac).c_str());
    out += e->is_static ? "static\n"
                        : strprintf("%3lld\n", static_cast<long long>(now_s - e->last_seen_s()));
  }
  r->ok(out);
}

void fdb_flush(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  if (!a.empty()) {
    Bridge* b = find_bridge(d, a[0], r);
    if (!b) return;
    d.datapath()->fdb(b->slot()).flush();
  } else if (d.datapath()) {
    for (const auto& [name, b] : d.bridges()) {
      if (b->slot() >= 0) d.datapath()->fdb(b->slot()).flush();
    }
  }
  if (d.datapath()) d.datapath()->commit_and_sync();
  r->ok("table successfully flushed");
}

void fdb_add(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  Bridge* b = find_bridge(d, a[0], r);
  if (!b) return;
  const BridgePort* p = b->port_by_name(a[1]);
  if (!p || !p->ofport) return r->error("no such port " + a[1] + " on bridge " + a[0]);
  auto vlan = parse_vlan(a[2]);
  if (!vlan) return r->error("bad VLAN \"" + a[2] + "\" (0 to 4095)");
  auto mac = parse_mac(a[3]);
  if (!mac) return r->error("bad MAC address");
  if (mac_is_multicast(mac->data())) return r->error("bad MAC address: " + a[3] + " is multicast");
  FdbTable& fdb = d.datapath()->fdb(b->slot());
  std::string old_port;
  if (const FdbEntry* e = fdb.find(*vlan, *mac)) old_port = b->port_label(e->ofport);
  std::string note = fdb.add_static(*vlan, *mac, p->ofport, old_port);
  d.datapath()->commit_and_sync();  // the reply means "in effect"
  d.state_changed();
  r->ok(note);
}

void fdb_del(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  Bridge* b = find_bridge(d, a[0], r);
  if (!b) return;
  auto vlan = parse_vlan(a[1]);
  if (!vlan) return r->error("bad VLAN \"" + a[1] + "\" (0 to 4095)");
  auto mac = parse_mac(a[2]);
  if (!mac) return r->error("bad MAC address");
  if (!d.datapath()->fdb(b->slot()).del_static(*vlan, *mac))
    return r->error("could not find static mac entry\n");
  d.datapath()->commit_and_sync();
  d.state_changed();
  r->ok("");
}

void fdb_stats_show(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  Bridge* b = find_bridge(d, a[0], r);
  if (!b) return;
  FdbTable& fdb = d.datapath()->fdb(b->slot());
  const FdbStats& s = fdb.stats();
  std::string out = strprintf("Statistics for bridge \"%s\":\n", a[0].c_str());
  out += strprintf("  Current/maximum MAC entries in the table: %zu/%zu\n", fdb.size(),
                   fdb.max_entries());
  out += strprintf("  Current static MAC entries in the table : %zu\n", fdb.n_static());
  out += strprintf("  Total number of learned MAC entries     : %llu\n",
                   static_cast<unsigned long long>(s.learned));
  out += strprintf("  Total number of expired MAC entries     : %llu\n",
                   static_cast<unsigned long long>(s.expired));
  out += strprintf("  Total number of evicted MAC entries     : %llu\n",
                   static_cast<unsigned long long>(s.evicted));
  out += strprintf("  Total number of port moved MAC entries  : %llu\n",
                   static_cast<unsigned long long>(s.moved));
  r->ok(out);
}

void fdb_stats_clear(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  if (!a.empty()) {
    Bridge* b = find_bridge(d, a[0], r);
    if (!b) return;
    d.datapath()->fdb(b->slot()).clear_stats();
  } else if (d.datapath()) {
    for (const auto& [name, b] : d.bridges()) {
      if (b->slot() >= 0) d.datapath()->fdb(b->slot()).clear_stats();
    }
  }
  r->ok("statistics successfully cleared");
}

}  // namespace

void register_fdb_commands(Vswitchd& d) {
  auto bind = [&d](void (*fn)(Vswitchd&, const Args&, const ReplyPtr&)) {
    return [&d, fn](const Args& a, const ReplyPtr& r) { fn(d, a, r); };
  };
  d.commands().add_table({
      {"fdb/show", "bridge", 1, 1, bind(fdb_show)},
      {"fdb/flush", "[bridge]", 0, 1, bind(fdb_flush)},
      {"fdb/add", "bridge port vlan mac", 4, 4, bind(fdb_add)},
      {"fdb/del", "bridge vlan mac", 3, 3, bind(fdb_del)},
      {"fdb/stats-show", "bridge", 1, 1, bind(fdb_stats_show)},
      {"fdb/stats-clear", "[bridge]", 0, 1, bind(fdb_stats_clear)},
  });
}

}  // namespace ferry
