// Per-PMD counters. Each is written by its PMD only (plain load+store of an
// atomic, no read-modify-write) and read by the control thread at any time.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lib/packet/parser.h"

namespace ferry {

// Why a packet was dropped; every drop increments exactly one of these.
enum class DropReason : uint8_t {
  // Parse failures first, in ParseStatus order (kOk unused).
  kParseFirst = 0,
  kNoRule = static_cast<uint8_t>(ParseStatus::kCount),  // table miss
  kActionDrop,                                          // the rule's actions output nothing
  kVlanInvalid,        // NORMAL: frame's VLAN not allowed on the input port
  kReservedMulticast,  // NORMAL: 01:80:c2:00:00:0x (forward-bpdu=false)
  kToInPort,           // output to the input port other than through IN_PORT
  kController,         // a packet-in lost: no buffer, or the control thread's queue was full
  kNoVlanMembers,      // NORMAL: flood with no other member port
  kMeter,              // a meter's drop band
  kFdbMiss,            // NORMAL: unknown unicast on a bridge that does not flood it
  kBadOutPort,         // output to a port the bridge does not have
  kTxQueueFull,        // the port took fewer packets than offered
  kNoMbuf,             // copy for a multi-output failed (mempool empty)
  kNoHeadroom,         // VLAN push without headroom
  kTtlExpired,         // dec_ttl on a TTL of 0 or 1 and nothing else sent
  kXlateStopped,       // the pipeline walk stopped with nothing sent (resubmits too deep,
                       // too many actions or rules)
  kRecircDepth,        // recirculated more than kMaxRecircDepth times (as OVS: 6)
  kRecircQueueFull,    // more recirculations in one burst than the PMD's queue holds
  kCtUnavailable,      // a ct action on a datapath without a tracker
  kMirrorPort,         // NORMAL: the destination was learned on a mirror's output port
  // Tunnels (datapath/tunnel_io.h):
  kTunnelNoRoute,         // no ovs/route to the remote endpoint
  kTunnelNeighMiss,       // the next hop's MAC is not known yet (an ARP request goes out)
  kTunnelTruncated,       // a tunnel packet shorter than its outer headers
  kTunnelBadChecksum,     // outer IPv4 header or UDP checksum wrong
  kTunnelBadHeader,       // VXLAN without its I flag, Geneve of another version or payload
  kTunnelCriticalOption,  // a Geneve option with the critical bit Ferry does not map
  kTunnelNoPort,          // for a local endpoint, but no tunnel port takes its remote/VNI
  kCount
};

const char* drop_reason_name(DropReason r);

struct PmdCounters;
// A PMD's counters by the names pmd-stats-show, pmd-stats-clear and the
// telemetry endpoint use ("drop:<reason>" for each drop reason).
using NamedCounters = std::vector<std::pair<std::string, uint64_t>>;
NamedCounters named_counters(const PmdCounters& c);

class Counter {
 public:
  void add(uint64_t n) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void inc() { add(1); }
  uint64_t get() const { return v_.load(std::memory_order_relaxed); }
  void set(uint64_t n) { v_.store(n, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

struct alignas(64) PmdCounters {
  Counter rx_packets;
  Counter tx_packets;
  Counter simple_hits;  // frames handled by a port's simple-match answer
  Counter emc_hits;
  Counter megaflow_hits;
  Counter megaflow_misses;        // classified by the flow table
  Counter megaflow_install_fail;  // classified but the cache was full
  Counter revalidations;          // hits on entries of an older generation, asked again
  Counter subtable_lookups;       // subtables visited on megaflow hits
  Counter tx_batches;             // tx bursts issued
  Counter tx_batch_packets;       // packets offered in those bursts
  Counter cycles_busy;            // TSC cycles in iterations that had packets
  Counter cycles_idle;            // TSC cycles in iterations with none
  Counter iterations;
  Counter sleeps;  // idle back-off sleeps
  Counter sleep_us;
  Counter learn_queue_full;    // learning requests lost (packets still forwarded)
  Counter upcalls;             // frames handed to the control thread
  Counter upcalls_limited;     // ... and those held back by the rate limit
                               // (packets still forwarded)
  Counter packet_in_consumed;  // frames whose last action was a packet-in (not drops)
  Counter drops[static_cast<size_t>(DropReason::kCount)];
  // Per input port (DPDK id): frames and bytes of simple-match bursts, for
  // dpctl/dump-flows.
  Counter simple_packets[64];
  Counter simple_bytes[64];
  Counter simple_used_ms[64];
  // Processing cycles per rx queue (DPDK port id x queue, queues above 7
  // counted as 7): what pmd-rxq-assign=cycles balances.
  static constexpr unsigned kRxqSlots = 8;
  Counter rxq_cycles[64][kRxqSlots];
  // Rx burst sizes: 1, 2-3, 4-7, 8-15, 16-31, 32.
  Counter burst_hist[6];

  uint64_t total_drops() const {
    uint64_t n = 0;
    for (const Counter& c : drops) n += c.get();
    return n;
  }
  void drop(DropReason r, uint64_t n = 1) { drops[static_cast<size_t>(r)].add(n); }
};

}  // namespace ferry
