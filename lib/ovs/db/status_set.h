// The status Ferry has still to write to the database: calls to the Ovsdb
// setters merge here field by field (the newest value of a field wins), and
// run() moves the whole set into one transaction.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/ovs/database.h"

struct fo_db;

namespace ferry::ovs {

// Drops the fields the database or the OVS tools would not accept, logging
// each: an ofport other than -1 (could not attach), 1..65279 or 65534
// (OFPP_LOCAL); admin/link state other than up/down; duplex other than
// full/half; a negative link speed or reset count.
InterfaceStatus check_interface_status(InterfaceStatus s);

// 'newer' over 'older': every field newer has replaces older's.
InterfaceStatus merge_interface_status(const InterfaceStatus& older, const InterfaceStatus& newer);

class StatusSet {
 public:
  void set_interface(const InterfaceStatus& s);
  void set_cur_cfg(int64_t cur_cfg) { cur_cfg_ = cur_cfg; }
  void set_system(const SystemStatus& s) { system_ = s; }
  void set_bridge_datapath_id(const std::string& bridge, const std::string& dpid) {
    dpids_[bridge] = dpid;
  }
  void set_controller(const ControllerStatus& s) { controllers_[{s.bridge, s.target}] = s; }
  void set_mirror_stats(const std::string& bridge, const std::string& name, int64_t packets,
                        int64_t bytes) {
    mirrors_[{bridge, name}] = {packets, bytes};
  }
  void set_bridge_keys(const std::string& bridge, const StringMap& keys,
                       const std::vector<std::string>& owned_prefixes) {
    bridge_keys_[bridge] = {keys, owned_prefixes};
  }
  // Puts 'older' (a transaction to retry) under this set: what this set
  // already has wins.
  void absorb_older(StatusSet older);
  bool empty() const {
    return ifaces_.empty() && !cur_cfg_ && !system_ && dpids_.empty() && controllers_.empty() &&
           bridge_keys_.empty() && mirrors_.empty();
  }

  const std::map<std::string, InterfaceStatus>& interfaces() const { return ifaces_; }
  const std::optional<int64_t>& cur_cfg() const { return cur_cfg_; }
  const std::optional<SystemStatus>& system() const { return system_; }
  const std::map<std::string, std::string>& datapath_ids() const { return dpids_; }

  // Writes the set into db's open transaction. Rows that no longer exist are
  // skipped; their names (or "Open_vSwitch") are added to *missing.
  void apply(fo_db* db, std::vector<std::string>* missing) const;

 private:
  std::map<std::string, InterfaceStatus> ifaces_;
  std::optional<int64_t> cur_cfg_;
  std::optional<SystemStatus> system_;
  std::map<std::string, std::string> dpids_;
  std::map<std::pair<std::string, std::string>, ControllerStatus> controllers_;
  std::map<std::string, std::pair<StringMap, std::vector<std::string>>> bridge_keys_;
  // (bridge, mirror) -> (tx_packets, tx_bytes)
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> mirrors_;
};

}  // namespace ferry::ovs
