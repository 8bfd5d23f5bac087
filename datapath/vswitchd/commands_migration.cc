// The migration primitives besides conversions: events/wait (long poll),
// move-detect/* (SEEDS 002, 003 embodiment 3), garp/announce (002
// embodiment 2) and vlan/show (the data of 001's prune decision).
#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "datapath/vswitchd/vswitchd.h"
#include "lib/packet/builder.h"
#include "lib/rpc/json.h"
#include "lib/util/text.h"

namespace ferry {

namespace {

using rpc::ReplyPtr;
using Args = std::vector<std::string>;

void events_wait(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  int64_t timeout = 0;
  uint64_t since = d.events().last_seq();
  if (a.size() >= 1) {
    auto t = parse_u64(a[0]);
    if (!t || *t > 3600000) return r->error("bad TIMEOUT_MS \"" + a[0] + "\" (0 to 3600000)");
    timeout = static_cast<int64_t>(*t);
  }
  if (a.size() >= 2) {
    auto s = parse_u64(a[1]);
    if (!s) return r->error("bad SINCE_SEQ \"" + a[1] + "\"");
    since = *s;
  }
  d.events().wait(since, timeout, r);
}

Bridge* need_bridge(Vswitchd& d, const std::string& name, const ReplyPtr& r) {
  Bridge* b = d.bridge(name);
  if (!b) r->error("no such bridge " + name);
  return b;
}

void move_enable(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  Bridge* b = need_bridge(d, a[0], r);
  if (!b) return;
  MoveDetectConfig cfg = b->move_detect();
  cfg.enabled = true;
  cfg.vlan_map.clear();
  cfg.rate = MoveDetectConfig{}.rate;
  for (size_t i = 1; i < a.size(); i++) {
    if (a[i].rfind("rate=", 0) == 0) {
      auto n = parse_u64(a[i].substr(5));
      if (!n || *n < 1 || *n > 1000000)
        return r->error("bad rate \"" + a[i].substr(5) + "\": upcalls per second, 1-1000000");
      cfg.rate = static_cast<uint32_t>(*n);
      continue;
    }
    if (a[i].rfind("vlan-map=", 0) != 0) return r->error("unknown argument \"" + a[i] + "\"");
    for (const std::string& pair : split(a[i].substr(9), ",")) {
      std::vector<std::string> on = split(pair, ":");
      auto o = on.size() == 2 ? parse_u64(on[0]) : std::nullopt;
      auto n = on.size() == 2 ? parse_u64(on[1]) : std::nullopt;
      if (!o || !n || *o < 1 || *o > 4095 || *n < 1 || *n > 4095 || *o == *n) {
        return r->error("bad vlan-map entry \"" + pair + "\": OLD:NEW, two different VLANs 1-4095");
      }
      cfg.vlan_map.emplace_back(static_cast<uint16_t>(*o), static_cast<uint16_t>(*n));
    }
  }
  b->set_move_detect(cfg);
  if (d.datapath()) d.datapath()->commit_and_sync();
  r->ok("");
}

void move_disable(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  Bridge* b = need_bridge(d, a[0], r);
  if (!b) return;
  b->set_move_detect(MoveDetectConfig{});
  if (d.datapath()) d.datapath()->commit_and_sync();
  r->ok("");
}

void move_expect(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  Bridge* b = need_bridge(d, a[0], r);
  if (!b) return;
  auto mac = parse_mac(a[1]);
  if (!mac || mac_is_multicast(mac->data()) || mac_is_zero(mac->data())) {
    return r->error("malformed or multicast MAC \"" + a[1] + "\"");
  }
  MoveDetectConfig cfg = b->move_detect();
  if (!cfg.enabled)
    return r->error("move detection is off on " + a[0] + " (move-detect/enable first)");
  if (std::find(cfg.expected.begin(), cfg.expected.end(), *mac) == cfg.expected.end())
    cfg.expected.push_back(*mac);
  b->set_move_detect(cfg);
  if (d.datapath()) d.datapath()->commit_and_sync();
  r->ok("");
}

void move_show(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  Bridge* b = need_bridge(d, a[0], r);
  if (!b) return;
  const MoveDetectConfig& cfg = b->move_detect();
  std::string out = strprintf("move detection: %s\n", cfg.enabled ? "on" : "off");
  out += strprintf("rate limit: %u upcalls/s\n", cfg.rate);
  std::vector<std::string> maps, macs;
  for (const auto& [o, n] : cfg.vlan_map) maps.push_back(strprintf("%u:%u", o, n));
  for (const Mac& m : cfg.expected) macs.push_back(format_mac(m));
  out += "vlan-map: " + (maps.empty() ? std::string("none") : join(maps, ",")) + "\n";
  out += "expected: " + (macs.empty() ? std::string("none") : join(macs, ",")) + "\n";
  std::vector<std::string> ann;
  for (const auto& [port, c] : b->announce()) {
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &c.dst_ip, ip, sizeof ip);
    ann.push_back(b->port_label(port) + "->" + ip);
  }
  out += "garp announce: " + (ann.empty() ? std::string("none") : join(ann, ",")) + "\n";
  const MoveDetectStats& s = d.move_detector().stats(b->name());
  out += strprintf(
      "moves: %llu, re-injected: %llu, unmatched misses: %llu, garp/rarp seen: %llu, announced: "
      "%llu, "
      "rate-limited: %llu\n",
      static_cast<unsigned long long>(s.moves), static_cast<unsigned long long>(s.reinjected),
      static_cast<unsigned long long>(s.unmatched), static_cast<unsigned long long>(s.garps),
      static_cast<unsigned long long>(s.announced),
      static_cast<unsigned long long>(s.rate_limited));
  r->ok(out);
}

void garp_announce(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  Bridge* b = need_bridge(d, a[0], r);
  if (!b) return;
  const BridgePort* p = b->port_by_name(a[1]);
  if (!p || !p->ofport) return r->error("no port " + a[1] + " on bridge " + a[0]);
  if (a[2] == "off") {
    b->set_announce(p->ofport, std::nullopt);
  } else {
    AnnounceConfig c;
    auto ip = parse_ipv4(a[2]);
    if (!ip || *ip == 0) return r->error("bad DST_IP \"" + a[2] + "\"");
    c.dst_ip = *ip;
    if (a.size() == 4) {
      auto mac = parse_mac(a[3]);
      if (!mac) return r->error("malformed DST_MAC \"" + a[3] + "\"");
      c.dst_mac = *mac;
    }
    b->set_announce(p->ofport, c);
  }
  if (d.datapath()) d.datapath()->commit_and_sync();
  r->ok("");
}

void vlan_show(Vswitchd& d, const Args& a, const ReplyPtr& r) {
  Bridge* b = need_bridge(d, a[0], r);
  if (!b) return;
  bool json = a.size() > 1 &&
              (a[1] == "--format=json" || (a[1] == "--format" && a.size() > 2 && a[2] == "json"));
  if (a.size() > 1 && !json) return r->error("unknown argument \"" + a[1] + "\"");
  // VLANs named by the configuration, plus any in use in the FDB.
  std::set<uint16_t> vlans;
  for (const auto& [name, p] : b->ports()) {
    if (!p.ofport) continue;
    if (p.vlan.mode != VlanMode::kTrunk) vlans.insert(p.vlan.tag);
    for (size_t v = 0; v < 4096; v++) {
      if (p.vlan.trunks.test(v)) vlans.insert(static_cast<uint16_t>(v));
    }
  }
  std::map<std::pair<uint32_t, uint16_t>, std::vector<std::string>> macs;  // (port, vlan) -> MACs
  if (d.datapath() && b->slot() >= 0) {
    for (const FdbEntry* e : d.datapath()->fdb(b->slot()).entries_by_age()) {
      vlans.insert(e->vlan);
      macs[{e->ofport, e->vlan}].push_back(format_mac(e->mac));
    }
  }
  rpc::Json jv = rpc::Json::array();
  std::string out = "VLAN  member ports\n";
  for (uint16_t v : vlans) {
    std::vector<std::string> members;
    for (const auto& [name, p] : b->ports()) {
      if (p.ofport && p.vlan.includes(v)) members.push_back(name);
    }
    out += strprintf("%4u  %s\n", v, join(members, ",").c_str());
    rpc::Json o = rpc::Json::object();
    o.set("vlan", rpc::Json(static_cast<int64_t>(v)));
    rpc::Json m = rpc::Json::array();
    for (const std::string& s : members) m.push_back(rpc::Json(s));
    o.set("members", std::move(m));
    jv.push_back(std::move(o));
  }
  rpc::Json jp = rpc::Json::array();
  out += "\nport              VLAN  MACs\n";
  for (const auto& [key, list] : macs) {
    std::string port = b->port_label(key.first);
    out += strprintf("%-16s  %4u  %s\n", port.c_str(), key.second, join(list, ",").c_str());
    rpc::Json o = rpc::Json::object();
    o.set("port", rpc::Json(port));
    o.set("vlan", rpc::Json(static_cast<int64_t>(key.second)));
    rpc::Json m = rpc::Json::array();
    for (const std::string& s : list) m.push_back(rpc::Json(s));
    o.set("macs", std::move(m));
    jp.push_back(std::move(o));
  }
  if (json) {
    rpc::Json o = rpc::Json::object();
    o.set("vlans", std::move(jv));
    o.set("ports", std::move(jp));
    return r->ok(o.dump() + "\n");
  }
  r->ok(out);
}

}  // namespace

void register_migration_commands(Vswitchd& d) {
  auto bind = [&d](void (*fn)(Vswitchd&, const Args&, const ReplyPtr&)) {
    return [&d, fn](const Args& a, const ReplyPtr& r) { fn(d, a, r); };
  };
  d.commands().add_table({
      {"events/wait", "[TIMEOUT_MS] [SINCE_SEQ]", 0, 2, bind(events_wait)},
      {"move-detect/enable", "BRIDGE [vlan-map=OLD:NEW[,OLD:NEW...]] [rate=N]", 1, 3,
       bind(move_enable)},
      {"move-detect/disable", "BRIDGE", 1, 1, bind(move_disable)},
      {"move-detect/expect", "BRIDGE MAC", 2, 2, bind(move_expect)},
      {"move-detect/show", "BRIDGE", 1, 1, bind(move_show)},
      {"garp/announce", "BRIDGE PORT {DST_IP [DST_MAC] | off}", 3, 4, bind(garp_announce)},
      {"vlan/show", "BRIDGE [--format json]", 1, 3, bind(vlan_show)},
  });
}

}  // namespace ferry
