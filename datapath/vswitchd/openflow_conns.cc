// OpenFlowHandler's connections (OVS's connmgr): the management socket's
// service connections, Bridge.controller targets (active ones reconnect by
// themselves; passive ones are listeners whose connections are service
// connections, as OVS), packet-ins to the connections that want them, and
// OpenFlow 1.2+ roles.
#include <algorithm>

#include "datapath/vswitchd/bridge.h"
#include "datapath/vswitchd/openflow_handler.h"
#include "lib/util/clock.h"
#include "lib/util/log.h"
#include "lib/util/text.h"

FERRY_LOG_MODULE(conn_log, "connmgr");

namespace ferry {

namespace {

// OVS's defaults: a 5 s inactivity probe, backoff up to 8 s.
constexpr int kDefaultProbeMs = 5000;
constexpr int kDefaultMaxBackoffMs = 8000;

bool is_passive(const std::string& target) {
  return target.rfind("ptcp:", 0) == 0 || target.rfind("punix:", 0) == 0 ||
         target.rfind("pssl:", 0) == 0;
}

const char* role_name(ovs::OfRole r) {
  switch (r) {
    case ovs::OfRole::kMaster:
      return "master";
    case ovs::OfRole::kSlave:
      return "slave";
    default:
      return "other";
  }
}

}  // namespace

void OpenFlowHandler::accept_connections() {
  while (auto conn = listener_->accept()) {
    FLOG_DBG(conn_log, "%s: connection from %s", bridge_->name().c_str(), conn->name().c_str());
    conns_.push_back(Conn{std::move(conn), {}, "", true, ovs::OfRole::kEqual});
  }
  for (auto& [target, ctl] : controllers_) {
    if (!ctl.listener) continue;
    while (auto conn = ctl.listener->accept()) {
      FLOG_INFO(conn_log, "%s: %s: connection from %s", bridge_->name().c_str(), target.c_str(),
                conn->name().c_str());
      conns_.push_back(Conn{std::move(conn), {}, target, false, ovs::OfRole::kEqual});
    }
  }
}

void OpenFlowHandler::set_controllers(const std::vector<ovs::ControllerConfig>& controllers) {
  auto wanted = [&](const std::string& target) {
    return std::any_of(controllers.begin(), controllers.end(),
                       [&](const ovs::ControllerConfig& c) { return c.target == target; });
  };
  // Gone: their connections close.
  for (auto it = controllers_.begin(); it != controllers_.end();) {
    if (wanted(it->first)) {
      ++it;
      continue;
    }
    FLOG_INFO(conn_log, "%s: removed controller %s", bridge_->name().c_str(), it->first.c_str());
    const std::string target = it->first;
    conns_.erase(std::remove_if(conns_.begin(), conns_.end(),
                                [&](const Conn& c) { return c.target == target; }),
                 conns_.end());
    it = controllers_.erase(it);
    status_changed_ = true;
  }
  if (controllers_.empty() && !controllers.empty()) last_connected_ms_ = monotonic_ms();
  for (const ovs::ControllerConfig& cc : controllers) {
    auto [it, added] = controllers_.try_emplace(cc.target);
    Controller& ctl = it->second;
    const bool changed = !added && (ctl.config.inactivity_probe != cc.inactivity_probe ||
                                    ctl.config.max_backoff != cc.max_backoff);
    ctl.config = cc;
    if (!added && !changed) continue;
    if (changed) {
      conns_.erase(std::remove_if(conns_.begin(), conns_.end(),
                                  [&](const Conn& c) { return c.target == cc.target; }),
                   conns_.end());
    }
    status_changed_ = true;
    ctl.listener.reset();  // a changed passive target listens anew on the same address
    if (is_passive(cc.target)) {
      auto l = ovs::OfListener::open(cc.target);
      if (!l) {
        ctl.error = l.error().message;
        FLOG_WARN(conn_log, "%s: controller %s: %s", bridge_->name().c_str(), cc.target.c_str(),
                  ctl.error.c_str());
        continue;
      }
      ctl.listener = std::move(*l);
      continue;
    }
    const int probe_ms = static_cast<int>(cc.inactivity_probe.value_or(kDefaultProbeMs));
    const int backoff_ms = static_cast<int>(cc.max_backoff.value_or(kDefaultMaxBackoffMs));
    auto conn = ovs::OfConnection::open_controller(cc.target, (probe_ms + 999) / 1000,
                                                   std::max(1, (backoff_ms + 999) / 1000));
    if (!conn) {
      ctl.error = conn.error().message;
      FLOG_WARN(conn_log, "%s: controller %s: %s", bridge_->name().c_str(), cc.target.c_str(),
                ctl.error.c_str());
      continue;
    }
    ctl.error.clear();
    conns_.push_back(Conn{std::move(*conn), {}, cc.target, false, ovs::OfRole::kEqual});
  }
}

void OpenFlowHandler::check_ports() {
  using Reason = ovs::OfConnection::PortReason;
  auto same = [](const ovs::OfPortDesc& a, const ovs::OfPortDesc& b) {
    return a.name == b.name && a.hw_addr == b.hw_addr && a.admin_down == b.admin_down &&
           a.link_down == b.link_down && a.curr_speed_kbps == b.curr_speed_kbps;
  };
  std::map<uint32_t, ovs::OfPortDesc> now;
  for (ovs::OfPortDesc& d : port_descs()) now[d.port_no] = std::move(d);
  auto send = [&](Reason r, const ovs::OfPortDesc& d) {
    for (Conn& c : conns_) c.of->send_port_status(r, d);
  };
  for (const auto& [no, d] : ports_seen_) {
    if (!now.count(no)) send(Reason::kDelete, d);
  }
  for (const auto& [no, d] : now) {
    auto it = ports_seen_.find(no);
    if (it == ports_seen_.end()) {
      send(Reason::kAdd, d);
    } else if (!same(it->second, d)) {
      send(Reason::kModify, d);
    }
  }
  ports_seen_ = std::move(now);
}

size_t OpenFlowHandler::send_packet_in(const ovs::OfPacketIn& pi) {
  size_t sent = 0;
  for (Conn& c : conns_) sent += c.of->send_packet_in(pi);
  return sent;
}

bool OpenFlowHandler::wants_miss() const {
  return std::any_of(conns_.begin(), conns_.end(),
                     [](const Conn& c) { return c.of->wants_miss(); });
}

int64_t OpenFlowHandler::failure_duration_ms(int64_t now_ms) const {
  if (controllers_.empty() || controller_connected()) return 0;
  return now_ms - last_connected_ms_;
}

int64_t OpenFlowHandler::fail_open_after_ms() const {
  int64_t probe = 0;
  for (const auto& [target, ctl] : controllers_)
    probe = std::max<int64_t>(probe, ctl.config.inactivity_probe.value_or(kDefaultProbeMs));
  return std::max<int64_t>(probe, 1000) * 3;
}

bool OpenFlowHandler::controller_connected() const {
  return std::any_of(conns_.begin(), conns_.end(),
                     [](const Conn& c) { return !c.target.empty() && c.of->connected(); });
}

bool OpenFlowHandler::take_status_changed() {
  bool changed = status_changed_;
  status_changed_ = false;
  return changed;
}

std::vector<ovs::ControllerStatus> OpenFlowHandler::controller_status() const {
  std::vector<ovs::ControllerStatus> out;
  for (const auto& [target, ctl] : controllers_) {
    ovs::ControllerStatus st;
    st.bridge = bridge_->name();
    st.target = target;
    st.role = "other";
    const Conn* conn = nullptr;
    for (const Conn& c : conns_) {
      if (c.target == target && (!conn || c.of->connected())) conn = &c;
    }
    if (!ctl.error.empty()) st.status["last_error"] = ctl.error;
    if (ctl.listener) {
      // A passive target: listening, connected while some peer is.
      st.is_connected = conn && conn->of->connected();
      st.status["state"] = st.is_connected ? "ACTIVE" : "LISTENING";
      if (conn) st.role = role_name(conn->of->role());
    } else if (conn) {
      ovs::OfConnStatus cs = conn->of->status();
      st.is_connected = cs.connected;
      st.role = role_name(cs.role);
      st.status["state"] = cs.state;
      if (!cs.last_error.empty()) st.status["last_error"] = cs.last_error;
      if (cs.sec_since_connect >= 0)
        st.status["sec_since_connect"] = std::to_string(cs.sec_since_connect);
      if (cs.sec_since_disconnect >= 0)
        st.status["sec_since_disconnect"] = std::to_string(cs.sec_since_disconnect);
    }
    out.push_back(std::move(st));
  }
  return out;
}

bool OpenFlowHandler::refuse_slave(Conn& c, const ovs::OfMessage& msg) {
  if (c.of->role() != ovs::OfRole::kSlave) return false;
  c.of->send_error(msg, ovs::OfError::kIsSlave);
  return true;
}

void OpenFlowHandler::handle_role_request(Conn& c, const ovs::OfMessage& msg,
                                          const ovs::OfRoleRequest& rr) {
  if (rr.role != ovs::OfRole::kNoChange) {
    // OVS's ofconn_set_master_election_id(): a stale generation id is refused.
    if (rr.role != ovs::OfRole::kEqual && rr.has_generation_id) {
      if (have_generation_id_ && static_cast<int64_t>(rr.generation_id - generation_id_) < 0) {
        return c.of->send_error(msg, ovs::OfError::kRoleStale);
      }
      have_generation_id_ = true;
      generation_id_ = rr.generation_id;
    }
    if (rr.role == ovs::OfRole::kMaster) {
      // At most one master: the others become slaves.
      for (Conn& other : conns_) {
        if (&other != &c && other.of->role() == ovs::OfRole::kMaster)
          other.of->set_role(ovs::OfRole::kSlave);
      }
    }
    c.of->set_role(rr.role);
  }
  c.of->send_role_reply(msg, c.of->role(), have_generation_id_, generation_id_);
}

}  // namespace ferry
