// Ferry's view of the Open_vSwitch database, through libopenvswitch's IDL:
// the configuration it reads (Open_vSwitch, Bridge, Port, Interface) and
// the status it writes back, the way ovs-vswitchd does.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/util/result.h"
#include "lib/util/waiter.h"

namespace ferry::ovs {

using StringMap = std::map<std::string, std::string>;

struct InterfaceConfig {
  std::string name;
  std::string type;  // "" or "system", "internal", "dpdk", ...
  StringMap options;
  StringMap other_config;
  std::optional<int64_t> ofport_request;
  std::optional<int64_t> mtu_request;
  // The ofport last written back (by this daemon or an earlier one): kept
  // when free, so port numbers survive a restart as with ovs-vswitchd.
  std::optional<int64_t> ofport;
  std::string mac;  // the "mac" column (requested MAC), may be empty
};

struct PortConfig {
  std::string name;
  std::optional<int64_t> tag;
  std::vector<int64_t> trunks;
  std::string vlan_mode;  // "", access, trunk, native-tagged, native-untagged, dot1q-tunnel
  StringMap other_config;
  std::vector<InterfaceConfig> interfaces;
};

// One Controller row: where the bridge connects for OpenFlow (tcp:, unix:
// active; ptcp:, punix: passive).
struct ControllerConfig {
  std::string target;
  std::string connection_mode;              // "in-band", "out-of-band" or ""
  std::optional<int64_t> inactivity_probe;  // ms; 0 disables
  std::optional<int64_t> max_backoff;       // ms
  StringMap other_config;
};

// One Mirror row (Bridge.mirrors); ports by Port.name.
struct MirrorConfig {
  std::string name;
  bool select_all = false;
  std::vector<std::string> select_src_port;
  std::vector<std::string> select_dst_port;
  std::vector<int64_t> select_vlan;
  std::string output_port;  // "" when unset
  std::optional<int64_t> output_vlan;
  std::optional<int64_t> snaplen;
};

struct BridgeConfig {
  std::string name;
  std::string datapath_type;
  std::string fail_mode;
  StringMap other_config;
  StringMap external_ids;
  std::vector<std::string> protocols;  // the "protocols" column
  std::vector<PortConfig> ports;
  std::vector<ControllerConfig> controllers;  // sorted by target
  std::vector<MirrorConfig> mirrors;          // sorted by name
};

// One Datapath row (Open_vSwitch.datapaths, by datapath type): its CT_Zone
// rows, each with its CT_Timeout_Policy's timeouts in seconds ("udp_first"
// -> 30; empty: the zone has no policy, the defaults apply).
struct DatapathConfig {
  std::string name;
  std::map<uint16_t, std::map<std::string, int64_t>> ct_zones;
};

struct Config {
  int64_t next_cfg = 0;
  StringMap other_config;
  StringMap external_ids;
  std::vector<BridgeConfig> bridges;
  std::vector<DatapathConfig> datapaths;  // sorted by name
};

// Status for one Interface row. Fields left unset are not written.
struct InterfaceStatus {
  std::string name;
  std::optional<int64_t> ofport;           // -1 for failure, as OVS
  std::optional<std::string> admin_state;  // "up"/"down"
  std::optional<std::string> link_state;   // "up"/"down"
  std::optional<std::string> mac_in_use;
  std::optional<int64_t> mtu;
  std::optional<int64_t> link_speed;  // bits per second
  std::optional<std::string> duplex;  // "full"/"half"
  std::optional<int64_t> link_resets;
  // Set writes the column: empty string clears it.
  std::optional<std::string> error;
  std::optional<std::map<std::string, int64_t>> statistics;
  std::optional<StringMap> status;  // driver_name, ...
};

// Status of one Controller row (found by bridge and target).
struct ControllerStatus {
  std::string bridge;
  std::string target;
  bool is_connected = false;
  std::string role;  // "other", "master", "slave"
  StringMap status;  // state, sec_since_connect, sec_since_disconnect, last_error
};

struct SystemStatus {
  std::string ovs_version;
  std::string dpdk_version;
  bool dpdk_initialized = false;
  std::vector<std::string> datapath_types;
  std::vector<std::string> iface_types;
  // Datapath.capabilities of the Datapath rows that exist, by datapath type
  // (ovs-vswitchd writes its probed features there; ovn-controller reads them).
  std::map<std::string, StringMap> datapath_capabilities;
};

class Ovsdb {
 public:
  // remote is an OVSDB connection method ("unix:/run/openvswitch/db.sock").
  // The connection is (re)made in the background by run().
  static std::unique_ptr<Ovsdb> create(const std::string& remote);
  virtual ~Ovsdb() = default;

  virtual void run() = 0;
  virtual void wait() = 0;  // registers with the OVS poll loop

  virtual bool connected() const = 0;
  // Ferry takes the "ovs_vswitchd" lock, so it never runs beside another
  // vswitchd on one database. Config must not be applied without it.
  virtual bool has_lock() const = 0;
  virtual bool lock_contended() const = 0;

  // Changes whenever the database contents seen by the IDL change.
  virtual uint64_t change_seqno() const = 0;
  // The current configuration; nullopt until the first contents arrived or
  // when there is no Open_vSwitch row.
  virtual std::optional<Config> config() const = 0;

  // Status write-back. Calls merge into one pending transaction, which run()
  // commits when no other transaction is in flight (the OVS pattern).
  virtual void set_interface_status(const InterfaceStatus& status) = 0;
  virtual void set_cur_cfg(int64_t cur_cfg) = 0;
  virtual void set_system_status(const SystemStatus& status) = 0;
  virtual void set_bridge_status(const std::string& bridge, const std::string& datapath_id) = 0;
  virtual void set_controller_status(const ControllerStatus& status) = 0;
  // Mirror.statistics of the bridge's mirror `name`.
  virtual void set_mirror_stats(const std::string& bridge, const std::string& name,
                                int64_t tx_packets, int64_t tx_bytes) = 0;
  // The bridge's external_ids keys starting with one of owned_prefixes become
  // exactly 'keys' (per-key mutations: other keys are left alone).
  virtual void set_bridge_keys(const std::string& bridge, const StringMap& keys,
                               const std::vector<std::string>& owned_prefixes) = 0;
  // True while changes are pending or a transaction is in flight.
  virtual bool txn_busy() const = 0;
};

}  // namespace ferry::ovs
