// Move detection inside the switch (SEEDS 002, and 003 embodiment 3), on
// the control thread, from frames the PMDs hand up:
//
// - a flow-table miss of a frame on VLAN NEW, on a bridge with vlan-map
//   OLD:NEW, whose OLD twin hits a rule matching that VLAN (entry 2), while
//   another rule sends traffic for the same host into VLAN OLD (entry 1):
//   the VM moved. Both rules are repointed to NEW in one atomic bundle and
//   the triggering frame is re-injected, so it is not lost;
// - a GARP/RARP from a MAC the FDB knows on another port (or a MAC
//   registered with move-detect/expect): the entry is repointed.
// GARPs on ports with garp/announce become a dummy IP packet from the VM's
// address. Everything is rate-limited, counted, logged and published as an
// event.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "datapath/datapath.h"
#include "datapath/packet_upcall.h"
#include "datapath/vswitchd/bridge.h"
#include "datapath/vswitchd/event_log.h"

namespace ferry {

struct MoveDetectStats {
  uint64_t moves = 0;         // moves acted upon
  uint64_t reinjected = 0;    // triggering frames re-injected
  uint64_t unmatched = 0;     // misses that were not a move (dropped)
  uint64_t garps = 0;         // GARP/RARP frames seen
  uint64_t announced = 0;     // dummy packets sent for garp/announce
  uint64_t rate_limited = 0;  // upcalls dropped by the per-bridge limit
};

class MoveDetector {
 public:
  explicit MoveDetector(EventLog* events) : events_(events) {}

  void handle(Bridge& b, PacketUpcall& up);
  // A MAC learned or moved by the FDB: an event ("mac-learned").
  void on_learn(Bridge& b, const LearnEvent& e);
  const MoveDetectStats& stats(const std::string& bridge) { return stats_[bridge]; }

 private:
  void handle_garp(Bridge& b, PacketUpcall& up, const FlowKey& key);
  void handle_miss(Bridge& b, PacketUpcall& up, const FlowKey& key);
  bool repoint_vlan_rules(Bridge& b, const FlowKey& key, uint16_t old_vlan, uint16_t new_vlan);
  void announce(Bridge& b, uint32_t ofport, const FlowKey& garp);
  bool allow(const Bridge& b);

  EventLog* events_;
  std::map<std::string, MoveDetectStats> stats_;
  struct Bucket {
    double tokens = -1;  // full on first use
    int64_t last_ms = 0;
    int64_t logged_ms = -1000000;  // the last "rate-limited" log line
    uint64_t logged_count = 0;     // rate_limited at that line
  };
  std::map<std::string, Bucket> buckets_;
};

}  // namespace ferry
