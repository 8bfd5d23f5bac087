// The tracker's state shared by its stages (execute.cc on the packet
// path; control.cc, format.cc, export.cc on the control side).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "lib/conntrack/conn.h"
#include "lib/conntrack/conntrack.h"
#include "lib/conntrack/key.h"
#include "lib/conntrack/proto.h"
#include "lib/conntrack/table.h"

namespace ferry::ct {

// Named counters. The first ones follow KeyError's order.
enum Ctr : uint8_t {
  kCtrInvL3Header,
  kCtrInvL3Checksum,
  kCtrInvFragment,
  kCtrInvL4Header,
  kCtrInvL4Checksum,
  kCtrInvIcmpType,
  kCtrInvIcmpInner,
  kCtrInvRelatedNoConn,
  kCtrInvNew,
  kCtrInvTcpFlags,
  kCtrInvTcpSeq,
  kCtrTcpSeqBypass,
  kCtrZoneFull,
  kCtrTableFull,
  kCtrNatExhausted,
  kCtrCollision,
  kCtrNoMemory,
  kCtrNatLookupMiss,
  kCtrUntracked,
  kCtrCreated,
  kCtrReopened,
  kCtrForced,
  kCtrCached,  // a ct() answered from the packet's connection, without a lookup
  kCtrCount,
};
extern const char* const kCtrNames[kCtrCount];

constexpr uint32_t kZones = 65536;
constexpr uint32_t kUseDefault = UINT32_MAX;  // a zone without its own limit

class ConntrackImpl {
 public:
  explicit ConntrackImpl(const Conntrack::Config& cfg);

  // ---- packet path (execute.cc)
  void execute(unsigned tid, PacketRef* pkts, size_t n, const CtAction& a, uint64_t now);

  // ---- shared helpers
  uint32_t timeout_s(uint16_t zone, Tm tm) const {
    const TimeoutPolicy* tp = zone_tp_[zone].load(std::memory_order_acquire);
    return (tp ? tp : &default_tp_)->attrs[static_cast<int>(tm_attr(tm))];
  }
  void set_expiration(Conn* c, uint16_t zone, int tm, uint64_t now) {
    if (tm >= 0)
      c->expiration.store(now + uint64_t{timeout_s(zone, static_cast<Tm>(tm))} * 1000,
                          std::memory_order_relaxed);
  }
  uint32_t effective_limit(uint16_t zone) const {
    uint32_t l = zone_limit_[zone].load(std::memory_order_relaxed);
    return l == kUseDefault ? default_limit_.load(std::memory_order_relaxed) : l;
  }
  // Unlinks a connection (control side, under ctl_mu_) and uncounts it.
  void remove_locked(Conn* c, std::vector<uint32_t>* retired);
  ConnInfo info(const Conn* c, uint64_t now) const;

  void count(unsigned tid, Ctr c) {
    auto& v = threads_[tid].ctr[c];
    v.store(v.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  ConnTable table_;
  uint32_t basis_;
  unsigned max_threads_;
  std::atomic<uint32_t> max_conns_;
  std::atomic<int64_t> n_conns_{0};
  std::atomic<bool> seq_check_{true};
  std::atomic<uint32_t> default_limit_{0};
  std::unique_ptr<std::atomic<uint32_t>[]> zone_limit_;  // kUseDefault or a limit (0 = none)
  std::unique_ptr<std::atomic<uint32_t>[]> zone_count_;
  std::unique_ptr<std::atomic<const TimeoutPolicy*>[]> zone_tp_;
  TimeoutPolicy default_tp_;
  std::vector<std::unique_ptr<TimeoutPolicy>> tp_store_;  // every policy ever set (ctl_mu_)

  struct alignas(64) Thread {
    uint64_t rng = 0;
    uint32_t pass = 1;  // bumped at each quiesce()/offline(): CtMeta::conn_pass
    std::atomic<uint64_t> ctr[kCtrCount] = {};
  };
  std::unique_ptr<Thread[]> threads_;
  std::atomic<uint64_t> expired_{0}, flushed_{0}, imported_{0};
  std::atomic<uint64_t> last_now_{0};  // the latest sweep's time (for flush by tuple)
  mutable std::mutex ctl_mu_;          // serializes removals (sweep, flush, import) and settings

 private:
  struct Pkt;
  bool key_packet(unsigned tid, PacketRef& pkt, const CtAction& a, Pkt* x);
  bool cached(unsigned tid, const PacketRef& pkt, CtMeta& m, const CtAction& a);
  void track(unsigned tid, Pkt& x, const CtAction& a, uint64_t now);
  bool update_state(unsigned tid, Pkt& x, Conn* c, uint64_t now);
  void handle_nat(Pkt& x, Conn* c, bool reply);
  Conn* check_orig_tuple(Pkt& x, const CtAction& a, uint64_t now);
  Conn* not_found(unsigned tid, Pkt& x, const CtAction& a, uint64_t now, bool* raced);
  Conn* create(unsigned tid, Pkt& x, const CtAction& a, uint64_t now);
  void write_md(Pkt& x, const Conn* c);
  void set_mark_label(const CtAction& a, CtMeta& m, Conn* c);
};

}  // namespace ferry::ct
