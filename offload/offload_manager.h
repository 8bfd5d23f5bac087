// The route switcher at work (SEEDS 004): on the control thread, it watches
// every megaflow of the bridges where offload is on, feeds their counters
// (software from the megaflow caches, hardware from rte_flow COUNT queries)
// to the bridge's policy, and moves flows between the software datapath and
// the NIC's embedded switch through the offload thread. The NIC table is a
// cache of what the policy wants there: when it is full, the flow with the
// lowest recent rate goes back to software. Hardware counts are written
// back into the OpenFlow rules' statistics, so dump-flows and flow stats
// show software + hardware.
//
// When a bridge's rules or conversions change, its flows in hardware return
// to software (their answers may be stale); the policy brings them back with
// the new answer.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/flow/rule.h"
#include "lib/packet/flow_key.h"
#include "lib/util/result.h"
#include "offload/offload_thread.h"
#include "offload/policy.h"
#include "offload/translate.h"

namespace ferry {

class Datapath;
struct DpBridge;

struct OffloadFlow {
  enum class State : uint8_t { kSw, kInstalling, kHw, kRemoving };
  uint64_t id = 0;
  int slot = -1;
  FlowKey key, mask;
  State state = State::kSw;
  Pin pin = Pin::kNone;
  FlowRate rate;
  std::string reason;  // why it is in software (untranslatable, refused, pinned ...)
  std::shared_ptr<const RteFlowSpec> spec;
  std::shared_ptr<RuleStats> rule_stats;  // where hardware counts go
  uint64_t gen = 0;                       // bridge generation of the answer
  rte_flow* handle = nullptr;
  uint16_t port = 0;
  // Software counts: the megaflow entries' sums (they restart when an entry
  // is replaced), accumulated into monotonic totals.
  uint64_t sw_seen_packets = 0, sw_seen_bytes = 0;
  uint64_t sw_packets = 0, sw_bytes = 0;
  // Hardware counts: the rule's COUNT since it was created, and what was
  // written back to the OpenFlow rule so far; totals over every rule.
  uint64_t hw_rule_packets = 0, hw_rule_bytes = 0;
  uint64_t hw_packets = 0, hw_bytes = 0;
  int64_t seen_ms = 0;         // last time a megaflow for it existed
  int64_t retry_after_ms = 0;  // after a refusal
  int64_t decided_ns = 0;      // when the move to hardware was decided
  bool in_cache = false;       // a megaflow exists now
  bool stale = false;          // its answer predates the bridge's rules
  bool replacing = false;      // a rule with the new answer is going in over the old one
  std::shared_ptr<RuleStats> next_rule_stats;

  const char* state_name() const;
  uint64_t packets() const { return sw_packets + hw_packets; }
};

class OffloadManager {
 public:
  static constexpr int64_t kTickMs = 5;
  static constexpr int64_t kQueryMs = 50;
  static constexpr int64_t kRetryMs = 1000;
  static constexpr int64_t kForgetMs = 30000;

  explicit OffloadManager(Datapath* dp);
  ~OffloadManager();  // every rule it made is removed
  OffloadManager(const OffloadManager&) = delete;
  OffloadManager& operator=(const OffloadManager&) = delete;

  // other_config:hw-offload. Off: every flow returns to software.
  void set_enabled(bool on) { enabled_ = on; }
  bool enabled() const { return enabled_; }
  // other_config:ferry-offload-policy of a bridge ("" = the default).
  Status set_policy(int slot, const std::string& bridge, const std::string& text);
  void remove_bridge(int slot);
  // other_config:ferry-offload-max-rules (0: the NIC's own limit).
  void set_max_rules(size_t n) { max_rules_ = n; }
  size_t capacity() const;
  // Flows that must stay in software now: a non-empty reason pins them
  // (staged conversions while a migration runs).
  using SoftwarePin = std::function<std::string(int slot, const FlowKey& key, const FlowKey& mask)>;
  void set_software_pin(SoftwarePin fn) { software_pin_ = std::move(fn); }

  // The control loop, at most every kTickMs.
  void run(int64_t now_ms);
  int64_t next_run_ms() const { return next_run_ms_; }
  // Waits for the offload thread and applies its results (tests, benches).
  void sync(int64_t now_ms);

  Status pin(uint64_t flow_id, Pin pin);
  const OffloadFlow* find(uint64_t id) const;
  const OffloadFlow* find(int slot, const FlowKey& key, const FlowKey& mask) const;
  const std::map<uint64_t, OffloadFlow>& flows() const { return flows_; }

  struct BridgeStats {
    std::string name;
    OffloadPolicy policy;
    uint64_t to_hw = 0, to_sw = 0, evictions = 0, refusals = 0;
    uint64_t replaced = 0;  // rules replaced in place after a rule change
    // Why flows stay in software: how many flows (or refusals) each time.
    std::map<std::string, uint64_t> reasons;
    std::string policy_error;  // the configured policy did not parse
    std::string policy_text;   // as configured
  };
  const std::map<int, BridgeStats>& bridges() const { return bridges_; }
  size_t n_hw() const;
  // Decision-to-active latencies of moves to hardware (ns), the last 4096.
  const std::vector<int64_t>& latencies_ns() const { return latencies_; }
  uint64_t hw_packets_total() const { return hw_total_; }

 private:
  void apply_results(int64_t now_ms);
  void scan_bridge(int slot, const DpBridge& br, int64_t now_ms);
  void decide_all(int64_t now_ms);
  void query_all();
  // *used: rules in (or going into) the NIC; counts the new one.
  bool to_hw(OffloadFlow& f, size_t* used);
  void to_sw(OffloadFlow& f);
  bool replace(OffloadFlow& f, const DpBridge& br, const OffloadPortLookup& lookup);
  void write_back(OffloadFlow& f, uint64_t rule_packets, uint64_t rule_bytes, int64_t now_ms);
  std::optional<OffloadPortInfo> port_info(uint16_t port_id);
  std::string key_of(int slot, const FlowKey& key, const FlowKey& mask) const;

  Datapath* dp_;
  bool enabled_ = false;
  size_t max_rules_ = 0;
  size_t nic_max_rules_ = 0;  // learned from the NIC (xstat esw_rules_max or ENOSPC)
  SoftwarePin software_pin_;
  OffloadThread thread_;
  std::map<uint64_t, OffloadFlow> flows_;
  std::map<std::string, uint64_t> index_;
  std::map<int, BridgeStats> bridges_;
  std::map<uint16_t, std::optional<OffloadPortInfo>> ports_;
  std::map<int, uint64_t> generations_;
  // Translations of this tick, by flow (their answers' pointers are only
  // valid while the snapshot they came from is current).
  std::map<uint64_t, std::shared_ptr<const RteFlowSpec>> fresh_;
  std::map<uint64_t, std::string> fresh_reason_;
  uint64_t next_id_ = 1;
  int64_t next_run_ms_ = 0;
  int64_t next_query_ms_ = 0;
  std::vector<int64_t> latencies_;
  size_t latency_pos_ = 0;
  uint64_t hw_total_ = 0;
};

}  // namespace ferry
