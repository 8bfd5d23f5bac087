#include "datapath/vswitchd/bridge.h"

#include <algorithm>
#include <cstring>
#include <random>

#include "datapath/port.h"
#include "datapath/vhost_port.h"
#include "datapath/vswitchd/openflow_handler.h"
#include "datapath/vswitchd/vhost_config.h"
#include "lib/util/clock.h"
#include "lib/util/log.h"
#include "lib/util/text.h"

FERRY_LOG_MODULE(bridge_log, "bridge");

namespace ferry {

namespace {

std::string opt(const ovs::StringMap& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

template <class T>
T opt_number(const ovs::StringMap& m, const std::string& k, T dflt, T lo, T hi) {
  std::string v = opt(m, k);
  if (v.empty()) return dflt;
  auto n = parse_i64(v);
  if (!n || *n < static_cast<int64_t>(lo) || *n > static_cast<int64_t>(hi)) return dflt;
  return static_cast<T>(*n);
}

uint64_t name_hash(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// "0:3,1:7": queue 0 on core 3, queue 1 on core 7. Bad entries are logged and skipped.
std::vector<std::pair<uint16_t, int>> parse_rxq_affinity(const std::string& text,
                                                         const std::string& iface) {
  std::vector<std::pair<uint16_t, int>> out;
  if (text.empty()) return out;
  for (const std::string& item : split(text, ",")) {
    std::vector<std::string> qc = split(item, ":");
    auto q = qc.size() == 2 ? parse_u64(trim(qc[0])) : std::nullopt;
    auto c = qc.size() == 2 ? parse_u64(trim(qc[1])) : std::nullopt;
    if (!q || !c || *q >= Port::kMaxQueues || *c > 4095) {
      FLOG_WARN(bridge_log, "%s: ignoring pmd-rxq-affinity entry \"%s\" (QUEUE:CORE)",
                iface.c_str(), item.c_str());
      continue;
    }
    out.emplace_back(static_cast<uint16_t>(*q), static_cast<int>(*c));
  }
  return out;
}

}  // namespace

Result<PortSpec> port_spec_for(const std::string& bridge, const ovs::InterfaceConfig& iface,
                               const std::string& vhost_sock_dir) {
  PortSpec spec;
  spec.name = iface.name;
  spec.n_rxq = opt_number<uint16_t>(iface.options, "n_rxq", 1, 1, Port::kMaxQueues);
  spec.n_rxd = opt_number<uint16_t>(iface.options, "n_rxq_desc", 2048, 64, 4096);
  spec.n_txd = opt_number<uint16_t>(iface.options, "n_txq_desc", 2048, 64, 4096);
  if (iface.mtu_request && *iface.mtu_request >= 68 && *iface.mtu_request <= 9216) {
    spec.mtu = static_cast<uint32_t>(*iface.mtu_request);
  }
  const std::string& t = iface.type;
  if (t == "dpdk") {
    spec.devargs = opt(iface.options, "dpdk-devargs");
    if (spec.devargs.empty()) {
      return make_error("'" + iface.name + "' is missing 'options:dpdk-devargs'.", EINVAL);
    }
  } else if (t == "internal" || t == "tap") {
    // A kernel tap interface carrying the port's name, as OVS-DPDK's
    // internal ports of netdev bridges.
    spec.devargs = "net_tap_" + iface.name + ",iface=" + iface.name;
    if (!iface.mac.empty()) spec.devargs += ",mac=" + iface.mac;
  } else if (t.empty() || t == "system") {
    // A kernel network device, read and written through a packet socket
    // (as OVS's netdev datapath does for system ports): system_port_devargs.
    spec.devargs = system_port_devargs(iface.name);
  } else if (is_vhost_type(t)) {
    Status st = vhost_port_spec(iface, vhost_sock_dir, spec);
    if (!st.ok()) return st.error();
  } else {
    return make_error("interface type \"" + t + "\" is not supported by ferry-vswitchd", ENOTSUP);
  }
  (void)bridge;
  return spec;
}

Bridge::Bridge(const std::string& name, const std::string& rundir, Datapath* dp,
               const std::string& fail_mode)
    : name_(name), rundir_(rundir), vhost_sock_dir_(rundir) {
  std::random_device rd;
  for (size_t i = 0; i < continuation_id_.size(); i += 4) {
    const uint32_t r = rd();
    std::memcpy(continuation_id_.data() + i, &r, 4);
  }
  if (fail_mode != "secure") {
    // A new bridge behaves like OVS's: one priority=0 NORMAL flow.
    FlowMod fm;
    fm.priority = 0;
    fm.actions.push_back(Action::output(kOfppNormal));
    Status st = flows_.apply(fm, monotonic_ms());
    (void)st;
  }
  auto of = OpenFlowHandler::open(this, "punix:" + rundir + "/" + name + ".mgmt");
  if (of) {
    openflow_ = std::move(*of);
  } else {
    of_error_ = of.error().message;
    FLOG_ERR(bridge_log, "%s: %s", name.c_str(), of_error_.c_str());
  }
  datapath_id_ = name_hash(name) & 0x0000ffffffffffffULL;
  attach_datapath(dp);
  FLOG_INFO(bridge_log, "bridge %s: created", name.c_str());
}

Bridge::~Bridge() {
  for (auto& [name, p] : ports_) close_port(p);
  if (dp_ && slot_ >= 0) dp_->remove_bridge(slot_);
  FLOG_INFO(bridge_log, "bridge %s: deleted", name_.c_str());
}

void Bridge::publish_tlv_table() {
  if (!dp_ || slot_ < 0) return;
  GeneveOptMap g;
  if (auto m = tlv_table_.find(0)) g = GeneveOptMap{m->option_class, m->option_type, m->option_len};
  dp_->set_bridge_tun_md0(slot_, g);
}

void Bridge::attach_datapath(Datapath* dp) {
  if (!dp || dp_) return;
  dp_ = dp;
  slot_ = dp_->add_bridge(name_);
  if (slot_ < 0) {
    FLOG_ERR(bridge_log, "%s: too many bridges for one datapath", name_.c_str());
    dp_ = nullptr;
    return;
  }
  dp_->set_bridge_options(slot_, options_);
  dp_->set_bridge_packet_in_on_miss(slot_, packet_in_on_miss_);
  dp_->set_bridge_fail_open(slot_, fail_open_);
  publish_tlv_table();
  published_generation_ = 0;
  publish_flows(false);
}

void Bridge::close_port(BridgePort& p) {
  if (p.tunnel >= 0 && dp_) {
    dp_->close_tunnel_port(static_cast<uint16_t>(p.tunnel));
    FLOG_INFO(bridge_log, "%s: removed interface %s from port %u", name_.c_str(), p.name.c_str(),
              p.ofport);
  }
  p.tunnel = -1;
  if (p.dp && dp_) {
    uint16_t id = p.dp->id();
    p.dp = nullptr;
    dp_->close_port(id);
    FLOG_INFO(bridge_log, "%s: removed interface %s from port %u", name_.c_str(), p.name.c_str(),
              p.ofport);
  }
  p.dp = nullptr;
}

void Bridge::open_port(BridgePort& p) {
  if (!dp_) {
    p.error = "DPDK is not initialized (set Open_vSwitch other_config:dpdk-init=true)";
    return;
  }
  Status ready = is_vhost_type(p.type) ? vhost_prepare_socket(p.name, p.spec.devargs) : Status();
  auto r = ready.ok() ? dp_->open_port(p.spec) : Result<Port*>(ready.error());
  if (!r) {
    p.error = r.error().message;
    FLOG_WARN(bridge_log, "%s: could not open network device %s (%s)", name_.c_str(),
              p.name.c_str(), p.error.c_str());
    return;
  }
  p.dp = *r;
  p.error.clear();
  p.created_ms = monotonic_ms();
}

uint32_t Bridge::allocate_ofport(const ovs::InterfaceConfig& iface, bool is_local) {
  if (is_local) return kOfppLocal;
  auto taken = [&](uint32_t n) {
    return std::any_of(ports_.begin(), ports_.end(),
                       [&](const auto& kv) { return kv.second.ofport == n; });
  };
  if (iface.ofport_request && *iface.ofport_request >= 1 && *iface.ofport_request < kOfppMax &&
      !taken(static_cast<uint32_t>(*iface.ofport_request))) {
    return static_cast<uint32_t>(*iface.ofport_request);
  }
  if (iface.ofport && *iface.ofport >= 1 && *iface.ofport < kOfppMax &&
      !taken(static_cast<uint32_t>(*iface.ofport))) {
    return static_cast<uint32_t>(*iface.ofport);
  }
  for (uint32_t n = 1; n < kOfppMax; n++) {
    if (!taken(n) && !reserved_ofports_.count(n)) return n;
  }
  return 0;
}

void Bridge::reconfigure(const ovs::BridgeConfig& cfg) {
  BridgeOptions o;
  o.mac_aging_s = opt_number<int>(cfg.other_config, "mac-aging-time",
                                  FdbTable::kDefaultAgingSeconds, 1, 86400 * 365);
  o.mac_table_size = opt_number<size_t>(cfg.other_config, "mac-table-size",
                                        FdbTable::kDefaultMaxEntries, 1, 1000000);
  o.forward_bpdu = opt(cfg.other_config, "forward-bpdu") == "true";
  // A fabric switch programmed with static entries: no learning, and by
  // default no flooding of unknown unicast either.
  o.mac_learning = opt(cfg.other_config, "mac-learning") != "false";
  std::string flood = opt(cfg.other_config, "flood-unknown");
  o.flood_unknown = flood.empty() ? o.mac_learning : flood == "true";
  options_ = o;
  apply_options();
  standalone_ = cfg.fail_mode != "secure";
  if (openflow_) openflow_->set_controllers(cfg.controllers);

  // Ports that left the database.
  for (auto it = ports_.begin(); it != ports_.end();) {
    bool present = std::any_of(cfg.ports.begin(), cfg.ports.end(),
                               [&](const auto& pc) { return pc.name == it->first; });
    if (present) {
      ++it;
      continue;
    }
    close_port(it->second);
    if (it->second.ofport) conversions_.forget_port(it->second.ofport);
    it = ports_.erase(it);
  }

  // Numbers other rows ask for (or held before a restart) are not handed
  // to ports without a wish of their own.
  reserved_ofports_.clear();
  for (const ovs::PortConfig& pc : cfg.ports) {
    for (const auto& ic : pc.interfaces) {
      if (ic.ofport_request) reserved_ofports_.insert(static_cast<uint32_t>(*ic.ofport_request));
      if (ic.ofport) reserved_ofports_.insert(static_cast<uint32_t>(*ic.ofport));
    }
  }
  for (const ovs::PortConfig& pc : cfg.ports) {
    BridgePort& p = ports_[pc.name];
    p.name = pc.name;
    auto role = pc.other_config.find("ferry-role");
    p.role = role != pc.other_config.end() && role->second == "uplink" ? PortRole::kUplink
                                                                       : PortRole::kVm;
    std::string warning;
    p.vlan = VlanConfig::from_columns(pc.tag, pc.trunks, pc.vlan_mode, &warning);
    if (!warning.empty())
      FLOG_WARN(bridge_log, "%s: port %s: %s", name_.c_str(), pc.name.c_str(), warning.c_str());
    if (pc.interfaces.empty()) {
      close_port(p);
      p.ofport = 0;
      continue;
    }
    if (pc.interfaces.size() > 1) {
      FLOG_WARN(bridge_log, "%s: port %s has %zu interfaces; bonds are not supported, using %s",
                name_.c_str(), pc.name.c_str(), pc.interfaces.size(),
                pc.interfaces[0].name.c_str());
    }
    const ovs::InterfaceConfig& iface = pc.interfaces[0];
    p.rxq_affinity = parse_rxq_affinity(opt(iface.other_config, "pmd-rxq-affinity"), iface.name);
    bool is_local = iface.type == "internal" && iface.name == name_;
    p.type = iface.type;
    if (is_tunnel_type(iface.type)) {
      configure_tunnel(p, iface);
      continue;
    }
    if (p.tunnel >= 0) close_port(p);
    auto spec = port_spec_for(name_, iface, vhost_sock_dir_);
    if (!spec) {
      if (p.error != spec.error().message) {
        FLOG_WARN(bridge_log, "%s: %s: %s", name_.c_str(), iface.name.c_str(),
                  spec.error().message.c_str());
      }
      close_port(p);
      p.error = spec.error().message;
      p.ofport = 0;
      continue;
    }
    // A vhost-user port's queues follow its guest, not the database.
    if (p.dp && is_vhost_type(iface.type)) spec->n_rxq = p.spec.n_rxq;
    if (!p.dp || !(p.spec == *spec)) {
      close_port(p);
      p.spec = *spec;
      open_port(p);
    }
    if (!p.dp) {
      p.ofport = 0;
      continue;
    }
    if (is_vhost_type(iface.type)) p.dp->set_tx_retries_max(vhost_tx_retries_max(iface));
    if (p.ofport == 0) {
      p.ofport = allocate_ofport(iface, is_local);
      FLOG_INFO(bridge_log, "%s: added interface %s on port %u", name_.c_str(), p.name.c_str(),
                p.ofport);
    }
  }
  push_ports();
  configure_mirrors(cfg.mirrors);
  update_datapath_id(cfg);
}

void Bridge::configure_mirrors(const std::vector<ovs::MirrorConfig>& rows) {
  if (!dp_) return mirrors_.reset();
  std::map<std::string, MirrorPortInfo> ports;
  for (const auto& [name, p] : ports_) ports[name] = MirrorPortInfo{p.ofport, p.vlan};
  bool changed = false;
  auto snap = mirrors_.configure(name_, rows, ports, &changed);
  if (changed) dp_->set_bridge_mirrors(slot_, std::move(snap));
}

bool Bridge::follow_vhost_guests() {
  bool changed = false;
  for (auto& [name, p] : ports_) {
    if (!p.dp || !dp_ || !is_vhost_type(p.type)) continue;
    auto g = vhost_guest(p.dp->id());
    bool connected = g && g->connected;
    vhost_update_queues(p.dp->id(), connected, p.vhost_queues);
    uint16_t seen = p.vhost_pairs_seen;
    // The pairs the guest enabled (of those it negotiated): a tx queue
    // beyond them would drop everything sent on it.
    p.vhost_pairs_seen =
        connected ? std::min(g->queue_pairs, p.vhost_queues.leading_pairs()) : uint16_t{0};
    // Only a count seen twice in a row: a guest enables its queues in a
    // burst of messages right after it connects, and net_vhost must not be
    // reconfigured in the middle of them.
    if (p.vhost_pairs_seen == 0 || p.vhost_pairs_seen != seen) continue;
    uint16_t want = std::min(p.vhost_pairs_seen, kVhostMaxQueuePairs);
    if (want == p.spec.n_rxq) continue;
    PortSpec spec = p.spec;
    spec.n_rxq = want;
    Status st = dp_->reconfigure_port(p.dp->id(), spec);
    p.spec = spec;
    if (st.ok()) {
      FLOG_INFO(bridge_log, "%s: %s: the guest enabled %u queue pairs; %u rx queues", name_.c_str(),
                name.c_str(), want, p.dp->n_rxq());
    } else {
      p.error = st.error().message;
      FLOG_ERR(bridge_log, "%s: %s: %s", name_.c_str(), name.c_str(), p.error.c_str());
    }
    changed = true;
  }
  return changed;
}

void Bridge::apply_options() {
  // OVSDB gives the learning options; move detection and announcements
  // are set at run time through the control socket.
  options_.move_detect = move_detect_.enabled;
  options_.watch_garp = move_detect_.enabled || !announce_.empty();
  if (dp_) dp_->set_bridge_options(slot_, options_);
}

void Bridge::set_move_detect(MoveDetectConfig cfg) {
  move_detect_ = std::move(cfg);
  apply_options();
}

void Bridge::set_announce(uint32_t ofport, std::optional<AnnounceConfig> cfg) {
  if (cfg) {
    announce_[ofport] = *cfg;
  } else {
    announce_.erase(ofport);
  }
  apply_options();
}

void Bridge::update_datapath_id(const ovs::BridgeConfig& cfg) {
  std::string want = opt(cfg.other_config, "datapath-id");
  if (want.size() == 16) {
    if (auto v = parse_u64(want, 16)) {
      datapath_id_ = *v;
      return;
    }
  }
  if (const BridgePort* local = port_by_ofport(kOfppLocal); local && local->dp) {
    Mac m = local->dp->mac();
    uint64_t v = 0;
    for (uint8_t b : m) v = v << 8 | b;
    if (v) datapath_id_ = v;
  }
}

void Bridge::configure_tunnel(BridgePort& p, const ovs::InterfaceConfig& iface) {
  auto cfg = parse_tunnel_options(iface.type, iface.options);
  if (!cfg) {
    if (p.error != cfg.error().message)
      FLOG_WARN(bridge_log, "%s: %s: %s", name_.c_str(), iface.name.c_str(),
                cfg.error().message.c_str());
    close_port(p);
    p.error = cfg.error().message;
    p.ofport = 0;
    return;
  }
  if (p.dp) close_port(p);
  if (p.tunnel >= 0 && p.tunnel_cfg == *cfg) return;
  if (p.tunnel >= 0) dp_->close_tunnel_port(static_cast<uint16_t>(p.tunnel));
  p.tunnel = -1;
  if (!dp_) {
    p.error = "DPDK is not initialized (set Open_vSwitch other_config:dpdk-init=true)";
    return;
  }
  auto id = dp_->open_tunnel_port(iface.name, *cfg);
  if (!id) {
    p.error = id.error().message;
    p.ofport = 0;
    FLOG_WARN(bridge_log, "%s: %s: %s", name_.c_str(), iface.name.c_str(), p.error.c_str());
    return;
  }
  p.tunnel = *id;
  p.tunnel_cfg = *cfg;
  p.error.clear();
  if (p.ofport == 0) {
    p.ofport = allocate_ofport(iface, false);
    FLOG_INFO(bridge_log, "%s: added interface %s on port %u", name_.c_str(), p.name.c_str(),
              p.ofport);
  }
}

void Bridge::push_ports() {
  if (!dp_) return;
  std::vector<BridgePortSpec> specs;
  for (auto& [name, p] : ports_) {
    if ((!p.dp && p.tunnel < 0) || !p.ofport) continue;
    const uint16_t id = p.dp ? p.dp->id() : static_cast<uint16_t>(p.tunnel);
    specs.push_back(
        BridgePortSpec{id, p.ofport, p.name, p.vlan, p.rxq_affinity, p.role == PortRole::kUplink});
  }
  dp_->set_bridge_ports(slot_, std::move(specs));
}

void Bridge::push() {
  if (!dp_) return;
  if (flows_.generation() != published_generation_) {
    dp_->set_bridge_classifier(slot_, flows_.classifier());
    published_generation_ = flows_.generation();
  }
  if (conversions_.changed()) dp_->set_bridge_conversions(slot_, conversions_.snapshot());
  if (meters_.changed()) dp_->set_bridge_meters(slot_, meters_.snapshot());
  if (groups_.generation() != published_groups_ || liveness_changed_) {
    dp_->set_bridge_groups(slot_, groups_.snapshot(live_ports_));
    published_groups_ = groups_.generation();
    liveness_changed_ = false;
  }
}

void Bridge::refresh_liveness() {
  std::vector<uint32_t> live;
  for (const auto& [name, p] : ports_) {
    if (p.ofport && ((p.dp && p.dp->link().up) || p.tunnel >= 0)) live.push_back(p.ofport);
  }
  std::sort(live.begin(), live.end());
  if (live == live_ports_) return;
  live_ports_ = std::move(live);
  // Only translations that watch ports depend on it.
  if (groups_.any_watch()) {
    liveness_changed_ = true;
    publish_flows(false);
  }
}

void Bridge::publish_flows(bool sync) {
  if (!dp_) return;
  push();
  if (sync) {
    dp_->commit_and_sync();
  } else {
    dp_->commit();
  }
}

void Bridge::run(int64_t now_ms) {
  if (openflow_) {
    openflow_->run();
    const bool miss = openflow_->wants_miss();
    if (miss != packet_in_on_miss_ && dp_ && slot_ >= 0) {
      packet_in_on_miss_ = miss;
      dp_->set_bridge_packet_in_on_miss(slot_, miss);
      dp_->commit();
    }
    run_fail_open(now_ms);
  }
  if (flows_.next_expiry() <= now_ms) {
    sync_rule_stats();  // idle times count from the last packet
    auto expired = flows_.expire(now_ms);
    if (!expired.empty())
      FLOG_DBG(bridge_log, "%s: %zu flows expired", name_.c_str(), expired.size());
  }
  refresh_learned(now_ms);
  publish_flows(false);
}

// OVS's fail-open: a standalone bridge whose controllers have all been
// unreachable for three inactivity probes flushes its flows and switches
// every packet with NORMAL (a hidden flow above every priority) until a
// controller connects again.
void Bridge::run_fail_open(int64_t now_ms) {
  const int64_t down = openflow_->failure_duration_ms(now_ms);
  const bool want = standalone_ && down > 0 && down >= openflow_->fail_open_after_ms();
  if (want == fail_open_) return;
  fail_open_ = want;
  if (want) {
    FLOG_WARN(bridge_log, "%s: could not connect to controller for %lld seconds, failing open",
              name_.c_str(), static_cast<long long>(down / 1000));
    FlowMod del;
    del.command = FlowModCommand::kDelete;
    del.table_id = kAllTables;
    Status st = flows_.apply(del, now_ms);
    (void)st;
  } else {
    FLOG_WARN(bridge_log, "%s: no longer in fail-open mode", name_.c_str());
  }
  if (dp_ && slot_ >= 0) dp_->set_bridge_fail_open(slot_, want);
  publish_flows(false);
}

void Bridge::wait(Waiter& w, int64_t now_ms) {
  if (openflow_) {
    openflow_->wait();
    if (standalone_ && !fail_open_ && openflow_->has_controllers()) w.timer_wait(1000);
  }
  int64_t next = flows_.next_expiry();
  if (next_learn_refresh_ms_ && flows_.has_learns()) next = std::min(next, next_learn_refresh_ms_);
  if (next != INT64_MAX) w.timer_wait(std::max<int64_t>(0, next - now_ms));
}

std::vector<uint32_t> Bridge::ports_with_role(PortRole role) const {
  std::vector<uint32_t> v;
  for (const auto& [name, p] : ports_) {
    if (p.ofport && p.ofport != kOfppLocal && p.role == role) v.push_back(p.ofport);
  }
  std::sort(v.begin(), v.end());
  return v;
}

const BridgePort* Bridge::port_by_ofport(uint32_t ofport) const {
  for (const auto& [name, p] : ports_) {
    if (p.ofport == ofport && ofport != 0) return &p;
  }
  return nullptr;
}

const BridgePort* Bridge::port_by_name(const std::string& name) const {
  auto it = ports_.find(name);
  return it == ports_.end() ? nullptr : &it->second;
}

ovs::PortNames Bridge::port_names() const {
  ovs::PortNames v;
  for (const auto& [name, p] : ports_) {
    if (p.ofport) v.emplace_back(name, p.ofport);
  }
  return v;
}

std::string Bridge::port_label(uint32_t ofport) const {
  if (ofport == kOfppLocal) return "LOCAL";
  if (const BridgePort* p = port_by_ofport(ofport)) return p->name;
  return std::to_string(ofport);
}

}  // namespace ferry
