#include "datapath/vswitchd/vswitchd.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "datapath/dpdk_env.h"
#include "datapath/packet_in.h"
#include "datapath/vswitchd/controller_policy.h"
#include "datapath/vswitchd/openflow_handler.h"
#include "datapath/vswitchd/vhost_config.h"
#include "lib/ovs/poller.h"
#include "lib/ovs/process.h"
#include "lib/util/clock.h"
#include "lib/util/log.h"
#include "lib/util/text.h"
#include "offload/offload_manager.h"

FERRY_LOG_MODULE(vswitchd_log, "vswitchd");

namespace ferry {

namespace {

constexpr int64_t kStatsIntervalMs = 5000;  // OVS's default stats-update-interval
// Link states (a kernel interface's carrier, a device's link) are read this
// often; a change is written to the Interface table and logged as an event
// at once. vhost-user guests' queue counts are followed every 10th check.
constexpr int64_t kLinkCheckMs = 100;
constexpr int kVhostFollowEvery = 10;

std::string opt(const ovs::StringMap& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

}  // namespace

Vswitchd::Vswitchd(const VswitchdOptions& options) : options_(options), rundir_(ovs::rundir()) {}

Vswitchd::~Vswitchd() { shutdown(); }

Status Vswitchd::start() {
  std::string db = options_.database.empty() ? "unix:" + rundir_ + "/db.sock" : options_.database;
  unixctl_path_ = options_.unixctl_path.empty()
                      ? strprintf("%s/%s.%d.ctl", rundir_.c_str(), options_.program.c_str(),
                                  static_cast<int>(getpid()))
                      : options_.unixctl_path;
  register_commands();
  auto server = rpc::UnixctlServer::listen(unixctl_path_, &commands_);
  if (!server)
    return make_error("cannot listen on " + unixctl_path_ + ": " + server.error().message);
  unixctl_ = std::move(*server);
  if (options_.unixctl_path.empty()) {
    // A stable name beside the per-pid one, for scripts and ferry-ctl.
    unixctl_link_ = rundir_ + "/" + options_.program + ".ctl";
    unlink(unixctl_link_.c_str());
    if (symlink(unixctl_path_.c_str(), unixctl_link_.c_str()) != 0) unixctl_link_.clear();
  }
  db_ = ovs::Ovsdb::create(db);
  FLOG_INFO(vswitchd_log, "%s (Ferry) started; database %s, control socket %s",
            options_.program.c_str(), db.c_str(), unixctl_path_.c_str());
  return {};
}

void Vswitchd::register_commands() {
  register_core_commands(*this);
  register_fdb_commands(*this);
  register_dpif_commands(*this);
  register_ofproto_commands(*this);
  register_vmac_commands(*this);
  register_migration_commands(*this);
  register_memory_commands(*this);
  register_offload_commands(*this);
  register_dp_features_commands(*this);
  register_tnl_commands(*this);
  register_ct_commands(*this);
}

Bridge* Vswitchd::bridge_of_conversion(uint32_t id) {
  for (auto& [name, b] : bridges_) {
    if (b->conversions().has(id)) return b.get();
  }
  return nullptr;
}

void Vswitchd::handle_datapath_events() {
  auto by_slot = [&](int slot) -> Bridge* {
    for (auto& [name, b] : bridges_) {
      if (b->slot() == slot) return b.get();
    }
    return nullptr;
  };
  for (const LearnEvent& e : dp_->take_learn_events()) {
    if (Bridge* b = by_slot(e.bridge_slot)) mover_.on_learn(*b, e);
  }
  for (PacketUpcall& up : dp_->take_packet_upcalls()) {
    Bridge* b = by_slot(up.bridge_slot);
    if (!b) continue;
    if (up.type == Upcall::kFlowLearn) {
      FlowKey key;
      if (up.pkt && rte_pktmbuf_data_len(up.pkt.get()) == sizeof key) {
        std::memcpy(&key, rte_pktmbuf_mtod(up.pkt.get(), const void*), sizeof key);
        b->learn_for(key, monotonic_ms());
      }
      continue;
    }
    if (up.type == Upcall::kPacketIn) {
      send_packet_in(*b, up);
      continue;
    }
    if (up.type == Upcall::kTnlSnoop || up.type == Upcall::kTnlMiss) {
      tunnel_upcall(*this, *b, up);
      continue;
    }
    mover_.handle(*b, up);
  }
}

void Vswitchd::send_packet_in(Bridge& b, const PacketUpcall& up) {
  PacketInView v;
  if (!b.openflow() || !parse_packet_in(up.pkt.get(), &v)) return;
  ovs::OfPacketIn pi;
  pi.reason = v.rec.reason;
  pi.table_id = v.rec.table_id;
  pi.controller_id = v.rec.controller_id;
  pi.in_port = v.rec.in_port;
  pi.cookie = v.rec.cookie;
  pi.metadata = v.rec.metadata;
  std::memcpy(pi.regs, v.rec.regs, sizeof pi.regs);
  pi.pkt_mark = v.rec.pkt_mark;
  pi.userdata = v.userdata;
  pi.userdata_len = v.rec.userdata_len;
  pi.packet = v.packet;
  pi.packet_len = v.packet_len;
  pi.pause = v.rec.n_cont > 0;  // a paused walk always has a segment
  pi.cont = v.cont;
  pi.n_cont = v.rec.n_cont;
  pi.bridge = b.continuation_id();
  if (b.openflow()->send_packet_in(pi) == 0) packet_ins_unsent_++;
}

Bridge* Vswitchd::bridge(const std::string& name) {
  auto it = bridges_.find(name);
  return it == bridges_.end() ? nullptr : it->second.get();
}

PmdConfig Vswitchd::pmd_config(const ovs::Config& cfg) const {
  PmdConfig pc;
  std::string mask = opt(cfg.other_config, "pmd-cpu-mask");
  if (!mask.empty()) {
    std::string hex = mask;
    if (hex.size() > 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex = hex.substr(2);
    std::vector<int> cores;
    // Least significant digit last: walk from the end.
    for (size_t i = 0; i < hex.size(); i++) {
      auto d = parse_u64(std::string(1, hex[hex.size() - 1 - i]), 16);
      if (!d) {
        cores.clear();
        FLOG_WARN(vswitchd_log, "invalid pmd-cpu-mask \"%s\"", mask.c_str());
        break;
      }
      for (int b = 0; b < 4; b++) {
        if (*d & (1u << b)) cores.push_back(static_cast<int>(i * 4 + static_cast<size_t>(b)));
      }
    }
    if (!cores.empty()) pc.cores = cores;
  }
  std::string sleep = opt(cfg.other_config, "pmd-sleep-max");
  if (sleep.empty()) sleep = opt(cfg.other_config, "pmd-maxsleep");  // OVS 3.1's name
  if (!sleep.empty()) {
    auto v = parse_u64(sleep);
    if (v && *v <= 10000) {
      pc.sleep_max_us = static_cast<int64_t>(*v);
    } else {
      FLOG_WARN(vswitchd_log, "pmd-sleep-max \"%s\" must be 0 to 10000 microseconds",
                sleep.c_str());
    }
  }
  std::string assign = opt(cfg.other_config, "pmd-rxq-assign");
  if (assign == "roundrobin") {
    pc.rxq_assign = RxqAssign::kRoundRobin;
  } else if (assign.empty() || assign == "cycles" || assign == "group") {
    pc.rxq_assign = RxqAssign::kCycles;  // "group" balances by cycles too
  } else {
    FLOG_WARN(vswitchd_log,
              "pmd-rxq-assign \"%s\" is not roundrobin, cycles or group; using cycles",
              assign.c_str());
  }
  pc.rxq_isolate = opt(cfg.other_config, "pmd-rxq-isolate") != "false";
  std::string emc = opt(cfg.other_config, "emc-insert-inv-prob");
  if (!emc.empty()) {
    auto v = parse_u64(emc);
    if (v && *v <= 4294967295ULL) {
      pc.emc_insert_inv_prob = static_cast<uint32_t>(*v);
    } else {
      FLOG_WARN(vswitchd_log, "emc-insert-inv-prob \"%s\" must be 0 to 4294967295", emc.c_str());
    }
  }
  std::string idle = opt(cfg.other_config, "max-idle");
  if (!idle.empty()) {
    auto v = parse_u64(idle);
    if (v && *v >= 100 && *v <= 86400000) {
      pc.max_idle_ms = static_cast<int64_t>(*v);
    } else {
      FLOG_WARN(vswitchd_log, "max-idle \"%s\" must be 100 to 86400000 ms", idle.c_str());
    }
  }
  std::string limit = opt(cfg.other_config, "flow-limit");
  if (!limit.empty()) {
    auto v = parse_u64(limit);
    if (v && *v >= 16 && *v <= 10000000) {
      pc.flow_limit = static_cast<size_t>(*v);
      pc.megaflow_capacity = std::min(pc.megaflow_capacity, pc.flow_limit);
    } else {
      FLOG_WARN(vswitchd_log, "flow-limit \"%s\" must be 16 to 10000000", limit.c_str());
    }
  }
  return pc;
}

void Vswitchd::configure_dpdk(const ovs::Config& cfg) {
  if (dp_ || dpdk_failed_) return;
  if (!DpdkEnv::wanted(cfg.other_config)) {
    static bool warned = false;
    if (!warned) {
      FLOG_WARN(
          vswitchd_log,
          "DPDK is not initialized: ferry-vswitchd needs Open_vSwitch other_config:dpdk-init=true");
      warned = true;
    }
    return;
  }
  Status st = DpdkEnv::init(cfg.other_config);
  if (!st.ok()) {
    dpdk_failed_ = true;
    return;
  }
  dp_ = std::make_unique<Datapath>();
  telemetry_ = std::make_unique<Telemetry>(this);
  if (Status t = telemetry_->start(); !t.ok())
    FLOG_WARN(vswitchd_log, "%s", t.error().message.c_str());
  Status p = dp_->set_pmds(pmd_config(cfg));
  if (!p.ok()) FLOG_ERR(vswitchd_log, "cannot start PMD threads: %s", p.error().message.c_str());
  for (auto& [name, b] : bridges_) b->attach_datapath(dp_.get());
}

void Vswitchd::reconfigure(const ovs::Config& cfg) {
  configure_dpdk(cfg);
  if (dp_) {
    Status p = dp_->set_pmds(pmd_config(cfg));
    if (!p.ok())
      FLOG_ERR(vswitchd_log, "cannot reconfigure PMD threads: %s", p.error().message.c_str());
  }

  std::set<std::string> wanted;
  for (const ovs::BridgeConfig& bc : cfg.bridges) {
    if (bc.datapath_type != "netdev") {
      if (skipped_bridges_.insert(bc.name).second) {
        FLOG_WARN(vswitchd_log,
                  "bridge %s: datapath_type \"%s\" is not supported, ferry-vswitchd runs netdev "
                  "bridges only",
                  bc.name.c_str(), bc.datapath_type.c_str());
      }
      continue;
    }
    skipped_bridges_.erase(bc.name);
    wanted.insert(bc.name);
  }
  for (auto it = bridges_.begin(); it != bridges_.end();) {
    if (wanted.count(it->first)) {
      ++it;
    } else {
      forget_state(it->first);
      it = bridges_.erase(it);
    }
  }
  std::string sock_warning;
  std::string sock_dir = vhost_sock_dir(rundir_, cfg.other_config, &sock_warning);
  if (!sock_warning.empty() && sock_warning != vhost_sock_warning_)
    FLOG_ERR(vswitchd_log, "%s", sock_warning.c_str());
  vhost_sock_warning_ = sock_warning;
  flow_restore_wait_ = next_flow_restore_wait(flow_restore_wait_, cfg.other_config);
  const ControllerPolicy policy{rundir_, options_.self_confinement, flow_restore_wait_};
  for (const ovs::BridgeConfig& bc : cfg.bridges) {
    if (!wanted.count(bc.name)) continue;
    auto& b = bridges_[bc.name];
    if (!b) b = std::make_unique<Bridge>(bc.name, rundir_, dp_.get(), bc.fail_mode);
    b->set_vhost_sock_dir(sock_dir);
    ovs::BridgeConfig conf = bc;
    std::vector<std::string> refused;
    conf.controllers = allowed_controllers(bc, policy, &refused);
    for (const std::string& m : refused) {
      if (refused_controllers_.insert(m).second) FLOG_ERR(vswitchd_log, "%s", m.c_str());
    }
    b->reconfigure(conf);
  }
  if (dp_) dp_->commit();
  // Ferry's own state of each bridge, from its external_ids, once per bridge.
  for (const ovs::BridgeConfig& bc : cfg.bridges) {
    auto it = bridges_.find(bc.name);
    if (it != bridges_.end() && dp_ && it->second->slot() >= 0 && !restored_.count(bc.name))
      restore_state(*it->second, bc.external_ids);
  }
  configure_offload(cfg);
  configure_ct_zones(cfg);

  ovs::SystemStatus sys;
  sys.ovs_version = ovs_compatible_version();
  sys.dpdk_initialized = dp_ != nullptr;
  sys.dpdk_version = dp_ ? DpdkEnv::version() : "";
  sys.datapath_types = {"netdev"};
  sys.iface_types = {"dpdk", "dpdkvhostuser", "dpdkvhostuserclient", "internal", "system", "tap"};
  if (dp_) sys.datapath_capabilities["netdev"] = datapath_capabilities(*this);
  db_->set_system_status(sys);
  // Interfaces of bridges Ferry does not run get an error, not silence.
  for (const ovs::BridgeConfig& bc : cfg.bridges) {
    if (wanted.count(bc.name)) continue;
    for (const auto& pc : bc.ports) {
      for (const auto& ic : pc.interfaces) {
        ovs::InterfaceStatus s;
        s.name = ic.name;
        s.ofport = -1;
        s.error = "bridge " + bc.name + " has datapath_type \"" + bc.datapath_type +
                  "\"; ferry-vswitchd supports netdev only";
        db_->set_interface_status(s);
      }
    }
  }
  write_status(false);
  write_controller_status();
  db_->set_cur_cfg(cfg.next_cfg);
}

void Vswitchd::write_controller_status() {
  for (auto& [bname, b] : bridges_) {
    if (!b->openflow()) continue;
    for (const ovs::ControllerStatus& st : b->openflow()->controller_status())
      db_->set_controller_status(st);
  }
}

void Vswitchd::write_status(bool with_stats) {
  for (auto& [bname, b] : bridges_) {
    if (b->openflow()) b->openflow()->check_ports();  // OFPT_PORT_STATUS to controllers
    db_->set_bridge_status(bname,
                           strprintf("%016llx", static_cast<unsigned long long>(b->datapath_id())));
    for (const auto& [pname, p] : b->ports()) {
      ovs::InterfaceStatus s;
      s.name = pname;
      s.ofport = p.ofport ? static_cast<int64_t>(p.ofport) : -1;
      s.error = p.error;
      if (p.dp) {
        PortLink link = p.dp->link();
        auto known = link_up_.find(pname);
        if (known != link_up_.end() && known->second != link.up) {
          FLOG_INFO(vswitchd_log, "%s: %s: link state changed to %s", bname.c_str(), pname.c_str(),
                    link.up ? "up" : "down");
          events_.emit("link",
                       {{"bridge", bname}, {"port", pname}, {"state", link.up ? "up" : "down"}});
        }
        link_up_[pname] = link.up;
        s.admin_state = "up";
        s.link_state = link.up ? "up" : "down";
        s.mac_in_use = format_mac(p.dp->mac());
        s.mtu = p.dp->mtu();
        if (link.speed_mbps) s.link_speed = static_cast<int64_t>(link.speed_mbps) * 1000000;
        s.duplex = link.full_duplex ? "full" : "half";
        s.status = ovs::StringMap{{"driver_name", p.dp->driver_name()},
                                  {"port_no", std::to_string(p.dp->id())},
                                  {"n_rxq", std::to_string(p.dp->n_rxq())},
                                  {"n_txq", std::to_string(p.dp->n_txq())},
                                  {"numa_id", std::to_string(p.dp->numa_node())}};
        if (is_vhost_type(p.type)) vhost_status(*p.dp, p.type, *s.status);
        if (with_stats) {
          std::map<std::string, int64_t> stats;
          for (const auto& [k, v] : dp_->port_statistics(p.dp->id()))
            stats[k] = static_cast<int64_t>(v);
          if (is_vhost_type(p.type))
            stats["ovs_tx_retries"] = static_cast<int64_t>(p.dp->tx_retries());
          s.statistics = std::move(stats);
        }
      } else if (p.tunnel >= 0) {
        s.admin_state = "up";
        s.link_state = "up";
      } else {
        s.admin_state = "down";
        s.link_state = "down";
      }
      db_->set_interface_status(s);
    }
    if (with_stats) {
      for (const MirrorStatsRow& m : b->mirror_stats())
        db_->set_mirror_stats(bname, m.name, static_cast<int64_t>(m.tx_packets),
                              static_cast<int64_t>(m.tx_bytes));
    }
    b->refresh_liveness();  // fast_failover groups follow the links
  }
}

int Vswitchd::run() {
  ovs::OvsPoller poller;
  while (!exiting_) {
    int64_t now = monotonic_ms();
    db_->run();
    if (db_->lock_contended()) {
      if (!lock_warned_) {
        FLOG_ERR(vswitchd_log,
                 "another ferry-vswitchd or ovs-vswitchd holds the database lock; this one (pid "
                 "%d) stays idle "
                 "until it goes away",
                 static_cast<int>(getpid()));
        lock_warned_ = true;
        bridges_.clear();
        applied_seqno_ = 0;
      }
      if (!daemon_completed_) {
        ovs::daemonize_complete();
        daemon_completed_ = true;
      }
    } else {
      lock_warned_ = false;
    }
    if (db_->has_lock() && db_->change_seqno() != applied_seqno_) {
      if (auto cfg = db_->config()) {
        applied_seqno_ = db_->change_seqno();
        reconfigure(*cfg);
        if (!daemon_completed_) {
          ovs::daemonize_complete();
          daemon_completed_ = true;
        }
      }
    }
    if (dp_) {
      dp_->run();
      handle_datapath_events();
    }
    if (telemetry_) telemetry_->run();
    if (offload_) offload_->run(now);
    events_.run();
    bool controllers_changed = false;
    for (auto& [name, b] : bridges_) {
      b->run(now);
      if (b->openflow() && b->openflow()->take_status_changed()) controllers_changed = true;
    }
    if (controllers_changed) write_controller_status();
    unixctl_->run();
    if (state_dirty_) persist_state();
    // A kernel link changed: read every port's link state now.
    if (link_notifier_.run()) next_link_check_ms_ = now;
    if (now >= next_stats_ms_) {
      next_stats_ms_ = now + kStatsIntervalMs;
      persist_state();  // also what changed without a command (move detection)
      write_status(true);
      write_controller_status();
    } else if (now >= next_link_check_ms_) {
      next_link_check_ms_ = now + kLinkCheckMs;
      refresh_tunnel_addresses(*this);
      bool changed = false;
      bool follow = ++link_checks_ % kVhostFollowEvery == 0;
      for (auto& [bname, b] : bridges_) {
        if (follow && b->follow_vhost_guests()) changed = true;
        for (const auto& [pname, p] : b->ports()) {
          if (p.dp && link_up_[pname] != p.dp->link().up) changed = true;
        }
      }
      if (changed) write_status(false);
    }
    if (exiting_) break;

    db_->wait();
    if (dp_) dp_->wait(poller);
    if (telemetry_) telemetry_->wait(poller);
    for (auto& [name, b] : bridges_) b->wait(poller, now);
    unixctl_->wait(poller);
    events_.wait(poller);
    link_notifier_.wait(poller);
    int64_t wake = std::min(next_stats_ms_, next_link_check_ms_);
    // The route switcher ticks while on, and until its last flow is back.
    if (offload_ && (offload_->enabled() || !offload_->flows().empty()))
      wake = std::min(wake, offload_->next_run_ms());
    poller.timer_wait(std::max<int64_t>(0, wake - now));
    poller.block();
  }
  unixctl_->run();  // deliver the reply to `exit`
  return 0;
}

void Vswitchd::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  telemetry_.reset();
  offload_.reset();  // takes its rules out of the NICs
  bridges_.clear();  // closes ports and OpenFlow sockets
  dp_.reset();       // stops PMDs
  unixctl_.reset();
  if (!unixctl_link_.empty()) unlink(unixctl_link_.c_str());
  FLOG_INFO(vswitchd_log, "ferry-vswitchd stopped");
}

}  // namespace ferry
