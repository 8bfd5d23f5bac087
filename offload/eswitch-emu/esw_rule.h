// The emulated eSwitch's rule model: a frame's headers normalised into a
// fixed key (EswKey), rte_flow transfer rules compiled into a masked key and
// a list of operations, and the execution of those operations on a frame.
// Compilation is where the emulator says honestly what it does not do:
// anything outside the supported items and actions is ENOTSUP with the
// offending item or action named.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

struct rte_flow_attr;
struct rte_flow_item;
struct rte_flow_action;
struct rte_mbuf;

namespace ferry::esw {

constexpr unsigned kMaxVports = 65;  // the uplink and up to 64 VFs
constexpr uint8_t kNoVport = 0xff;

// Every matchable field, in frame byte order. Masked comparison works on
// the raw bytes, so the struct has no implicit padding.
struct alignas(8) EswKey {
  uint8_t in_vport;  // 0 = uplink (wire), 1 + i = VF i
  uint8_t has_vlan;
  uint8_t l3;  // 4, 6 or 0
  uint8_t l4;  // IPPROTO_TCP, IPPROTO_UDP or 0
  uint8_t dst[6];
  uint8_t src[6];
  uint16_t eth_type;  // the outermost ethertype (0x8100 when tagged)
  uint16_t tci;
  uint16_t inner_type;
  uint8_t tos, ttl, ip_proto, tcp_flags;
  uint16_t pad0;
  uint32_t ip4_src, ip4_dst;
  uint8_t ip6_src[16], ip6_dst[16];
  uint16_t sport, dport;
  uint32_t pad1, pad2;
};
static_assert(sizeof(EswKey) == 80, "EswKey must have no implicit padding");

// Parses a frame's headers; false when it is too short for an Ethernet header.
bool parse_frame(const uint8_t* data, uint32_t len, uint8_t in_vport, EswKey* key);

enum class OpType : uint8_t {
  kSetMacSrc,
  kSetMacDst,
  kPushVlan,
  kSetVid,
  kSetPcp,
  kPopVlan,
  kCount,
  kMark,
  kDrop,
  kToVport,  // deliver to the represented wire or VF
  kToHost,   // deliver to a representor (the host's software switch)
  kJump,
};

struct Op {
  OpType type;
  uint8_t mac[6] = {};
  uint16_t value = 0;  // ethertype, VLAN id, PCP
  uint32_t arg = 0;    // vport, mark id, group
};

// Maps an ethdev port id to the vport it represents; kNoVport when the port
// is not part of this switch.
using VportOf = std::function<uint8_t(uint16_t port_id)>;

struct CompiledRule {
  uint32_t group = 0;
  uint32_t priority = 0;
  EswKey key{};
  EswKey mask{};
  std::vector<Op> ops;
  bool has_count = false;
};

struct CompileError {
  int code = 0;  // positive errno: ENOTSUP, EINVAL
  int type = 0;  // enum rte_flow_error_type
  const void* cause = nullptr;
  std::string message;
};

// Compiles a transfer rule; false with *err filled when it cannot.
bool compile_rule(const rte_flow_attr* attr, const rte_flow_item* items,
                  const rte_flow_action* actions, const VportOf& vport_of, CompiledRule* out,
                  CompileError* err);

inline bool key_matches(const EswKey& pkt, const CompiledRule& r) {
  const auto* p = reinterpret_cast<const uint64_t*>(&pkt);
  const auto* k = reinterpret_cast<const uint64_t*>(&r.key);
  const auto* m = reinterpret_cast<const uint64_t*>(&r.mask);
  for (unsigned i = 0; i < sizeof(EswKey) / 8; i++)
    if ((p[i] & m[i]) != k[i]) return false;
  return true;
}

// Where a frame goes after a rule's operations ran.
struct Verdict {
  enum Kind : uint8_t { kNone, kVport, kHost, kDrop, kJump } kind = kNone;
  uint32_t arg = 0;  // vport or group
};

// Runs the operations on the frame (header rewrites happen in place) and
// returns its fate. kNone: the rule had no fate action (the frame then goes
// to the host, as a miss would).
Verdict run_ops(const std::vector<Op>& ops, rte_mbuf* m);

}  // namespace ferry::esw
