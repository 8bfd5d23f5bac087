// The emulated embedded switch ("the NIC hardware"): vports (the uplink and
// the VFs) with their far sides (Backend), the host side of each vport (its
// representor's rx ring), the rte_flow transfer rules, and the thread that
// switches frames. A frame from the wire or a guest is matched against the
// rules (group 0 first, priority, then the newest rule among equals); a hit
// runs the rule's actions, a miss goes to the representor of the vport it
// came from, where the host's software switch sees it.
//
// Ordered cut-over: a rule created while frames from its source vport are
// still queued on that vport's representor (or in the host's hands) holds
// the frames it matches until the host has taken every earlier frame from
// the representor and come back for more, i.e. until the software path has
// forwarded them; then it releases the held frames in order and switches
// directly from then on. A host that stops polling releases the hold after
// hold_timeout_ms (devarg, kDefaultHoldTimeoutMs; counted).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "offload/eswitch-emu/esw_backend.h"
#include "offload/eswitch-emu/esw_rule.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

namespace ferry::esw {

struct EswCounters {
  std::atomic<uint64_t> far_rx_packets{0};  // taken from the wire/guests and processed
  std::atomic<uint64_t> switched_packets{0}, switched_bytes{0};  // rule to a wire/VF, no host
  std::atomic<uint64_t> to_host_packets{0};                      // frames handed to a representor
  std::atomic<uint64_t> miss_packets{0};                         // of which table misses
  std::atomic<uint64_t> rule_drops{0};
  std::atomic<uint64_t> host_tx_packets{0};  // sent by the host on a representor
  std::atomic<uint64_t> held_packets{0};     // held for an ordered cut-over
  std::atomic<uint64_t> hold_timeouts{0};
  std::atomic<uint64_t> hold_overflow_drops{0};
  std::atomic<uint64_t> rep_overflow_drops{0};  // a representor's rx ring was full
  std::atomic<uint64_t> far_drops{0};           // the wire/guest side refused a frame
  std::atomic<uint64_t> rule_inserts{0}, rule_removes{0}, rule_rejects{0};
};

struct Rule {
  CompiledRule c;
  uint64_t seq = 0;
  std::atomic<uint64_t> hits{0}, bytes{0};
  uint64_t hits_base = 0, bytes_base = 0;  // query(reset)
  // Ordered cut-over state.
  bool holding = false;
  std::vector<std::pair<uint8_t, uint64_t>> marks;  // vport, representor frames to wait for
  int64_t hold_deadline_ns = 0;
  std::vector<rte_mbuf*> held;
};

class Switch {
 public:
  static constexpr unsigned kBurst = 32;
  static constexpr unsigned kRepRingSize = 4096;
  static constexpr unsigned kMaxHeld = 4096;
  static constexpr int64_t kDefaultHoldTimeoutMs = 500;

  struct Vport {
    std::string name;  // "pf", "vf0" ...
    std::unique_ptr<Backend> backend;
    uint16_t port_id = 0xffff;  // its representor ethdev
    rte_ring* rep_ring = nullptr;
    std::atomic<uint64_t> enq{0};       // frames put on the representor (switch thread)
    std::atomic<uint64_t> deq{0};       // frames the host took (host rx)
    std::atomic<uint64_t> deq_seen{0};  // deq as of the start of the host's latest rx burst
    std::atomic<bool> started{false};
    std::atomic<uint64_t> host_rx_bytes{0}, host_tx_bytes{0}, host_tx{0};
  };

  Switch(std::string name, unsigned max_rules, rte_mempool* pool,
         int64_t hold_timeout_ms = kDefaultHoldTimeoutMs);
  ~Switch();  // stops the thread, frees rules and held frames
  Switch(const Switch&) = delete;
  Switch& operator=(const Switch&) = delete;

  const std::string& name() const { return name_; }
  // Before start(): vport 0 is the uplink, 1 + i is VF i.
  Status add_vport(const std::string& name, std::unique_ptr<Backend> backend);
  void set_port_id(uint8_t vport, uint16_t port_id) { vports_[vport]->port_id = port_id; }
  size_t n_vports() const { return vports_.size(); }
  Vport& vport(uint8_t i) { return *vports_[i]; }
  uint8_t vport_of_port(uint16_t port_id) const;
  void start();
  void stop();

  // rte_flow, from any control thread.
  int validate(const rte_flow_attr* attr, const rte_flow_item* items,
               const rte_flow_action* actions, CompileError* err);
  Rule* create(const rte_flow_attr* attr, const rte_flow_item* items,
               const rte_flow_action* actions, CompileError* err);
  int destroy(Rule* r);
  void flush();
  int query_count(Rule* r, bool reset, uint64_t* hits, uint64_t* bytes);
  size_t n_rules();
  unsigned max_rules() const { return max_rules_; }

  // The host side of a representor.
  uint16_t host_rx(uint8_t vport, rte_mbuf** pkts, uint16_t n);
  uint16_t host_tx(uint8_t vport, rte_mbuf** pkts, uint16_t n);

  const EswCounters& counters() const { return counters_; }
  void reset_counters();

  // One pass over every vport (what the thread does in a loop); true when
  // a frame moved. Exposed for tests that step the switch themselves.
  bool poll_once();

 private:
  void run();
  bool owns(const Rule* r) const;
  void process(rte_mbuf* m, uint8_t in_vport);
  void apply(Rule* r, rte_mbuf* m, uint8_t in_vport, unsigned depth);
  Rule* lookup(const EswKey& key, uint32_t group);
  void to_host(uint8_t vport, rte_mbuf* m, bool miss);
  void release_holds(bool force_all);
  void release(Rule* r);

  std::string name_;
  unsigned max_rules_;
  int64_t hold_timeout_ms_;
  rte_mempool* pool_;
  std::vector<std::unique_ptr<Vport>> vports_;
  std::mutex mu_;             // rules and held frames; the switch thread holds it per burst
  std::vector<Rule*> rules_;  // sorted: group, priority, newest first
  uint64_t next_seq_ = 1;
  unsigned n_holding_ = 0;
  EswCounters counters_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace ferry::esw
