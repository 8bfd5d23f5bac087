#include "test/unit/ovs/ofp/fake_switch.h"

#include <algorithm>

#include "lib/ovs/poller.h"

namespace ferry::ovs {

FakeSwitch::FakeSwitch(std::unique_ptr<OfListener> listener)
    : listener_(std::move(listener)), thread_([this] { loop(); }) {}

FakeSwitch::~FakeSwitch() {
  stop_ = true;
  thread_.join();
}

std::vector<OfMessage> FakeSwitch::received() const {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

void FakeSwitch::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  received_.clear();
}

void FakeSwitch::loop() {
  OvsPoller poller;
  while (!stop_) {
    while (auto conn = listener_->accept()) conns_.push_back(std::move(conn));
    for (auto& conn : conns_) {
      conn->run();
      while (auto msg = conn->recv()) handle(*conn, *msg);
    }
    conns_.erase(
        std::remove_if(conns_.begin(), conns_.end(), [](const auto& c) { return !c->alive(); }),
        conns_.end());
    listener_->wait();
    for (auto& conn : conns_) conn->wait();
    poller.timer_wait(50);  // to notice stop_
    poller.block();
  }
  conns_.clear();
  listener_.reset();
}

std::vector<OfPortDesc> FakeSwitch::ports() {
  OfPortDesc p1{1, "p1", {0x02, 0, 0, 0, 0, 0x01}, false, false, 10000000, 10000000};
  OfPortDesc p2{2, "vm2", {0x02, 0, 0, 0, 0, 0x02}, false, true, 0, 0};
  return {p1, p2};
}

std::vector<OfFlowStats> FakeSwitch::flows() {
  OfFlowStats a;
  a.match.key.in_port = 1;
  a.match.mask.in_port = 0xffffffff;
  a.priority = 10;
  a.cookie = 0x1;
  a.duration_sec = 5;
  a.duration_nsec = 500000000;
  a.idle_age = 2;
  a.hard_age = 5;
  a.packets = 10;
  a.bytes = 1000;
  a.actions = {Action::output(2)};

  OfFlowStats b;
  b.match.key.vlan_tci = be16(kVlanCfi | 10);
  b.match.mask.vlan_tci = be16(kVlanCfi | kVlanVidMask);
  b.match.key.dl_type = be16(kEthTypeIpv4);
  b.match.mask.dl_type = 0xffff;
  b.match.key.nw_proto = kIpProtoTcp;
  b.match.mask.nw_proto = 0xff;
  b.match.key.tp_dst = be16(80);
  b.match.mask.tp_dst = 0xffff;
  b.priority = 20;
  b.duration_sec = 61;
  b.idle_timeout = 30;
  b.idle_age = 61;
  b.hard_age = 61;
  b.packets = 123456789;
  b.bytes = 9876543210;
  b.actions = {Action::strip_vlan(), Action::set_eth_dst({0x02, 0, 0, 0, 0, 0x09}),
               Action::output(3)};
  return {a, b};
}

std::vector<OfFlowStats> FakeSwitch::many_flows() {
  std::vector<OfFlowStats> out(kManyFlows);
  for (int i = 0; i < kManyFlows; i++) {
    out[i].match.key.in_port = kManyFlowsPort;
    out[i].match.mask.in_port = 0xffffffff;
    out[i].match.key.dl_type = be16(kEthTypeIpv4);
    out[i].match.mask.dl_type = 0xffff;
    out[i].match.key.nw_dst = be32(0x0a000000 + i);
    out[i].match.mask.nw_dst = 0xffffffff;
    out[i].priority = 100;
    out[i].packets = i;
    out[i].bytes = 64 * i;
    out[i].actions = {Action::set_eth_dst({0x02, 0, 0, 0, 0, 0x01}), Action::output(1)};
  }
  return out;
}

std::vector<OfPortStats> FakeSwitch::port_stats() {
  OfPortStats p1{1, 100, 200, 6400, 12800, 1, 2, 3, 4, 10, 0};
  OfPortStats p2{2, 5, 6, 700, 800, 0, 0, 0, 0, 20, 0};
  return {p1, p2};
}

void FakeSwitch::handle(OfConnection& conn, const OfMessage& msg) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    received_.push_back(msg);
  }
  switch (msg.type) {
    case OfType::kFeaturesRequest:
      conn.send_features_reply(msg, 0x0000aabbccddeeffULL, 0, 1, ports());
      break;
    case OfType::kGetConfigRequest:
      conn.send_get_config_reply(msg, config_flags_, miss_send_len_);
      break;
    case OfType::kFlowMod:
      if (std::get<FlowMod>(msg.body).priority == kRejectPriority) {
        conn.send_error(msg, OfError::kFlowModOverlap);
      }
      break;
    case OfType::kBarrierRequest:
      conn.send_barrier_reply(msg);
      break;
    case OfType::kFlowStatsRequest: {
      const Match& m = std::get<OfFlowStatsRequest>(msg.body).match;
      bool many = m.mask.in_port && m.key.in_port == kManyFlowsPort;
      conn.send_flow_stats_reply(msg, many ? many_flows() : flows());
      break;
    }
    case OfType::kAggregateStatsRequest:
      conn.send_aggregate_reply(msg, 123456799, 9876544210, 2);
      break;
    case OfType::kPortStatsRequest:
      conn.send_port_stats_reply(msg, port_stats());
      break;
    case OfType::kPortDescRequest:
      conn.send_port_desc_reply(msg, ports());
      break;
    case OfType::kDescStatsRequest:
      conn.send_desc_reply(msg, "Ferry", "Ferry virtual switch", "0.1.0", "None", "br0");
      break;
    case OfType::kTableStatsRequest:
      conn.send_table_stats_reply(msg, {{0, 2, 1000, 900}});
      break;
    case OfType::kBundleControl: {
      auto type = std::get<OfBundleControl>(msg.body).type;
      if (type == OfBundleControl::Type::kCommit && bundle_rejects_) {
        conn.send_error(msg, OfError::kBundleMsgFailed);
      } else {
        conn.send_bundle_reply(msg, type);
      }
      if (type != OfBundleControl::Type::kClose) bundle_rejects_ = false;
      break;
    }
    case OfType::kBundleAdd:
      if (std::get<OfBundleAdd>(msg.body).flow_mod.priority == kRejectPriority) {
        bundle_rejects_ = true;
      }
      break;
    case OfType::kSetConfig:
      config_flags_ = std::get<OfSetConfig>(msg.body).flags;
      miss_send_len_ = std::get<OfSetConfig>(msg.body).miss_send_len;
      break;
    case OfType::kPacketOut:
    case OfType::kMeterMod:
      break;
    case OfType::kMeterStatsRequest: {
      OfMeterStats s;
      s.meter_id = 1;
      s.flow_count = 2;
      s.packets_in = 100;
      s.bytes_in = 6400;
      s.duration_sec = 3;
      s.bands = {{40, 2560}};
      conn.send_meter_stats_reply(msg, {s});
      break;
    }
    case OfType::kMeterConfigRequest: {
      OfMeterMod m;
      m.meter_id = 1;
      m.flags = kMeterPktps | kMeterBurst | kMeterStats;
      m.bands = {{kMeterBandDrop, 1000, 100}};
      conn.send_meter_config_reply(msg, {m});
      break;
    }
    case OfType::kMeterFeaturesRequest:
      conn.send_meter_features_reply(msg, 65536, 1u << kMeterBandDrop, kMeterKbps | kMeterPktps, 8);
      break;
    case OfType::kRoleRequest:
      conn.send_role_reply(msg, std::get<OfRoleRequest>(msg.body).role, false, 0);
      break;
    case OfType::kGroupMod:
      if (std::get<GroupMod>(msg.body).group_id == kRejectGroup) {
        conn.send_error(msg, OfError::kGroupExists);
      }
      break;
    case OfType::kGroupStatsRequest: {
      OfGroupStats s;
      s.group_id = 7;
      s.ref_count = 1;
      s.packets = 30;
      s.bytes = 1920;
      s.duration_sec = 2;
      s.buckets = {{10, 640}, {20, 1280}};
      conn.send_group_stats_reply(msg, {s});
      break;
    }
    case OfType::kGroupDescRequest: {
      GroupMod g;
      g.group_id = 7;
      g.type = GroupType::kSelect;
      Bucket b1, b2;
      b1.id = 0;
      b1.weight = 10;
      b1.actions = {Action::output(1)};
      b2.id = 1;
      b2.weight = 20;
      b2.actions = {Action::set_eth_dst({2, 0, 0, 0, 0, 9}), Action::output(2)};
      g.buckets = {b1, b2};
      conn.send_group_desc_reply(msg, {g});
      break;
    }
    case OfType::kCtFlush:  // no reply; recorded above
    case OfType::kTlvTableMod:
    case OfType::kResume:
      break;
    case OfType::kTlvTableRequest:
      conn.send_tlv_table_reply(msg, {TlvMapping{0x102, 0x80, 4, 0}}, 256, 64);
      break;
  }
}

}  // namespace ferry::ovs
