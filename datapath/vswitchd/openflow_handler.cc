#include "datapath/vswitchd/openflow_handler.h"

#include <algorithm>

#include "datapath/vswitchd/bridge.h"
#include "lib/flow/field.h"
#include "lib/util/clock.h"
#include "lib/util/log.h"
#include "lib/util/text.h"

FERRY_LOG_MODULE(of_log, "openflow");

namespace ferry {

namespace {
constexpr unsigned kOfTables = 254;  // 0-253, as OVS (254 is internal, 255 means "all")
constexpr int kMaxMessagesPerRun = 256;
}  // namespace

Result<std::unique_ptr<OpenFlowHandler>> OpenFlowHandler::open(Bridge* bridge,
                                                               const std::string& name) {
  auto l = ovs::OfListener::open(name);
  if (!l) return make_error("cannot listen on " + name + ": " + l.error().message, l.error().code);
  return std::unique_ptr<OpenFlowHandler>(new OpenFlowHandler(bridge, std::move(*l)));
}

void OpenFlowHandler::run() {
  accept_connections();
  for (Conn& c : conns_) {
    c.of->run();
    if (!c.target.empty() && c.of->connected()) last_connected_ms_ = monotonic_ms();
    if (c.of->connected() != c.was_connected || c.of->role() != c.last_role) {
      c.was_connected = c.of->connected();
      c.last_role = c.of->role();
      if (!c.target.empty()) {
        status_changed_ = true;
        FLOG_INFO(of_log, "%s: controller %s: %s", bridge_->name().c_str(), c.target.c_str(),
                  c.was_connected ? "connected" : "disconnected");
      }
    }
    for (int i = 0; i < kMaxMessagesPerRun && c.of->alive(); i++) {
      auto msg = c.of->recv();
      if (!msg) break;
      handle(c, *msg);
    }
  }
  conns_.erase(
      std::remove_if(conns_.begin(), conns_.end(), [](const Conn& c) { return !c.of->alive(); }),
      conns_.end());
}

void OpenFlowHandler::wait() {
  listener_->wait();
  for (auto& [target, ctl] : controllers_) {
    if (ctl.listener) ctl.listener->wait();
  }
  for (Conn& c : conns_) c.of->wait();
}

bool OpenFlowHandler::bad_output(const FlowMod& fm) const {
  for (const Action& a : fm.actions) {
    if (a.type == ActionType::kOutput && a.port == 0) return true;
  }
  return false;
}

void OpenFlowHandler::handle(Conn& c, const ovs::OfMessage& msg) {
  using ovs::OfType;
  switch (msg.type) {
    case OfType::kFeaturesRequest:
      c.of->send_features_reply(msg, bridge_->datapath_id(), 0, kOfTables, port_descs());
      break;
    case OfType::kGetConfigRequest:
      // The miss_send_len and invalid-TTL setting are the connection's own.
      c.of->send_get_config_reply(msg, config_flags_, 0);
      break;
    case OfType::kSetConfig: {
      const auto& sc = std::get<ovs::OfSetConfig>(msg.body);
      if (c.of->role() != ovs::OfRole::kSlave) config_flags_ = sc.flags & 3;  // fragment handling
      break;
    }
    case OfType::kRoleRequest:
      handle_role_request(c, msg, std::get<ovs::OfRoleRequest>(msg.body));
      break;
    case OfType::kFlowMod:
      if (refuse_slave(c, msg)) break;
      handle_flow_mod(c, msg, std::get<FlowMod>(msg.body));
      break;
    case OfType::kBarrierRequest:
      bridge_->publish_flows(true);  // every earlier change is now in effect
      c.of->send_barrier_reply(msg);
      break;
    case OfType::kFlowStatsRequest:
    case OfType::kAggregateStatsRequest:
      handle_flow_stats(c, msg, std::get<ovs::OfFlowStatsRequest>(msg.body),
                        msg.type == OfType::kAggregateStatsRequest);
      break;
    case OfType::kPortStatsRequest:
      handle_port_stats(c, msg, std::get<ovs::OfPortStatsRequest>(msg.body));
      break;
    case OfType::kPortDescRequest:
      c.of->send_port_desc_reply(msg, port_descs());
      break;
    case OfType::kDescStatsRequest:
      c.of->send_desc_reply(msg, "Ferry", "Ferry DPDK virtual switch", "ferry-vswitchd 0.1.0",
                            "None", bridge_->name());
      break;
    case OfType::kTableStatsRequest: {
      // Every table, as OVS (254 of them: 255 is "all").
      auto cls = bridge_->flows().classifier();
      std::vector<ovs::OfTableStats> tables(kOfTables);
      for (unsigned i = 0; i < kOfTables; i++) {
        tables[i].table_id = static_cast<uint8_t>(i);
        tables[i].active_count = static_cast<uint32_t>(cls->table_size(static_cast<uint8_t>(i)));
      }
      c.of->send_table_stats_reply(msg, tables);
      break;
    }
    case OfType::kBundleControl:
      if (refuse_slave(c, msg)) break;
      handle_bundle_control(c, msg, std::get<ovs::OfBundleControl>(msg.body));
      break;
    case OfType::kBundleAdd:
      if (refuse_slave(c, msg)) break;
      handle_bundle_add(c, msg, std::get<ovs::OfBundleAdd>(msg.body));
      break;
    case OfType::kPacketOut:
      if (refuse_slave(c, msg)) break;
      handle_packet_out(c, msg, std::get<ovs::OfPacketOut>(msg.body));
      break;
    case OfType::kMeterMod:
      if (refuse_slave(c, msg)) break;
      handle_meter_mod(c, msg, std::get<ovs::OfMeterMod>(msg.body));
      break;
    case OfType::kMeterStatsRequest:
    case OfType::kMeterConfigRequest:
      handle_meter_stats(c, msg, std::get<ovs::OfMeterRequest>(msg.body).meter_id,
                         msg.type == OfType::kMeterConfigRequest);
      break;
    case OfType::kGroupMod:
      if (refuse_slave(c, msg)) break;
      handle_group_mod(c, msg, std::get<GroupMod>(msg.body));
      break;
    case OfType::kGroupStatsRequest:
    case OfType::kGroupDescRequest:
      handle_group_request(c, msg, std::get<ovs::OfGroupRequest>(msg.body).group_id,
                           msg.type == OfType::kGroupDescRequest);
      break;
    case OfType::kTlvTableMod:
      if (refuse_slave(c, msg)) break;
      handle_tlv_table_mod(c, msg, std::get<ovs::OfTlvMod>(msg.body));
      break;
    case OfType::kTlvTableRequest:
      c.of->send_tlv_table_reply(msg, bridge_->tlv_table().mappings(), TlvTable::kMaxOptionSpace,
                                 TlvTable::kMaxFields);
      break;
    case OfType::kCtFlush:
      handle_ct_flush(std::get<ovs::OfCtFlush>(msg.body));
      break;
    case OfType::kResume:
      if (refuse_slave(c, msg)) break;
      handle_resume(c, msg, std::get<ovs::OfResume>(msg.body));
      break;
    case OfType::kMeterFeaturesRequest:
      c.of->send_meter_features_reply(
          msg, MeterTable::kMaxMeters, 1u << ovs::kMeterBandDrop,
          ovs::kMeterKbps | ovs::kMeterPktps | ovs::kMeterBurst | ovs::kMeterStats, 8);
      break;
  }
}

bool OpenFlowHandler::unmapped_tlv(const FlowMod& fm) const {
  if (bridge_->tlv_table().find(0)) return false;
  if (fm.match.mask.tun_md_present & 1) return true;
  constexpr auto md0 = static_cast<uint8_t>(Field::kTunMetadata0);
  for (const Action& a : fm.actions) {
    if ((a.type == ActionType::kSetField && a.u8 == md0) ||
        (a.type == ActionType::kMove && (a.mac[0] == md0 || a.mac[1] == md0)))
      return true;
  }
  return false;
}

const FlowMod& OpenFlowHandler::fit_tlv(const FlowMod& fm, FlowMod* buf) const {
  const auto map = bridge_->tlv_table().find(0);
  if (!map || map->option_len >= 8) return fm;
  const uint64_t whole = low_bits(8u * map->option_len);
  constexpr auto md0 = static_cast<uint8_t>(Field::kTunMetadata0);
  auto fits = [&](const Action& a) {
    return a.type == ActionType::kSetField && a.u8 == md0 && a.mask != ~0ULL &&
           (a.mask & whole) == whole;
  };
  if (std::none_of(fm.actions.begin(), fm.actions.end(), fits)) return fm;
  *buf = fm;
  for (Action& a : buf->actions) {
    if (fits(a)) a.mask = ~0ULL;
  }
  return *buf;
}

bool OpenFlowHandler::bad_meter(const FlowMod& fm) const {
  for (const Action& a : fm.actions) {
    if (a.type == ActionType::kMeter && !bridge_->meters().all().count(a.port)) return true;
  }
  return false;
}

void OpenFlowHandler::handle_meter_mod(Conn& c, const ovs::OfMessage& msg,
                                       const ovs::OfMeterMod& mm) {
  MeterConfig cfg;
  cfg.id = mm.meter_id;
  cfg.pktps = mm.flags & ovs::kMeterPktps;
  cfg.stats = mm.flags & ovs::kMeterStats;
  if (mm.command != ovs::OfMeterMod::Command::kDelete) {
    if ((mm.flags & ovs::kMeterKbps) && (mm.flags & ovs::kMeterPktps)) {
      return c.of->send_error(msg, ovs::OfError::kMeterBadFlags);
    }
    for (const ovs::OfMeterBand& b : mm.bands) {
      if (b.type != ovs::kMeterBandDrop) return c.of->send_error(msg, ovs::OfError::kMeterBadBand);
      cfg.bands.push_back({b.rate, (mm.flags & ovs::kMeterBurst) ? b.burst_size : 0});
    }
  }
  Status st;
  switch (mm.command) {
    case ovs::OfMeterMod::Command::kAdd:
      st = bridge_->meters().add(cfg);
      break;
    case ovs::OfMeterMod::Command::kModify:
      st = bridge_->meters().modify(cfg);
      break;
    case ovs::OfMeterMod::Command::kDelete: {
      st = bridge_->meters().del(mm.meter_id);
      // As OVS: the flows that use a deleted meter go with it.
      FlowMod del;
      del.command = FlowModCommand::kDelete;
      del.table_id = kAllTables;
      std::vector<FlowMod> dels;
      for (const RulePtr& r : bridge_->flows().all_rules()) {
        for (const Action& a : *r->actions) {
          if (a.type == ActionType::kMeter &&
              (mm.meter_id == ovs::kMeterAll || a.port == mm.meter_id)) {
            FlowMod d;
            d.command = FlowModCommand::kDeleteStrict;
            d.match = r->match;
            d.priority = r->priority;
            dels.push_back(d);
            break;
          }
        }
      }
      size_t failed = 0;
      if (!dels.empty()) st = bridge_->flows().apply_bundle(dels, monotonic_ms(), &failed);
      break;
    }
  }
  if (!st.ok()) {
    FLOG_INFO(of_log, "%s: meter_mod rejected: %s", bridge_->name().c_str(),
              st.error().message.c_str());
    ovs::OfError e = ovs::OfError::kMeterInvalid;
    switch (st.error().code) {
      case MeterTable::kErrMeterExists:
        e = ovs::OfError::kMeterExists;
        break;
      case MeterTable::kErrMeterUnknown:
        e = ovs::OfError::kMeterUnknown;
        break;
      case MeterTable::kErrMeterBadRate:
        e = ovs::OfError::kMeterBadRate;
        break;
      case MeterTable::kErrMeterBadBand:
        e = ovs::OfError::kMeterBadBand;
        break;
      case MeterTable::kErrMeterOutOfMeters:
        e = ovs::OfError::kMeterOutOfMeters;
        break;
      default:
        break;
    }
    return c.of->send_error(msg, e);
  }
  bridge_->publish_flows(false);
}

void OpenFlowHandler::handle_meter_stats(Conn& c, const ovs::OfMessage& msg, uint32_t meter_id,
                                         bool config) {
  std::vector<ovs::OfMeterStats> stats;
  std::vector<ovs::OfMeterMod> configs;
  int64_t now = monotonic_ms();
  auto rules = bridge_->flows().all_rules();
  for (const auto& [id, m] : bridge_->meters().all()) {
    if (meter_id != ovs::kMeterAll && meter_id != id) continue;
    const MeterConfig& cfg = m.first;
    if (config) {
      ovs::OfMeterMod mm;
      mm.meter_id = id;
      mm.flags = static_cast<uint16_t>((cfg.pktps ? ovs::kMeterPktps : ovs::kMeterKbps) |
                                       (cfg.stats ? ovs::kMeterStats : 0));
      for (const auto& b : cfg.bands) {
        if (b.burst) mm.flags |= ovs::kMeterBurst;
        mm.bands.push_back({ovs::kMeterBandDrop, b.rate, b.burst});
      }
      configs.push_back(mm);
      continue;
    }
    const MeterState& st = *m.second;
    ovs::OfMeterStats s;
    s.meter_id = id;
    for (const RulePtr& r : rules) {
      s.flow_count += static_cast<uint32_t>(std::any_of(
          r->actions->begin(), r->actions->end(),
          [&](const Action& a) { return a.type == ActionType::kMeter && a.port == id; }));
    }
    s.packets_in = st.packets_in.load();
    s.bytes_in = st.bytes_in.load();
    int64_t age = now - st.created_ms;
    s.duration_sec = static_cast<uint32_t>(age / 1000);
    s.duration_nsec = static_cast<uint32_t>((age % 1000) * 1000000);
    for (size_t i = 0; i < cfg.bands.size(); i++) {
      s.bands.emplace_back(st.band_stats[i].packets.load(), st.band_stats[i].bytes.load());
    }
    stats.push_back(std::move(s));
  }
  if (config) return c.of->send_meter_config_reply(msg, configs);
  c.of->send_meter_stats_reply(msg, stats);
}

void OpenFlowHandler::handle_flow_mod(Conn& c, const ovs::OfMessage& msg, const FlowMod& fm) {
  if (bad_output(fm)) {
    c.of->send_error(msg, ovs::OfError::kBadOutPort);
    return;
  }
  if (bad_meter(fm)) {
    c.of->send_error(msg, ovs::OfError::kMeterInvalid);
    return;
  }
  if (bad_group(fm)) {
    c.of->send_error(msg, ovs::OfError::kBadOutGroup);
    return;
  }
  if (fm.command != FlowModCommand::kDelete && fm.command != FlowModCommand::kDeleteStrict &&
      unmapped_tlv(fm)) {
    c.of->send_error(msg, ovs::OfError::kTlvInvalidField);
    return;
  }
  FlowMod fitted;
  Status st = bridge_->flows().apply(fit_tlv(fm, &fitted), monotonic_ms());
  if (!st.ok()) {
    FLOG_INFO(of_log, "%s: flow_mod rejected: %s", bridge_->name().c_str(),
              st.error().message.c_str());
    c.of->send_error(msg, ovs::flow_table_error_to_of(st.error().code));
  }
}

void OpenFlowHandler::handle_flow_stats(Conn& c, const ovs::OfMessage& msg,
                                        const ovs::OfFlowStatsRequest& req, bool aggregate) {
  bridge_->sync_rule_stats();
  auto rules =
      bridge_->flows().query(req.match, req.out_port, req.cookie, req.cookie_mask, req.table_id);
  if (aggregate) {
    uint64_t packets = 0, bytes = 0;
    for (const RulePtr& r : rules) {
      packets += r->stats->total_packets();
      bytes += r->stats->total_bytes();
    }
    c.of->send_aggregate_reply(msg, packets, bytes, static_cast<uint32_t>(rules.size()));
    return;
  }
  int64_t now = monotonic_ms();
  std::vector<ovs::OfFlowStats> out;
  out.reserve(rules.size());
  for (const RulePtr& r : rules) {
    ovs::OfFlowStats s;
    s.match = r->match;
    s.priority = r->priority;
    s.table_id = r->table_id;
    s.cookie = r->cookie;
    int64_t age = now - r->created_ms;
    s.duration_sec = static_cast<uint32_t>(age / 1000);
    s.duration_nsec = static_cast<uint32_t>((age % 1000) * 1000000);
    s.idle_timeout = r->idle_timeout;
    s.hard_timeout = r->hard_timeout;
    s.flags = r->flags;
    int64_t used = r->stats->used_ms.load(std::memory_order_relaxed);
    s.idle_age = static_cast<int>((now - std::max(used, r->modified_ms)) / 1000);
    s.hard_age = static_cast<int>((now - r->modified_ms) / 1000);
    s.packets = r->stats->total_packets();
    s.bytes = r->stats->total_bytes();
    s.actions = *r->actions;
    out.push_back(std::move(s));
  }
  c.of->send_flow_stats_reply(msg, out);
}

std::vector<ovs::OfPortDesc> OpenFlowHandler::port_descs() const {
  std::vector<ovs::OfPortDesc> v;
  for (const auto& [name, p] : bridge_->ports()) {
    if (!p.ofport) continue;
    ovs::OfPortDesc d;
    d.port_no = p.ofport;
    d.name = name;
    if (p.dp) {
      d.hw_addr = p.dp->mac();
      PortLink l = p.dp->link();
      d.link_down = !l.up;
      d.curr_speed_kbps = l.speed_mbps * 1000;
      d.max_speed_kbps = d.curr_speed_kbps;
    }
    v.push_back(d);
  }
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.port_no < b.port_no; });
  return v;
}

void OpenFlowHandler::handle_port_stats(Conn& c, const ovs::OfMessage& msg,
                                        const ovs::OfPortStatsRequest& req) {
  std::vector<ovs::OfPortStats> v;
  int64_t now = monotonic_ms();
  for (const auto& [name, p] : bridge_->ports()) {
    if (!p.ofport || !p.dp) continue;
    if (req.port_no != kOfppNone && req.port_no != p.ofport) continue;
    PortHwStats hw = p.dp->hw_stats();
    ovs::OfPortStats s;
    s.port_no = p.ofport;
    s.rx_packets = hw.rx_packets;
    s.rx_bytes = hw.rx_bytes;
    s.tx_packets = hw.tx_packets;
    s.tx_bytes = hw.tx_bytes;
    s.rx_dropped = hw.rx_missed + hw.rx_nombuf;
    s.tx_dropped = bridge_->datapath() ? bridge_->datapath()->tx_dropped(p.dp->id()) : 0;
    s.rx_errors = hw.rx_errors;
    s.tx_errors = hw.tx_errors;
    int64_t age = now - p.created_ms;
    s.duration_sec = static_cast<uint32_t>(age / 1000);
    s.duration_nsec = static_cast<uint32_t>((age % 1000) * 1000000);
    v.push_back(s);
  }
  if (req.port_no != kOfppNone && v.empty()) return c.of->send_error(msg, ovs::OfError::kBadPort);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.port_no < b.port_no; });
  c.of->send_port_stats_reply(msg, v);
}

void OpenFlowHandler::handle_packet_out(Conn& c, const ovs::OfMessage& msg,
                                        const ovs::OfPacketOut& po) {
  Datapath* dp = bridge_->datapath();
  if (!dp) return c.of->send_error(msg, ovs::OfError::kEperm);
  if (bad_group(po.actions)) return c.of->send_error(msg, ovs::OfError::kBadOutGroup);
  // As OVS: a packet-out sees every flow_mod that came before it (the
  // control thread executes it on the snapshot it publishes now).
  bridge_->publish_flows(false);
  Status st =
      dp->execute(bridge_->slot(), po.in_port, po.packet.data(), po.packet.size(), po.actions);
  if (!st.ok()) {
    FLOG_INFO(of_log, "%s: packet_out failed: %s", bridge_->name().c_str(),
              st.error().message.c_str());
    c.of->send_error(msg,
                     st.error().code == EINVAL ? ovs::OfError::kBadPort : ovs::OfError::kEperm);
  }
}

}  // namespace ferry
