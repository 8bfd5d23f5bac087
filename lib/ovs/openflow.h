// OpenFlow connections for a bridge's management socket, encoded and decoded
// with libopenvswitch's ofp codec (OpenFlow 1.0 to 1.5). Messages arrive as
// plain Ferry structs; replies are built from plain Ferry structs.
//
// The connection answers hello and echo itself; messages it cannot decode or
// that use fields or actions Ferry does not support are answered with the
// proper OpenFlow error (logged) and never reach the caller.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "lib/flow/action.h"
#include "lib/flow/flow_mod.h"
#include "lib/flow/group.h"
#include "lib/flow/match.h"
#include "lib/flow/tlv_table.h"
#include "lib/util/result.h"

namespace ferry::ovs {

// OpenFlow errors Ferry sends, mapped to OVS's enum ofperr inside lib/ovs.
enum class OfError {
  kBadRequestType,      // OFPBRC_BAD_TYPE
  kBadRequestStat,      // OFPBRC_BAD_STAT
  kBadTableId,          // OFPBRC_BAD_TABLE_ID (flow_mod: OFPFMFC_BAD_TABLE_ID)
  kBadPort,             // OFPBRC_BAD_PORT
  kEperm,               // OFPBRC_EPERM
  kFlowModOverlap,      // OFPFMFC_OVERLAP
  kFlowModTableFull,    // OFPFMFC_TABLE_FULL
  kFlowModBadCommand,   // OFPFMFC_BAD_COMMAND
  kBadOutPort,          // OFPBAC_BAD_OUT_PORT
  kBadActionType,       // OFPBAC_BAD_TYPE
  kBadMatchField,       // OFPBMC_BAD_FIELD
  kBundleBadId,         // OFPBFC_BAD_ID
  kBundleBadType,       // OFPBFC_BAD_TYPE
  kBundleClosed,        // OFPBFC_BUNDLE_CLOSED
  kBundleBadFlags,      // OFPBFC_BAD_FLAGS
  kBundleMsgFailed,     // OFPBFC_MSG_FAILED
  kBundleOutOfBundles,  // OFPBFC_OUT_OF_BUNDLES
  kBundleTimeout,       // OFPBFC_TIMEOUT
  kMeterExists,         // OFPMMFC_METER_EXISTS
  kMeterUnknown,        // OFPMMFC_UNKNOWN_METER
  kMeterInvalid,        // OFPMMFC_INVALID_METER
  kMeterBadBand,        // OFPMMFC_BAD_BAND
  kMeterBadRate,        // OFPMMFC_BAD_RATE
  kMeterBadFlags,       // OFPMMFC_BAD_FLAGS
  kMeterOutOfMeters,    // OFPMMFC_OUT_OF_METERS
  kIsSlave,             // OFPBRC_IS_SLAVE
  kRoleStale,           // OFPRRFC_STALE
  kGroupExists,         // OFPGMFC_GROUP_EXISTS
  kGroupInvalid,        // OFPGMFC_INVALID_GROUP
  kGroupOutOfGroups,    // OFPGMFC_OUT_OF_GROUPS
  kGroupBadType,        // OFPGMFC_BAD_TYPE
  kGroupUnknown,        // OFPGMFC_UNKNOWN_GROUP
  kGroupBadCommand,     // OFPGMFC_BAD_COMMAND
  kGroupUnknownBucket,  // OFPGMFC_UNKNOWN_BUCKET
  kGroupBucketExists,   // OFPGMFC_BUCKET_EXISTS
  kBadOutGroup,         // OFPBAC_BAD_OUT_GROUP (a flow's group action names no group)
  kTlvAlreadyMapped,    // NXTTMFC_ALREADY_MAPPED
  kTlvDupEntry,         // NXTTMFC_DUP_ENTRY
  kTlvTableFull,        // NXTTMFC_TABLE_FULL
  kTlvInvalidField,     // NXFMFC_INVALID_TLV_FIELD: a tun_metadata the TLV map lacks
  kResumeStale,         // NXR_STALE (a continuation of another bridge)
};

struct OfPortDesc {
  uint32_t port_no = 0;
  std::string name;
  Mac hw_addr{};
  bool admin_down = false;
  bool link_down = false;
  uint32_t curr_speed_kbps = 0;
  uint32_t max_speed_kbps = 0;
};

struct OfPortStats {
  uint32_t port_no = 0;
  uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
  uint64_t rx_dropped = 0, tx_dropped = 0, rx_errors = 0, tx_errors = 0;
  uint32_t duration_sec = 0, duration_nsec = 0;
};

struct OfFlowStats {
  Match match;
  uint16_t priority = 0;
  uint8_t table_id = 0;
  uint64_t cookie = 0;
  uint32_t duration_sec = 0, duration_nsec = 0;
  uint16_t idle_timeout = 0, hard_timeout = 0;
  uint16_t flags = 0;
  int idle_age = -1, hard_age = -1;  // seconds, -1 unknown
  uint64_t packets = 0, bytes = 0;
  ActionList actions;
};

struct OfTableStats {
  uint8_t table_id = 0;
  uint32_t active_count = 0;
  uint64_t lookup_count = 0, matched_count = 0;
};

struct OfFlowStatsRequest {
  Match match;
  uint8_t table_id = kAllTables;
  uint32_t out_port = kOfppNone;
  uint64_t cookie = 0, cookie_mask = 0;
};

struct OfPortStatsRequest {
  uint32_t port_no = kOfppNone;  // kOfppNone: every port
};

struct OfBundleControl {
  enum class Type { kOpen, kClose, kCommit, kDiscard };
  uint32_t bundle_id = 0;
  Type type = Type::kOpen;
  uint16_t flags = 0;  // OFPBF_ATOMIC=1, OFPBF_ORDERED=2
};

struct OfBundleAdd {
  uint32_t bundle_id = 0;
  uint16_t flags = 0;
  // A flow_mod, or a group_mod when is_group (Ferry bundles these two).
  FlowMod flow_mod;
  bool is_group = false;
  GroupMod group_mod;
  // The connection refused the message (and answered the error); the
  // bundle it was meant for must fail to commit.
  bool refused = false;
};

struct OfSetConfig {
  uint16_t flags = 0;
  uint16_t miss_send_len = 0;
};

struct OfPacketOut {
  uint32_t in_port = kOfppNone;  // kOfppNone / kOfppController when none
  ActionList actions;
  std::vector<uint8_t> packet;
};

// Controller roles (OpenFlow 1.2+ role request).
enum class OfRole : uint8_t { kNoChange = 0, kEqual, kMaster, kSlave };

struct OfRoleRequest {
  OfRole role = OfRole::kNoChange;
  bool has_generation_id = false;
  uint64_t generation_id = 0;
};

// A packet for the controllers (reason: PacketInReason's numbering).
struct OfPacketIn {
  uint8_t reason = 0;
  uint8_t table_id = 0;
  uint16_t controller_id = 0;
  uint32_t in_port = 0;
  uint64_t cookie = 0;
  uint64_t metadata = 0;
  uint32_t regs[16] = {};
  uint32_t pkt_mark = 0;
  const uint8_t* userdata = nullptr;
  size_t userdata_len = 0;
  const uint8_t* packet = nullptr;
  size_t packet_len = 0;
  // controller(...,pause): the walk's continuation (segments: a
  // kDataContSegment and its actions), for NXT_PACKET_IN2 connections,
  // and the bridge it must come back to.
  bool pause = false;
  const Action* cont = nullptr;  // n_cont of them (may be unaligned)
  size_t n_cont = 0;
  std::array<uint8_t, 16> bridge{};
};

// NXT_RESUME: a continuation sent back with the packet (maybe rewritten)
// and the pipeline's metadata.
struct OfResume {
  uint32_t in_port = 0;
  std::vector<uint8_t> packet;
  ActionList actions;  // the continuation's segments, joined
  uint64_t metadata = 0;
  uint32_t regs[16] = {};
  uint32_t pkt_mark = 0;
  uint8_t table_id = 0;
  uint64_t cookie = 0;
  std::array<uint8_t, 16> bridge{};
};

// What a controller connection reports for Controller.status.
struct OfConnStatus {
  bool connected = false;
  OfRole role = OfRole::kEqual;
  std::string state;  // "ACTIVE", "BACKOFF", "CONNECTING", "IDLE", ...
  std::string last_error;
  int64_t sec_since_connect = -1;
  int64_t sec_since_disconnect = -1;
};

enum class OfType {
  kFeaturesRequest,
  kGetConfigRequest,
  kSetConfig,
  kFlowMod,
  kBarrierRequest,
  kFlowStatsRequest,
  kAggregateStatsRequest,
  kPortStatsRequest,
  kPortDescRequest,
  kDescStatsRequest,
  kTableStatsRequest,
  kBundleControl,
  kBundleAdd,
  kPacketOut,
  kMeterMod,
  kMeterStatsRequest,
  kMeterConfigRequest,
  kMeterFeaturesRequest,
  kRoleRequest,
  kGroupMod,
  kGroupStatsRequest,
  kGroupDescRequest,  // group features are answered inside the connection
  kCtFlush,           // NXT_CT_FLUSH_ZONE, NXT_CT_FLUSH
  kTlvTableMod,
  kTlvTableRequest,
  kResume,  // NXT_RESUME
};

// OpenFlow 1.3 meters. Flags: OFPMF13_KBPS 1, PKTPS 2, BURST 4, STATS 8.
constexpr uint16_t kMeterKbps = 1;
constexpr uint16_t kMeterPktps = 2;
constexpr uint16_t kMeterBurst = 4;
constexpr uint16_t kMeterStats = 8;
constexpr uint16_t kMeterBandDrop = 1;
constexpr uint32_t kMeterAll = 0xffffffff;

struct OfMeterBand {
  uint16_t type = kMeterBandDrop;
  uint32_t rate = 0;        // kbps or packets per second
  uint32_t burst_size = 0;  // kb or packets (with kMeterBurst)
};

struct OfMeterMod {
  enum class Command { kAdd = 0, kModify = 1, kDelete = 2 };
  Command command = Command::kAdd;
  uint32_t meter_id = 0;
  uint16_t flags = 0;
  std::vector<OfMeterBand> bands;
};

struct OfMeterRequest {
  uint32_t meter_id = kMeterAll;
};

struct OfMeterStats {
  uint32_t meter_id = 0;
  uint32_t flow_count = 0;
  uint64_t packets_in = 0, bytes_in = 0;
  uint32_t duration_sec = 0, duration_nsec = 0;
  std::vector<std::pair<uint64_t, uint64_t>> bands;  // packets, bytes dropped per band
};

struct OfGroupRequest {
  uint32_t group_id = kGroupAll;
};

struct OfGroupStats {
  uint32_t group_id = 0;
  uint32_t ref_count = 0;  // flows whose actions name the group
  uint64_t packets = 0, bytes = 0;
  uint32_t duration_sec = 0, duration_nsec = 0;
  std::vector<std::pair<uint64_t, uint64_t>> buckets;  // packets, bytes
};

// NXT_CT_FLUSH_ZONE / NXT_CT_FLUSH (ovs-ofctl flush-conntrack): zero
// fields are wildcards; IPv4 addresses in the first 4 bytes.
struct OfCtTuple {
  std::array<uint8_t, 16> src{}, dst{};
  uint16_t src_port = 0, dst_port = 0, icmp_id = 0;  // host order
  uint8_t icmp_type = 0, icmp_code = 0;
};
struct OfCtFlush {
  std::optional<uint16_t> zone;
  uint8_t l3 = 0;  // 0 (any), 4 or 6
  uint8_t ip_proto = 0;
  OfCtTuple orig, reply;
};

// NXT_TLV_TABLE_MOD.
struct OfTlvMod {
  enum class Command { kAdd, kDelete, kClear };
  Command command = Command::kAdd;
  std::vector<TlvMapping> maps;
};

struct OfMessage;
struct OfRawMessage;  // the request as received (for error replies); opaque

struct OfMessage {
  OfType type;
  uint8_t version = 0;  // OFP10_VERSION = 1 ... OFP15_VERSION = 6
  uint32_t xid = 0;
  std::variant<std::monostate, FlowMod, OfFlowStatsRequest, OfPortStatsRequest, OfBundleControl,
               OfBundleAdd, OfSetConfig, OfPacketOut, OfMeterMod, OfMeterRequest, OfRoleRequest,
               GroupMod, OfGroupRequest, OfCtFlush, OfTlvMod, OfResume>
      body;
  std::shared_ptr<const OfRawMessage> raw;
};

class OfConnection {
 public:
  // A controller connection to an active target ("tcp:IP:PORT", "unix:PATH"):
  // connects in the background, reconnects with backoff up to max_backoff_s,
  // probes an idle peer every probe_s seconds (0: never).
  static Result<std::unique_ptr<OfConnection>> open_controller(const std::string& target,
                                                               int probe_s, int max_backoff_s);
  virtual ~OfConnection() = default;
  virtual std::string name() const = 0;
  virtual void run() = 0;
  virtual void wait() = 0;  // registers with the OVS poll loop
  virtual bool alive() const = 0;
  // Connected now (a controller connection may be reconnecting).
  virtual bool connected() const = 0;
  virtual OfConnStatus status() const = 0;
  virtual OfRole role() const = 0;
  virtual void set_role(OfRole role) = 0;
  virtual uint16_t controller_id() const = 0;
  // Accepted connections start as service connections (no asynchronous
  // messages until they set a miss_send_len); controllers are primary.
  virtual void set_primary(bool primary) = 0;
  // A table miss should send this connection a packet-in (OpenFlow < 1.3).
  virtual bool wants_miss() const = 0;
  // Sends pi if the connection wants it (async config, role, controller id).
  virtual bool send_packet_in(const OfPacketIn& pi) = 0;
  // OFPT_PORT_STATUS, if the connection wants it (async config, role).
  enum class PortReason { kAdd = 0, kDelete = 1, kModify = 2 };
  virtual bool send_port_status(PortReason reason, const OfPortDesc& port) = 0;
  virtual void send_role_reply(const OfMessage& req, OfRole role, bool has_generation_id,
                               uint64_t generation_id) = 0;
  // Next decoded request, or nullopt when none is ready.
  virtual std::optional<OfMessage> recv() = 0;

  virtual void send_error(const OfMessage& req, OfError error) = 0;
  virtual void send_barrier_reply(const OfMessage& req) = 0;
  virtual void send_features_reply(const OfMessage& req, uint64_t datapath_id, uint32_t n_buffers,
                                   uint8_t n_tables, const std::vector<OfPortDesc>& ports) = 0;
  virtual void send_get_config_reply(const OfMessage& req, uint16_t flags,
                                     uint16_t miss_send_len) = 0;
  virtual void send_port_desc_reply(const OfMessage& req, const std::vector<OfPortDesc>& ports) = 0;
  virtual void send_desc_reply(const OfMessage& req, const std::string& mfr, const std::string& hw,
                               const std::string& sw, const std::string& serial,
                               const std::string& dp_desc) = 0;
  // Splits into as many multipart replies as needed.
  virtual void send_flow_stats_reply(const OfMessage& req,
                                     const std::vector<OfFlowStats>& flows) = 0;
  virtual void send_aggregate_reply(const OfMessage& req, uint64_t packets, uint64_t bytes,
                                    uint32_t flows) = 0;
  virtual void send_port_stats_reply(const OfMessage& req,
                                     const std::vector<OfPortStats>& ports) = 0;
  virtual void send_table_stats_reply(const OfMessage& req,
                                      const std::vector<OfTableStats>& tables) = 0;
  virtual void send_bundle_reply(const OfMessage& req, OfBundleControl::Type reply_type) = 0;
  virtual void send_meter_stats_reply(const OfMessage& req,
                                      const std::vector<OfMeterStats>& meters) = 0;
  virtual void send_meter_config_reply(const OfMessage& req,
                                       const std::vector<OfMeterMod>& meters) = 0;
  virtual void send_meter_features_reply(const OfMessage& req, uint32_t max_meters,
                                         uint32_t band_types, uint32_t capabilities,
                                         uint8_t max_bands) = 0;
  virtual void send_group_stats_reply(const OfMessage& req,
                                      const std::vector<OfGroupStats>& groups) = 0;
  // A group's description is a GroupMod (its command unused).
  virtual void send_group_desc_reply(const OfMessage& req, const std::vector<GroupMod>& groups) = 0;
  virtual void send_tlv_table_reply(const OfMessage& req, const std::vector<TlvMapping>& maps,
                                    uint32_t max_option_space, uint16_t max_fields) = 0;
};

class OfListener {
 public:
  // name is a passive connection method, "punix:/run/openvswitch/br0.mgmt".
  static Result<std::unique_ptr<OfListener>> open(const std::string& name);
  virtual ~OfListener() = default;
  virtual std::unique_ptr<OfConnection> accept() = 0;  // nullptr when none pending
  virtual void wait() = 0;
};

// Maps a flow-table error code (lib/flow/flow_mod.h) to the OpenFlow error.
OfError flow_table_error_to_of(int code);

}  // namespace ferry::ovs
