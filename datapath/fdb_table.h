// A bridge's MAC learning table (control thread). PMDs ask for entries to
// be learned through their learn queues; this table applies them, ages
// idle entries, holds static entries (fdb/add) and builds FdbSnapshots.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "datapath/fdb_snapshot.h"
#include "lib/packet/flow_key.h"
#include "lib/util/result.h"

namespace ferry {

struct FdbEntry {
  Mac mac{};
  uint16_t vlan = 0;
  uint32_t ofport = 0;
  bool is_static = false;
  int64_t learned_s = 0;  // monotonic seconds
  std::shared_ptr<FdbEntryState> state;

  int64_t last_seen_s() const;
};

struct FdbStats {
  uint64_t learned = 0;
  uint64_t expired = 0;
  uint64_t evicted = 0;
  uint64_t moved = 0;
};

class FdbTable {
 public:
  static constexpr size_t kDefaultMaxEntries = 8192;  // other_config:mac-table-size
  static constexpr int kDefaultAgingSeconds = 300;    // other_config:mac-aging-time

  FdbTable() = default;

  void set_limits(size_t max_entries, int aging_s);
  size_t max_entries() const { return max_entries_; }
  int aging_s() const { return aging_s_; }

  // A frame from mac on VLAN vlan arrived on ofport. Learns or moves the
  // entry (never a static one). Returns true when the table changed.
  // *old_ofport (when given) is set to the port it moved from, 0 if new.
  bool learn(uint16_t vlan, const Mac& mac, uint32_t ofport, int64_t now_s,
             uint32_t* old_ofport = nullptr);
  // Static entry (fdb/add). Replaces a dynamic or static entry; returns the
  // text OVS prints when it overrides one ("" otherwise).
  std::string add_static(uint16_t vlan, const Mac& mac, uint32_t ofport,
                         const std::string& old_port_name);
  // Removes a static entry; false when there is none.
  bool del_static(uint16_t vlan, const Mac& mac);
  void flush();
  void flush_port(uint32_t ofport);
  // Expires idle dynamic entries and trims to max_entries (oldest first).
  // Returns true when something was removed.
  bool run(int64_t now_s);

  const FdbEntry* find(uint16_t vlan, const Mac& mac) const;
  // Entries from least to most recently seen (as fdb/show lists them).
  std::vector<const FdbEntry*> entries_by_age() const;
  size_t size() const { return entries_.size(); }
  size_t n_static() const;
  const FdbStats& stats() const { return stats_; }
  void clear_stats() { stats_ = {}; }

  // Snapshot for the PMDs; rebuilt only when the table changed.
  std::shared_ptr<const FdbSnapshot> snapshot();
  bool changed() const { return dirty_; }

 private:
  void evict_oldest();
  std::map<uint64_t, FdbEntry> entries_;  // by FdbSnapshot::make_key
  size_t max_entries_ = kDefaultMaxEntries;
  int aging_s_ = kDefaultAgingSeconds;
  FdbStats stats_;
  bool dirty_ = true;
  std::shared_ptr<const FdbSnapshot> snapshot_;
};

}  // namespace ferry
