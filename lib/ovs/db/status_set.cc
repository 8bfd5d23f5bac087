#include "lib/ovs/db/status_set.h"

#include "lib/ovs/db/fo-db.h"
#include "lib/util/log.h"

FERRY_LOG_MODULE(log_, "ovsdb_status");

namespace ferry::ovs {

namespace {

constexpr int64_t kOfppMax = 0xff00 - 1;
constexpr int64_t kOfppLocal = 0xfffe;

template <class T>
void take(std::optional<T>* field, const std::optional<T>& newer) {
  if (newer) *field = newer;
}

void check_word(std::optional<std::string>* v, const char* a, const char* b, const char* what,
                const std::string& name) {
  if (*v && !v->value().empty() && **v != a && **v != b) {
    FLOG_WARN(log_, "interface %s: %s \"%s\" is not %s or %s, not written", name.c_str(), what,
              (*v)->c_str(), a, b);
    v->reset();
  }
}

void check_nonnegative(std::optional<int64_t>* v, const char* what, const std::string& name) {
  if (*v && **v < 0) {
    FLOG_WARN(log_, "interface %s: negative %s %lld, not written", name.c_str(), what,
              static_cast<long long>(**v));
    v->reset();
  }
}

const char* c_str_or_null(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

std::vector<const char*> c_strs(const std::vector<std::string>& v) {
  std::vector<const char*> out;
  for (const std::string& s : v) out.push_back(s.c_str());
  return out;
}

}  // namespace

InterfaceStatus check_interface_status(InterfaceStatus s) {
  // -1: could not attach (as OVS); 1..OFPP_MAX; OFPP_LOCAL for a bridge's own port.
  if (s.ofport && *s.ofport != -1 && *s.ofport != kOfppLocal &&
      (*s.ofport < 1 || *s.ofport > kOfppMax)) {
    FLOG_WARN(log_, "interface %s: ofport %lld out of range, not written", s.name.c_str(),
              static_cast<long long>(*s.ofport));
    s.ofport.reset();
  }
  check_word(&s.admin_state, "up", "down", "admin_state", s.name);
  check_word(&s.link_state, "up", "down", "link_state", s.name);
  check_word(&s.duplex, "full", "half", "duplex", s.name);
  check_nonnegative(&s.link_speed, "link_speed", s.name);
  check_nonnegative(&s.link_resets, "link_resets", s.name);
  return s;
}

InterfaceStatus merge_interface_status(const InterfaceStatus& older, const InterfaceStatus& newer) {
  InterfaceStatus m = older;
  m.name = newer.name;
  take(&m.ofport, newer.ofport);
  take(&m.admin_state, newer.admin_state);
  take(&m.link_state, newer.link_state);
  take(&m.mac_in_use, newer.mac_in_use);
  take(&m.mtu, newer.mtu);
  take(&m.link_speed, newer.link_speed);
  take(&m.duplex, newer.duplex);
  take(&m.link_resets, newer.link_resets);
  take(&m.error, newer.error);
  take(&m.statistics, newer.statistics);
  take(&m.status, newer.status);
  return m;
}

void StatusSet::set_interface(const InterfaceStatus& s) {
  auto it = ifaces_.find(s.name);
  if (it == ifaces_.end())
    ifaces_.emplace(s.name, s);
  else
    it->second = merge_interface_status(it->second, s);
}

void StatusSet::absorb_older(StatusSet older) {
  for (auto& [name, s] : ifaces_) {
    auto it = older.ifaces_.find(name);
    if (it != older.ifaces_.end()) it->second = merge_interface_status(it->second, s);
  }
  for (auto& [name, s] : older.ifaces_) ifaces_[name] = std::move(s);
  if (!cur_cfg_) cur_cfg_ = older.cur_cfg_;
  if (!system_) system_ = std::move(older.system_);
  for (auto& [bridge, dpid] : older.dpids_) dpids_.emplace(bridge, std::move(dpid));
  for (auto& [key, st] : older.controllers_) controllers_.emplace(key, std::move(st));
  for (auto& [bridge, k] : older.bridge_keys_) bridge_keys_.emplace(bridge, std::move(k));
  for (auto& [key, st] : older.mirrors_) mirrors_.emplace(key, st);
}

void StatusSet::apply(fo_db* db, std::vector<std::string>* missing) const {
  for (const auto& [name, s] : ifaces_) {
    fo_iface_status c{};
    c.name = name.c_str();
    c.has_ofport = s.ofport.has_value();
    c.ofport = s.ofport.value_or(0);
    c.has_mtu = s.mtu.has_value();
    c.mtu = s.mtu.value_or(0);
    c.has_link_speed = s.link_speed.has_value();
    c.link_speed = s.link_speed.value_or(0);
    c.has_link_resets = s.link_resets.has_value();
    c.link_resets = s.link_resets.value_or(0);
    c.admin_state = c_str_or_null(s.admin_state);
    c.link_state = c_str_or_null(s.link_state);
    c.mac_in_use = c_str_or_null(s.mac_in_use);
    c.duplex = c_str_or_null(s.duplex);
    c.error = c_str_or_null(s.error);
    std::vector<const char*> stat_keys, status_keys, status_values;
    std::vector<int64_t> stat_values;
    if (s.statistics) {
      for (const auto& [k, v] : *s.statistics) {
        stat_keys.push_back(k.c_str());
        stat_values.push_back(v);
      }
      c.has_statistics = true;
      c.n_statistics = stat_keys.size();
      c.statistics_keys = stat_keys.data();
      c.statistics_values = stat_values.data();
    }
    if (s.status) {
      for (const auto& [k, v] : *s.status) {
        status_keys.push_back(k.c_str());
        status_values.push_back(v.c_str());
      }
      c.has_status = true;
      c.status = fo_smap{status_keys.size(), status_keys.data(), status_values.data()};
    }
    if (!fo_db_txn_set_iface(db, &c)) missing->push_back(name);
  }
  if (cur_cfg_ && !fo_db_txn_set_cur_cfg(db, *cur_cfg_)) missing->push_back("Open_vSwitch");
  if (system_) {
    std::vector<const char*> dp = c_strs(system_->datapath_types);
    std::vector<const char*> it = c_strs(system_->iface_types);
    fo_system_status c{};
    c.ovs_version = system_->ovs_version.c_str();
    c.dpdk_version = system_->dpdk_version.c_str();
    c.dpdk_initialized = system_->dpdk_initialized;
    c.datapath_types = dp.data();
    c.n_datapath_types = dp.size();
    c.iface_types = it.data();
    c.n_iface_types = it.size();
    if (!fo_db_txn_set_system(db, &c)) missing->push_back("Open_vSwitch");
    for (const auto& [dp, caps] : system_->datapath_capabilities) {
      std::vector<const char*> keys, values;
      for (const auto& [k, v] : caps) {
        keys.push_back(k.c_str());
        values.push_back(v.c_str());
      }
      fo_smap m{keys.size(), keys.data(), values.data()};
      // No such Datapath row: nothing to write (ovs-vsctl or a controller
      // creates it; the next configuration writes it then).
      fo_db_txn_set_datapath_caps(db, dp.c_str(), &m);
    }
  }
  for (const auto& [bridge, dpid] : dpids_) {
    if (!fo_db_txn_set_bridge_dpid(db, bridge.c_str(), dpid.c_str())) missing->push_back(bridge);
  }
  for (const auto& [key, st] : controllers_) {
    std::vector<const char*> keys, values;
    for (const auto& [k, v] : st.status) {
      keys.push_back(k.c_str());
      values.push_back(v.c_str());
    }
    fo_controller_status c{};
    c.bridge = st.bridge.c_str();
    c.target = st.target.c_str();
    c.is_connected = st.is_connected;
    c.role = st.role.c_str();
    c.status.n = keys.size();
    c.status.keys = keys.data();
    c.status.values = values.data();
    // A row removed meanwhile is no error: the next configuration drops it.
    fo_db_txn_set_controller(db, &c);
  }
  for (const auto& [key, st] : mirrors_) {  // a mirror removed meanwhile is no error
    fo_db_txn_set_mirror_stats(db, key.first.c_str(), key.second.c_str(), st.first, st.second);
  }
  for (const auto& [bridge, k] : bridge_keys_) {
    std::vector<const char*> keys, values;
    for (const auto& [key, value] : k.first) {
      keys.push_back(key.c_str());
      values.push_back(value.c_str());
    }
    std::vector<const char*> prefixes = c_strs(k.second);
    fo_smap wanted{keys.size(), keys.data(), values.data()};
    if (!fo_db_txn_set_bridge_keys(db, bridge.c_str(), &wanted, prefixes.data(), prefixes.size()))
      missing->push_back(bridge);
  }
}

}  // namespace ferry::ovs
