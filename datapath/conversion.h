// Address conversion units (staged virtual-MAC paths, SEEDS 000): per
// bridge, rewrites of the destination MAC applied before the flow table.
//
//   rx: frames arriving on `in_ports` with destination `from` (a virtual
//       MAC) continue as frames to `to` (the VM's real MAC);
//   tx: frames from local VM ports to `from` (the real MAC) continue as
//       frames to `to` (the virtual MAC), optionally only for priority
//       classes class_lo..class_hi, optionally duplicated (mirror): the
//       original frame also continues unchanged.
//
// ConversionTable (control thread) holds every conversion and its state
// and applies groups of changes all or nothing; ConversionSnapshot is the
// immutable index of the active ones that PMDs consult.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/packet/flow_key.h"
#include "lib/util/result.h"

namespace ferry {

enum class ConversionDir : uint8_t { kRx, kTx };
enum class ConversionState : uint8_t { kStaged, kActive };

struct ConversionStats {
  std::atomic<uint64_t> packets{0};
  std::atomic<uint64_t> bytes{0};
  void add(uint64_t p, uint64_t b) {
    packets.fetch_add(p, std::memory_order_relaxed);
    bytes.fetch_add(b, std::memory_order_relaxed);
  }
};

struct Conversion {
  uint32_t id = 0;
  ConversionDir dir = ConversionDir::kRx;
  Mac from{};
  Mac to{};
  std::vector<uint32_t> in_ports;  // OpenFlow ports, sorted
  bool has_class = false;
  uint8_t class_lo = 0, class_hi = 7;
  bool mirror = false;
  ConversionState state = ConversionState::kStaged;
  std::shared_ptr<ConversionStats> stats = std::make_shared<ConversionStats>();

  const char* dir_name() const { return dir == ConversionDir::kRx ? "rx" : "tx"; }
  const char* state_name() const { return state == ConversionState::kActive ? "active" : "staged"; }
  // Some frame could match both (same direction, shared port, overlapping classes, same from).
  bool overlaps(const Conversion& o) const;
};

// The priority class of a frame: its 802.1p PCP when tagged, else the DSCP
// class selector (DSCP >> 3) of IPv4/IPv6, else 0.
uint8_t frame_class(const FlowKey& key);

// What PMDs consult: active conversions by input port.
class ConversionSnapshot {
 public:
  struct Entry {
    uint32_t id;
    ConversionDir dir;
    uint8_t from[6];
    uint8_t to[6];
    bool has_class;
    uint8_t class_lo, class_hi;
    bool mirror;
    ConversionStats* stats;
  };

  ConversionSnapshot() = default;
  explicit ConversionSnapshot(const std::vector<const Conversion*>& active);

  // The conversion for this frame, or nullptr; ORs into *wc the key bits
  // it consulted (nothing when no conversion is active on the input port).
  const Entry* lookup(const FlowKey& key, FlowKey* wc) const {
    if (key.in_port >= by_port_.size()) return nullptr;
    const Range& r = by_port_[key.in_port];
    if (r.begin == r.end) return nullptr;
    return lookup_slow(key, wc, r);
  }
  bool empty() const { return entries_.empty(); }

 private:
  struct Range {
    uint32_t begin = 0, end = 0;
    bool any_class = false;
  };
  const Entry* lookup_slow(const FlowKey& key, FlowKey* wc, const Range& r) const;

  std::vector<Entry> entries_;  // grouped by port: rx first, then tx
  std::vector<Range> by_port_;  // indexed by OpenFlow port
  std::vector<std::shared_ptr<ConversionStats>> owners_;
};

// An atomic group of changes (vmac/activate, deactivate, del, commit).
struct ConversionOps {
  std::vector<uint32_t> activate, deactivate, del;
};

// Conversion ids are unique per daemon (the caller assigns them), so one
// request may touch several bridges' tables: check() them all, then
// apply() them all.
class ConversionTable {
 public:
  // Validates and adds c (c.id assigned by the caller). Nothing changes on error.
  Status add(const Conversion& c);
  bool has(uint32_t id) const { return convs_.count(id) != 0; }
  // Whether ops (restricted to this table's ids) can apply; nothing changes.
  Status check(const ConversionOps& ops) const;
  // Applies ops (restricted to this table's ids); call after check().
  void apply(const ConversionOps& ops);
  const std::map<uint32_t, Conversion>& all() const { return convs_; }
  const Conversion* find(uint32_t id) const;
  // Rebuilt only when something changed.
  std::shared_ptr<const ConversionSnapshot> snapshot();
  bool changed() const { return dirty_; }
  // Removes a port from every conversion (the port left the bridge).
  void forget_port(uint32_t ofport);

 private:
  std::map<uint32_t, Conversion> after(const ConversionOps& ops) const;
  std::map<uint32_t, Conversion> convs_;
  bool dirty_ = true;
  std::shared_ptr<const ConversionSnapshot> snapshot_;
};

}  // namespace ferry
