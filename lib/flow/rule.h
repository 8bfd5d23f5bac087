// A flow-table rule. Rules are immutable once built and shared between the
// flow table (control thread) and classifier snapshots (read by PMDs); only
// the statistics change, through atomics. A modify makes a new Rule that
// shares the old one's id and statistics. Packets answered by a megaflow
// are credited later, from the megaflow's counters (datapath/megaflow_stats.cc):
// read these after Datapath::sync_stats() for exact figures.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "lib/flow/action.h"
#include "lib/flow/match.h"

namespace ferry {

struct RuleStats {
  std::atomic<uint64_t> packets{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<int64_t> used_ms{0};  // monotonic ms of the last hit, 0 = never
  // When a learn action last learned this (learned) rule again: its idle
  // and hard timeouts restart (lib/flow/learn.h). Control thread only.
  std::atomic<int64_t> refreshed_ms{0};

  // PMDs 0..kPmdSlots-1 each own a slot: plain stores, no locked
  // instruction per packet run. Other writers use the shared counters.
  static constexpr unsigned kPmdSlots = 4;
  struct Slot {
    std::atomic<uint64_t> packets{0};
    std::atomic<uint64_t> bytes{0};
  };
  Slot pmd[kPmdSlots];

  // Any thread.
  void add(uint64_t n_packets, uint64_t n_bytes, int64_t now_ms) {
    packets.fetch_add(n_packets, std::memory_order_relaxed);
    bytes.fetch_add(n_bytes, std::memory_order_relaxed);
    touch(now_ms);
  }
  // The PMD with this index.
  void add_from_pmd(unsigned index, uint64_t n_packets, uint64_t n_bytes, int64_t now_ms) {
    if (index >= kPmdSlots) return add(n_packets, n_bytes, now_ms);
    Slot& s = pmd[index];
    s.packets.store(s.packets.load(std::memory_order_relaxed) + n_packets,
                    std::memory_order_relaxed);
    s.bytes.store(s.bytes.load(std::memory_order_relaxed) + n_bytes, std::memory_order_relaxed);
    touch(now_ms);
  }
  // Any thread: packets a megaflow counted, last seen at used_ms (the
  // megaflow's time, which may be older than this rule's last hit).
  void credit(uint64_t n_packets, uint64_t n_bytes, int64_t last_ms) {
    if (n_packets) packets.fetch_add(n_packets, std::memory_order_relaxed);
    if (n_bytes) bytes.fetch_add(n_bytes, std::memory_order_relaxed);
    int64_t u = used_ms.load(std::memory_order_relaxed);
    while (u < last_ms && !used_ms.compare_exchange_weak(u, last_ms, std::memory_order_relaxed)) {
    }
  }
  uint64_t total_packets() const {
    uint64_t n = packets.load(std::memory_order_relaxed);
    for (const Slot& s : pmd) n += s.packets.load(std::memory_order_relaxed);
    return n;
  }
  uint64_t total_bytes() const {
    uint64_t n = bytes.load(std::memory_order_relaxed);
    for (const Slot& s : pmd) n += s.bytes.load(std::memory_order_relaxed);
    return n;
  }
  void touch(int64_t now_ms) {
    if (used_ms.load(std::memory_order_relaxed) != now_ms)
      used_ms.store(now_ms, std::memory_order_relaxed);
  }
};

struct Rule {
  // What a PMD reads for every run of packets comes first, in one cache
  // line: the match (2 x 168 bytes) is only read when rules change.
  std::shared_ptr<const ActionList> actions;
  std::shared_ptr<RuleStats> stats;
  // actions_need_xlate(*actions): set with the actions (FlowTable does).
  bool needs_xlate = false;
  uint8_t table_id = 0;
  uint16_t priority = 0;
  uint16_t idle_timeout = 0;
  uint16_t hard_timeout = 0;
  uint64_t id = 0;  // unique within a flow table, kept across modify
  uint64_t cookie = 0;
  uint16_t flags = 0;
  int64_t created_ms = 0;   // monotonic; hard timeouts count from here
  int64_t modified_ms = 0;  // last modify (or created)
  Match match;
};

using RulePtr = std::shared_ptr<const Rule>;

}  // namespace ferry
