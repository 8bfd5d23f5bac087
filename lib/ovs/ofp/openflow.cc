// OfListener and OfConnection over the C side (fo-conn.c, fo-decode.c,
// fo-reply.c).
#include "lib/ovs/openflow.h"

#include <cstring>

#include "lib/ovs/ofp/fo-msg.h"
#include "lib/ovs/ofp/fo-ofp.h"
#include "lib/ovs/ofp/fo-reply.h"
#include "lib/ovs/ofp/of_convert.h"
#include "lib/util/log.h"

namespace ferry::ovs {

struct OfRawMessage {
  std::vector<uint8_t> bytes;
};

namespace {

FERRY_LOG_MODULE(log_of, "ofconn");

// Messages answered or refused inside one recv() call before it yields
// (and asks the poll loop to come back at once).
constexpr int kRecvBudget = 50;

OfBundleControl::Type bundle_type_from_fo(uint16_t type) {
  switch (type) {
    case FO_BUNDLE_CLOSE:
      return OfBundleControl::Type::kClose;
    case FO_BUNDLE_COMMIT:
      return OfBundleControl::Type::kCommit;
    case FO_BUNDLE_DISCARD:
      return OfBundleControl::Type::kDiscard;
    default:
      return OfBundleControl::Type::kOpen;
  }
}

int bundle_type_to_fo(OfBundleControl::Type type) {
  switch (type) {
    case OfBundleControl::Type::kOpen:
      return FO_BUNDLE_OPEN;
    case OfBundleControl::Type::kClose:
      return FO_BUNDLE_CLOSE;
    case OfBundleControl::Type::kCommit:
      return FO_BUNDLE_COMMIT;
    case OfBundleControl::Type::kDiscard:
      return FO_BUNDLE_DISCARD;
  }
  return FO_BUNDLE_OPEN;
}

OfCtTuple ct_tuple_from_fo(const fo_ct_tuple& t) {
  OfCtTuple out;
  std::memcpy(out.src.data(), t.src, 16);
  std::memcpy(out.dst.data(), t.dst, 16);
  out.src_port = t.src_port;
  out.dst_port = t.dst_port;
  out.icmp_id = t.icmp_id;
  out.icmp_type = t.icmp_type;
  out.icmp_code = t.icmp_code;
  return out;
}

OfCtFlush ct_flush_from_fo(const fo_ct_flush& f) {
  OfCtFlush out;
  if (f.with_zone) out.zone = f.zone;
  out.l3 = f.l3;
  out.ip_proto = f.ip_proto;
  out.orig = ct_tuple_from_fo(f.orig);
  out.reply = ct_tuple_from_fo(f.reply);
  return out;
}

OfMessage message_from_fo(const fo_msg& m) {
  OfMessage out{static_cast<OfType>(m.type)};
  out.version = m.version;
  out.xid = m.xid;
  auto raw = std::make_shared<OfRawMessage>();
  const auto* bytes = static_cast<const uint8_t*>(m.raw);
  raw->bytes.assign(bytes, bytes + m.raw_len);
  out.raw = std::move(raw);

  switch (out.type) {
    case OfType::kSetConfig:
      out.body = OfSetConfig{m.config_flags, m.miss_send_len};
      break;
    case OfType::kFlowMod:
      out.body = from_fo(m.fm);
      break;
    case OfType::kFlowStatsRequest:
    case OfType::kAggregateStatsRequest:
      out.body = stats_request_from_fo(m.fsr);
      break;
    case OfType::kPortStatsRequest:
    case OfType::kPortDescRequest:
      out.body = OfPortStatsRequest{m.port_no};
      break;
    case OfType::kBundleControl:
      out.body = OfBundleControl{m.bundle_id, bundle_type_from_fo(m.bundle_type), m.bundle_flags};
      break;
    case OfType::kBundleAdd:
      if (m.bundle_group_mod) {
        OfBundleAdd add{m.bundle_id, m.bundle_flags};
        add.is_group = true;
        add.group_mod = group_mod_from_fo(m.group_mod);
        out.body = std::move(add);
      } else {
        out.body = OfBundleAdd{m.bundle_id, m.bundle_flags, from_fo(m.fm)};
      }
      break;
    case OfType::kPacketOut: {
      OfPacketOut po;
      po.in_port = m.in_port;
      po.actions = from_fo(m.po_actions, m.po_n_actions);
      po.packet.assign(m.packet, m.packet + m.packet_len);
      out.body = std::move(po);
      break;
    }
    case OfType::kMeterMod: {
      OfMeterMod mm;
      mm.command = static_cast<OfMeterMod::Command>(m.meter_mod.command);
      mm.meter_id = m.meter_mod.meter_id;
      mm.flags = m.meter_mod.flags;
      for (uint16_t i = 0; i < m.meter_mod.n_bands; i++) {
        const fo_meter_band& b = m.meter_mod.bands[i];
        mm.bands.push_back(OfMeterBand{b.type, b.rate, b.burst_size});
      }
      out.body = std::move(mm);
      break;
    }
    case OfType::kMeterStatsRequest:
    case OfType::kMeterConfigRequest:
      out.body = OfMeterRequest{m.meter_id};
      break;
    case OfType::kRoleRequest:
      out.body = OfRoleRequest{static_cast<OfRole>(m.role), m.has_generation_id, m.generation_id};
      break;
    case OfType::kGroupMod:
      out.body = group_mod_from_fo(m.group_mod);
      break;
    case OfType::kGroupStatsRequest:
    case OfType::kGroupDescRequest:
      out.body = OfGroupRequest{m.group_id};
      break;
    case OfType::kTlvTableMod: {
      OfTlvMod mod;
      mod.command = m.tlv_mod.command == FO_TLV_ADD      ? OfTlvMod::Command::kAdd
                    : m.tlv_mod.command == FO_TLV_DELETE ? OfTlvMod::Command::kDelete
                                                         : OfTlvMod::Command::kClear;
      for (size_t i = 0; i < m.tlv_mod.n; i++) {
        const fo_tlv_map& t = m.tlv_mod.maps[i];
        mod.maps.push_back(TlvMapping{t.option_class, t.option_type, t.option_len, t.index});
      }
      out.body = std::move(mod);
      break;
    }
    case OfType::kResume: {
      OfResume r;
      r.in_port = m.in_port;
      r.packet.assign(m.packet, m.packet + m.packet_len);
      r.actions = from_fo(m.po_actions, m.po_n_actions);
      r.metadata = m.resume.metadata;
      std::memcpy(r.regs, m.resume.regs, sizeof r.regs);
      r.pkt_mark = m.resume.pkt_mark;
      r.table_id = m.resume.table_id;
      r.cookie = m.resume.cookie;
      std::memcpy(r.bridge.data(), m.resume.bridge, 16);
      out.body = std::move(r);
      break;
    }
    case OfType::kCtFlush:
      out.body = ct_flush_from_fo(m.ct_flush);
      break;
    default:
      break;
  }
  return out;
}

std::vector<fo_port_desc> ports_to_fo(const std::vector<OfPortDesc>& ports) {
  std::vector<fo_port_desc> out;
  out.reserve(ports.size());
  for (const OfPortDesc& p : ports) {
    fo_port_desc d{};
    d.port_no = p.port_no;
    d.name = p.name.c_str();
    std::memcpy(d.hw_addr, p.hw_addr.data(), 6);
    d.admin_down = p.admin_down;
    d.link_down = p.link_down;
    d.curr_speed_kbps = p.curr_speed_kbps;
    d.max_speed_kbps = p.max_speed_kbps;
    out.push_back(d);
  }
  return out;
}

class Connection final : public OfConnection {
 public:
  explicit Connection(fo_conn* conn) : conn_(conn), name_(fo_conn_name(conn)) {}
  ~Connection() override { fo_conn_close(conn_); }

  std::string name() const override { return name_; }
  void run() override { fo_conn_run(conn_); }
  void wait() override { fo_conn_wait(conn_, more_); }
  bool alive() const override { return fo_conn_alive(conn_); }
  bool connected() const override { return fo_conn_connected(conn_); }
  OfConnStatus status() const override {
    fo_conn_status st;
    fo_conn_get_status(conn_, &st);
    OfConnStatus out;
    out.connected = st.connected;
    out.role = static_cast<OfRole>(st.role);
    out.state = st.state ? st.state : "";
    if (st.last_error) out.last_error = fo_conn_error_string(st.last_error);
    out.sec_since_connect = st.sec_since_connect;
    out.sec_since_disconnect = st.sec_since_disconnect;
    return out;
  }
  OfRole role() const override { return static_cast<OfRole>(fo_conn_role(conn_)); }
  void set_role(OfRole role) override { fo_conn_set_role(conn_, static_cast<int>(role)); }
  uint16_t controller_id() const override { return fo_conn_controller_id(conn_); }
  void set_primary(bool primary) override { fo_conn_set_primary(conn_, primary); }
  bool wants_miss() const override { return fo_conn_wants_miss(conn_); }
  bool send_packet_in(const OfPacketIn& pi) override {
    fo_packet_in c{};
    c.reason = pi.reason;
    c.table_id = pi.table_id;
    c.controller_id = pi.controller_id;
    c.in_port = pi.in_port;
    c.cookie = pi.cookie;
    c.metadata = pi.metadata;
    std::memcpy(c.regs, pi.regs, sizeof c.regs);
    c.pkt_mark = pi.pkt_mark;
    c.userdata = pi.userdata;
    c.userdata_len = pi.userdata_len;
    c.packet = pi.packet;
    c.packet_len = pi.packet_len;
    std::vector<fo_action> cont(pi.n_cont);
    if (pi.n_cont) std::memcpy(cont.data(), pi.cont, pi.n_cont * sizeof(fo_action));
    c.pause = pi.pause;
    c.cont = cont.data();
    c.n_cont = cont.size();
    std::memcpy(c.bridge, pi.bridge.data(), 16);
    return fo_conn_send_packet_in(conn_, &c);
  }
  bool send_port_status(PortReason reason, const OfPortDesc& port) override {
    const std::vector<OfPortDesc> one{port};
    auto fo = ports_to_fo(one);
    return fo_conn_send_port_status(conn_, static_cast<int>(reason), fo.data());
  }
  void send_role_reply(const OfMessage& req, OfRole role, bool has_generation_id,
                       uint64_t generation_id) override {
    if (const void* r = raw(req)) {
      fo_send_role_reply(conn_, r, static_cast<int>(role), has_generation_id, generation_id);
    }
  }

  std::optional<OfMessage> recv() override {
    more_ = false;
    for (int i = 0; i < kRecvBudget; i++) {
      fo_msg m;
      char* text_c = nullptr;
      int result = fo_conn_recv(conn_, &m, &text_c);
      std::string text = take_string(text_c);
      switch (result) {
        case FO_RECV_NONE:
          return std::nullopt;
        case FO_RECV_MSG: {
          OfMessage out = message_from_fo(m);
          fo_msg_destroy(&m);
          return out;
        }
        case FO_RECV_HANDLED:
          if (!text.empty()) FLOG_DBG(log_of, "%s: %s", name_.c_str(), text.c_str());
          break;
        case FO_RECV_REFUSED:
          FLOG_WARN(log_of, "%s: %s", name_.c_str(), text.c_str());
          break;
        case FO_RECV_REFUSED_BUNDLE_ADD: {
          FLOG_WARN(log_of, "%s: %s", name_.c_str(), text.c_str());
          OfMessage out;
          out.type = OfType::kBundleAdd;
          out.version = m.version;
          out.xid = m.xid;
          OfBundleAdd add;
          add.bundle_id = m.bundle_id;
          add.refused = true;
          out.body = add;
          fo_msg_destroy(&m);
          return out;
        }
        case FO_RECV_CLOSED:
          FLOG_INFO(log_of, "%s: %s", name_.c_str(), text.c_str());
          return std::nullopt;
      }
    }
    more_ = true;
    return std::nullopt;
  }

  void send_error(const OfMessage& req, OfError error) override {
    if (const void* r = raw(req)) {
      FLOG_DBG(log_of, "%s: xid=%#x: sending error %d", name_.c_str(), req.xid,
               static_cast<int>(error));
      fo_send_error(conn_, r, to_fo(error));
    }
  }
  void send_barrier_reply(const OfMessage& req) override {
    if (const void* r = raw(req)) fo_send_barrier_reply(conn_, r);
  }
  void send_features_reply(const OfMessage& req, uint64_t datapath_id, uint32_t n_buffers,
                           uint8_t n_tables, const std::vector<OfPortDesc>& ports) override {
    if (const void* r = raw(req)) {
      auto fo = ports_to_fo(ports);
      fo_send_features_reply(conn_, r, datapath_id, n_buffers, n_tables, fo.data(), fo.size());
    }
  }
  void send_get_config_reply(const OfMessage& req, uint16_t flags,
                             uint16_t miss_send_len) override {
    if (const void* r = raw(req)) fo_send_get_config_reply(conn_, r, flags, miss_send_len);
  }
  void send_port_desc_reply(const OfMessage& req, const std::vector<OfPortDesc>& ports) override {
    if (const void* r = raw(req)) {
      auto fo = ports_to_fo(ports);
      fo_send_port_desc_reply(conn_, r, fo.data(), fo.size());
    }
  }
  void send_desc_reply(const OfMessage& req, const std::string& mfr, const std::string& hw,
                       const std::string& sw, const std::string& serial,
                       const std::string& dp_desc) override {
    if (const void* r = raw(req)) {
      fo_send_desc_reply(conn_, r, mfr.c_str(), hw.c_str(), sw.c_str(), serial.c_str(),
                         dp_desc.c_str());
    }
  }
  void send_flow_stats_reply(const OfMessage& req, const std::vector<OfFlowStats>& flows) override;
  void send_aggregate_reply(const OfMessage& req, uint64_t packets, uint64_t bytes,
                            uint32_t flows) override {
    if (const void* r = raw(req)) fo_send_aggregate_reply(conn_, r, packets, bytes, flows);
  }
  void send_port_stats_reply(const OfMessage& req, const std::vector<OfPortStats>& ports) override;
  void send_table_stats_reply(const OfMessage& req,
                              const std::vector<OfTableStats>& tables) override;
  void send_group_stats_reply(const OfMessage& req,
                              const std::vector<OfGroupStats>& groups) override {
    if (const void* r = raw(req)) send_group_stats(conn_, r, groups);
  }
  void send_group_desc_reply(const OfMessage& req, const std::vector<GroupMod>& groups) override {
    if (const void* r = raw(req)) send_group_desc(conn_, r, groups);
  }
  void send_tlv_table_reply(const OfMessage& req, const std::vector<TlvMapping>& maps,
                            uint32_t max_option_space, uint16_t max_fields) override {
    const void* r = raw(req);
    if (!r) return;
    std::vector<fo_tlv_map> fo(maps.size());
    for (size_t i = 0; i < maps.size(); i++) {
      fo[i] =
          fo_tlv_map{maps[i].option_class, maps[i].option_type, maps[i].option_len, maps[i].index};
    }
    fo_send_tlv_table_reply(conn_, r, fo.data(), fo.size(), max_option_space, max_fields);
  }
  void send_meter_stats_reply(const OfMessage& req,
                              const std::vector<OfMeterStats>& meters) override {
    const void* r = raw(req);
    if (!r) return;
    std::vector<fo_meter_stats> fo(meters.size());
    for (size_t i = 0; i < meters.size(); i++) {
      const OfMeterStats& s = meters[i];
      fo_meter_stats& f = fo[i];
      f = fo_meter_stats{};
      f.meter_id = s.meter_id;
      f.flow_count = s.flow_count;
      f.packet_in_count = s.packets_in;
      f.byte_in_count = s.bytes_in;
      f.duration_sec = s.duration_sec;
      f.duration_nsec = s.duration_nsec;
      f.n_bands = static_cast<uint16_t>(std::min<size_t>(s.bands.size(), FO_MAX_METER_BANDS));
      for (uint16_t b = 0; b < f.n_bands; b++) {
        f.band_packets[b] = s.bands[b].first;
        f.band_bytes[b] = s.bands[b].second;
      }
    }
    fo_send_meter_stats_reply(conn_, r, fo.data(), fo.size());
  }
  void send_meter_config_reply(const OfMessage& req,
                               const std::vector<OfMeterMod>& meters) override {
    const void* r = raw(req);
    if (!r) return;
    std::vector<fo_meter_mod> fo(meters.size());
    for (size_t i = 0; i < meters.size(); i++) {
      fo[i] = fo_meter_mod{};
      fo[i].meter_id = meters[i].meter_id;
      fo[i].flags = meters[i].flags;
      fo[i].n_bands =
          static_cast<uint16_t>(std::min<size_t>(meters[i].bands.size(), FO_MAX_METER_BANDS));
      for (uint16_t b = 0; b < fo[i].n_bands; b++) {
        fo[i].bands[b] = fo_meter_band{meters[i].bands[b].type, meters[i].bands[b].rate,
                                       meters[i].bands[b].burst_size};
      }
    }
    fo_send_meter_config_reply(conn_, r, fo.data(), fo.size());
  }
  void send_meter_features_reply(const OfMessage& req, uint32_t max_meters, uint32_t band_types,
                                 uint32_t capabilities, uint8_t max_bands) override {
    if (const void* r = raw(req))
      fo_send_meter_features_reply(conn_, r, max_meters, band_types, capabilities, max_bands);
  }
  void send_bundle_reply(const OfMessage& req, OfBundleControl::Type reply_type) override {
    if (const void* r = raw(req)) fo_send_bundle_reply(conn_, r, bundle_type_to_fo(reply_type) + 1);
  }

 private:
  static const void* raw(const OfMessage& req) {
    return req.raw && !req.raw->bytes.empty() ? req.raw->bytes.data() : nullptr;
  }

  fo_conn* conn_;
  std::string name_;
  bool more_ = false;
};

void Connection::send_flow_stats_reply(const OfMessage& req,
                                       const std::vector<OfFlowStats>& flows) {
  const void* r = raw(req);
  if (!r) return;
  std::vector<fo_action> actions;
  std::vector<size_t> starts;
  starts.reserve(flows.size());
  for (const OfFlowStats& f : flows) {
    starts.push_back(actions.size());
    append_fo(f.actions, &actions);
  }
  std::vector<fo_flow_stats> fo(flows.size());
  for (size_t i = 0; i < flows.size(); i++) {
    const OfFlowStats& f = flows[i];
    fo_flow_stats& s = fo[i];
    s.match = to_fo(f.match);
    s.priority = f.priority;
    s.table_id = f.table_id;
    s.cookie = f.cookie;
    s.duration_sec = f.duration_sec;
    s.duration_nsec = f.duration_nsec;
    s.idle_timeout = f.idle_timeout;
    s.hard_timeout = f.hard_timeout;
    s.flags = f.flags;
    s.idle_age = f.idle_age;
    s.hard_age = f.hard_age;
    s.packets = f.packets;
    s.bytes = f.bytes;
    s.actions = actions.data() + starts[i];
    s.n_actions = f.actions.size();
  }
  fo_send_flow_stats_reply(conn_, r, fo.data(), fo.size());
}

void Connection::send_port_stats_reply(const OfMessage& req,
                                       const std::vector<OfPortStats>& ports) {
  const void* r = raw(req);
  if (!r) return;
  std::vector<fo_port_stats> fo;
  fo.reserve(ports.size());
  for (const OfPortStats& p : ports) {
    fo.push_back({p.port_no, p.rx_packets, p.tx_packets, p.rx_bytes, p.tx_bytes, p.rx_dropped,
                  p.tx_dropped, p.rx_errors, p.tx_errors, p.duration_sec, p.duration_nsec});
  }
  fo_send_port_stats_reply(conn_, r, fo.data(), fo.size());
}

void Connection::send_table_stats_reply(const OfMessage& req,
                                        const std::vector<OfTableStats>& tables) {
  const void* r = raw(req);
  if (!r) return;
  std::vector<fo_table_stats> fo;
  fo.reserve(tables.size());
  for (const OfTableStats& t : tables) {
    fo.push_back({t.table_id, t.active_count, t.lookup_count, t.matched_count});
  }
  fo_send_table_stats_reply(conn_, r, fo.data(), fo.size());
}

class Listener final : public OfListener {
 public:
  Listener(fo_listener* listener, std::string name) : listener_(listener), name_(std::move(name)) {}
  ~Listener() override { fo_listener_close(listener_); }

  std::unique_ptr<OfConnection> accept() override {
    fo_conn* conn = fo_listener_accept(listener_);
    if (!conn) return nullptr;
    FLOG_INFO(log_of, "%s: accepted connection %s", name_.c_str(), fo_conn_name(conn));
    return std::make_unique<Connection>(conn);
  }
  void wait() override { fo_listener_wait(listener_); }

 private:
  fo_listener* listener_;
  std::string name_;
};

}  // namespace

Result<std::unique_ptr<OfConnection>> OfConnection::open_controller(const std::string& target,
                                                                    int probe_s,
                                                                    int max_backoff_s) {
  char* error_c = nullptr;
  fo_conn* conn = fo_conn_open_controller(target.c_str(), probe_s, max_backoff_s, &error_c);
  std::string message = take_string(error_c);
  if (!conn) return make_error(message, EINVAL);
  FLOG_INFO(log_of, "%s: connecting to the controller", target.c_str());
  return std::unique_ptr<OfConnection>(std::make_unique<Connection>(conn));
}

Result<std::unique_ptr<OfListener>> OfListener::open(const std::string& name) {
  fo_listener* listener = nullptr;
  char* error_c = nullptr;
  int error = fo_listener_open(name.c_str(), &listener, &error_c);
  std::string message = take_string(error_c);
  if (error) return make_error(message, error);
  FLOG_INFO(log_of, "%s: listening for OpenFlow connections", name.c_str());
  return std::unique_ptr<OfListener>(std::make_unique<Listener>(listener, name));
}

}  // namespace ferry::ovs
