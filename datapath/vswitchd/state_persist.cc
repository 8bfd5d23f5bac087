#include "datapath/vswitchd/state_persist.h"

#include <algorithm>
#include <vector>

#include "datapath/fdb_table.h"
#include "datapath/vswitchd/bridge.h"
#include "datapath/vswitchd/vswitchd.h"
#include "lib/util/log.h"
#include "lib/util/text.h"

FERRY_LOG_MODULE(state_log, "state");

namespace ferry {

namespace {

constexpr const char kVmacPrefix[] = "ferry-vmac-";
constexpr const char kFdbPrefix[] = "ferry-fdb-";

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

std::string conversion_text(const Bridge& b, const Conversion& c) {
  std::vector<std::string> ports;
  for (uint32_t p : c.in_ports) ports.push_back(b.port_label(p));
  std::string v = std::string("dir=") + c.dir_name() + " from=" + format_mac(c.from) +
                  " to=" + format_mac(c.to) + " ports=" + join(ports, ",");
  if (c.has_class) v += strprintf(" class=%u-%u", c.class_lo, c.class_hi);
  v += std::string(" mirror=") + (c.mirror ? "on" : "off") + " state=" + c.state_name();
  return v;
}

Result<uint32_t> port_named(const Bridge& b, const std::string& name) {
  const BridgePort* p = b.port_by_name(name);
  if (!p) return make_error("no port " + name + " on bridge " + b.name());
  if (!p->ofport) return make_error("port " + name + " is not up");
  return p->ofport;
}

}  // namespace

bool is_state_key(const std::string& key) {
  return starts_with(key, kVmacPrefix) || starts_with(key, kFdbPrefix);
}

ovs::StringMap bridge_state_keys(const Bridge& b, const FdbTable* fdb) {
  ovs::StringMap out;
  for (const auto& [id, c] : b.conversions().all())
    out[kVmacPrefix + std::to_string(id)] = conversion_text(b, c);
  if (fdb) {
    for (const FdbEntry* e : fdb->entries_by_age()) {
      if (!e->is_static) continue;
      out[strprintf("%s%u-%s", kFdbPrefix, e->vlan, format_mac(e->mac).c_str())] =
          b.port_label(e->ofport);
    }
  }
  return out;
}

Result<Conversion> parse_conversion_state(const Bridge& b, const std::string& key,
                                          const std::string& value) {
  Conversion c;
  auto id = parse_u64(key.substr(std::min(key.size(), sizeof kVmacPrefix - 1)));
  if (!starts_with(key, kVmacPrefix) || !id || *id == 0 || *id > UINT32_MAX)
    return make_error("bad key \"" + key + "\"");
  c.id = static_cast<uint32_t>(*id);
  bool have[5] = {};  // dir, from, to, ports, state
  for (const std::string& w : split(value, " ")) {
    if (w.empty()) continue;
    size_t eq = w.find('=');
    std::string k = w.substr(0, eq), v = eq == std::string::npos ? "" : w.substr(eq + 1);
    if (k == "dir" && (v == "rx" || v == "tx")) {
      c.dir = v == "rx" ? ConversionDir::kRx : ConversionDir::kTx;
      have[0] = true;
    } else if ((k == "from" || k == "to") && parse_mac(v)) {
      (k == "from" ? c.from : c.to) = *parse_mac(v);
      have[k == "from" ? 1 : 2] = true;
    } else if (k == "ports") {
      // Empty when every port of the conversion has left the bridge.
      for (const std::string& name : split(v, ",")) {
        if (name.empty()) continue;
        auto p = port_named(b, name);
        if (!p) return p.error();
        c.in_ports.push_back(*p);
      }
      std::sort(c.in_ports.begin(), c.in_ports.end());
      have[3] = true;
    } else if (k == "class") {
      std::vector<std::string> lh = split(v, "-");
      auto lo = lh.size() == 2 ? parse_u64(lh[0]) : std::nullopt;
      auto hi = lh.size() == 2 ? parse_u64(lh[1]) : std::nullopt;
      if (!lo || !hi || *lo > *hi || *hi > 7) return make_error("bad class \"" + v + "\"");
      c.has_class = true;
      c.class_lo = static_cast<uint8_t>(*lo);
      c.class_hi = static_cast<uint8_t>(*hi);
    } else if (k == "mirror" && (v == "on" || v == "off")) {
      c.mirror = v == "on";
    } else if (k == "state" && (v == "staged" || v == "active")) {
      c.state = v == "active" ? ConversionState::kActive : ConversionState::kStaged;
      have[4] = true;
    } else {
      return make_error("bad field \"" + w + "\"");
    }
  }
  if (!std::all_of(std::begin(have), std::end(have), [](bool h) { return h; }))
    return make_error("dir, from, to, ports and state are required");
  return c;
}

Result<StaticFdbState> parse_fdb_state(const Bridge& b, const std::string& key,
                                       const std::string& value) {
  if (!starts_with(key, kFdbPrefix)) return make_error("bad key \"" + key + "\"");
  std::string rest = key.substr(sizeof kFdbPrefix - 1);
  size_t dash = rest.find('-');
  auto vlan = dash == std::string::npos ? std::nullopt : parse_u64(rest.substr(0, dash));
  auto mac = dash == std::string::npos ? std::nullopt : parse_mac(rest.substr(dash + 1));
  if (!vlan || *vlan > 4095 || !mac) return make_error("bad key \"" + key + "\"");
  auto port = port_named(b, value);
  if (!port) return port.error();
  return StaticFdbState{static_cast<uint16_t>(*vlan), *mac, *port};
}

// Vswitchd's side: read back once per bridge, written whenever it changed.

void Vswitchd::restore_state(Bridge& b, const ovs::StringMap& external_ids) {
  restored_.insert(b.name());
  ovs::StringMap& unrestored = unrestored_[b.name()];
  size_t n_conv = 0, n_fdb = 0;
  for (const auto& [key, value] : external_ids) {
    if (!is_state_key(key)) continue;
    Status st;
    if (key.rfind(kVmacPrefix, 0) == 0) {
      auto c = parse_conversion_state(b, key, value);
      if (c && bridge_of_conversion(c->id)) c = make_error("conversion id already in use");
      if (c) st = b.conversions().add(*c);
      if (c && st.ok()) {
        next_conversion_id_ = std::max(next_conversion_id_, c->id + 1);
        n_conv++;
      }
      if (!c) st = c.error();
    } else {
      auto e = parse_fdb_state(b, key, value);
      if (e) {
        FdbTable& fdb = dp_->fdb(b.slot());
        fdb.add_static(e->vlan, e->mac, e->ofport, "");
        n_fdb++;
      } else {
        st = e.error();
      }
    }
    if (!st.ok()) {
      FLOG_ERR(state_log, "bridge %s: external_ids:%s=\"%s\" not restored: %s", b.name().c_str(),
               key.c_str(), value.c_str(), st.error().message.c_str());
      unrestored[key] = value;
    }
  }
  if (n_conv || n_fdb) {
    b.push();
    dp_->commit();
    FLOG_INFO(state_log, "bridge %s: restored %zu conversions and %zu static FDB entries",
              b.name().c_str(), n_conv, n_fdb);
  }
  // What the database holds now, so only real changes are written.
  ovs::StringMap& persisted = persisted_[b.name()];
  persisted.clear();
  for (const auto& [key, value] : external_ids)
    if (is_state_key(key)) persisted[key] = value;
  state_dirty_ = true;
}

void Vswitchd::persist_state() {
  state_dirty_ = false;
  if (!db_ || !dp_) return;
  static const std::vector<std::string> kOwned = {kVmacPrefix, kFdbPrefix};
  for (const auto& [name, b] : bridges_) {
    if (!restored_.count(name) || b->slot() < 0) continue;
    ovs::StringMap keys = bridge_state_keys(*b, &dp_->fdb(b->slot()));
    for (const auto& [key, value] : unrestored_[name]) keys.emplace(key, value);
    ovs::StringMap& last = persisted_[name];
    if (keys == last) continue;
    db_->set_bridge_keys(name, keys, kOwned);
    last = std::move(keys);
  }
}

void Vswitchd::forget_state(const std::string& bridge) {
  restored_.erase(bridge);
  persisted_.erase(bridge);
  unrestored_.erase(bridge);
}

}  // namespace ferry
