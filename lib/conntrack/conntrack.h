// Connection tracking and NAT (OVS's ct() action), as a plain C++ library:
// no DPDK, no OVS headers. The datapath hands execute() a batch of packets
// (pointers to their L3 headers) with the ct() action's arguments; the
// tracker finds or creates each packet's connection, rewrites the bytes for
// NAT and writes the packet's ct fields (state, zone, mark, label, original
// tuple) into its CtMeta. The control side dumps, flushes, limits and
// exports connections.
//
// Concurrency: execute() runs on many PMD threads at once. Lookups of
// existing connections take no lock; connections are reclaimed only after
// every thread that ever called execute() has called quiesce() (or
// offline()) since they were unlinked. Control calls may come from any
// thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/result.h"

namespace ferry::ct {

// ct_state bits (OVS's CS_* values, as the ct_state match field carries them).
enum : uint8_t {
  kNew = 0x01,
  kEst = 0x02,
  kRel = 0x04,
  kRpl = 0x08,
  kInv = 0x10,
  kTrk = 0x20,
  kSnat = 0x40,
  kDnat = 0x80,
};

struct Label {
  uint64_t lo = 0, hi = 0;  // host order, as OVS's ovs_u128 ct_label
  bool operator==(const Label&) const = default;
};

struct Addr {
  uint8_t b[16] = {};  // network order; IPv4 in b[0..3], the rest zero
  bool operator==(const Addr&) const = default;
};

struct NatSpec {
  enum Kind : uint8_t { kNone, kSrc, kDst } kind = kNone;
  bool ipv6 = false;
  Addr min{}, max{};                    // max below min (or zero): a single address, min
  uint16_t port_min = 0, port_max = 0;  // host order; 0 = no port range
  bool persistent = false, random = false, hash = false;
};

struct CtAction {
  uint16_t zone = 0;
  bool commit = false, force = false;
  bool set_mark = false;
  uint32_t mark = 0, mark_mask = 0;
  bool set_label = false;
  Label label{}, label_mask{};
  bool nat = false;  // nat=true with kind kNone: ct(nat), apply the conn's existing NAT
  NatSpec nat_spec{};
  enum Alg : uint8_t { kNoAlg, kFtp, kTftp } alg = kNoAlg;
};

// The ct fields a packet carries (OVS's flow ct_*), in and out of execute().
// In: the state and zone of an earlier ct() (a new zone resets the state;
// +snat/+dnat makes the lookup use the translated tuple; orig_* find the
// connection of a packet NAT-ed earlier), as OVS's pkt->md. Out: every
// field. ct_clear is the caller's: zero the whole struct.
struct CtMeta {
  uint8_t state = 0;
  uint16_t zone = 0;
  uint32_t mark = 0;
  Label label{};
  bool ipv6 = false;
  Addr orig_src{}, orig_dst{};
  uint16_t orig_tp_src = 0, orig_tp_dst = 0;  // network order (ICMP: type, code)
  uint8_t orig_proto = 0;
  // Out: the connection execute() tracked the packet to (OVS's
  // pkt->md.conn). In: a later ct() in the same zone, by the same thread
  // before its next quiesce()/offline(), uses it without keying the packet
  // or a lookup (OVS's process_one_fast); conn_tid and conn_pass say whether
  // it still may. The caller carries the four with the packet.
  const void* conn = nullptr;
  uint32_t conn_pass = 0;
  uint16_t conn_tid = 0;
  bool conn_reply = false;
};

struct PacketRef {
  uint8_t* l3;       // the IP header; NAT rewrites bytes in place
  uint32_t l3_len;   // bytes from l3 to the end of the frame
  uint16_t dl_type;  // host order 0x0800 or 0x86dd; anything else: untracked, state stays 0
  CtMeta* meta;
};

// A connection's tuple in one direction, as dpctl prints it.
struct Tuple {
  bool ipv6 = false;
  uint8_t proto = 0;
  Addr src{}, dst{};
  uint16_t sport = 0, dport = 0;  // host order (TCP/UDP/SCTP)
  uint16_t icmp_id = 0;           // host order (ICMP echo)
  uint8_t icmp_type = 0, icmp_code = 0;
  bool operator==(const Tuple&) const = default;
};

// OVS's CT_DPIF_TCPS_* (protoinfo state names).
enum class TcpState : uint8_t {
  kClosed,
  kListen,
  kSynSent,
  kSynRecv,
  kEstablished,
  kCloseWait,
  kFinWait1,
  kClosing,
  kLastAck,
  kFinWait2,
  kTimeWait,
};
const char* tcp_state_name(TcpState);

// Timeout policy attributes (OVS's CT_DPIF_TP_ATTR_*, OVSDB names
// tcp_syn_sent ... icmp_reply). Values in seconds.
enum class TpAttr : uint8_t {
  kTcpSynSent,
  kTcpSynRecv,
  kTcpEstablished,
  kTcpFinWait,
  kTcpCloseWait,
  kTcpLastAck,
  kTcpTimeWait,
  kTcpClose,
  kTcpSynSent2,
  kTcpRetransmit,
  kTcpUnack,
  kUdpFirst,
  kUdpSingle,
  kUdpMultiple,
  kIcmpFirst,
  kIcmpReply,
  kCount,
};
const char* tp_attr_name(TpAttr);                    // "tcp_syn_sent"
Result<TpAttr> tp_attr_from_name(std::string_view);  // error names the bad attribute
struct TimeoutPolicy {
  uint32_t present = 0;  // bit per TpAttr set by the operator
  uint32_t attrs[static_cast<int>(TpAttr::kCount)] = {};
  static TimeoutPolicy defaults();  // OVS 3.1's userspace defaults (conntrack-tp.c)
};

// Everything dpctl/dump-conntrack prints about one connection.
struct ConnInfo {
  Tuple orig, reply;
  uint16_t zone = 0;
  uint32_t id = 0;
  uint32_t status = 0;     // CT_DPIF_STATUS_* bits (verbose)
  uint32_t timeout_s = 0;  // seconds left
  uint32_t mark = 0;
  Label label{};
  // TCP protoinfo (proto == 6).
  TcpState tcp_state_orig = TcpState::kClosed, tcp_state_reply = TcpState::kClosed;
  uint8_t wscale_orig = 0, wscale_reply = 0, tcp_flags_orig = 0, tcp_flags_reply = 0;
  CtAction::Alg helper = CtAction::kNoAlg;
  bool has_parent = false;
  Tuple parent{};
};

// A flush filter (OVS 3.1's ofp_ct_match, dpctl/flush-conntrack's
// ct-orig-tuple [ct-reply-tuple]): zero fields are wildcards; for ICMP the
// id, type and code are always compared.
struct CtMatch {
  uint8_t l3 = 0;     // 0 (any), 4 or 6
  uint8_t proto = 0;  // 0: any
  Tuple orig{}, reply{};
};

// Limits (dpctl/ct-set-limits, ct-get-limits).
struct ZoneLimit {
  uint16_t zone = 0;
  uint32_t limit = 0;  // 0: unlimited
  uint32_t count = 0;  // connections in the zone now
};

// Which connections to export (migration): all of a zone and/or those whose
// original source or destination is one of the addresses. Empty = all.
struct ExportFilter {
  bool has_zone = false;
  uint16_t zone = 0;
  std::vector<Addr> addrs;  // compared on all 16 bytes (IPv4 in b[0..3], rest zero)
};

// Named counters: packets marked +inv by reason, drops, table events.
struct Counters {
  std::vector<std::pair<std::string, uint64_t>> items;  // name -> value, fixed order
  uint64_t get(std::string_view name) const;            // 0 when absent
};

class ConntrackImpl;

class Conntrack {
 public:
  struct Config {
    size_t max_conns = 3000000;  // OVS's default ct-maxconns
    unsigned max_threads = 64;   // execute()/quiesce() tids are below this
    // Hash-table buckets are sized for this many connections (at least
    // max_conns at construction is not required: raising maxconns later
    // only lengthens chains). 0 = max_conns.
    size_t expected_conns = 0;
  };

  explicit Conntrack(const Config&);
  ~Conntrack();
  Conntrack(const Conntrack&) = delete;
  Conntrack& operator=(const Conntrack&) = delete;

  // ---- packet path (PMD threads; tid < max_threads, one thread per tid)
  // Each packet's meta is read (state and zone of an earlier ct(), for the
  // zone reset and NAT-ed lookups as OVS) and rewritten. Commit creates
  // connections; NAT rewrites the bytes in place and adds +snat/+dnat
  // (the caller re-parses such packets).
  void execute(unsigned tid, PacketRef* pkts, size_t n, const CtAction& a, uint64_t now_ms);
  // The caller holds no reference from execute(): once per PMD loop.
  void quiesce(unsigned tid);
  // The thread stops calling execute() for a while (sleeps): it no longer
  // holds up reclamation. Its next execute() brings it back.
  void offline(unsigned tid);

  // ---- expiry (a control or cleanup thread; never stalls PMDs)
  // Removes connections that expired at now_ms and frees what every
  // thread has quiesced past. Returns how many connections it removed.
  size_t sweep(uint64_t now_ms);

  // ---- control side, any thread
  // Calls fn for every live connection (of the zone). fn runs under the
  // control lock: it must not call back into this Conntrack.
  void dump(const uint16_t* zone, const std::function<void(const ConnInfo&)>& fn,
            uint64_t now_ms) const;
  // Exactly OVS's dpctl/dump-conntrack line (ct_dpif_format_entry);
  // stats = dump-conntrack -s (timeout=...).
  static std::string format(const ConnInfo&, bool verbose, bool stats = false);
  // flush(zone, nullptr): every connection (of the zone). With a tuple:
  // the one connection it keys (zone *zone or 0; a connection's reply
  // tuple only without NAT; ENOENT otherwise, with OVS's message), live at
  // the latest sweep's time. Returns how many connections went.
  Result<size_t> flush(const uint16_t* zone, const Tuple* orig);
  // As OVS's ct_dpif_flush(): a full original 5-tuple and an empty reply
  // tuple flush that one connection (zone *zone or 0, as above); any other
  // non-zero match flushes every matching connection (of the zone).
  Result<size_t> flush(const uint16_t* zone, const CtMatch& match);

  // dpctl/ct-stats-show's text (verbose: -m, per TCP state), exactly as
  // OVS prints it.
  std::string stats_show(const uint16_t* zone, bool verbose, uint64_t now_ms) const;

  size_t nconns() const;
  uint32_t max_conns() const;
  void set_max_conns(uint32_t n);
  bool tcp_seq_check() const;
  void set_tcp_seq_check(bool on);  // dpctl/ct-enable-tcp-seq-chk (default on)

  // Zone limits: default_limit applies to zones without their own; 0 = none.
  void set_default_limit(uint32_t limit);
  uint32_t default_limit() const;
  void set_zone_limit(uint16_t zone, uint32_t limit);
  void del_zone_limit(uint16_t zone);  // back to the default
  // Zones with their own limit (sorted), each with its count.
  std::vector<ZoneLimit> zone_limits() const;
  ZoneLimit zone_limit(uint16_t zone) const;  // the effective limit and count

  // Timeout policies per zone (CT_Zone's timeout policy); attributes not
  // present in the policy keep OVS's defaults.
  void set_zone_timeout_policy(uint16_t zone, const TimeoutPolicy&);
  void del_zone_timeout_policy(uint16_t zone);
  TimeoutPolicy zone_timeout_policy(uint16_t zone) const;  // effective values

  Counters counters() const;
  // Bytes the table holds (connection pool, buckets, per-thread state).
  size_t memory_bytes() const;

  // Migration: serialized connections (state, NAT, mark, label, TCP
  // windows, time left); import_conns() adds them (skipping tuples already
  // present) and returns how many it added, or an error naming what is
  // malformed (nothing is imported from malformed input).
  std::vector<uint8_t> export_conns(const ExportFilter&, uint64_t now_ms) const;
  Result<size_t> import_conns(const uint8_t* data, size_t len, uint64_t now_ms);

 private:
  std::unique_ptr<ConntrackImpl> impl_;
};

}  // namespace ferry::ct
